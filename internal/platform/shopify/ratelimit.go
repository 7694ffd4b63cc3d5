package shopify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Shopify's documented standard-plan bucket, used until the first response reports the real one.
const (
	defaultMaximumAvailable = 2000
	defaultRestoreRate      = 100 // points per second
	defaultQueryCost        = 50  // assumed cost of an operation never seen before
)

// The bounds of what a server may report about its bucket. Shopify documents restore rates of
// 100 (Standard), 200 (Advanced), 1,000 (Plus) and 2,000 (Commerce Components) points per second
// and buckets holding twenty seconds of them; the floor keeps the older Standard figures (1,000
// and 50/s). Figures outside are clamped, so an answer (from a misbehaving server, or one a
// store's base URL points at) can neither stall the client for hours nor unleash it.
const (
	minMaximumAvailable = 1000
	maxMaximumAvailable = 40000
	minRestoreRate      = 50
	maxRestoreRate      = 2000
)

// clampCost keeps reported bucket figures within Shopify's documented bounds.
func clampCost(c *queryCost) {
	ts := &c.ThrottleStatus
	if ts.RestoreRate > 0 {
		ts.RestoreRate = min(max(ts.RestoreRate, minRestoreRate), maxRestoreRate)
	}
	if ts.MaximumAvailable > 0 {
		ts.MaximumAvailable = min(max(ts.MaximumAvailable, minMaximumAvailable), maxMaximumAvailable)
		ts.CurrentlyAvailable = min(max(ts.CurrentlyAvailable, 0), ts.MaximumAvailable)
	}
	c.RequestedQueryCost = min(max(c.RequestedQueryCost, 0), MaxQueryCost)
	if c.ActualQueryCost != nil {
		a := min(max(*c.ActualQueryCost, 0), MaxQueryCost)
		c.ActualQueryCost = &a
	}
}

// Limiter is a client-side mirror of a shop's GraphQL leaky bucket. Shopify admits a query only
// if its requested cost fits in the points currently available (otherwise THROTTLED), holds that
// cost while the query runs, refunds what the query did not actually use, and restores points at
// restoreRate per second.
//
// Callers queue in order. The head goes when the estimated level covers its requested cost; the
// others wait for the time the restore rate needs to cover theirs and the actual costs of those
// ahead, and look again whenever an answer moves the estimate. Every answer's extensions.cost
// resets the estimate to the server's figures, so under sustained load the limiter spends at the
// restore rate without being throttled. It is safe for concurrent use; share one per shop.
type Limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	max      float64
	rate     float64
	level    float64 // estimated points available at the server, less what our requests hold
	last     time.Time
	seq      uint64
	queue    []*reservation          // waiting to be admitted, in order
	inflight map[uint64]*reservation // admitted and not answered yet
	applied  time.Time               // send time of the answer that last set the level
	costs    map[string]opCost       // learned per operation
	// Until a first answer reports the bucket and a cost, one request probes alone: the others
	// wait for it rather than all guessing at once.
	primed  bool
	probing bool
	changed chan struct{} // closed and replaced whenever the estimate moves
	stats   LimiterStats
}

type opCost struct{ requested, actual float64 }

// reservation is one request's place in the limiter, from acquire to settle.
type reservation struct {
	seq       uint64
	requested float64
	actual    float64   // expected actual cost
	sent      time.Time // zero until the request leaves
}

// LimiterStats counts what the limiter did, for benchmarks and metrics.
type LimiterStats struct {
	Requests  int           // requests admitted
	Waits     int           // requests that had to wait
	Waited    time.Duration // total time spent waiting
	Throttled int           // THROTTLED answers seen
	Spent     float64       // actual cost points charged by the server
}

// NewLimiter returns a limiter assuming Shopify's standard bucket until told otherwise.
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		now: now, max: defaultMaximumAvailable, rate: defaultRestoreRate, level: defaultMaximumAvailable,
		last: now(), costs: map[string]opCost{}, inflight: map[uint64]*reservation{}, changed: make(chan struct{}),
	}
}

// refill adds the points restored since the last update. Called with mu held.
func (l *Limiter) refill() {
	now := l.now()
	if el := now.Sub(l.last).Seconds(); el > 0 {
		l.level = min(l.max, l.level+el*l.rate)
	}
	l.last = now
}

