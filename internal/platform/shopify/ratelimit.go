package shopify

import (
	"context"
	"sync"
	"time"
)

// Shopify's documented standard-plan bucket, used until the first response reports the real one.
const (
	defaultMaximumAvailable = 2000
	defaultRestoreRate      = 100 // points per second
	defaultQueryCost        = 50  // assumed cost of an operation never seen before
)

// sendSkew is how far apart two requests must leave for the earlier one to be assumed charged
// by the server before the later one: requests sent closer together may arrive in either order.
const sendSkew = time.Millisecond

// Limiter is a client-side mirror of a shop's GraphQL leaky bucket. Shopify refuses a query whose
// requested cost exceeds the points currently available (THROTTLED) and restores points at
// restoreRate per second. The limiter reserves each query's expected cost before sending it and
// waits until the bucket would hold enough; every response's extensions.cost resynchronises it
// with the server's figures, so under sustained load it runs at the restore rate without being
// throttled. It is safe for concurrent use; share one per shop.
type Limiter struct {
	mu        sync.Mutex
	now       func() time.Time
	max       float64
	rate      float64
	available float64 // may go negative: points promised to waiting callers
	last      time.Time
	seq       uint64
	inflight  map[uint64]*reservation // reserved and not answered yet
	applied   time.Time               // send time of the answer that last set the bucket
	costs     map[string]float64      // requested cost learned per operation
	// Until a first answer reports the bucket and a cost, one request probes alone: the others
	// wait for it on primed rather than all guessing at once.
	primed  bool
	probing bool
	changed chan struct{} // closed and replaced whenever probing ends
	stats   LimiterStats
}

// reservation is what reserve hands out and settle takes back.
type reservation struct {
	seq  uint64
	cost float64
	sent time.Time // zero until the request leaves
}

// LimiterStats counts what the limiter did, for benchmarks and metrics.
type LimiterStats struct {
	Requests  int           // reservations made
	Waits     int           // reservations that had to wait
	Waited    time.Duration // total wait promised
	Throttled int           // THROTTLED answers seen
	Spent     float64       // actual cost points charged by the server
}

// NewLimiter returns a limiter assuming Shopify's standard bucket until told otherwise.
func NewLimiter(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{
		now: now, max: defaultMaximumAvailable, rate: defaultRestoreRate,
		available: defaultMaximumAvailable, last: now(), costs: map[string]float64{}, inflight: map[uint64]*reservation{},
		changed: make(chan struct{}),
	}
}

// refill adds the points restored since the last update. Called with mu held.
func (l *Limiter) refill() {
	now := l.now()
	if el := now.Sub(l.last).Seconds(); el > 0 {
		l.available = min(l.max, l.available+el*l.rate)
	}
	l.last = now
}

// reserve takes the expected cost of op from the bucket and returns it with how long the caller
// must wait before sending so that the server's bucket holds it.
func (l *Limiter) reserve(ctx context.Context, op string) (*reservation, time.Duration, error) {
	l.mu.Lock()
	for !l.primed && l.probing {
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-ch:
		}
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	if !l.primed {
		l.probing = true
	}
	l.refill()
	cost, ok := l.costs[op]
	if !ok {
		cost = defaultQueryCost
	}
	cost = min(cost, l.max)
	l.seq++
	r := &reservation{seq: l.seq, cost: cost}
	l.available -= cost
	l.inflight[r.seq] = r
	l.stats.Requests++
	var wait time.Duration
	if l.available < 0 {
		wait = time.Duration(-l.available / l.rate * float64(time.Second))
		l.stats.Waits++
		l.stats.Waited += wait
	}
	return r, wait, nil
}

// markSent records when the request left, which orders it against the others in flight.
func (l *Limiter) markSent(r *reservation) {
	l.mu.Lock()
	r.sent = l.now()
	l.mu.Unlock()
}

// settle releases a reservation and, when the response carried cost figures, adopts the
// server's view. The server had charged the requests sent before this one (they are in its
// currentlyAvailable) but not, most likely, those sent after it or not sent yet: their
// reservations are taken off again. An answer to a request sent before the one that last set
// the bucket describes an older state and only releases its reservation.
func (l *Limiter) settle(op string, r *reservation, c *queryCost, throttled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill()
	delete(l.inflight, r.seq)
	if l.probing && !l.primed {
		l.probing = false
		close(l.changed)
		l.changed = make(chan struct{})
	}
	if throttled {
		l.stats.Throttled++
	}
	if c == nil {
		l.available = min(l.max, l.available+r.cost) // nothing charged that we know of
		return
	}
	if c.RequestedQueryCost > 0 {
		l.costs[op] = c.RequestedQueryCost
	}
	if c.ActualQueryCost != nil {
		l.stats.Spent += *c.ActualQueryCost
	}
	ts := c.ThrottleStatus
	if ts.RestoreRate > 0 {
		l.rate = ts.RestoreRate
	}
	if ts.MaximumAvailable <= 0 {
		return
	}
	l.primed = true
	if r.sent.Before(l.applied) {
		return
	}
	l.applied = r.sent
	l.max = ts.MaximumAvailable
	later := 0.0
	for _, o := range l.inflight {
		if o.sent.IsZero() || o.sent.After(r.sent.Add(-sendSkew)) {
			later += o.cost
		}
	}
	l.available = ts.CurrentlyAvailable - later
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Limiters hands out one Limiter per shop, so every client of a shop in the process draws on
// the same budget.
type Limiters struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*Limiter
}

// NewLimiters returns an empty set.
func NewLimiters(now func() time.Time) *Limiters {
	return &Limiters{now: now, m: map[string]*Limiter{}}
}

// For returns the shop's limiter, creating it on first use.
func (ls *Limiters) For(shop string) *Limiter {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, ok := ls.m[shop]
	if !ok {
		l = NewLimiter(ls.now)
		ls.m[shop] = l
	}
	return l
}
