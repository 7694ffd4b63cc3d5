package bigcommerce_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

func seedOne(t *testing.T, e *env, qty int64) (productID int64, variants []int64) {
	t.Helper()
	pid, vids, err := e.store.AddProduct(bcsim.SeedProduct{Name: "Canvas Tote", Option: "Color", Variants: []bcsim.SeedVariant{
		{SKU: "TOTE-R", Price: "12.50", Quantity: qty, Option: "Red"},
		{SKU: "TOTE-B", Price: "12.50", Quantity: qty, Option: "Blue"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return pid, vids
}

func vid(n int64) string { return strconv.FormatInt(n, 10) }

func TestInventoryBatchesAndLevels(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{})
	ctx := t.Context()
	if err := e.sim.SeedCatalog(testHash, 900, 5); err != nil { // 4,500 variants
		t.Fatal(err)
	}
	locs, err := e.c.Locations(ctx)
	if err != nil || len(locs) != 1 || !locs[0].Active {
		t.Fatalf("locations %+v %v", locs, err)
	}
	var changes []platform.InventoryChange
	var items []string
	err = e.c.ExportCatalog(ctx, func(p platform.Product) error {
		for _, v := range p.Variants {
			changes = append(changes, platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: locs[0].ID, Quantity: int64(len(changes) % 97)})
			items = append(items, v.InventoryItemID)
		}
		return nil
	})
	if err != nil || len(changes) != 4500 {
		t.Fatalf("%d variants, %v", len(changes), err)
	}
	before := e.store.Calls()
	res, err := e.c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "k", Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	if want := bigcommerceMinCalls(4500); res.Calls != want || res.Applied != 4500 || e.store.Calls()-before != want {
		t.Fatalf("calls %d (store saw %d), applied %d; want %d calls", res.Calls, e.store.Calls()-before, res.Applied, want)
	}
	levels, err := e.c.InventoryLevels(ctx, locs[0].ID, items[:250])
	if err != nil || len(levels) != 250 {
		t.Fatalf("levels %d %v", len(levels), err)
	}
	for i, l := range levels {
		if l.Available != int64(i%97) || l.InventoryItemID != items[i] {
			t.Fatalf("level %d: %+v", i, l)
		}
	}
	// An unknown location is named by the platform.
	_, err = e.c.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: items[0], LocationID: "999", Quantity: 1}}})
	if platform.KindOf(err) != platform.KindInvalidInput || !strings.Contains(err.Error(), "location") {
		t.Fatalf("unknown location: %v", err)
	}
	// A retried batch (the first answer lost) applies once: absolute adjustments are idempotent.
	n := 0
	_ = e.sim.SetFaultHook(testHash, func(method, path string) bcsim.Fault {
		if strings.HasSuffix(path, "/adjustments/absolute") && n == 0 {
			n++
			return bcsim.Fault{Status: 502, AfterApply: true}
		}
		return bcsim.Fault{}
	})
	res, err = e.c.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: items[0], LocationID: locs[0].ID, Quantity: 42}}})
	if err != nil || res.Calls != 2 {
		t.Fatalf("retried: %+v %v", res, err)
	}
	v, _ := strconv.ParseInt(items[0], 10, 64)
	if q, _ := e.store.Quantity(v, 1); q != 42 {
		t.Fatalf("quantity %d", q)
	}
}

func bigcommerceMinCalls(n int) int { return (n + 1999) / 2000 }

