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

// The demo's source shop belongs to the supplier's account and the reseller's shop follows it,
// connected by its store key; starting again (a restart) keeps the one connection.
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
	own, _ := a.Stores.List(ctx, store.ListParams{AccountID: supplier.ID})
	if len(own) != 1 || own[0].Name != app.DemoShops[0].Name {
		t.Fatalf("the supplier's stores: %v", own)
	}
	page, err := a.Connections.List(ctx, connection.ListParams{AccountID: reseller.ID, Role: connection.RoleDestination})
	if err != nil || page.Total != 1 || page.Items[0].State != connection.StateConnected || page.Items[0].Source.Key != own[0].Key {
		t.Fatalf("the reseller's connections: %+v %v", page, err)
	}
	if page, _ := a.Connections.List(ctx, connection.ListParams{AccountID: supplier.ID, Role: connection.RoleSource}); page.Total != 1 {
		t.Errorf("the supplier sees %d destinations", page.Total)
	}
	// Orders of synced products are pushed automatically, and the supplier ships them itself.
	if cs, err := a.Orders.GetSettings(ctx, reseller.ID, page.Items[0].ID); err != nil || cs.Settings.PushMode != orders.PushAutomatic {
		t.Errorf("the demo connection's order settings: %+v %v; want automatic push", cs, err)
	}
	// The supplier's stock comes from its back office, which holds an item per variant (once,
	// though the demo started twice) and every item the shipped feed names but its discontinued
	// one; the feed, the schedule and one queued first run are there.
	if m, err := a.SyncRuns.Master(ctx, supplier.ID, own[0].ID); err != nil || m.Master != syncrun.MasterBackOffice {
		t.Errorf("the supplier store's master: %+v %v; want the back office", m, err)
	}
	var items int
	if err := a.DB.QueryRow(ctx, `SELECT count(*) FROM backoffice_items WHERE account_id = $1`, supplier.ID).Scan(&items); err != nil ||
		items != app.DemoShops[0].Products*app.DemoShops[0].Variants {
		t.Errorf("the supplier's back office has %d items (%v); want one per variant", items, err)
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
	// The new connection imported the supplier's first products, once, though the demo started twice.
	var runs, requested int
	if err := a.DB.QueryRow(ctx, `SELECT count(*), coalesce(sum(requested), 0) FROM imports WHERE connection_id = $1 AND kind = 'import'`,
		page.Items[0].ID).Scan(&runs, &requested); err != nil || runs != 1 || requested == 0 {
		t.Errorf("demo imports: %d runs of %d products, %v; want one run", runs, requested, err)
	}
}
