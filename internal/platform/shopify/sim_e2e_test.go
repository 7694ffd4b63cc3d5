package shopify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

const (
	simShop   = "e2e.myshopify.com"
	simToken  = "shpat_e2e"
	simSecret = "e2e-secret"
)

// TestAgainstSimulator runs the client end to end over real HTTP against the in-process Shopify
// simulator: verify connection, catalog by pages and by bulk export, product set, inventory with
// compare-and-set, order push, fulfilment with tracking, cancel, and signed webhooks.
func TestAgainstSimulator(t *testing.T) {
	t.Parallel()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog(simShop, 25, 3); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	newClient := func(shop, token string) *shopify.Client {
		c, err := shopify.New(shopify.Config{
			Shop: shop, AccessToken: token, APISecret: simSecret, BaseURL: srv.URL + "/shops/" + shop,
			HTTPClient: srv.Client(), BulkPollInterval: 20 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	c := newClient(simShop, simToken)

	// Bad credentials and unknown shops are typed errors a person can act on.
	if _, err := newClient(simShop, "wrong").Shop(ctx); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := newClient("nope.myshopify.com", simToken).Shop(ctx); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("unknown shop: %v", err)
	}

	loc, paged := checkReads(t, c)
	if len(paged) != 25 {
		t.Fatalf("paged %d products, want 25", len(paged))
	}
	for id, p := range paged {
		if len(p.Variants) != 3 || p.Variants[0].Price.Amount <= 0 || p.Variants[0].SKU == "" || p.Variants[0].InventoryItemID == "" {
			t.Fatalf("seeded product %s: %+v", id, p.Variants)
		}
	}

	// A new product, then its inventory set compare-and-set, one value deliberately stale.
	created, err := c.SetProduct(ctx, platform.ProductInput{
		Title: "E2E Mug", Status: platform.ProductActive, Options: []string{"Color"},
		Variants: []platform.VariantInput{
			{SKU: "E2E-RED", Price: platform.Money{Amount: 1250, Currency: "USD"}, Options: []string{"Red"}, Tracked: true},
			{SKU: "E2E-BLUE", Price: platform.Money{Amount: 1250, Currency: "USD"}, Options: []string{"Blue"}, Tracked: true},
		},
	})
	if err != nil || len(created.Variants) != 2 || created.Variants[0].InventoryItemID == "" {
		t.Fatalf("SetProduct: %+v, %v", created, err)
	}
	read, err := c.Product(ctx, created.ID)
	if err != nil || read.Title != "E2E Mug" || len(read.Variants) != 2 || read.Variants[1].Price.Amount != 1250 {
		t.Fatalf("Product: %+v, %v", read, err)
	}
	items := []string{created.Variants[0].InventoryItemID, created.Variants[1].InventoryItemID}
	levels, err := c.InventoryLevels(ctx, loc, items)
	if err != nil || len(levels) != 2 {
		t.Fatalf("InventoryLevels: %+v, %v", levels, err)
	}
	stale := levels[1].Available + 3
	res, err := c.SetInventory(ctx, platform.SetInventoryParams{
		IdempotencyKey: "e2e-inventory-1", RereadOnConflict: true,
		Changes: []platform.InventoryChange{
			{InventoryItemID: items[0], LocationID: loc, Quantity: 11, Expected: &levels[0].Available},
			{InventoryItemID: items[1], LocationID: loc, Quantity: 22, Expected: &stale},
		},
	})
	if err != nil || res.Applied != 2 || res.Conflicts != 1 {
		t.Fatalf("SetInventory: %+v, %v", res, err)
	}
	for sku, want := range map[string]int{"E2E-RED": 11, "E2E-BLUE": 22} {
		sh, _ := sim.Shop(simShop)
		if got, ok := sh.Available(sku); !ok || got != want {
			t.Fatalf("%s available %d (%v), want %d", sku, got, ok, want)
		}
	}

	// The same job attempted again after the destination's quantity changed once more: its
	// re-read finds another expected value, which goes out under a new key (Shopify refuses a
	// key reused with other parameters), and the quantity is set.
	if err := sim.SetStock(simShop, items[1], loc, 30); err != nil {
		t.Fatal(err)
	}
	res, err = c.SetInventory(ctx, platform.SetInventoryParams{
		IdempotencyKey: "e2e-inventory-1", RereadOnConflict: true,
		Changes: []platform.InventoryChange{
			{InventoryItemID: items[0], LocationID: loc, Quantity: 11, Expected: &levels[0].Available},
			{InventoryItemID: items[1], LocationID: loc, Quantity: 22, Expected: &stale},
		},
	})
	if err != nil || res.Applied != 2 {
		t.Fatalf("SetInventory re-run after a change: %+v, %v", res, err)
	}
	if sh, _ := sim.Shop(simShop); func() int { n, _ := sh.Available("E2E-BLUE"); return n }() != 22 {
		t.Fatal("E2E-BLUE not set to 22 by the re-run")
	}

	// Webhooks: subscribe a receiver that verifies each delivery with the client.
	var mu sync.Mutex
	var events []platform.WebhookEvent
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := c.ReceiveWebhook(r)
		if err != nil {
			t.Errorf("webhook refused: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	if err := c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: recv.URL, Topics: shopify.DefaultTopics()}); err != nil {
		t.Fatal(err)
	}
	if err := c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: recv.URL, Topics: []platform.Topic{platform.TopicOrderCreated}}); err != nil {
		t.Fatalf("subscribing twice: %v", err)
	}

	// A product change after subscribing comes back as products/update.
	if _, err := c.SetProduct(ctx, platform.ProductInput{
		ID: created.ID, Title: "E2E Mug v2", Status: platform.ProductActive, Options: []string{"Color"},
		Variants: []platform.VariantInput{
			{ID: created.Variants[0].ID, SKU: "E2E-RED", Price: platform.Money{Amount: 1300, Currency: "USD"}, Options: []string{"Red"}, Tracked: true},
			{ID: created.Variants[1].ID, SKU: "E2E-BLUE", Price: platform.Money{Amount: 1300, Currency: "USD"}, Options: []string{"Blue"}, Tracked: true},
		},
	}); err != nil {
		t.Fatalf("updating product: %v", err)
	}

	// Order push, read back, fulfil with tracking, and a second push cancelled.
	v := paged[firstKey(paged)].Variants[0]
	in := platform.OrderInput{
		IdempotencyKey: "e2e-push-1", Currency: "USD", Email: "ann@example.com", Note: "Dest order #1001",
		Tags: []string{"dest-shop"}, Customer: &platform.Customer{FirstName: "Ann", LastName: "Lee"},
		ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Ottawa", ProvinceCode: "ON", Zip: "K1A 0B1", CountryCode: "CA"},
		Lines:           []platform.OrderLineInput{{VariantID: v.ID, Quantity: 2}},
		ShippingLines:   []platform.ShippingLine{{Title: "Standard", Price: platform.Money{Amount: 500, Currency: "USD"}}},
		FinancialStatus: platform.FinancialPaid, InventoryBehaviour: platform.InventoryDecrementObeyPolicy,
	}
	order, err := c.CreateOrder(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(order.Lines) != 1 || order.Lines[0].SKU != v.SKU || order.Total.Amount != 2*v.Price.Amount+500 || order.ShippingAddress.City != "Ottawa" {
		t.Fatalf("created order %+v", order)
	}
	if again, err := c.CreateOrder(ctx, in); err != nil || again.ID != order.ID {
		t.Fatalf("re-running push e2e-push-1 gave %q (%v), want the first order %q", again.ID, err, order.ID)
	}
	got, err := c.Order(ctx, order.ID)
	if err != nil || got.Name != order.Name || got.Note != "Dest order #1001" {
		t.Fatalf("Order: %+v, %v", got, err)
	}
	since := order.UpdatedAt.Add(-time.Minute)
	page, err := c.ListOrders(ctx, platform.ListParams{UpdatedSince: since})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("ListOrders: %+v, %v", page, err)
	}
	fs, err := c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: order.ID, Tracking: platform.Tracking{Company: "UPS", Number: "1ZE2E", URL: "https://ups.test/1ZE2E"}})
	if err != nil || len(fs) != 1 || fs[0].Tracking[0].Number != "1ZE2E" {
		t.Fatalf("CreateFulfillment: %+v, %v", fs, err)
	}
	readFs, err := c.Fulfillments(ctx, order.ID)
	if err != nil || len(readFs) != 1 || readFs[0].Tracking[0].Company != "UPS" {
		t.Fatalf("Fulfillments: %+v, %v", readFs, err)
	}
	in.IdempotencyKey = "e2e-push-2"
	second, err := c.CreateOrder(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: second.ID, Reason: platform.CancelInventory, Restock: true}); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sim.WebhooksIdle(wctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[platform.Topic]int{}
	for _, ev := range events {
		seen[ev.Topic]++
		if ev.EventID == "" || ev.Store != simShop {
			t.Errorf("event without id or shop: %+v", ev)
		}
		if ev.Topic == platform.TopicOrderCreated && (ev.Order == nil || ev.Order.Total.Amount <= 0) {
			t.Errorf("orders/create without order: %+v", ev)
		}
		if ev.Topic == platform.TopicProductUpdated && (ev.Product == nil || ev.Product.Title != "E2E Mug v2" || ev.Product.Variants[0].Price.Amount != 1300) {
			t.Errorf("products/update: %+v", ev.Product)
		}
	}
	for _, topic := range []platform.Topic{platform.TopicOrderCreated, platform.TopicFulfillmentCreated, platform.TopicOrderCancelled, platform.TopicProductUpdated} {
		if seen[topic] == 0 {
			t.Errorf("no %s webhook among %v", topic, seen)
		}
	}
}

