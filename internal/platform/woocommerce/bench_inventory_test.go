package woocommerce_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

// TestInventoryCallsFor10000Changes measures the API calls 10,000 stock changes take against the
// platform's minimum (Capabilities.MinCallsFor): simple products share /products/batch;
// variations are batched per product.
func TestInventoryCallsFor10000Changes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 items")
	}
	for _, perProduct := range []int{1, 10} {
		t.Run(fmt.Sprintf("variants=%d", perProduct), func(t *testing.T) {
			e := newEnv(t, envOpts{})
			var changes []platform.InventoryChange
			for i := range 10000 / perProduct {
				sp := woocommercesim.SeedProduct{Name: fmt.Sprint("P", i)}
				if perProduct > 1 {
					sp.Options = []string{"Size"}
				}
				for j := range perProduct {
					v := woocommercesim.SeedVariant{SKU: fmt.Sprintf("S-%d-%d", i, j), Price: "1.00", Quantity: 1}
					if perProduct > 1 {
						v.Options = []string{strconv.Itoa(j)}
					}
					sp.Variants = append(sp.Variants, v)
				}
				pid, vids, err := e.store.Seed(sp)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vids {
					item := strconv.FormatInt(pid, 10)
					if perProduct > 1 {
						item = fmt.Sprintf("%d:%d", pid, v)
					}
					changes = append(changes, platform.InventoryChange{InventoryItemID: item, LocationID: woocommerce.LocationID, Quantity: 7})
				}
			}
			before, throttled := e.store.Calls(), e.store.Throttled()
			res, err := e.client.SetInventory(context.Background(), platform.SetInventoryParams{Changes: changes})
			if err != nil {
				t.Fatal(err)
			}
			singles, perVariable := 0, []int(nil)
			if perProduct == 1 {
				singles = len(changes)
			} else {
				for range len(changes) / perProduct {
					perVariable = append(perVariable, perProduct)
				}
			}
			minCalls := woocommerce.Capabilities.MinCallsFor(singles, perVariable)
			ratio := float64(res.Calls) / float64(minCalls)
			t.Logf("%d changes, %d variants a product: %d calls (store saw %d), minimum %d, ratio %.2f, throttled %d",
				len(changes), perProduct, res.Calls, e.store.Calls()-before, minCalls, ratio, e.store.Throttled()-throttled)
			if res.Applied != 10000 || e.store.Calls()-before != res.Calls {
				t.Fatalf("applied %d, calls %d/%d", res.Applied, res.Calls, e.store.Calls()-before)
			}
			if ratio > 1.05 {
				t.Fatalf("ratio %.2f over 1.05", ratio)
			}
		})
	}
}
