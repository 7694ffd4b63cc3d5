package shopify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// pushMemory is what a client learned of its own order creates that the orders search may not
// show yet, by push tag: the order made (read back by id), or when a create's answer was lost.
// Clients are kept per store for the process, so a job retried in the same process is covered
// even if it records nothing; after a restart OrderInput.UncertainSince covers it.
type pushMemory struct {
	mu    sync.Mutex
	marks map[string]*pushMark
}

type pushMark struct {
	inFlight bool
	orderID  string    // the order a create made
	doubt    time.Time // when a create's answer was lost
	until    time.Time // forgotten then: the search shows the order by now
}

// recall returns the order created for tag, or when a create of it last left doubt.
func (p *pushMemory) recall(tag string, now time.Time) (orderID string, doubt time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.marks[tag]
	if m == nil || (!m.inFlight && now.After(m.until)) {
		return "", time.Time{}
	}
	return m.orderID, m.doubt
}

type beginResult int

const (
	beginOK      beginResult = iota // marked in flight: create
	beginBusy                       // another create of the tag is in flight
	beginChanged                    // a create ended since the caller looked (seen): look again
)

// begin marks a create of tag in flight, unless one is, or one ended after the caller's look
// (its order made, or a doubt newer than seen, the doubt the caller waited out). A mark past
// its until counts as none, as in recall.
func (p *pushMemory) begin(tag string, seen, now time.Time) beginResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.marks == nil {
		p.marks = map[string]*pushMark{}
	}
	m := p.marks[tag]
	if m == nil || (!m.inFlight && now.After(m.until)) {
		m = &pushMark{}
		p.marks[tag] = m
	}
	switch {
	case m.inFlight:
		return beginBusy
	case m.orderID != "" || m.doubt.After(seen):
		return beginChanged
	}
	m.inFlight = true
	return beginOK
}

// end records how a create of tag ended: created (the order's id), in doubt, or certainly not
// made (forgotten). Marks older than their until are pruned here.
func (p *pushMemory) end(tag, created string, doubt bool, now time.Time, lag time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.marks[tag]
	if m == nil {
		return
	}
	m.inFlight = false
	switch {
	case created != "":
		m.orderID, m.until = created, now.Add(2*lag)
	case doubt:
		m.doubt, m.until = now, now.Add(2*lag)
	case m.orderID == "" && m.doubt.IsZero():
		delete(p.marks, tag)
	}
	for k, v := range p.marks {
		if !v.inFlight && now.After(v.until) {
			delete(p.marks, k)
		}
	}
}

// tracedSend returns a context whose requests report in sent when one was written in full: only
// then can the server have run it.
func tracedSend(ctx context.Context) (*atomic.Bool, context.Context) {
	var sent atomic.Bool
	return &sent, httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				sent.Store(true)
			}
		},
	})
}

// mayHaveRun reports whether a failed call that is not idempotent may still have been applied:
// it was sent and no answer says the server refused it before running it. Refusals are a 429 or
// THROTTLED, any other 4xx, and a GraphQL error about the document; a network error counts as
// run only once the request was written (sent). An HTTPClient that does not report writes
// (httptrace) makes every network error count as not sent.
func mayHaveRun(err error, sent bool) bool {
	pe, ok := errors.AsType[*platform.Error](err)
	switch {
	case !ok: // the context ended, waiting or in flight
		return sent
	case pe.Kind == platform.KindRateLimited:
		return false
	case pe.StatusCode >= 400 && pe.StatusCode < 500 && pe.StatusCode != http.StatusRequestTimeout:
		return false
	case pe.StatusCode == http.StatusOK && pe.Err == nil && pe.Kind != platform.KindUnavailable:
		return false // the document was refused (validation, access, cost)
	case pe.StatusCode == 0 && pe.Kind == platform.KindUnavailable:
		return sent && !errors.Is(pe.Err, httpclient.ErrForbiddenTarget) && !isDialError(pe.Err)
	}
	return true
}

func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// outcomeUnknown is the error of a create that may have been applied: retry only after the
// orders search has had time to show it.
func (c *Client) outcomeUnknown(msg string, cause error) *platform.Error {
	e := c.newError("creating order", platform.KindOutcomeUnknown, msg)
	e.Retryable, e.RetryAfter = true, c.cfg.OrderSearchLag
	if pe, ok := errors.AsType[*platform.Error](cause); ok {
		e.StatusCode, e.Err = pe.StatusCode, pe.Err
		e.Message += " (" + string(pe.Kind) + ": " + pe.Message + ")"
	} else {
		e.Err = cause
	}
	return e
}
