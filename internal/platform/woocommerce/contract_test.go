package woocommerce_test

import (
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/platformtest"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

// TestContract runs the platform contract suite against the client and the simulator, for both
// ways a store keeps tracking.
func TestContract(t *testing.T) {
	t.Run("shipment-tracking", func(t *testing.T) { platformtest.Run(t, woocommercesim.Harness{ShipmentTracking: true}) })
	t.Run("notes", func(t *testing.T) { platformtest.Run(t, woocommercesim.Harness{ShipmentTracking: false}) })
}

// TestHarness drives the client through the harness itself, for both ways a store keeps
// tracking.
func TestHarness(t *testing.T) {
	for _, h := range []woocommercesim.Harness{{ShipmentTracking: true}, {ShipmentTracking: false}} {
		name := "notes"
		if h.ShipmentTracking {
			name = "shipment-tracking"
		}
		t.Run(name, func(t *testing.T) { checkHarness(t, h) })
	}
}

func checkHarness(t *testing.T, h platformtest.Harness) {
	ctx := context.Background()
	if h.Registration().Name != woocommerce.Platform || h.Registration().Capabilities.InventoryBatch != 100 {
		t.Fatalf("registration %+v", h.Registration())
	}
	store, ctl := h.NewStore(t)
	usd := platform.Money{Amount: 1250, Currency: "USD"}
	pid := ctl.SeedProduct(t, platformtest.SeedProduct{Title: "Lamp", Variants: []platformtest.SeedVariant{
		{SKU: "L-1", Price: usd, Quantity: 5}, {SKU: "L-2", Price: usd, Quantity: 6}}})
	p, err := store.Product(ctx, pid)
	if err != nil || len(p.Variants) != 2 || *p.Variants[1].Quantity != 6 || p.Variants[0].Price != usd {
		t.Fatalf("seeded product read as %+v, %v", p, err)
	}
	v := p.Variants[0].ID
	ctl.SetQuantity(t, v, 9)
	if _, err := store.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: p.Variants[1].InventoryItemID, LocationID: woocommerce.LocationID, Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	if ctl.Quantity(t, v) != 9 || ctl.Quantity(t, p.Variants[1].ID) != 2 {
		t.Fatalf("quantities %d %d", ctl.Quantity(t, v), ctl.Quantity(t, p.Variants[1].ID))
	}
	oid := ctl.PlaceOrder(t, []platformtest.OrderLine{{VariantID: v, Quantity: 2}})
	if ctl.Quantity(t, v) != 7 {
		t.Fatalf("a paid order took %d, want 2", 9-ctl.Quantity(t, v))
	}
	ctl.Ship(t, oid, []string{"1Z1", "1Z2"})
	fs, err := store.Fulfillments(ctx, oid)
	if err != nil || len(fs) != 1 || len(fs[0].Tracking) != 2 || fs[0].Tracking[1].Number != "1Z2" {
		t.Fatalf("fulfilments %+v %v", fs, err)
	}
	if _, err := store.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: "k-1", Lines: []platform.OrderLineInput{{VariantID: v, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if n := ctl.OrdersTagged(t, "k-1"); n != 1 {
		t.Fatalf("orders keyed k-1: %d", n)
	}
	// Webhooks: signed, the same delivery again, forged.
	r := ctl.Webhook(t, platform.TopicOrderUpdated, oid, "d-1", false)
	d, err := store.VerifyWebhook(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := store.DecodeWebhook(ctx, d)
	if err != nil || ev.Order == nil || ev.Order.ID != oid || ev.Order.FulfillmentStatus != "fulfilled" || ev.DeliveryID != "d-1" {
		t.Fatalf("event %+v %v", ev, err)
	}
	d2, err := store.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderUpdated, oid, "d-1", false), 0)
	if err != nil || d2.EventID != d.EventID || string(d2.Body) != string(d.Body) {
		t.Fatalf("the same delivery again: %+v %v", d2, err)
	}
	if _, err := store.VerifyWebhook(ctl.Webhook(t, platform.TopicOrderUpdated, oid, "d-2", true), 0); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("forged: %v", err)
	}
	// Errors and call counts.
	before := ctl.Calls()
	ctl.FailNext(1, http.StatusUnauthorized)
	if _, err := store.Order(ctx, oid); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("401: %v", err)
	}
	ctl.FailNext(1, http.StatusTooManyRequests)
	if _, err := store.Order(ctx, oid); err != nil {
		t.Fatalf("429 then success: %v", err)
	}
	if ctl.Calls()-before != 3 || ctl.Throttled() != 1 {
		t.Fatalf("calls %d throttled %d", ctl.Calls()-before, ctl.Throttled())
	}
}

// TestLiveStore reads a real store when its address and a read key are in the environment.
func TestLiveStore(t *testing.T) {
	url, key, secret := os.Getenv("STORESYNC_WOOCOMMERCE_URL"), os.Getenv("STORESYNC_WOOCOMMERCE_CONSUMER_KEY"), os.Getenv("STORESYNC_WOOCOMMERCE_CONSUMER_SECRET")
	if url == "" || key == "" || secret == "" {
		t.Skip("no live WooCommerce store: set STORESYNC_WOOCOMMERCE_URL, STORESYNC_WOOCOMMERCE_CONSUMER_KEY and STORESYNC_WOOCOMMERCE_CONSUMER_SECRET to run against one")
	}
	c, err := woocommerce.New(woocommerce.Config{BaseURL: url, ConsumerKey: key, ConsumerSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	shop, err := c.Shop(ctx)
	if err != nil || shop.Currency == "" {
		t.Fatalf("shop %+v %v", shop, err)
	}
	page, err := c.ListProducts(ctx, platform.ListParams{Limit: 5})
	if err != nil || len(page.Items) > 5 {
		t.Fatalf("products: %d %v", len(page.Items), err)
	}
	if _, err := c.ListOrders(ctx, platform.ListParams{Limit: 5}); err != nil {
		t.Fatal(err)
	}
}

func platformSeed() platformtest.SeedProduct {
	usd := platform.Money{Amount: 500, Currency: "USD"}
	return platformtest.SeedProduct{Title: "Socks", Variants: []platformtest.SeedVariant{{SKU: "V-1", Price: usd, Quantity: 1}, {SKU: "V-2", Price: usd, Quantity: 2}}}
}
