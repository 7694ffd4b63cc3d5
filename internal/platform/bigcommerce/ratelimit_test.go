package bigcommerce

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

func (f *fakeClock) sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
	return nil
}

// headers gives a limiter's answer headers, in the 30-second window the tests use.
func headers(left, resetMs, quota int) http.Header {
	h := http.Header{}
	h.Set(HeaderRequestsLeft, strconv.Itoa(left))
	h.Set(HeaderTimeResetMs, strconv.Itoa(resetMs))
	h.Set(HeaderRequestsQuota, strconv.Itoa(quota))
	h.Set(HeaderTimeWindowMs, strconv.Itoa(30_000))
	return h
}

func TestLimiterWaitsForTheWindow(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := NewLimiter(clk.now)
	ctx := t.Context()
	// Unknown budget: requests go out.
	if err := l.wait(ctx, clk.sleep); err != nil {
		t.Fatal(err)
	}
	l.done(headers(2, 10_000, 3))
	for range 2 {
		if err := l.wait(ctx, clk.sleep); err != nil {
			t.Fatal(err)
		}
	}
	start := clk.now()
	// Both in flight, none left: the next waits for the reset (10s and the margin).
	done := make(chan struct{})
	go func() {
		_ = l.wait(ctx, clk.sleep)
		close(done)
	}()
	<-done
	if waited := clk.now().Sub(start); waited < 10*time.Second || waited > 11*time.Second {
		t.Fatalf("waited %v, want the 10s reset", waited)
	}
	if st := l.Stats(); st.Waits != 1 || st.Quota != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLimiterAnswersOutOfOrder(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := NewLimiter(clk.now)
	ctx := t.Context()
	_ = l.wait(ctx, clk.sleep)
	l.done(headers(10, 20_000, 10))
	for range 5 {
		_ = l.wait(ctx, clk.sleep)
	}
	// The store counted them 9, 8, 7, 6, 5; the answers arrive 5 first, then 9.
	l.done(headers(5, 19_000, 10))
	l.done(headers(9, 19_500, 10))
	if l.left > 5 {
		t.Fatalf("left %d after a late answer: the count within a window only falls", l.left)
	}
	// A late answer of the previous window after the limiter moved on says nothing.
	clk.t = clk.t.Add(21 * time.Second)
	_ = l.wait(ctx, clk.sleep) // the window has reset: the whole quota less what is in flight
	left := l.left
	l.done(headers(0, 1, 10))
	if l.left != left {
		t.Fatalf("stale answer moved left from %d to %d", left, l.left)
	}
}
