package shopifysim

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// CallFaultMode is how a call picked by a CallFault misbehaves.
type CallFaultMode int

// Call fault modes. The *After modes run the call first: what it wrote stays written, only the
// answer is lost, which is the doubt a client must handle when its write is not idempotent.
const (
	// FailBefore answers 503 without running the call.
	FailBefore CallFaultMode = iota + 1
	// LoseResponse runs the call, then answers 502 instead of its result.
	LoseResponse
	// TimeoutAfter runs the call, then holds the answer until the client gives up (or
	// Faults.Timeout passes, then 504).
	TimeoutAfter
	// ResetAfter runs the call, then cuts the connection without an answer.
	ResetAfter
)

// CallFault makes chosen calls of one root field (e.g. "orderCreate", "fulfillmentCreate")
// misbehave, counting that field's calls from when the fault was added.
type CallFault struct {
	Field string
	// Calls lists which calls fail, 1 for the first after AddCallFault; empty: every call.
	Calls []int
	Mode  CallFaultMode
}

type callFaultState struct {
	CallFault
	seen int
}

// callFaults holds a shop's call faults; it has its own lock because it is consulted before
// the request takes the shop's.
type callFaults struct {
	mu   sync.Mutex
	list []*callFaultState
}

// AddCallFault adds a call fault to a shop (ClearCallFaults removes them all).
func (s *Sim) AddCallFault(domain string, f CallFault) {
	sh, err := s.Shop(domain)
	if err != nil {
		s.log.Warn("call fault for an unknown shop", "shop", domain)
		return
	}
	sh.callFaults.mu.Lock()
	sh.callFaults.list = append(sh.callFaults.list, &callFaultState{CallFault: f})
	sh.callFaults.mu.Unlock()
}

// ClearCallFaults removes a shop's call faults.
func (s *Sim) ClearCallFaults(domain string) {
	if sh, err := s.Shop(domain); err == nil {
		sh.callFaults.mu.Lock()
		sh.callFaults.list = nil
		sh.callFaults.mu.Unlock()
	}
}

// pickCallFault counts the request's root fields against the shop's call faults and returns the
// mode of the first that picks this call (0: none). The document is parsed only when faults exist.
func (s *Sim) pickCallFault(sh *Shop, req gqlRequest) CallFaultMode {
	sh.callFaults.mu.Lock()
	defer sh.callFaults.mu.Unlock()
	if len(sh.callFaults.list) == 0 {
		return 0
	}
	doc, errs := gqlparser.LoadQueryWithRules(s.ast, req.Query, nil)
	if len(errs) > 0 {
		return 0
	}
	op := pickOperation(doc, req.OperationName)
	if op == nil {
		return 0
	}
	var mode CallFaultMode
	for _, sel := range op.SelectionSet {
		field, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		for _, f := range sh.callFaults.list {
			if f.Field != field.Name {
				continue
			}
			f.seen++
			if mode == 0 && (len(f.Calls) == 0 || slices.Contains(f.Calls, f.seen)) {
				mode = f.Mode
			}
		}
	}
	return mode
}

// serveWithCallFault runs a request picked by a call fault; it reports whether it answered.
func (s *Sim) serveWithCallFault(w http.ResponseWriter, r *http.Request, sh *Shop, req gqlRequest, mode CallFaultMode) bool {
	switch mode {
	case FailBefore:
		writeJSONError(w, http.StatusServiceUnavailable, "Internal error. Looks like something went wrong on our end.")
		return true
	case LoseResponse, TimeoutAfter, ResetAfter:
	default:
		return false
	}
	_ = s.execute(r.Context(), sh, req, baseURL(r), false) // written, answer lost
	switch mode {
	case LoseResponse:
		writeJSONError(w, http.StatusBadGateway, "Bad Gateway")
	case TimeoutAfter:
		wait := sh.currentFaults().Timeout
		if wait <= 0 {
			wait = 60 * time.Second
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			writeJSONError(w, http.StatusGatewayTimeout, "Gateway Timeout")
		case <-r.Context().Done():
		}
	default: // ResetAfter
		panic(http.ErrAbortHandler) // net/http closes the connection without an answer or a log line
	}
	return true
}

// searchVisible reports whether an order or a product created at created is in the shop's
// search index yet: Shopify's searches (orders(query: ...), products(query: ...)) show a new one
// only seconds after it was created, which Faults.SearchLag models. Reads by id and unfiltered
// lists are not delayed.
func (sh *Shop) searchVisible(created time.Time, query *string) bool {
	lag := sh.faults.SearchLag
	if lag <= 0 || query == nil || *query == "" {
		return true
	}
	return !sh.sim.now().Before(created.Add(lag))
}
