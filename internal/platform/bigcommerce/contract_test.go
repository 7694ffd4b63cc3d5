package bigcommerce_test

import (
	"os"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/platformtest"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

// TestContract drives the simulator's contract harness the way the platform contract suite
// does: the Control sets a store up behind the client's back and the client must see it.
func TestContract(t *testing.T) {
	var h platformtest.Harness = bcsim.Harness()
	if h.Registration().Name != bigcommerce.Platform || h.Registration().Capabilities.InventoryBatch != 2000 {
		t.Fatalf("registration %+v", h.Registration())
	}
	s, ctl := h.NewStore(t)
	ctx := t.Context()
	pid := ctl.SeedProduct(t, platformtest.SeedProduct{Title: "Field Cap", Variants: []platformtest.SeedVariant{
		{SKU: "CAP-1", Price: usd(t, "14.00"), Quantity: 3}, {SKU: "CAP-2", Price: usd(t, "15.00"), Quantity: 4}}})
	p, err := s.Product(ctx, pid)
	if err != nil || len(p.Variants) != 2 || *p.Variants[1].Quantity != 4 {
		t.Fatalf("seeded product %+v %v", p, err)
	}
	v := p.Variants[0]
	locs, err := s.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := ctl.Calls()
	if _, err := s.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: v.InventoryItemID, LocationID: locs[0].ID, Quantity: 9}}}); err != nil {
		t.Fatal(err)
	}
	if ctl.Quantity(t, v.ID) != 9 || ctl.Calls()-before != 1 {
		t.Fatalf("quantity %d after %d calls", ctl.Quantity(t, v.ID), ctl.Calls()-before)
	}
	ctl.SetQuantity(t, v.ID, 5)
	lv, err := s.InventoryLevels(ctx, locs[0].ID, []string{v.InventoryItemID})
	if err != nil || lv[0].Available != 5 {
		t.Fatalf("levels %+v %v", lv, err)
	}
	oid := ctl.PlaceOrder(t, []platformtest.OrderLine{{VariantID: v.ID, Quantity: 2}})
	ctl.Ship(t, oid, []string{"1ZA", "1ZB"})
	fs, err := s.Fulfillments(ctx, oid)
	if err != nil || len(fs) != 1 || len(fs[0].Tracking) != 2 {
		t.Fatalf("fulfillments %+v %v", fs, err)
	}
	// Webhooks: signed, duplicated, forged.
	rv, ok := s.(platform.WebhookReceiver)
	if !ok {
		t.Fatal("the store is not a webhook receiver")
	}
	d1, err := rv.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderCreated, oid, "d1", false), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := rv.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderCreated, oid, "d1", false), 1<<20)
	if err != nil || d2.EventID != d1.EventID {
		t.Fatalf("duplicate %q vs %q %v", d2.EventID, d1.EventID, err)
	}
	ev, err := rv.DecodeWebhook(ctx, d1)
	if err != nil || ev.Order == nil || ev.Order.ID != oid {
		t.Fatalf("event %+v %v", ev, err)
	}
	d3, _ := rv.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderCreated, oid, "d2", false), 1<<20)
	if d3.EventID == d1.EventID {
		t.Fatal("two deliveries share an event id")
	}
	if _, err := rv.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderCreated, oid, "d1", true), 1<<20); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("forged: %v", err)
	}
	d4, err := rv.VerifyWebhook(ctl.Webhook(t, platform.TopicFulfillmentCreated, fs[0].ID, "d4", false), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := rv.DecodeWebhook(ctx, d4); err != nil || ev.Fulfillment == nil || ev.Fulfillment.ID != fs[0].ID {
		t.Fatalf("fulfillment event %+v %v", ev, err)
	}
	// Faults map to kinds.
	ctl.FailNext(1, 404)
	if _, err := s.Shop(ctx); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("404: %v", err)
	}
	ctl.FailNext(2, 503)
	if _, err := s.Shop(ctx); err != nil {
		t.Fatalf("two 503s are retried: %v", err)
	}
	if ctl.Throttled() != 0 {
		t.Fatalf("%d throttled", ctl.Throttled())
	}
}

// TestLive reads a real store when its credentials are in the environment.
func TestLive(t *testing.T) {
	hash, token := os.Getenv("STORESYNC_BIGCOMMERCE_STORE_HASH"), os.Getenv("STORESYNC_BIGCOMMERCE_ACCESS_TOKEN")
	if hash == "" || token == "" {
		t.Skip("no live BigCommerce store: set STORESYNC_BIGCOMMERCE_STORE_HASH and STORESYNC_BIGCOMMERCE_ACCESS_TOKEN (and STORESYNC_BIGCOMMERCE_URL for another base URL) to read one")
	}
	c, err := bigcommerce.New(bigcommerce.Config{StoreHash: hash, AccessToken: token, BaseURL: os.Getenv("STORESYNC_BIGCOMMERCE_URL")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	shop, err := c.Shop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("store %s (%s), currency %s", shop.Name, shop.Domain, shop.Currency)
	locs, err := c.Locations(ctx)
	if err != nil || len(locs) == 0 {
		t.Fatalf("locations %+v %v", locs, err)
	}
	pg, err := c.ListProducts(ctx, platform.ListParams{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d products on the first page", len(pg.Items))
	if _, err := c.ListOrders(ctx, platform.ListParams{Limit: 5}); err != nil {
		t.Fatal(err)
	}
}
