package app_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/store"
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
	// The new connection imported the supplier's first products, once, though the demo started twice.
	var runs, requested int
	if err := a.DB.QueryRow(ctx, `SELECT count(*), coalesce(sum(requested), 0) FROM imports WHERE connection_id = $1 AND kind = 'import'`,
		page.Items[0].ID).Scan(&runs, &requested); err != nil || runs != 1 || requested == 0 {
		t.Errorf("demo imports: %d runs of %d products, %v; want one run", runs, requested, err)
	}
}
