package shopifysim

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestQueryCost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 3, 2)
	tests := []struct {
		name              string
		query             string
		requested, actual int
	}{
		{"object", `{ shop { name } }`, 1, 1},
		{"scalars only cost their object", `{ shop { name email currencyCode plan { shopifyPlus } } }`, 2, 2},
		{"connection of 10, 3 returned", `{ products(first: 10) { edges { node { id title } } } }`, 12, 5},
		{"nodes and edges cost the same", `{ products(first: 10) { nodes { id } } }`, 12, 5},
		{"nested connection", `{ products(first: 10) { nodes { id variants(first: 5) { nodes { sku } } } } }`, 82, 2 + 3*(1+2+2)},
		{"mutation", `mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/1") { userErrors { message } } }`, 10, 10},
	}
	for _, tt := range tests {
		res := h.do(tt.query, nil)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", tt.name, res.Errors)
		}
		c := res.Extensions.Cost
		if c.RequestedQueryCost != tt.requested || c.ActualQueryCost == nil || *c.ActualQueryCost != tt.actual {
			t.Errorf("%s: requested %d actual %v, want %d and %d", tt.name, c.RequestedQueryCost, c.ActualQueryCost, tt.requested, tt.actual)
		}
	}
}

func TestLimitsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 1)
	ids := make([]string, 251)
	for i := range ids {
		ids[i] = fmt.Sprintf("%q", gid("InventoryItem", int64(i+1)))
	}
	tests := []struct {
		name, query, code, message string
	}{
		{"over 1,000 points", `{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }`, "MAX_COST_EXCEEDED", "exceeds the single query max cost limit (1000)"},
		{"input array over 250", `{ nodes(ids: [` + strings.Join(ids, ",") + `]) { id } }`, "MAX_INPUT_SIZE_EXCEEDED", "251"},
		{"page over 250", `{ productVariants(first: 251) { nodes { id } } }`, "", "may not be greater than 250"},
		{"connection without first", `{ products { nodes { id } } }`, "", "first or last"},
		{"unknown field", `{ shop { nope } }`, "", "nope"},
	}
	for _, tt := range tests {
		res := h.do(tt.query, nil)
		if len(res.Errors) == 0 {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg, _ := res.Errors[0]["message"].(string)
		code, _ := get(res.Errors[0], "extensions", "code").(string)
		if code != tt.code || !strings.Contains(msg, tt.message) {
			t.Errorf("%s: error %q code %q, want %q in message and code %q", tt.name, msg, code, tt.message, tt.code)
		}
		if res.Extensions.Cost.ThrottleStatus.MaximumAvailable == 0 {
			t.Errorf("%s: no throttleStatus in extensions", tt.name)
		}
	}
}

func TestLeakyBucket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{BucketSize: 20, RestoreRate: 10}, 10, 1)
	q := `{ products(first: 10) { nodes { id } } }` // 12 points, all 10 returned
	res := h.do(q, nil)
	if len(res.Errors) > 0 || res.Extensions.Cost.ThrottleStatus.CurrentlyAvailable != 8 {
		t.Fatalf("first query: %v, available %v", res.Errors, res.Extensions.Cost.ThrottleStatus.CurrentlyAvailable)
	}
	res = h.do(q, nil)
	if len(res.Errors) == 0 || get(res.Errors[0], "extensions", "code") != "THROTTLED" || res.Data != nil {
		t.Fatalf("second query: want THROTTLED, got %v", res.Errors)
	}
	if ts := res.Extensions.Cost.ThrottleStatus; ts.CurrentlyAvailable != 8 || ts.MaximumAvailable != 20 || ts.RestoreRate != 10 {
		t.Errorf("throttle status %+v", ts)
	}
	if res.Extensions.Cost.RequestedQueryCost != 12 || res.Extensions.Cost.ActualQueryCost != nil {
		t.Errorf("throttled cost %+v, want requested 12 and no actual", res.Extensions.Cost)
	}
	h.clock.Advance(400 * time.Millisecond) // 8 + 4 = 12: exactly enough
	if res = h.do(q, nil); len(res.Errors) > 0 {
		t.Fatalf("after restore: %v", res.Errors)
	}
	h.clock.Advance(time.Hour) // never above the bucket size
	if res = h.do(`{ shop { name } }`, nil); res.Extensions.Cost.ThrottleStatus.CurrentlyAvailable != 19 {
		t.Errorf("after an hour: available %v, want 19", res.Extensions.Cost.ThrottleStatus.CurrentlyAvailable)
	}
}

func TestThrottleStatusNumbers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 0, 1)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+ShopPath(testDomain), strings.NewReader(`{"query": "{ shop { name } }"}`))
	req.Header.Set("X-Shopify-Access-Token", testToken)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if want := `"throttleStatus":{"currentlyAvailable":1999,"maximumAvailable":2000.0,"restoreRate":100.0}`; !strings.Contains(string(raw), want) {
		t.Errorf("response %s lacks %s", raw, want)
	}
}

func TestPlanLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		plan       string
		size, rate float64
	}{{PlanStandard, 2000, 100}, {PlanAdvanced, 4000, 200}, {PlanPlus, 20000, 1000}} {
		h := newHarness(t, ShopConfig{Plan: tt.plan}, 0, 1)
		ts := h.do(`{ shop { name } }`, nil).Extensions.Cost.ThrottleStatus
		if ts.MaximumAvailable != tt.size || ts.RestoreRate != tt.rate || ts.CurrentlyAvailable != tt.size-1 {
			t.Errorf("%s: %+v", tt.plan, ts)
		}
	}
}

func TestAuthAndRouting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 0, 1)
	tests := []struct {
		name, domain, token string
		want                int
	}{
		{"valid", testDomain, testToken, http.StatusOK},
		{"missing token", testDomain, "", http.StatusUnauthorized},
		{"wrong token", testDomain, "shpat_wrong", http.StatusUnauthorized},
		{"unknown shop", "nobody.myshopify.com", testToken, http.StatusNotFound},
	}
	for _, tt := range tests {
		if got := h.doAs(tt.domain, tt.token, `{ shop { name } }`, nil).Status; got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.srv.URL+ShopPath(testDomain), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", resp.StatusCode)
	}
	h.shop.Uninstall()
	if got := h.do(`{ shop { name } }`, nil).Status; got != http.StatusUnauthorized {
		t.Errorf("after uninstall: status %d, want 401", got)
	}
}