func firstKey(m map[string]platform.Product) string {
	for k := range m {
		return k
	}
	return ""
}

// checkReads is the read-only part of the contract every Shopify store must meet, the simulator
// and a real development store alike: shop info, locations, the catalog by pages and by bulk
// export (which must agree), and inventory levels. It returns a location and the catalog.
func checkReads(t *testing.T, c *shopify.Client) (string, map[string]platform.Product) {
	t.Helper()
	ctx := context.Background()
	info, err := c.Shop(ctx)
	if err != nil || info.Domain != simShop || info.Currency != "USD" {
		t.Fatalf("Shop: %+v, %v", info, err)
	}
	locs, err := c.Locations(ctx)
	if err != nil || len(locs) == 0 {
		t.Fatalf("Locations: %v, %v", locs, err)
	}
	loc := locs[0].ID

	// Catalog by pages and by bulk export agree.
	paged := map[string]platform.Product{}
	cursor := ""
	for {
		page, err := c.ListProducts(ctx, platform.ListParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Items {
			paged[p.ID] = p
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	exported := map[string]platform.Product{}
	if err := c.ExportCatalog(ctx, func(p platform.Product) error { exported[p.ID] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(paged) != len(exported) {
		t.Fatalf("paged %d, exported %d products", len(paged), len(exported))
	}
	var items []string
	for id, p := range paged {
		e := exported[id]
		if len(e.Variants) != len(p.Variants) || (len(p.Variants) > 0 && (e.Variants[0].SKU != p.Variants[0].SKU || e.Variants[0].Price != p.Variants[0].Price)) {
			t.Fatalf("product %s: paged %+v exported %+v", id, p.Variants, e.Variants)
		}
		for _, v := range p.Variants {
			if v.Price.Currency != info.Currency {
				t.Fatalf("variant %s price %v not in shop currency %s", v.ID, v.Price, info.Currency)
			}
			if len(items) < 300 {
				items = append(items, v.InventoryItemID)
			}
		}
	}
	if _, err := c.InventoryLevels(ctx, loc, items); err != nil {
		t.Fatalf("InventoryLevels: %v", err)
	}
	return loc, paged
}

// TestContractLiveShop runs the read-only contract against a real development store when
// SHOPIFY_TEST_SHOP (acme.myshopify.com) and SHOPIFY_TEST_TOKEN (an Admin API token with
// read_products, read_inventory, read_orders) are set.
func TestContractLiveShop(t *testing.T) {
	shop, token := os.Getenv("SHOPIFY_TEST_SHOP"), os.Getenv("SHOPIFY_TEST_TOKEN")
	if shop == "" || token == "" {
		t.Skip("live Shopify contract skipped: set SHOPIFY_TEST_SHOP and SHOPIFY_TEST_TOKEN to run it against a development store")
	}
	c, err := shopify.New(shopify.Config{Shop: shop, AccessToken: token})
	if err != nil {
		t.Fatal(err)
	}
	_, paged := checkReads(t, c)
	t.Logf("%s: %d products read by pages and by bulk export", shop, len(paged))
	if _, err := c.ListOrders(context.Background(), platform.ListParams{UpdatedSince: time.Now().Add(-30 * 24 * time.Hour)}); err != nil {
		t.Fatalf("ListOrders: %v", err)
	}
}

// TestAgainstSimulatorWithFaults: with a fifth of requests answered 502/503 and a tenth 429,
// reads still succeed through retries, and an order push re-run until it succeeds creates
// exactly one order.
func TestAgainstSimulatorWithFaults(t *testing.T) {
	t.Parallel()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	// Advanced plan: the sleeps below are fake, so the bucket never refills; twenty pages of
	// products with their images and weights need more than a standard bucket holds.
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret, Plan: shopifysim.PlanAdvanced}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog(simShop, 5, 2); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(simShop, shopifysim.Faults{ErrorShare: 0.2, ThrottleShare: 0.1})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var waits []time.Duration
	c, err := shopify.New(shopify.Config{
		Shop: simShop, AccessToken: simToken, APISecret: simSecret, BaseURL: srv.URL + "/shops/" + simShop, HTTPClient: srv.Client(),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return ctx.Err()
		},
		Backoff: httpclient.Backoff{MaxAttempts: 8},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var variant platform.Variant
	for range 20 {
		page, err := c.ListProducts(ctx, platform.ListParams{})
		if err != nil {
			t.Fatalf("read under faults: %v", err)
		}
		variant = page.Items[0].Variants[0]
	}
	retryAfter := false
	for _, w := range waits {
		retryAfter = retryAfter || w >= time.Second
	}
	if !retryAfter {
		t.Errorf("no wait honoured a Retry-After among %v", waits)
	}
	in := platform.OrderInput{IdempotencyKey: "fault-push", Email: "a@example.com", Lines: []platform.OrderLineInput{{VariantID: variant.ID, Quantity: 1}}}
	var order platform.Order
	for attempt := 0; ; attempt++ {
		if attempt == 10 {
			t.Fatal("push never succeeded")
		}
		order, err = c.CreateOrder(ctx, in)
		if err == nil {
			break
		}
		if !platform.IsRetryable(err) {
			t.Fatalf("push failed for good: %v", err)
		}
	}
	sim.SetFaults(simShop, shopifysim.Faults{})
	page, err := c.ListOrders(ctx, platform.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	tagged := 0
	for _, o := range page.Items {
		for _, tag := range o.Tags {
			if tag == shopify.PushTag("fault-push") {
				tagged++
			}
		}
	}
	if tagged != 1 || order.ID == "" {
		t.Fatalf("%d orders carry the push tag (order %q)", tagged, order.ID)
	}
}