func TestOrdersCreateIdempotentReadCancel(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{})
	ctx := t.Context()
	_, vids := seedOne(t, e, 10)
	price := usd(t, "11.00")
	addr := &platform.Address{FirstName: "Lin", LastName: "Ng", Address1: "1 Main St", City: "Austin", Province: "Texas", Zip: "78701", Country: "United States", CountryCode: "US"}
	in := platform.OrderInput{IdempotencyKey: "push-42", Currency: "USD", Email: "lin@example.com", Note: "leave at door", Tags: []string{"wholesale"},
		ShippingAddress: addr, FinancialStatus: platform.FinancialPaid,
		ShippingLines: []platform.ShippingLine{{Title: "Ground", Price: usd(t, "5.00")}},
		Lines:         []platform.OrderLineInput{{VariantID: vid(vids[0]), Quantity: 2, UnitPrice: &price}, {VariantID: vid(vids[1]), Quantity: 1}}}
	o, err := e.c.CreateOrder(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Lines) != 2 || o.Lines[0].UnitPrice.Amount != 1100 || o.Lines[1].UnitPrice.Amount != 1250 || o.Subtotal.Amount != 3450 ||
		o.TotalShipping.Amount != 500 || o.Total.Amount != 3950 || o.FinancialStatus != platform.FinancialPaid || o.Note != "leave at door" ||
		o.ShippingAddress == nil || o.ShippingAddress.City != "Austin" || o.Lines[0].Options[0].Value != "Red" {
		t.Fatalf("order %+v", o)
	}
	if !containsStr(o.Tags, "wholesale") || !containsStr(o.Tags, "storesync-") {
		t.Fatalf("tags %v", o.Tags)
	}
	// Another client (a new process) with the same key finds the order instead of creating one.
	c2 := e.client(t, func(*bigcommerceConfig) {})
	again, err := c2.CreateOrder(ctx, in)
	if err != nil || again.ID != o.ID || e.store.OrderCount() != 1 {
		t.Fatalf("second create: %s vs %s, %d orders, %v", again.ID, o.ID, e.store.OrderCount(), err)
	}
	// A lost answer: the order was made, the client cannot know. It says so, and a retry with
	// UncertainSince finds it.
	_ = e.sim.SetFaultHook(testHash, func(method, path string) bcsim.Fault {
		if method == http.MethodPost && path == "/v2/orders" {
			return bcsim.Fault{Status: 504, AfterApply: true}
		}
		return bcsim.Fault{}
	})
	in2 := in
	in2.IdempotencyKey = "push-43"
	c3 := e.client(t, func(c *bigcommerceConfig) { c.OrderSearchLag = 50 * time.Millisecond })
	_, err = c3.CreateOrder(ctx, in2)
	pe, ok := asPlatformError(err)
	if !ok || pe.Kind != platform.KindOutcomeUnknown || !pe.Retryable || pe.RetryAfter <= 0 {
		t.Fatalf("lost answer: %v", err)
	}
	_ = e.sim.SetFaultHook(testHash, nil)
	in2.UncertainSince = time.Now()
	found, err := c3.CreateOrder(ctx, in2)
	if err != nil || e.store.OrderCount() != 2 || e.store.OrdersNoting(bigcommerceKeyTag("push-43")) != 1 {
		t.Fatalf("retry after lost answer: %d orders, %v", e.store.OrderCount(), err)
	}
	if n := e.store.OrdersTagged("wholesale"); n != 2 || e.store.OrdersTagged(bigcommerceKeyTag("push-42")) != 1 || e.store.OrdersTagged("whole") != 0 {
		t.Fatalf("orders tagged wholesale: %d", n)
	}
	if q, _ := e.store.Quantity(vids[0], 1); q != 6 {
		t.Fatalf("stock after two orders of 2: %d", q)
	}
	// Reads: by id and in pages, incremental.
	got, err := e.c.Order(ctx, found.ID)
	if err != nil || got.ID != found.ID || len(got.Lines) != 2 {
		t.Fatalf("order read %+v %v", got, err)
	}
	pg, err := e.c.ListOrders(ctx, platform.ListParams{Limit: 1})
	if err != nil || len(pg.Items) != 1 || pg.NextCursor != "2" {
		t.Fatalf("page 1: %+v %v", pg, err)
	}
	pg, err = e.c.ListOrders(ctx, platform.ListParams{Cursor: "3", Limit: 1})
	if err != nil || len(pg.Items) != 0 || pg.NextCursor != "" {
		t.Fatalf("past the end: %+v %v", pg, err)
	}
	pg, err = e.c.ListOrders(ctx, platform.ListParams{UpdatedSince: time.Now().Add(time.Hour)})
	if err != nil || len(pg.Items) != 0 {
		t.Fatalf("incremental: %+v %v", pg, err)
	}
	// Cancel restocks; cancelling again is done already.
	if err := e.c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelCustomer, StaffNote: "asked by phone"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.c.Order(ctx, o.ID)
	if !got.Cancelled() || !containsStr(got.Tags, "storesync-") {
		t.Fatalf("cancelled order %+v", got)
	}
	if q, _ := e.store.Quantity(vids[0], 1); q != 8 {
		t.Fatalf("stock after cancel: %d", q)
	}
	if _, err := e.c.Order(ctx, "999999"); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("missing order: %v", err)
	}
	if _, err := e.c.CreateOrder(ctx, platform.OrderInput{Lines: []platform.OrderLineInput{{VariantID: "424242", Quantity: 1}}, ShippingAddress: addr}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("unknown variant: %v", err)
	}
}

