package shopifysim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

const createCustomOrder = `mutation { orderCreate(order: {tags: ["push-1"], lineItems: [{title: "x", quantity: 1, priceSet: {shopMoney: {amount: "1.00", currencyCode: USD}}}]}) { order { id } userErrors { message } } }`

func (h *harness) taggedCount(query string) int {
	h.t.Helper()
	data := h.ok(`query($q: String) { orders(first: 10, query: $q) { nodes { id } } }`, map[string]any{"q": query})
	nodes, _ := get(data, "orders", "nodes").([]any)
	return len(nodes)
}

// TestSearchLag: a new order is found by id and in an unfiltered list at once, by the orders
// search only once Faults.SearchLag has passed.
func TestSearchLag(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 0, 1)
	h.sim.SetFaults(testDomain, Faults{SearchLag: 5 * time.Second})
	id := get(h.ok(createCustomOrder, nil), "orderCreate", "order", "id")
	if got := get(h.ok(`query($id: ID!) { order(id: $id) { id } }`, map[string]any{"id": id}), "order", "id"); got != id {
		t.Fatalf("order by id: %v", got)
	}
	if n := h.taggedCount(""); n != 1 {
		t.Fatalf("unfiltered list shows %d orders", n)
	}
	h.clock.Advance(4 * time.Second)
	if n := h.taggedCount("tag:'push-1'"); n != 0 {
		t.Fatalf("search shows the order %d times 4 s after it was created, want 0 (lag 5 s)", n)
	}
	h.clock.Advance(time.Second)
	if n := h.taggedCount("tag:'push-1'"); n != 1 {
		t.Fatalf("search shows the order %d times after the lag, want 1", n)
	}
}

// TestCallFaults: the chosen call of a field fails as asked; the *After modes run it first.
func TestCallFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode    CallFaultMode
		status  int // 0: the connection is cut
		created int
	}{
		{FailBefore, http.StatusServiceUnavailable, 0},
		{LoseResponse, http.StatusBadGateway, 1},
		{TimeoutAfter, http.StatusGatewayTimeout, 1},
		{ResetAfter, 0, 1},
	}
	for _, tc := range tests {
		t.Run(map[CallFaultMode]string{FailBefore: "before", LoseResponse: "lost", TimeoutAfter: "timeout", ResetAfter: "reset"}[tc.mode], func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, ShopConfig{}, 0, 1)
			h.sim.SetFaults(testDomain, Faults{Timeout: 10 * time.Millisecond})
			h.sim.AddCallFault(testDomain, CallFault{Field: "orderCreate", Calls: []int{2}, Mode: tc.mode})
			h.ok(createCustomOrder, nil)   // call 1 is left alone
			h.ok(`{ shop { name } }`, nil) // other fields are not counted
			status := 0                    // the raw client: doAs fails the test on a cut connection
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+ShopPath(testDomain), jsonBody(t, createCustomOrder))
			req.Header.Set("X-Shopify-Access-Token", testToken)
			if resp, err := h.srv.Client().Do(req); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			if n := h.shop.OrdersTagged("push-1"); n != 1+tc.created {
				t.Fatalf("%d orders after the faulty call, want %d", n, 1+tc.created)
			}
			h.ok(createCustomOrder, nil) // call 3 is left alone
			h.sim.ClearCallFaults(testDomain)
		})
	}
}

func jsonBody(t *testing.T, query string) *bytes.Reader {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}
