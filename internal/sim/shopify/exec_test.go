package shopifysim

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// TestExecBypassesRequestFaults places an order in-process while every API request fails: the
// order is made, with its tags, and AllOrders lists it; the same call over HTTP is refused.
func TestExecBypassesRequestFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 1)
	h.sim.SetFaults(testDomain, Faults{ErrorShare: 1})
	h.shop.mu.Lock()
	var variant string
	for id := range h.shop.data.Variants {
		variant = gid("ProductVariant", id)
	}
	h.shop.mu.Unlock()
	const create = `mutation($order: OrderCreateOrderInput!) { orderCreate(order: $order) { order { id name } userErrors { message } } }`
	vars := map[string]any{"order": map[string]any{"tags": []string{"a-tag"}, // []string, as Go callers write it
		"lineItems": []map[string]any{{"variantId": variant, "quantity": 1}}}}
	if res := h.do(create, vars); res.Status < http.StatusInternalServerError {
		t.Fatalf("over HTTP with every request failing: %d; want a 5xx", res.Status)
	}
	data, err := h.sim.Exec(t.Context(), testDomain, create, vars)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		OrderCreate struct {
			Order *struct {
				ID string `json:"id"`
			} `json:"order"`
		} `json:"orderCreate"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.OrderCreate.Order == nil {
		t.Fatalf("Exec: %v %s", err, data)
	}
	all := h.shop.AllOrders()
	if len(all) != 1 || all[0].ID != out.OrderCreate.Order.ID || !slices.Contains(all[0].Tags, "a-tag") || all[0].CreatedAt.IsZero() {
		t.Fatalf("AllOrders: %+v; want the one order made, tagged", all)
	}
	if _, err := h.sim.Exec(t.Context(), "nowhere.myshopify.com", create, vars); err == nil {
		t.Fatal("Exec on an unknown shop: no error")
	}
}
