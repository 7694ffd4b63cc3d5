package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestFulfilmentBack runs the fulfilment back over real HTTP with the Shopify simulator: an
// order pushed to a source with two locations is shipped by the supplier in part (one line's
// half, two parcels, every webhook of it dropped: the reconciliation poll finds it), then the
// rest (two fulfilments, one per location, every webhook sent twice), then tracking is added to
// the first later. The destination ends with exactly three fulfilments of the right lines and
// tracking, its order partially fulfilled and then fulfilled, and the timeline says so.
func TestFulfilmentBack(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		const srcDomain, dstDomain = "ful-supplier.myshopify.com", "ful-reseller.myshopify.com"
		src, _ := e.shopAt(t, "ful-supplier", 2, 2)
		dst, _ := e.shop(t, "ful-reseller", 2)
		dstVariants, dstItems := e.storeVariants(t, dst)
		srcVariants, srcItems := e.storeVariants(t, src)
		c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		var links []catalog.LinkInput
		for i := range 2 {
			links = append(links, catalog.LinkInput{SourceStoreID: src.ID, SourceProductID: fmt.Sprint("sp", i), SourceVariantID: srcVariants[i],
				SourceInventoryItemID: srcItems[i], DestinationStoreID: dst.ID, DestinationProductID: fmt.Sprint("dp", i),
				DestinationVariantID: dstVariants[i], DestinationInventoryItemID: dstItems[i]})
		}
		if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: links})
		}); err != nil {
			t.Fatal(err)
		}
		e.waitSubscribed(t, dst)
		e.waitSubscribed(t, src)
		key := e.apiKey(t, dst)
		if st, body := e.callRaw(t, key, http.MethodPut, fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID),
			map[string]any{"push_mode": "automatic"}, nil); st != http.StatusOK {
			t.Fatalf("PUT order settings: %d %s", st, body)
		}
		dc := e.client(t, dst)
		placed, err := dc.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: "ful-1", Currency: "USD", Email: "ann@example.com",
			FinancialStatus: platform.FinancialPaid, Customer: &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
			ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Province: "TX",
				Zip: "73301", CountryCode: "US"},
			Lines: []platform.OrderLineInput{{VariantID: dstVariants[0], Quantity: 2}, {VariantID: dstVariants[1], Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		var orderID int64
		get := func() api.Order {
			t.Helper()
			if orderID == 0 {
				var l struct {
					Data []api.Order `json:"data"`
				}
				e.callRaw(t, key, http.MethodGet, "/api/v2/orders", nil, &l)
				for _, o := range l.Data {
					if o.Name == placed.Name {
						orderID = o.ID
					}
				}
				if orderID == 0 {
					return api.Order{}
				}
			}
			var o api.Order
			if st, body := e.callRaw(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders/%d", orderID), nil, &o); st != http.StatusOK {
				t.Fatalf("GET order: %d %s", st, body)
			}
			return o
		}
		waitFor := func(what string, ok func(api.Order) bool) api.Order {
			t.Helper()
			deadline := time.Now().Add(90 * time.Second)
			for {
				o := get()
				if ok(o) {
					return o
				}
				if time.Now().After(deadline) {
					t.Fatalf("waiting for %s: order %+v", what, o)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		o := waitFor("the push", func(o api.Order) bool { return len(o.Pushes) == 1 && o.Pushes[0].Status == "pushed" })
		sourceOrder := o.Pushes[0].SourceOrderID
		sc := e.client(t, src)
		so, err := sc.Order(ctx, sourceOrder)
		if err != nil || len(so.Lines) != 2 {
			t.Fatalf("source order %+v, %v", so, err)
		}
		srcShop, _ := e.sim.Shop(srcDomain)
		if err := srcShop.MoveFulfillmentLines(sourceOrder, []string{so.Lines[1].ID}, 1); err != nil {
			t.Fatal(err)
		}
		applied := func(o api.Order) []api.OrderFulfillment {
			var out []api.OrderFulfillment
			for _, f := range o.Fulfillments {
				if f.Status == "applied" {
					out = append(out, f)
				}
			}
			return out
		}

		// Half of the first line, two parcels, every webhook of it lost: the poll finds it.
		e.sim.SetWebhookFaults(srcDomain, shopifysim.WebhookFaults{DropShare: 1})
		first, err := e.sim.Ship(srcDomain, sourceOrder, map[string]int{so.Lines[0].ID: 1},
			shopifysim.Tracking{Company: "UPS", Numbers: []string{"1Z01", "1Z02"}, URLs: []string{"https://ups.test/1Z01", "https://ups.test/1Z02"}})
		if err != nil || len(first) != 1 {
			t.Fatalf("ship: %v %v", first, err)
		}
		if err := e.sim.WebhooksIdle(ctx); err != nil {
			t.Fatal(err)
		}
		e.sim.SetWebhookFaults(srcDomain, shopifysim.WebhookFaults{})
		if err := e.a.Fulfilment.RequestPoll(ctx, src.ID); err != nil {
			t.Fatal(err)
		}
		o = waitFor("the first fulfilment", func(o api.Order) bool {
			return len(applied(o)) == 1 && o.FulfillmentStatus == "partially_fulfilled"
		})
		f := applied(o)[0]
		if f.SourceFulfillmentID != first[0] || len(f.Lines) != 1 || f.Lines[0].Quantity != 1 || len(f.Tracking) != 2 ||
			len(f.DestinationFulfillmentIDs) != 1 || f.AppliedAt == nil {
			t.Fatalf("first fulfilment %+v", f)
		}

		// The rest, from both locations, every webhook twice.
		e.sim.SetWebhookFaults(srcDomain, shopifysim.WebhookFaults{DuplicateShare: 1})
		rest, err := e.sim.Ship(srcDomain, sourceOrder, nil, shopifysim.Tracking{Company: "FedEx", Numbers: []string{"FX1"}, URLs: []string{"https://fedex.test/FX1"}})
		if err != nil || len(rest) != 2 {
			t.Fatalf("ship the rest: %v %v; want one fulfilment per location", rest, err)
		}
		waitFor("every fulfilment", func(o api.Order) bool { return len(applied(o)) == 3 && o.FulfillmentStatus == "fulfilled" })

		// Tracking added to the first later (still sent twice).
		if err := e.sim.AddTracking(srcDomain, first[0], shopifysim.Tracking{Company: "UPS", Numbers: []string{"1Z01", "1Z02", "1Z03"},
			URLs: []string{"https://ups.test/1Z01", "https://ups.test/1Z02", "https://ups.test/1Z03"}}); err != nil {
			t.Fatal(err)
		}
		waitFor("the tracking added later", func(o api.Order) bool {
			for _, f := range o.Fulfillments {
				if f.SourceFulfillmentID == first[0] && len(f.Tracking) == 3 && f.TrackingAppliedAt != nil && !f.TrackingAppliedAt.Before(*f.AppliedAt) {
					return true
				}
			}
			return false
		})
		// And the poll reads everything again: nothing more is made.
		if err := e.a.Fulfilment.RequestPoll(ctx, src.ID); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, e)
		o = get()

		dstShop, _ := e.sim.Shop(dstDomain)
		n, shipped, err := dstShop.Fulfillments(placed.ID)
		if err != nil || n != 3 || shipped[placed.Lines[0].ID] != 2 || shipped[placed.Lines[1].ID] != 1 {
			t.Fatalf("destination fulfilments: %d shipping %v (%v); want 3 shipping every line once", n, shipped, err)
		}
		made, err := dc.Fulfillments(ctx, placed.ID)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]platform.Fulfillment{}
		for _, f := range made {
			byID[f.ID] = f
		}
		numbers := func(ts []platform.Tracking) []string {
			var out []string
			for _, t := range ts {
				out = append(out, t.Company+" "+t.Number+" "+t.URL)
			}
			return out
		}
		for _, f := range o.Fulfillments {
			if f.Status != "applied" || len(f.DestinationFulfillmentIDs) != 1 {
				t.Fatalf("fulfilment %+v; want applied as one destination fulfilment", f)
			}
			d := byID[f.DestinationFulfillmentIDs[0]]
			want := []string{"FedEx FX1 https://fedex.test/FX1"}
			if f.SourceFulfillmentID == first[0] {
				want = []string{"UPS 1Z01 https://ups.test/1Z01", "UPS 1Z02 https://ups.test/1Z02", "UPS 1Z03 https://ups.test/1Z03"}
			}
			if got := numbers(d.Tracking); !slices.Equal(got, want) {
				t.Fatalf("destination fulfilment %s of %s: tracking %v; want %v", d.ID, f.SourceFulfillmentID, got, want)
			}
		}
		kinds := map[string]int{}
		for _, ev := range o.Timeline {
			kinds[ev.Kind]++
		}
		if kinds["partially_fulfilled"] != 2 || kinds["fulfilled"] != 1 || kinds["tracking"] != 4 {
			t.Fatalf("timeline kinds %v; want 2 partially_fulfilled, 1 fulfilled, 4 tracking", kinds)
		}
		var list struct {
			Data []api.Order `json:"data"`
		}
		e.callRaw(t, key, http.MethodGet, "/api/v2/orders?fulfillment_status=fulfilled", nil, &list)
		if len(list.Data) != 1 || list.Data[0].ID != orderID {
			t.Fatalf("orders fulfilled: %+v; want the order", list.Data)
		}

		// The dashboard's order shows the fulfilments with their tracking links.
		if st, _, page := e.dashboard(t, dst)(http.MethodGet, fmt.Sprintf("/orders/%d", orderID), nil); st != http.StatusOK ||
			!strings.Contains(page, `href="https://ups.test/1Z03"`) || !strings.Contains(page, `href="https://fedex.test/FX1"`) {
			t.Fatalf("dashboard order: %d; want the tracking links in %s", st, page)
		}

		// The supplier cancels one fulfilment: flagged, the destination's is left alone.
		if err := e.sim.CancelFulfillment(srcDomain, rest[1]); err != nil {
			t.Fatal(err)
		}
		o = waitFor("the cancellation", func(o api.Order) bool {
			return slices.ContainsFunc(o.Fulfillments, func(f api.OrderFulfillment) bool { return f.CancelledAt != nil })
		})
		if !slices.ContainsFunc(o.Timeline, func(ev api.OrderEvent) bool {
			return ev.Kind == "fulfillment_cancelled" && strings.Contains(ev.Detail, "check it")
		}) {
			t.Fatalf("timeline %+v; want the cancellation flagged", o.Timeline)
		}
		waitIdle(t, e)
		if n, _, _ := dstShop.Fulfillments(placed.ID); n != 3 {
			t.Fatalf("destination fulfilments after the source's cancel: %d; want 3", n)
		}
	})
}
