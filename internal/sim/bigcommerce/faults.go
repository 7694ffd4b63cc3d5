package bigcommerce

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Faults make a store misbehave on every call, at random (seeded by Options.Seed).
type Faults struct {
	Latency       time.Duration // added to every answer
	ErrorRate     float64       // share of calls answered 500
	RateLimitRate float64       // share of calls answered 429 although the quota is not spent
}

// Fault is what a FaultHook makes of one call. The zero Fault lets it through.
type Fault struct {
	Status int           // answer with this status (and the API's error body) instead
	Delay  time.Duration // wait this long first
	// Hang holds the call until the client gives up: a timeout.
	Hang bool
	// AfterApply carries the call out before answering Status: the answer is lost but the
	// write happened (a create whose outcome the client cannot know).
	AfterApply bool
}

// FaultHook decides a fault per call, from its method and path (after /stores/<hash>).
type FaultHook func(method, path string) Fault

// SetFaults sets a store's random faults.
func (s *Sim) SetFaults(hash string, f Faults) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	st.mu.Lock()
	st.faults = f
	st.mu.Unlock()
	return nil
}

// SetFaultHook sets (nil: removes) a store's per-call fault hook.
func (s *Sim) SetFaultHook(hash string, h FaultHook) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	st.mu.Lock()
	st.hook = h
	st.mu.Unlock()
	return nil
}

// FailNext answers the store's next n calls with status (after authentication and the quota).
func (s *Sim) FailNext(hash string, n, status int) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	st.mu.Lock()
	for range n {
		st.failNext = append(st.failNext, status)
	}
	st.mu.Unlock()
	return nil
}

func (s *Sim) faultRand(hash string) *rand.Rand {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d/%s/faults", s.opts.Seed, hash)
	return rand.New(rand.NewPCG(h.Sum64(), uint64(s.opts.Seed))) //nolint:gosec // G115: the seed's bits are the stream's; a negative seed wraps as intended
}

// injectFault applies the store's faults to a call; true means it was answered.
func (st *Store) injectFault(w http.ResponseWriter, r *http.Request, v2 bool) bool {
	st.mu.Lock()
	f := st.faults
	var status int
	if len(st.failNext) > 0 {
		status, st.failNext = st.failNext[0], st.failNext[1:]
	}
	hook := st.hook
	if status == 0 && (f.ErrorRate > 0 || f.RateLimitRate > 0) {
		if st.rnd == nil {
			st.rnd = st.sim.faultRand(st.cfg.Hash)
		}
		x := st.rnd.Float64()
		switch {
		case x < f.RateLimitRate:
			status = http.StatusTooManyRequests
		case x < f.RateLimitRate+f.ErrorRate:
			status = http.StatusInternalServerError
		}
	}
	st.mu.Unlock()
	var fault Fault
	if hook != nil {
		fault = hook(r.Method, strings.TrimPrefix(r.URL.Path, StorePath(st.cfg.Hash)))
	}
	if d := f.Latency + fault.Delay; d > 0 {
		if !sleepCtx(r.Context(), d) {
			return true
		}
	}
	if fault.Hang {
		<-r.Context().Done()
		return true
	}
	if fault.Status != 0 {
		status = fault.Status
	}
	if status == 0 {
		return false
	}
	if fault.AfterApply {
		st.sim.mux.ServeHTTP(httptest.NewRecorder(), r.WithContext(context.WithValue(r.Context(), storeKey{}, st)))
	}
	if status == http.StatusTooManyRequests {
		st.mu.Lock()
		st.throttled++
		st.mu.Unlock()
		w.Header().Set("X-Rate-Limit-Requests-Left", "0")
	}
	writeErr(w, v2, status, http.StatusText(status)+" (simulated fault)", nil)
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
