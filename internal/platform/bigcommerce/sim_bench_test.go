package bigcommerce_test

import (
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

// TestTenThousandInventoryChanges measures what issue's benchmark asks: the API calls for
// 10,000 inventory changes against the platform's minimum, and throttled answers reaching the
// caller, on a store with a Standard plan's quota (150 requests per 30 s).
func TestTenThousandInventoryChanges(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{Quota: 150, Window: 30 * time.Second}, bcsim.Options{})
	if err := e.sim.SeedCatalog(testHash, 2000, 5); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var changes []platform.InventoryChange
	err := e.c.ExportCatalog(ctx, func(p platform.Product) error {
		for _, v := range p.Variants {
			changes = append(changes, platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: "1", Quantity: int64(len(changes) % 50)})
		}
		return nil
	})
	if err != nil || len(changes) != 10000 {
		t.Fatalf("%d changes, %v", len(changes), err)
	}
	before := e.store.Calls()
	res, err := e.c.SetInventory(ctx, platform.SetInventoryParams{Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	calls := e.store.Calls() - before
	minCalls := bigcommerceCapabilities.MinCalls(10000)
	ratio := float64(calls) / float64(minCalls)
	t.Logf("10,000 inventory changes: %d calls, minimum %d, ratio %.2f, throttled %d", calls, minCalls, ratio, e.store.Throttled())
	if res.Calls != calls || ratio > 1.05 || e.store.Throttled() != 0 || res.Applied != 10000 {
		t.Fatalf("calls %d (client counted %d), ratio %.2f, throttled %d", calls, res.Calls, ratio, e.store.Throttled())
	}
}
