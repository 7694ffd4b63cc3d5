package shopifysim

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func (h *harness) rawStatus(client *http.Client) (int, http.Header, error) {
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+ShopPath(testDomain), strings.NewReader(`{"query":"{ shop { name } }"}`))
	req.Header.Set("X-Shopify-Access-Token", testToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults Faults
		want   []int
		header string
	}{
		{"server errors", Faults{ErrorShare: 1}, []int{http.StatusBadGateway, http.StatusServiceUnavailable}, ""},
		{"throttled", Faults{ThrottleShare: 1, RetryAfter: 2 * time.Second}, []int{http.StatusTooManyRequests}, "2.0"},
		{"timeout", Faults{TimeoutShare: 1, Timeout: 20 * time.Millisecond}, []int{http.StatusGatewayTimeout}, ""},
		{"none", Faults{}, []int{http.StatusOK}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, ShopConfig{}, 0, 1)
			h.sim.SetFaults(testDomain, tt.faults)
			status, hdr, err := h.rawStatus(h.srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(tt.want, status) {
				t.Errorf("status %d, want one of %v", status, tt.want)
			}
			if got := hdr.Get("Retry-After"); got != tt.header {
				t.Errorf("Retry-After %q, want %q", got, tt.header)
			}
		})
	}
}

func TestFaultsTimeoutAndLatency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 0, 1)
	h.sim.SetFaults(testDomain, Faults{TimeoutShare: 1, Timeout: 10 * time.Second})
	if _, _, err := h.rawStatus(&http.Client{Timeout: 50 * time.Millisecond}); err == nil {
		t.Error("a timed-out request answered before the client gave up")
	}
	h.sim.SetFaults(testDomain, Faults{Latency: 40 * time.Millisecond})
	start := time.Now()
	if status, _, err := h.rawStatus(h.srv.Client()); err != nil || status != http.StatusOK {
		t.Fatalf("status %d, %v", status, err)
	}
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("answered in %v with 40ms latency", el)
	}
}

// TestFaultsRepeatWithSeed checks that the same seed gives the same faults in the same order, in
// about the configured share.
func TestFaultsRepeatWithSeed(t *testing.T) {
	t.Parallel()
	run := func() []int {
		h := newHarness(t, ShopConfig{}, 0, 1)
		h.sim.SetFaults(testDomain, Faults{ErrorShare: 0.3, ThrottleShare: 0.1})
		var out []int
		for range 60 {
			s, _, err := h.rawStatus(h.srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("request %d: %d then %d with the same seed", i, a[i], b[i])
		}
		if a[i] != http.StatusOK {
			failed++
		}
	}
	if failed < 12 || failed > 36 {
		t.Errorf("%d of 60 requests failed, want about 24", failed)
	}
}

func TestWebhookFaults(t *testing.T) {
	t.Parallel()
	setInventory := func(h *harness, n int) {
		_, item, _ := h.firstVariant()
		for i := range n {
			h.ok(setQuantities, map[string]any{"key": "k" + itoa(i), "input": map[string]any{"name": "available", "reason": "correction",
				"quantities": []any{map[string]any{"inventoryItemId": item, "locationId": h.shop.LocationID(), "quantity": 1000 + i, "changeFromQuantity": nil}}}})
		}
	}
	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, ShopConfig{}, 1, 1)
		rcv := newReceiver(t, 0)
		h.subscribe(rcv.srv.URL, "inventory_levels/update")
		h.sim.SetWebhookFaults(testDomain, WebhookFaults{DropShare: 1})
		setInventory(h, 5)
		h.idle()
		if n := len(rcv.all()); n != 0 {
			t.Errorf("%d delivered with every event dropped", n)
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, ShopConfig{}, 1, 1)
		rcv := newReceiver(t, 0)
		h.subscribe(rcv.srv.URL, "inventory_levels/update")
		h.sim.SetWebhookFaults(testDomain, WebhookFaults{DuplicateShare: 1})
		setInventory(h, 3)
		h.idle()
		events, hooks := map[string]int{}, map[string]bool{}
		for _, r := range rcv.all() {
			events[r.header.Get("X-Shopify-Event-Id")]++
			hooks[r.header.Get("X-Shopify-Webhook-Id")] = true
		}
		if len(events) != 3 || len(hooks) != 6 {
			t.Errorf("%d events in %d deliveries, want 3 events each delivered twice", len(events), len(hooks))
		}
	})
	t.Run("retry until 2xx", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, ShopConfig{}, 1, 1)
		rcv := newReceiver(t, 2)
		h.subscribe(rcv.srv.URL, "inventory_levels/update")
		setInventory(h, 2)
		h.idle()
		if n := len(rcv.all()); n != 2 {
			t.Errorf("%d delivered after two 500s each, want 2", n)
		}
	})
	t.Run("reorder and delay", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, ShopConfig{}, 1, 1)
		rcv := newReceiver(t, 0)
		h.subscribe(rcv.srv.URL, "inventory_levels/update")
		h.sim.SetWebhookFaults(testDomain, WebhookFaults{ReorderShare: 0.5, ReorderDelay: 150 * time.Millisecond, Delay: 20 * time.Millisecond})
		start := time.Now()
		setInventory(h, 12)
		h.idle()
		if time.Since(start) < 150*time.Millisecond {
			t.Error("reordered events were not held back")
		}
		got := rcv.all()
		sorted := true
		for i := 1; i < len(got); i++ {
			if bytes.Compare(got[i-1].body, got[i].body) > 0 {
				sorted = false
			}
		}
		if len(got) != 12 || sorted {
			t.Errorf("%d delivered, in emission order: %v", len(got), sorted)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := newHarness(t, ShopConfig{}, 0, 1)
	if err := h.sim.WebhooksIdle(ctx); err != nil && err.Error() == "" {
		t.Error("empty error")
	}
}
