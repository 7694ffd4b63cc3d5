package shopifysim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock shared by the simulator and the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	testDomain = "acme.myshopify.com"
	testToken  = "shpat_test_token"
	testSecret = "test-api-secret"
)

// harness is a simulator behind a real HTTP server with one seeded shop.
type harness struct {
	t     testing.TB
	sim   *Sim
	srv   *httptest.Server
	clock *fakeClock
	shop  *Shop
}

func newHarness(t testing.TB, cfg ShopConfig, products, variants int) *harness {
	t.Helper()
	clock := newFakeClock()
	sim, err := New(Options{Now: clock.Now, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Domain == "" {
		cfg.Domain = testDomain
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = testToken
	}
	if cfg.APISecret == "" {
		cfg.APISecret = testSecret
	}
	shop, err := sim.AddShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog(cfg.Domain, products, variants); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		if err := sim.Close(); err != nil {
			t.Errorf("closing simulator: %v", err)
		}
	})
	return &harness{t: t, sim: sim, srv: srv, clock: clock, shop: shop}
}

type gqlResult struct {
	Status     int              `json:"-"`
	Data       map[string]any   `json:"data"`
	Errors     []map[string]any `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost int  `json:"requestedQueryCost"`
			ActualQueryCost    *int `json:"actualQueryCost"`
			ThrottleStatus     struct {
				MaximumAvailable   float64 `json:"maximumAvailable"`
				CurrentlyAvailable float64 `json:"currentlyAvailable"`
				RestoreRate        float64 `json:"restoreRate"`
			} `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
	Header http.Header `json:"-"`
}

// do posts a GraphQL request with the shop's token.
func (h *harness) do(query string, vars map[string]any) *gqlResult {
	h.t.Helper()
	return h.doAs(testDomain, testToken, query, vars)
}

func (h *harness) doAs(domain, token, query string, vars map[string]any) *gqlResult {
	h.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		h.t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+ShopPath(domain), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Shopify-Access-Token", token)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	res := &gqlResult{Status: resp.StatusCode, Header: resp.Header}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(res); err != nil {
			h.t.Fatalf("decoding response: %v", err)
		}
	}
	return res
}

// ok runs a request and fails the test on any GraphQL error.
func (h *harness) ok(query string, vars map[string]any) map[string]any {
	h.t.Helper()
	res := h.do(query, vars)
	if res.Status != http.StatusOK || len(res.Errors) > 0 {
		h.t.Fatalf("status %d, errors %v", res.Status, res.Errors)
	}
	return res.Data
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}
