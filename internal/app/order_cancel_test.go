package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestOrderCancellations runs cancellations, edits and flags over real HTTP with the Shopify
// simulator, every destination webhook delivered twice: a destination order cancelled after its
// push cancels its source order once; cancelled after the source shipped it, it is flagged; a
// source order cancelled flags the destination order, and with cancel_and_refund also cancels
// and refunds it once; a line edited after the push is flagged; a flag clears once.
func TestOrderCancellations(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		src, _ := e.shop(t, "cancel-supplier", 1)
		dst, _ := e.shop(t, "cancel-reseller", 1)
		dstVariants, dstItems := e.storeVariants(t, dst)
		srcVariants, srcItems := e.storeVariants(t, src)
		c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: src.ID, SourceProductID: "sp", SourceVariantID: srcVariants[0], SourceInventoryItemID: srcItems[0],
				DestinationStoreID: dst.ID, DestinationProductID: "dp", DestinationVariantID: dstVariants[0], DestinationInventoryItemID: dstItems[0]}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		e.waitSubscribed(t, dst)
		e.waitSubscribed(t, src)
		e.sim.SetWebhookFaults(dst.Address, shopifysim.WebhookFaults{DuplicateShare: 1})
		srv := httptest.NewTLSServer(e.a.Handler(app.ServeOptions{}))
		t.Cleanup(srv.Close)
		_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: dst.AccountID, Name: "ops", Permission: account.PermissionReadWrite})
		if err != nil {
			t.Fatal(err)
		}
		call := func(method, path string, body, out any) int {
			t.Helper()
			st, _ := apiCall(t, srv, key, method, path, body, out)
			return st
		}
		settings := fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID)
		for _, bad := range []map[string]any{{"on_destination_cancel": "refund"}, {"on_source_cancel": "cancel"}} {
			if st := call(http.MethodPut, settings, bad, nil); st != http.StatusUnprocessableEntity {
				t.Fatalf("PUT order settings %v: %d; want 422", bad, st)
			}
		}
		var got api.OrderSettings
		if st := call(http.MethodGet, settings, nil, &got); st != http.StatusOK || got.PushMode != "manual" ||
			got.OnDestinationCancel != "cancel_source" || got.OnSourceCancel != "flag" {
			t.Fatalf("GET order settings: %d %+v; want the defaults after the refusals", st, got)
		}
		if st := call(http.MethodPut, settings, map[string]any{"push_mode": "automatic"}, &got); st != http.StatusOK {
			t.Fatalf("PUT order settings: %d", st)
		}
		dc, sc := e.client(t, dst), e.client(t, src)
		place := func(key string, qty int64) platform.Order {
			t.Helper()
			o, err := dc.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: key, Currency: "USD", Email: "ann@example.com",
				FinancialStatus: platform.FinancialPaid,
				Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
				ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Zip: "73301", Country: "United States", CountryCode: "US"},
				Lines:           []platform.OrderLineInput{{VariantID: dstVariants[0], Quantity: qty}}})
			if err != nil {
				t.Fatalf("placing order %s: %v", key, err)
			}
			return o
		}
		detail := func(name string) api.Order {
			t.Helper()
			var l struct {
				Data []api.Order `json:"data"`
			}
			call(http.MethodGet, "/api/v2/orders", nil, &l)
			for _, o := range l.Data {
				if o.Name == name {
					var d api.Order
					call(http.MethodGet, fmt.Sprintf("/api/v2/orders/%d", o.ID), nil, &d)
					return d
				}
			}
			return api.Order{}
		}
		waitFor := func(name, what string, cond func(api.Order) bool) api.Order {
			t.Helper()
			deadline := time.Now().Add(60 * time.Second)
			for {
				o := detail(name)
				if cond(o) {
					return o
				}
				if time.Now().After(deadline) {
					t.Fatalf("order %s: waiting for %s; pushes %+v flags %+v timeline %+v", name, what, o.Pushes, o.Flags, o.Timeline)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		pushed := func(o api.Order) bool { return len(o.Pushes) == 1 && o.Pushes[0].Status == "pushed" }
		events := func(o api.Order, kind string) int {
			n := 0
			for _, ev := range o.Timeline {
				if ev.Kind == kind {
					n++
				}
			}
			return n
		}
		flags := func(o api.Order, kind string) []api.OrderFlag {
			var out []api.OrderFlag
			for _, f := range o.Flags {
				if f.Kind == kind && f.ClearedAt == nil {
					out = append(out, f)
				}
			}
			return out
		}

		// Five orders, pushed automatically.
		oA, oB, oC, oE := place("cancel-a", 1), place("cancel-b", 1), place("cancel-c", 1), place("cancel-e", 2)
		at := map[string]api.Order{}
		for _, o := range []platform.Order{oA, oB, oC, oE} {
			at[o.Name] = waitFor(o.Name, "its push", pushed)
		}
		sourceOrder := func(o platform.Order) string { return at[o.Name].Pushes[0].SourceOrderID }

		// A: cancelled on the destination after its push → the source order is cancelled, once.
		if err := dc.CancelOrder(ctx, platform.CancelOrderParams{OrderID: oA.ID, Reason: platform.CancelCustomer, Refund: true}); err != nil {
			t.Fatal(err)
		}
		// B: the source ships it first, then the destination cancels → flagged, the source order stays.
		if _, err := sc.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: sourceOrder(oB), Tracking: platform.Tracking{Company: "UPS", Number: "1ZCANCELB"}}); err != nil {
			t.Fatal(err)
		}
		if err := dc.CancelOrder(ctx, platform.CancelOrderParams{OrderID: oB.ID, Reason: platform.CancelCustomer}); err != nil {
			t.Fatal(err)
		}
		// C: cancelled at the source → the destination order is flagged, not cancelled.
		if err := sc.CancelOrder(ctx, platform.CancelOrderParams{OrderID: sourceOrder(oC), Reason: platform.CancelInventory, Restock: true}); err != nil {
			t.Fatal(err)
		}
		// E: a line edited after the push → flagged, the source order unchanged.
		sh, err := e.sim.Shop(dst.Address)
		if err != nil {
			t.Fatal(err)
		}
		if err := sh.EditOrderLine(oE.ID, oE.Lines[0].ID, 1); err != nil {
			t.Fatal(err)
		}

		a := waitFor(oA.Name, "the source order cancelled", func(o api.Order) bool { return len(o.Pushes) == 1 && o.Pushes[0].Status == "cancelled" })
		if so, err := sc.Order(ctx, sourceOrder(oA)); err != nil || so.CancelledAt == nil || strings.Count(so.Note, "was cancelled (storesync)") != 1 {
			t.Fatalf("source order of %s: %+v, %v; want cancelled once", oA.Name, so, err)
		}
		if a.PushStatus != "cancelled" || events(a, "cancel_queued") != 1 || events(a, "source_cancelled") != 1 || len(a.Flags) != 0 {
			t.Fatalf("order %s: status %s, flags %+v, timeline %+v; want cancelled once, no flag", oA.Name, a.PushStatus, a.Flags, a.Timeline)
		}
		b := waitFor(oB.Name, "a flag", func(o api.Order) bool { return len(flags(o, "destination_cancelled")) == 1 })
		if so, err := sc.Order(ctx, sourceOrder(oB)); err != nil || so.CancelledAt != nil {
			t.Fatalf("source order of %s: %+v, %v; want not cancelled (it is fulfilled)", oB.Name, so, err)
		}
		if !strings.Contains(flags(b, "destination_cancelled")[0].Detail, "fulfilled") || b.OpenFlags != 1 {
			t.Errorf("order %s: flags %+v (open %d); want one saying the source order is fulfilled", oB.Name, b.Flags, b.OpenFlags)
		}
		cOrder := waitFor(oC.Name, "a flag", func(o api.Order) bool { return len(flags(o, "source_cancelled")) == 1 })
		if cOrder.Pushes[0].Status != "cancelled" || cOrder.CancelledAt != nil {
			t.Errorf("order %s: push %s, cancelled_at %v; want the part cancelled, the order not", oC.Name, cOrder.Pushes[0].Status, cOrder.CancelledAt)
		}
		eOrder := waitFor(oE.Name, "a flag", func(o api.Order) bool { return len(flags(o, "line_edited")) == 1 })
		if d := flags(eOrder, "line_edited")[0].Detail; !strings.Contains(d, "2 → 1") {
			t.Errorf("edit flag %q; want the old and new quantity", d)
		}
		if so, err := sc.Order(ctx, sourceOrder(oE)); err != nil || len(so.Lines) != 1 || so.Lines[0].Current != 2 {
			t.Fatalf("source order of %s: %+v, %v; want unchanged (2)", oE.Name, so, err)
		}
		if do, err := dc.Order(ctx, oC.ID); err != nil || do.CancelledAt != nil {
			t.Fatalf("destination order %s: %+v, %v; want not cancelled (on_source_cancel is flag)", oC.Name, do, err)
		}

		// D: with cancel_and_refund, a source cancellation cancels and refunds the destination order, once.
		if st := call(http.MethodPut, settings, map[string]any{"push_mode": "automatic", "on_source_cancel": "cancel_and_refund"}, &got); st != http.StatusOK ||
			got.OnSourceCancel != "cancel_and_refund" || got.OnDestinationCancel != "cancel_source" {
			t.Fatalf("PUT order settings: %d %+v", st, got)
		}
		oD := place("cancel-d", 1)
		at[oD.Name] = waitFor(oD.Name, "its push", pushed)
		if err := sc.CancelOrder(ctx, platform.CancelOrderParams{OrderID: sourceOrder(oD), Reason: platform.CancelInventory, Restock: true}); err != nil {
			t.Fatal(err)
		}
		d := waitFor(oD.Name, "the destination order cancelled", func(o api.Order) bool { return o.CancelledAt != nil })
		if do, err := dc.Order(ctx, oD.ID); err != nil || do.CancelledAt == nil || do.FinancialStatus != platform.FinancialRefunded {
			t.Fatalf("destination order %s: %+v, %v; want cancelled and refunded", oD.Name, do, err)
		}
		if events(d, "destination_cancelled") != 1 || events(d, "cancel_queued") != 1 || len(flags(d, "source_cancelled")) != 1 || d.PushStatus != "cancelled" {
			t.Fatalf("order %s: status %s flags %+v timeline %+v; want cancelled once, flagged", oD.Name, d.PushStatus, d.Flags, d.Timeline)
		}

		// Flags: the flagged filter, and a clear (once; an unknown flag is a 404).
		var list struct {
			Data  []api.Order `json:"data"`
			Total int64       `json:"total"`
		}
		if st := call(http.MethodGet, "/api/v2/orders?flagged=true", nil, &list); st != http.StatusOK || list.Total != 4 {
			t.Fatalf("GET flagged=true: %d, %d orders; want 4 (B, C, D, E)", st, list.Total)
		}
		if st := call(http.MethodGet, "/api/v2/orders?flagged=maybe", nil, nil); st != http.StatusUnprocessableEntity {
			t.Fatalf("GET flagged=maybe: %d; want 422", st)
		}
		clearPath := fmt.Sprintf("/api/v2/orders/%d/flags/%d/clear", eOrder.ID, flags(eOrder, "line_edited")[0].ID)
		var cleared api.OrderFlag
		if st := call(http.MethodPost, clearPath, nil, &cleared); st != http.StatusOK || cleared.ClearedAt == nil || cleared.ClearedBy == "" {
			t.Fatalf("POST clear: %d %+v", st, cleared)
		}
		if st := call(http.MethodPost, clearPath, nil, nil); st != http.StatusConflict {
			t.Fatalf("POST clear again: %d; want 409", st)
		}
		if st := call(http.MethodPost, fmt.Sprintf("/api/v2/orders/%d/flags/%d/clear", eOrder.ID, cleared.ID+1000), nil, nil); st != http.StatusNotFound {
			t.Fatalf("POST clear of an unknown flag: %d; want 404", st)
		}
		if st := call(http.MethodGet, "/api/v2/orders?flagged=false", nil, &list); st != http.StatusOK || list.Total != 2 {
			t.Fatalf("GET flagged=false: %d, %d orders; want 2 (A, E)", st, list.Total)
		}
		if eOrder = detail(oE.Name); eOrder.OpenFlags != 0 || events(eOrder, "flag_cleared") != 1 {
			t.Fatalf("order %s after the clear: open %d, timeline %+v", oE.Name, eOrder.OpenFlags, eOrder.Timeline)
		}
	})
}
