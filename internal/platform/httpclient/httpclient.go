// Package httpclient holds the HTTP layers every platform client shares: a Doer seam for tests,
// bounded jittered backoff that honours Retry-After, a sleep that respects the context and can be
// replaced in tests, and a body reader with a size limit. Platform-specific layers (Shopify's
// cost-point bucket, GraphQL error mapping) live with each platform and use these.
package httpclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Doer sends one HTTP request; *http.Client satisfies it, and tests substitute their own.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// SleepFunc waits for d or until ctx is done. Tests inject one that records or advances a fake
// clock so rate-limit and retry tests do not wait for real.
type SleepFunc func(ctx context.Context, d time.Duration) error

// Sleep is the real SleepFunc.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff computes bounded, jittered retry delays: attempt n waits a random time in
// [d/2, d] where d = Base·2ⁿ capped at Max, so concurrent clients do not retry in step.
type Backoff struct {
	Base        time.Duration // first delay before jitter; default 250ms
	Max         time.Duration // cap; default 10s
	MaxAttempts int           // total tries including the first; default 5
	Rand        func() float64
}

// WithDefaults fills zero fields.
func (b Backoff) WithDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = 250 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 10 * time.Second
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = 5
	}
	if b.Rand == nil {
		b.Rand = rand.Float64
	}
	return b
}

// Delay returns how long to wait before retry number attempt (0 for the first retry). A
// server-given retryAfter wins when it is longer than the computed delay, but is still capped at
// Max so one answer cannot stall a job indefinitely.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	b = b.WithDefaults()
	d := b.Base << min(attempt, 30)
	if d <= 0 || d > b.Max {
		d = b.Max
	}
	d = d/2 + time.Duration(b.Rand()*float64(d/2))
	if retryAfter > d {
		d = min(retryAfter, b.Max)
	}
	return d
}

// ParseRetryAfter reads a Retry-After header: seconds ("2", "1.5") or an HTTP date.
func ParseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(h, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// ErrTooLarge reports a response body over the limit.
var ErrTooLarge = errors.New("response body too large")

// ReadLimited reads all of r, failing with ErrTooLarge past limit bytes, so a misbehaving server
// cannot make the process allocate without bound.
func ReadLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// RetryableStatus reports whether an HTTP status is worth retrying: 429 and 5xx except 501.
func RetryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || (code >= 500 && code != http.StatusNotImplemented)
}