func containsStr(ss []string, prefix string) bool {
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestFulfillmentSeveralTrackingNumbersRerun(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{})
	ctx := t.Context()
	_, vids := seedOne(t, e, 10)
	oid, err := e.store.PlaceOrder("a@example.com", []bcsim.OrderLine{{VariantID: vids[0], Quantity: 2}, {VariantID: vids[1], Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.c.Order(ctx, vid(oid))
	if err != nil {
		t.Fatal(err)
	}
	in := platform.FulfillmentInput{OrderID: o.ID, Lines: []platform.FulfillmentLine{{OrderLineID: o.Lines[0].ID, Quantity: 2}},
		Tracking: platform.Tracking{Company: "UPS", Number: "1Z001"}, MoreTracking: []platform.Tracking{{Number: "1Z002"}, {Number: "1Z003"}}}
	fs, err := e.c.CreateFulfillment(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || len(fs[0].Tracking) != 3 || fs[0].Tracking[2].Number != "1Z003" || fs[0].Tracking[0].Company != "ups" ||
		fs[0].Tracking[0].URL == "" || fs[0].Lines[0].Quantity != 2 || fs[0].Lines[0].SKU != "TOTE-R" {
		t.Fatalf("fulfillments %+v", fs)
	}
	again, err := e.c.CreateFulfillment(ctx, in)
	if err != nil || len(again) != 1 || again[0].ID != fs[0].ID {
		t.Fatalf("re-run: %+v %v", again, err)
	}
	// The rest, all open lines, with another number.
	rest, err := e.c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: o.ID, Tracking: platform.Tracking{Company: "USPS", Number: "9400"}})
	if err != nil || len(rest) != 1 || rest[0].Lines[0].OrderLineID != o.Lines[1].ID {
		t.Fatalf("rest: %+v %v", rest, err)
	}
	all, err := e.c.Fulfillments(ctx, o.ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("fulfillments %+v %v", all, err)
	}
	got, _ := e.c.Order(ctx, o.ID)
	if got.FulfillmentStatus != "fulfilled" {
		t.Fatalf("status %q", got.FulfillmentStatus)
	}
	if _, err := e.c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: o.ID, Tracking: platform.Tracking{Number: "new"}}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("nothing left: %v", err)
	}
	up, err := e.c.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: fs[0].ID, Tracking: []platform.Tracking{{Company: "FedEx", Number: "F1"}, {Number: "F2"}}})
	if err != nil || len(up.Tracking) != 2 || up.Tracking[0].Number != "F1" || up.Tracking[1].Company != "fedex" {
		t.Fatalf("update tracking %+v %v", up, err)
	}
	// A carrier BigCommerce has no code for keeps its name.
	up, err = e.c.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: fs[0].ID, Tracking: []platform.Tracking{{Company: "Hermes Parcel", Number: "H1"}, {Number: "H2"}}})
	if err != nil || len(up.Tracking) != 2 || up.Tracking[0].Company != "Hermes Parcel" || up.Tracking[1].Number != "H2" {
		t.Fatalf("unknown carrier %+v %v", up, err)
	}
	if _, err := e.c.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: o.ID + "/999"}); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("missing shipment: %v", err)
	}
}
