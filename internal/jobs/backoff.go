package jobs

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// The default backoff waits 5 s after a first failure and doubles to at most 6 h: quick recovery
// from a blip, and hours of patience for a partner's outage, without hammering it meanwhile.
const (
	DefaultRetryMin = 5 * time.Second
	DefaultRetryMax = 6 * time.Hour
)

// Backoff is an exponential retry policy: Min after the first failed attempt, doubling after each
// further one, capped at Max, with ±10% jitter so that jobs failed together do not retry together.
type Backoff struct {
	Min, Max time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Delay returns how long to wait after the given failed attempt (1 for the first).
func (b Backoff) Delay(attempt int) time.Duration {
	d := b.Min
	for i := 1; i < attempt && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return d + jitter
}

// NextRetry implements river.ClientRetryPolicy.
func (b Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	return now().UTC().Add(b.Delay(max(job.Attempt, 1)))
}
