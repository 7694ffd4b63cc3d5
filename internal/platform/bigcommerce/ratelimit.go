package bigcommerce

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform/httpclient"
)

// The rate-limit headers BigCommerce sends with every answer, 429s included.
const (
	HeaderRequestsLeft  = "X-Rate-Limit-Requests-Left"
	HeaderTimeResetMs   = "X-Rate-Limit-Time-Reset-Ms"
	HeaderRequestsQuota = "X-Rate-Limit-Requests-Quota"
	HeaderTimeWindowMs  = "X-Rate-Limit-Time-Window-Ms"
)

// resetMargin is added to every reset the store announces.
const resetMargin = 25 * time.Millisecond

// Limiter is one store's request budget, as the store's last answers told it: how many requests
// are left in the window and when the window resets. Every client of the store in a process
// shares one, so together they stop before the budget is spent instead of drawing 429s. It is
// safe for concurrent use.
type Limiter struct {
	now func() time.Time

	mu       sync.Mutex
	known    bool      // an answer has told the budget
	left     int       // requests left in the window, less those sent since
	resetAt  time.Time // when the window starts again
	quota    int
	window   time.Duration
	inFlight int
	waits    int // times a request waited for the window
	waited   time.Duration
}

// NewLimiter returns a limiter that knows nothing yet: requests go out until an answer tells the
// budget.
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now}
}

// wait blocks until a request may be sent, then counts it as in flight. done must be called with
// the answer's headers (nil when there was no answer).
func (l *Limiter) wait(ctx context.Context, sleep httpclient.SleepFunc) error {
	for {
		l.mu.Lock()
		now := l.now()
		if l.known && !now.Before(l.resetAt) {
			// The window has reset: the budget is the whole quota again, less what is in flight.
			l.left = max(l.quota-l.inFlight, 0)
			if l.quota == 0 {
				l.known = false
			}
			l.resetAt = now.Add(max(l.window, time.Second))
		}
		if !l.known || l.left > 0 {
			if l.known {
				l.left--
			}
			l.inFlight++
			l.mu.Unlock()
			return nil
		}
		d := l.resetAt.Sub(now)
		l.waits++
		l.waited += d
		l.mu.Unlock()
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// done records an answer's rate-limit headers (h nil: no answer).
func (l *Limiter) done(h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight = max(l.inFlight-1, 0)
	if h == nil {
		return
	}
	left, err1 := strconv.Atoi(h.Get(HeaderRequestsLeft))
	reset, err2 := strconv.ParseInt(h.Get(HeaderTimeResetMs), 10, 64)
	if err1 != nil || err2 != nil || left < 0 || reset < 0 {
		return
	}
	if q, err := strconv.Atoi(h.Get(HeaderRequestsQuota)); err == nil && q > 0 {
		l.quota = q
	}
	if w, err := strconv.ParseInt(h.Get(HeaderTimeWindowMs), 10, 64); err == nil && w > 0 {
		l.window = time.Duration(w) * time.Millisecond
	}
	// The reset is in whole milliseconds and was read some time after the store counted: a
	// margin keeps the next window's first requests from arriving just before it opens.
	resetAt := l.now().Add(time.Duration(reset)*time.Millisecond + resetMargin)
	half := max(l.window, time.Second) / 2
	// Answers arrive in any order: requests still in flight were counted after this one, so
	// they spend budget too, and within one window the count only falls.
	n := max(left-l.inFlight, 0)
	switch {
	case !l.known || resetAt.After(l.resetAt.Add(half)):
		// The first answer, or the first of a new window.
		l.left, l.resetAt = n, resetAt
	case resetAt.Before(l.resetAt.Add(-half)):
		// An answer from the window before the one this limiter has moved on to (it was slow
		// to arrive): its count says nothing about the current window.
	default:
		l.left = min(l.left, n)
		if resetAt.After(l.resetAt) {
			l.resetAt = resetAt
		}
	}
	l.known = true
}

// LimiterStats is what a limiter has done, for metrics and benchmarks.
type LimiterStats struct {
	Waits  int           // times a request waited for the window to reset
	Waited time.Duration // total time spent waiting
	Left   int           // requests left in the window, as last known
	Quota  int           // requests per window, as last known (0: not yet known)
}

// Stats returns what the limiter has done.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LimiterStats{Waits: l.waits, Waited: l.waited, Left: l.left, Quota: l.quota}
}

// Limiters hands out one Limiter per store, so every client of a store in a process shares it.
type Limiters struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*Limiter
}

// NewLimiters returns an empty set.
func NewLimiters(now func() time.Time) *Limiters {
	return &Limiters{now: now, m: map[string]*Limiter{}}
}

// For returns the store's limiter, making it on first use.
func (ls *Limiters) For(store string) *Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, ok := ls.m[store]
	if !ok {
		l = NewLimiter(ls.now)
		ls.m[store] = l
	}
	return l
}
