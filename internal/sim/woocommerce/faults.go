package woocommercesim

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// Faults are failures a store injects into the calls it answers.
type Faults struct {
	// Latency delays every call.
	Latency time.Duration
	// Hang holds every call until the client gives up (a timeout).
	Hang bool
	// Hook, when set, sees each call first: a status it returns (non-zero) answers the call with
	// it (429 with Retry-After: 1), as the faults below do.
	Hook func(r *http.Request) int
}

// SetFaults replaces the store's faults.
func (st *Store) SetFaults(f Faults) { st.mu.Lock(); st.faults = f; st.mu.Unlock() }

// FailNext answers the next n calls with status.
func (st *Store) FailNext(n, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for range n {
		st.failNext = append(st.failNext, status)
	}
}

// injectFault answers r with a fault when one is due.
func (st *Store) injectFault(w http.ResponseWriter, r *http.Request) bool {
	st.mu.Lock()
	f := st.faults
	status := 0
	if len(st.failNext) > 0 {
		status, st.failNext = st.failNext[0], st.failNext[1:]
	}
	st.mu.Unlock()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return true
		}
	}
	if f.Hang {
		// Read the body first: only then does the server notice the client giving up.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 8<<20))
		select {
		case <-r.Context().Done():
		case <-st.sim.ctx.Done():
		}
		return true
	}
	if status == 0 && f.Hook != nil {
		status = f.Hook(r)
	}
	if status == 0 {
		return false
	}
	switch status {
	case http.StatusTooManyRequests:
		st.mu.Lock()
		st.throttled++
		st.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(1))
		writeError(w, status, "woocommerce_rest_too_many_requests", "Too many requests.")
	case http.StatusUnauthorized:
		writeError(w, status, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
	case http.StatusNotFound:
		writeError(w, status, "rest_no_route", "No route was found matching the URL and request method.")
	default:
		writeError(w, status, "internal_server_error", "There has been a critical error on this website.")
	}
	return true
}
