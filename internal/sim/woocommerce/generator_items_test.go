package woocommercesim

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// An order generator given the items it may sell orders only those, ignoring ids the store does
// not have, and orders anything when it has none of them.
func TestGeneratedOrdersPickTheGivenItems(t *testing.T) {
	t.Parallel()
	sim, err := New(Options{SyncWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	st, err := sim.AddStore(StoreConfig{Name: "gen", ConsumerKey: "ck", ConsumerSecret: "cs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedCatalog(5, 3, 1); err != nil {
		t.Fatal(err)
	}
	simple, _, err := st.Seed(SeedProduct{Name: "Plain Mug", Variants: []SeedVariant{{SKU: "MUG", Price: "4.00", Quantity: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	variable, vids, err := st.Seed(SeedProduct{Name: "Striped Tee", Options: []string{"Size"},
		Variants: []SeedVariant{{SKU: "TEE-S", Price: "9.00", Quantity: 100, Options: []string{"S"}}, {SKU: "TEE-M", Price: "9.00", Quantity: 100, Options: []string{"M"}}}})
	if err != nil {
		t.Fatal(err)
	}
	wantVariant := strconv.FormatInt(variable, 10) + ":" + strconv.FormatInt(vids[1], 10)
	allowed := []string{strconv.FormatInt(simple, 10), wantVariant, "999999", "12:999999", "junk"}
	lines := func(n int, items func() []string) []LineItem {
		t.Helper()
		st.mu.Lock()
		before := len(st.data.Orders)
		st.mu.Unlock()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- st.GenerateOrders(ctx, OrderGenerator{Rate: 200, Seed: 7, Variants: items}) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			st.mu.Lock()
			got := len(st.data.Orders) - before
			st.mu.Unlock()
			if got >= n || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		var out []LineItem
		for _, o := range st.data.Orders {
			out = append(out, o.Lines...)
		}
		if len(st.data.Orders)-before < n {
			t.Fatalf("%d orders generated in 5s; want %d", len(st.data.Orders)-before, n)
		}
		return out
	}
	seen := map[string]int{}
	for _, l := range lines(20, func() []string { return allowed }) {
		id := strconv.FormatInt(l.ProductID, 10)
		if l.VariationID != 0 {
			id += ":" + strconv.FormatInt(l.VariationID, 10)
		}
		seen[id]++
	}
	if len(seen) != 2 || seen[strconv.FormatInt(simple, 10)] == 0 || seen[wantVariant] == 0 {
		t.Errorf("generated lines of %v; want only %s and %s", seen, allowed[0], wantVariant)
	}
	// None of the items is the store's: any item.
	others := 0
	for _, l := range lines(40, func() []string { return []string{"999999"} }) {
		if l.ProductID != simple && l.ProductID != variable {
			others++
		}
	}
	if others == 0 {
		t.Error("with none of the given items the store's, the generator still ordered only the earlier ones")
	}
}