// signal wakes every waiter to look at the estimate again. Called with mu held.
func (l *Limiter) signal() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// acquire waits until op can be sent without being throttled and admits it. sleep is the
// client's (injectable) sleep: a waiter that sleeps its full estimate goes without looking
// again, so a fake clock in tests cannot keep it waiting forever.
func (l *Limiter) acquire(ctx context.Context, op string, sleep httpclient.SleepFunc) (*reservation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.primed && l.probing {
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		l.mu.Lock()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if !l.primed {
		l.probing = true
	}
	c, ok := l.costs[op]
	if !ok {
		c = opCost{requested: defaultQueryCost, actual: defaultQueryCost}
	}
	l.seq++
	r := &reservation{seq: l.seq, requested: min(c.requested, l.max), actual: c.actual}
	l.queue = append(l.queue, r)
	waited := false
	start := l.now()
	for {
		l.refill()
		ahead := 0.0
		for _, q := range l.queue {
			if q == r {
				break
			}
			ahead += q.actual
		}
		need := r.requested + ahead - l.level
		if need <= 0 && l.queue[0] == r {
			break
		}
		waited = true
		wait := time.Duration(max(need, 0) / l.rate * float64(time.Second))
		wait = max(wait, time.Millisecond) // let the head go first
		err := l.waitChange(ctx, sleep, wait)
		if ctx.Err() != nil {
			l.queue = slices.DeleteFunc(l.queue, func(q *reservation) bool { return q == r })
			l.signal()
			return nil, ctx.Err()
		}
		if err == nil { // slept the whole estimate: go
			l.refill()
			break
		}
	}
	l.queue = slices.DeleteFunc(l.queue, func(q *reservation) bool { return q == r })
	l.level -= r.requested // the server holds the requested cost while the query runs
	l.inflight[r.seq] = r
	l.stats.Requests++
	if waited {
		l.stats.Waits++
		l.stats.Waited += l.now().Sub(start)
	}
	l.signal()
	return r, nil
}

// waitChange sleeps up to d, waking early when the estimate moves. It returns nil after a full
// sleep and an error when woken early or cancelled. Called with mu held; releases it meanwhile.
func (l *Limiter) waitChange(ctx context.Context, sleep httpclient.SleepFunc, d time.Duration) error {
	ch := l.changed
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ch:
			cancel()
		case <-wctx.Done():
		}
	}()
	l.mu.Unlock()
	err := sleep(wctx, d)
	l.mu.Lock()
	return err
}

// markSent records when the request left, which orders it against the others in flight.
func (l *Limiter) markSent(r *reservation) {
	l.mu.Lock()
	r.sent = l.now()
	l.mu.Unlock()
}

// settle ends a reservation. With cost figures the estimate becomes the server's
// currentlyAvailable less the requested cost of every request of ours still in flight: the
// server may not have charged them yet (requests overtake each other on the way), and counting
// them twice for the moment costs little because each of their answers resets the estimate and
// wakes the waiters. An answer to a request sent before the one that last set the level
// describes an older state and only releases what the query did not use. Without figures (a
// network or HTTP error) the hold is given back.
func (l *Limiter) settle(op string, r *reservation, c *queryCost, throttled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.signal()
	l.refill()
	delete(l.inflight, r.seq)
	if l.probing && !l.primed {
		l.probing = false
	}
	if throttled {
		l.stats.Throttled++
	}
	if c == nil {
		l.level = min(l.max, l.level+r.requested)
		return
	}
	cc := *c
	c = &cc
	clampCost(c)
	oc := l.costs[op]
	if c.RequestedQueryCost > 0 {
		oc.requested = c.RequestedQueryCost
		if oc.actual == 0 {
			oc.actual = c.RequestedQueryCost
		}
	}
	if c.ActualQueryCost != nil {
		oc.actual = *c.ActualQueryCost
		l.stats.Spent += *c.ActualQueryCost
	}
	if oc.requested > 0 {
		l.costs[op] = oc
	}
	ts := c.ThrottleStatus
	if ts.RestoreRate > 0 {
		l.rate = ts.RestoreRate
	}
	if ts.MaximumAvailable <= 0 {
		l.level = min(l.max, l.level+r.requested)
		return
	}
	l.primed = true
	if r.sent.IsZero() || r.sent.Before(l.applied) {
		l.level = min(l.max, l.level+r.requested-oc.actual)
		return
	}
	l.applied = r.sent
	l.max = ts.MaximumAvailable
	held := 0.0
	for _, o := range l.inflight {
		held += o.requested
	}
	l.level = ts.CurrentlyAvailable - held
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Limiters hands out one Limiter per store, so every client of a store in the process draws on
// the same budget, and no store draws on another's: Shopify's budget belongs to one app on one
// shop, so the key is the address and the credentials (see LimiterKey), never the shop domain
// alone, which any store may claim while pointing its base URL elsewhere.
type Limiters struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*Limiter
}

// NewLimiters returns an empty set.
func NewLimiters(now func() time.Time) *Limiters {
	return &Limiters{now: now, m: map[string]*Limiter{}}
}

// LimiterKey is the key of one budget: where the shop answers, which shop, and with which
// token (hashed, so the key holds no credential).
func LimiterKey(baseURL, shop, accessToken string) string {
	h := sha256.Sum256([]byte(baseURL + "\x00" + shop + "\x00" + accessToken))
	return hex.EncodeToString(h[:])
}

// For returns the limiter of a key (LimiterKey), creating it on first use.
func (ls *Limiters) For(key string) *Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, ok := ls.m[key]
	if !ok {
		l = NewLimiter(ls.now)
		ls.m[key] = l
	}
	return l
}
