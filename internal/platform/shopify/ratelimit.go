package shopify

import (
	"sync"
	"time"
)

// Shopify's documented standard-plan bucket, used until the first response reports the real one.
const (
	defaultMaximumAvailable = 2000
	defaultRestoreRate      = 100 // points per second
	defaultQueryCost        = 50  // assumed cost of an operation never seen before
)

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
	inflight  float64            // points reserved by requests not answered yet
	costs     map[string]float64 // requested cost learned per operation
	stats     LimiterStats
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
		available: defaultMaximumAvailable, last: now(), costs: map[string]float64{},
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
func (l *Limiter) reserve(op string) (cost float64, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill()
	cost, ok := l.costs[op]
	if !ok {
		cost = defaultQueryCost
	}
	cost = min(cost, l.max)
	l.available -= cost
	l.inflight += cost
	l.stats.Requests++
	if l.available < 0 {
		wait = time.Duration(-l.available / l.rate * float64(time.Second))
		l.stats.Waits++
		l.stats.Waited += wait
	}
	return cost, wait
}

// settle releases a reservation and, when the response carried cost figures, adopts the
// server's view: its currentlyAvailable less what other requests of ours have reserved and the
// server has not charged yet.
func (l *Limiter) settle(op string, reserved float64, c *queryCost, throttled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill()
	l.inflight = max(0, l.inflight-reserved)
	if throttled {
		l.stats.Throttled++
	}
	if c == nil {
		l.available += reserved // nothing charged that we know of
		l.available = min(l.available, l.max)
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
	if ts.MaximumAvailable > 0 {
		l.max = ts.MaximumAvailable
		l.available = ts.CurrentlyAvailable - l.inflight
	}
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
