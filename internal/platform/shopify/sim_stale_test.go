package shopify_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// A call whose every compared quantity went stale is answered naming only the first: the client
// reads all of them again, so the write lands in the next round rather than failing after its
// rounds are spent one item each.
func TestSetInventoryManyStale(t *testing.T) {
	t.Parallel()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog(simShop, 10, 1); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := shopify.New(shopify.Config{Shop: simShop, AccessToken: simToken, APISecret: simSecret, BaseURL: srv.URL + "/shops/" + simShop,
		HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	locs, err := c.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.ListProducts(ctx, platform.ListParams{Limit: 50})
	if err != nil || len(page.Items) < 5 {
		t.Fatalf("products: %d %v", len(page.Items), err)
	}
	var changes []platform.InventoryChange
	for i, p := range page.Items {
		item := p.Variants[0].InventoryItemID
		ls, err := c.InventoryLevels(ctx, locs[0].ID, []string{item})
		if err != nil || len(ls) != 1 {
			t.Fatalf("levels of %s: %+v %v", item, ls, err)
		}
		read := ls[0].Available
		// Each sells on the shop after it was read.
		if err := sim.SetStock(simShop, item, locs[0].ID, int(read)-1); err != nil {
			t.Fatal(err)
		}
		changes = append(changes, platform.InventoryChange{InventoryItemID: item, LocationID: locs[0].ID, Quantity: int64(40 + i), Expected: &read})
	}
	res, err := c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "many-stale", Changes: changes, RereadOnConflict: true})
	if err != nil || res.Applied != len(changes) || res.Calls != 2 {
		t.Fatalf("SetInventory of %d stale quantities: %+v %v; want all applied in 2 calls", len(changes), res, err)
	}
	for i, ch := range changes {
		ls, err := c.InventoryLevels(ctx, locs[0].ID, []string{ch.InventoryItemID})
		if err != nil || len(ls) != 1 || ls[0].Available != int64(40+i) {
			t.Errorf("item %s after the write: %+v %v; want %d", ch.InventoryItemID, ls, err, 40+i)
		}
	}
}
