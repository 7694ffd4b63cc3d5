package shopifysim

import (
	"net/http"
	"time"
)

// Faults make the API misbehave like a real platform under stress, deterministically with the
// simulator's seed. Shares are probabilities from 0 to 1, tried in the order timeout, 5xx, 429.
type Faults struct {
	Latency       time.Duration // added to every request
	ErrorShare    float64       // answered 502/503 with Shopify's error body
	ThrottleShare float64       // answered 429 with Retry-After
	RetryAfter    time.Duration // Retry-After of a 429, default 1s (sent in whole seconds, at least 1)
	TimeoutShare  float64       // held until the client gives up (or Timeout passes), then 504
	Timeout       time.Duration // how long a timed-out request is held, default 60s
	// SearchLag hides a new order or product from the searches (orders(query: ...),
	// products(query: ...)) this long after it was created, as Shopify's search index does for
	// seconds (see searchVisible).
	SearchLag time.Duration
	// BulkDuration keeps every bulk query RUNNING at least this long after it was created, as a
	// large shop's export would be (tests of polling and of adopting a running operation).
	BulkDuration time.Duration
	// DownloadChunkBytes and DownloadChunkDelay serve a bulk result slowly: that many bytes at a
	// time, flushed, with the delay before each chunk (a large file over a slow link).
	DownloadChunkBytes int
	DownloadChunkDelay time.Duration
}

func (sh *Shop) currentFaults() Faults {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.faults
}

// SetFaults sets the request faults of a shop (zero value: none).
func (s *Sim) SetFaults(domain string, f Faults) {
	sh, err := s.Shop(domain)
	if err != nil {
		s.log.Warn("faults for an unknown shop", "shop", domain)
		return
	}
	sh.mu.Lock()
	sh.faults = f
	sh.mu.Unlock()
}

// injectFault applies the shop's faults to one request; it reports whether it answered it.
func (sh *Shop) injectFault(w http.ResponseWriter, r *http.Request) bool {
	sh.mu.Lock()
	f := sh.faults
	roll := sh.faultRand.Float64()
	sh.mu.Unlock()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case roll < f.TimeoutShare:
		wait := f.Timeout
		if wait <= 0 {
			wait = 60 * time.Second
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			writeJSONError(w, http.StatusGatewayTimeout, "Gateway Timeout")
		case <-r.Context().Done():
		}
		return true
	case roll < f.TimeoutShare+f.ErrorShare:
		status := http.StatusServiceUnavailable
		if int(roll*1000)%2 == 0 {
			status = http.StatusBadGateway
		}
		writeJSONError(w, status, "Internal error. Looks like something went wrong on our end.")
		return true
	case roll < f.TimeoutShare+f.ErrorShare+f.ThrottleShare:
		secs := int(f.RetryAfter.Round(time.Second) / time.Second)
		// Shopify sends Retry-After with a decimal point ("2.0"); clients must accept it.
		w.Header().Set("Retry-After", itoa(max(secs, 1))+".0")
		writeJSONError(w, http.StatusTooManyRequests, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.")
		return true
	}
	return false
}

func itoa(n int) string { return strconvID(int64(n)) }
