package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
)

// The demo's source shops (Shopify and BigCommerce) belong to the supplier's account and the
// reseller's shops (Shopify and WooCommerce) follow them, connected by their store keys, Harbor
// following both; starting again (a restart) keeps the connections.
func TestDemoResellerFollowsTheSupplier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	reseller, _ := a.Accounts.CreateAccount(ctx, "demo")
	supplier, _ := a.Accounts.CreateAccount(ctx, "supplier")
	for range 2 {
		stop, err := a.StartDemoShops(ctx, reseller.ID, supplier.ID)
		if err != nil {
			t.Fatal(err)
		}
		stop()
	}
	byDomain := map[string]store.Store{}
	var sources []store.Store
	for _, acc := range []int64{supplier.ID, reseller.ID} {
		own, _ := a.Stores.List(ctx, store.ListParams{AccountID: acc})
		var names []string
		for _, st := range own {
			byDomain[st.Address] = st
			names = append(names, st.Name+" on "+string(st.Platform))
		}
		var want []string
		for _, d := range app.DemoShops {
			if d.Source == (acc == supplier.ID) {
				want = append(want, d.Name+" on "+string(d.Platform))
			}
		}
		if strings.Join(names, ", ") != strings.Join(want, ", ") {
			t.Fatalf("account %d's stores: %s; want %s", acc, strings.Join(names, ", "), strings.Join(want, ", "))
		}
		if acc == supplier.ID {
			sources = own
		}
	}
	platforms := map[store.Platform]bool{}
	for _, st := range byDomain {
		platforms[st.Platform] = true
	}
	if len(platforms) != 3 {
		t.Errorf("the demo's stores are on %d platforms; want Shopify, BigCommerce and WooCommerce", len(platforms))
	}
	page, err := a.Connections.List(ctx, connection.ListParams{AccountID: reseller.ID, Role: connection.RoleDestination})
	if err != nil || page.Total != int64(len(app.DemoFollows)) {
		t.Fatalf("the reseller's connections: %+v %v; want %d", page, err, len(app.DemoFollows))
	}
	found := map[app.DemoFollow]connection.Connection{}
	for _, c := range page.Items {
		for _, f := range app.DemoFollows {
			if c.Destination.ID == byDomain[f.Destination].ID && c.Source.Key == byDomain[f.Source].Key {
				found[f] = c
			}
		}
	}
	for _, f := range app.DemoFollows {
		c, ok := found[f]
		if !ok || c.State != connection.StateConnected {
			t.Errorf("%s follows %s: %+v, found %v; want connected", f.Destination, f.Source, c, ok)
			continue
		}
		// Orders of synced products are pushed automatically, and the suppliers ship them themselves.
		if cs, err := a.Orders.GetSettings(ctx, reseller.ID, c.ID); err != nil || cs.Settings.PushMode != orders.PushAutomatic {
			t.Errorf("the order settings of %s following %s: %+v %v; want automatic push", f.Destination, f.Source, cs, err)
		}
		// The new connection imported the source's first products, once, though the demo started twice.
		var runs, requested int
		if err := a.DB.QueryRow(ctx, `SELECT count(*), coalesce(sum(requested), 0) FROM imports WHERE connection_id = $1 AND kind = 'import'`,
			c.ID).Scan(&runs, &requested); err != nil || runs != 1 || requested == 0 {
			t.Errorf("imports of %s into %s: %d runs of %d products, %v; want one run", f.Source, f.Destination, runs, requested, err)
		}
	}
	if page, _ := a.Connections.List(ctx, connection.ListParams{AccountID: supplier.ID, Role: connection.RoleSource}); page.Total != int64(len(app.DemoFollows)) {
		t.Errorf("the supplier sees %d destinations; want %d", page.Total, len(app.DemoFollows))
	}
	// The supplier's stock comes from its back office, which holds an item per variant of each of
	// its stores (once, though the demo started twice) and every item the shipped feed names but
	// its discontinued one; the feed, the schedule and one queued first run are there.
	for _, st := range sources {
		if m, err := a.SyncRuns.Master(ctx, supplier.ID, st.ID); err != nil || m.Master != syncrun.MasterBackOffice {
			t.Errorf("the master of %s: %+v %v; want the back office", st, m, err)
		}
	}
	wantItems := 0
	for _, d := range app.DemoShops {
		if d.Source {
			wantItems += d.Products * d.Variants
		}
	}
	var items int
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM backoffice_items WHERE account_id = $1`, supplier.ID).Scan(&items); err != nil ||
		items != wantItems {
		t.Errorf("the supplier's back office has %d items (%v); want one per variant, %d", items, err, wantItems)
	}
	var feedSKUs []string
	for i, line := range strings.Split(strings.TrimSpace(string(app.DemoFeed())), "\n") {
		if sku, _, _ := strings.Cut(line, ","); i > 0 && !strings.HasPrefix(sku, "SKU-9000") {
			feedSKUs = append(feedSKUs, sku)
		}
	}
	if got, err := a.BackOffice.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: supplier.ID, SKUs: feedSKUs}); err != nil ||
		len(got) != len(feedSKUs) {
		t.Errorf("the demo feed names %d items the back office has, of %d (%v): its SKUs no longer match the demo catalog", len(got), len(feedSKUs), err)
	}
	if fs, err := a.SyncRuns.ListFeeds(ctx, supplier.ID); err != nil || len(fs) != 1 || fs[0].Name != app.DemoFeedName || fs[0].UploadSize == 0 {
		t.Errorf("the demo feeds: %+v %v", fs, err)
	}
	if ss, err := a.SyncSchedules.List(ctx, supplier.ID); err != nil || len(ss) != 1 || ss[0].Expression != app.DemoSyncSchedule {
		t.Errorf("the demo schedules: %+v %v", ss, err)
	}
	if rs, err := a.SyncRuns.List(ctx, syncrun.ListParams{AccountID: supplier.ID}); err != nil || len(rs) != 1 || rs[0].Status != syncrun.StatusQueued {
		t.Errorf("the demo's runs: %+v %v; want the one first run queued", rs, err)
	}
}
