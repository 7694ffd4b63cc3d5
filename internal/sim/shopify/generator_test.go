package shopifysim

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestGenerateOrdersMix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 5, 2)
	rcv := newReceiver(t, 0)
	h.subscribe(rcv.srv.URL, "orders/create", "orders/cancelled")
	before := h.do(`{ shop { name } }`, nil).Extensions.Cost.ThrottleStatus.CurrentlyAvailable
	g := OrderGenerator{Count: 30, Paid: 50, Unpaid: 30, Cancelled: 20, Customers: 5}
	if err := h.sim.GenerateOrders(context.Background(), testDomain, g); err != nil {
		t.Fatal(err)
	}
	if after := h.do(`{ shop { name } }`, nil).Extensions.Cost.ThrottleStatus.CurrentlyAvailable; after != before-1 {
		t.Errorf("generated orders took API points: %v -> %v", before, after)
	}
	h.idle()
	d := h.ok(`{ orders(first: 50) { nodes { displayFinancialStatus cancelledAt customer { id } shippingAddress { city } lineItems(first: 5) { nodes { quantity } } } } }`, nil)
	status := map[string]int{}
	customers := map[any]bool{}
	for _, o := range get(d, "orders", "nodes").([]any) {
		status[get(o, "displayFinancialStatus").(string)]++
		customers[get(o, "customer", "id")] = true
		if get(o, "cancelledAt") != nil && get(o, "displayFinancialStatus") != "REFUNDED" {
			t.Errorf("cancelled order with status %v", get(o, "displayFinancialStatus"))
		}
		if get(o, "shippingAddress", "city") == nil || len(get(o, "lineItems", "nodes").([]any)) == 0 {
			t.Errorf("order without address or lines: %v", o)
		}
	}
	if total := status["PAID"] + status["PENDING"] + status["REFUNDED"]; total != 30 {
		t.Fatalf("%d orders (%v), want 30", total, status)
	}
	if status["PAID"] == 0 || status["PENDING"] == 0 || status["REFUNDED"] == 0 {
		t.Errorf("mix %v lacks an outcome", status)
	}
	if len(customers) > 5 {
		t.Errorf("%d customers, want at most 5", len(customers))
	}
	topics := map[string]int{}
	for _, r := range rcv.all() {
		topics[r.header.Get("X-Shopify-Topic")]++
	}
	if topics["orders/create"] != 30 || topics["orders/cancelled"] != status["REFUNDED"] {
		t.Errorf("webhooks %v, want 30 orders/create and %d orders/cancelled", topics, status["REFUNDED"])
	}
}

func TestGenerateOrdersRateUntilCancelled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 2, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := h.sim.GenerateOrders(ctx, testDomain, OrderGenerator{Rate: 50}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Errorf("returned after %v, before the context ended", el)
	}
	// At most one order per tick: 300ms at 50/s allows 15 (a loaded machine may manage fewer).
	if _, _, n := h.shop.Counts(); n < 1 || n > 16 {
		t.Errorf("%d orders in 300ms at 50/s", n)
	}
	if err := h.sim.GenerateOrders(context.Background(), "nobody.myshopify.com", OrderGenerator{Count: 1}); err == nil {
		t.Error("unknown shop: want an error")
	}
	// A generator without an end stops when the simulator closes, and Close waits for it.
	done := make(chan error, 1)
	go func() { done <- h.sim.GenerateOrders(context.Background(), testDomain, OrderGenerator{Rate: 0.01}) }()
	time.Sleep(20 * time.Millisecond)
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done: // nil, or "simulator closed" if it started after Close
		if err != nil && !strings.Contains(err.Error(), "simulator closed") {
			t.Errorf("generator ended with %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("generator still running after Close")
	}
}

// With Variants, every line is one of the variants given; ids the shop lacks are ignored.
func TestGenerateOrdersOnlyGivenVariants(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 5, 2)
	d := h.ok(`{ products(first: 1) { nodes { variants(first: 1) { nodes { id } } } } }`, nil)
	want := get(get(d, "products", "nodes").([]any)[0], "variants", "nodes").([]any)[0].(map[string]any)["id"].(string)
	g := OrderGenerator{Count: 10, MaxLines: 3, Variants: func() []string { return []string{want, "gid://shopify/ProductVariant/999999", "junk"} }}
	if err := h.sim.GenerateOrders(context.Background(), testDomain, g); err != nil {
		t.Fatal(err)
	}
	d = h.ok(`{ orders(first: 20) { nodes { lineItems(first: 5) { nodes { variant { id } } } } } }`, nil)
	n := 0
	for _, o := range get(d, "orders", "nodes").([]any) {
		for _, l := range get(o, "lineItems", "nodes").([]any) {
			n++
			if got := get(l, "variant", "id"); got != want {
				t.Fatalf("line of variant %v; want only %s", got, want)
			}
		}
	}
	if n < 10 {
		t.Fatalf("%d lines; want at least 10", n)
	}
}
