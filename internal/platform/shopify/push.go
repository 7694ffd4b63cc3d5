package shopify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// pushMemory is what a client learned of its own keyed creates (orders of a push, products of an
// import) that the search may not show yet, by the key's tag: what was made (read back by id), or
// when a create's answer was lost. Clients are kept per store for the process, so a job retried
// in the same process is covered even if it records nothing; after a restart the input's
// UncertainSince covers it.
type pushMemory struct {
	mu    sync.Mutex
	marks map[string]*pushMark
}

type pushMark struct {
	inFlight bool
	orderID  string    // what a create made (an order, a product)
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
// search has had time to show it.
func (c *Client) outcomeUnknown(what, msg string, cause error) *platform.Error {
	e := c.newError(what, platform.KindOutcomeUnknown, msg)
	e.Retryable, e.RetryAfter = true, c.cfg.OrderSearchLag
	if pe, ok := errors.AsType[*platform.Error](cause); ok {
		e.StatusCode, e.Err = pe.StatusCode, pe.Err
		e.Message += " (" + string(pe.Kind) + ": " + pe.Message + ")"
	} else {
		e.Err = cause
	}
	return e
}

// KeyTag is the tag that marks what storesync created for one key (an order push, a product
// import). Shopify's orderCreate and productSet take no @idempotent key, so a keyed create looks
// for this tag before creating.
func KeyTag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "storesync-" + hex.EncodeToString(sum[:8])
}

// keyedFind is how a keyed create finds what an earlier attempt made: by id, what this client
// remembers (no lag), or by tag in the search (which lags).
type keyedFind[T any] struct {
	what  string // the create, in errors: "creating order"
	byID  func(ctx context.Context, id string) (T, error)
	byTag func(ctx context.Context, tag string) (T, bool, error)
}

// findKeyedAndBegin returns what an earlier attempt created for tag, or marks a create of tag in
// flight on this client when there is none. A create on this client that ended while it looked
// (another goroutine's) makes it look again.
func findKeyedAndBegin[T any](ctx context.Context, c *Client, f keyedFind[T], tag string, uncertainSince time.Time) (T, bool, error) {
	var zero T
	for range 2 {
		v, found, since, err := findKeyed(ctx, c, f, tag, uncertainSince)
		if err != nil || found {
			return v, found, err
		}
		switch c.pushes.begin(tag, since, c.cfg.Now()) {
		case beginOK:
			return zero, false, nil
		case beginBusy:
			return zero, false, c.outcomeUnknown(f.what, "another create of this key is in flight", nil)
		case beginChanged:
		}
	}
	return zero, false, c.outcomeUnknown(f.what, "other creates of this key ended meanwhile", nil)
}

// findKeyed returns what an earlier attempt created for tag: what this client remembers (read by
// id, which does not lag), else what the search finds. While a doubt is younger than the search
// lag it first waits for the search to catch up; since is the doubt it waited out.
func findKeyed[T any](ctx context.Context, c *Client, f keyedFind[T], tag string, uncertainSince time.Time) (v T, found bool, since time.Time, err error) {
	id, seen := c.pushes.recall(tag, c.cfg.Now())
	if id != "" {
		v, err := f.byID(ctx, id)
		if err != nil {
			return v, false, seen, fmt.Errorf("reading what an earlier attempt created: %w", err)
		}
		return v, true, seen, nil
	}
	if seen.After(uncertainSince) {
		uncertainSince = seen
	}
	if wait := uncertainSince.Add(c.cfg.OrderSearchLag).Sub(c.cfg.Now()); !uncertainSince.IsZero() && wait > 0 {
		c.log.InfoContext(ctx, "waiting for the search before creating again", "tag", tag, "wait", wait)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return v, false, seen, fmt.Errorf("waiting for the search: %w", err)
		}
	}
	v, found, err = f.byTag(ctx, tag)
	if err != nil {
		return v, false, seen, fmt.Errorf("looking for an earlier create: %w", err)
	}
	return v, found, seen, nil
}
