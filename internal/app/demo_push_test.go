package app_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/orders"
)

// The demo's connection pushes its orders automatically.
func TestDemoPushesAutomatically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	reseller, _ := a.Accounts.CreateAccount(ctx, "demo")
	stop, err := a.StartDemoShops(ctx, reseller.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	page, err := a.Connections.List(ctx, connection.ListParams{AccountID: reseller.ID, Role: connection.RoleDestination})
	if err != nil || page.Total != 1 {
		t.Fatalf("connections: %+v %v", page, err)
	}
	cs, err := a.Orders.GetSettings(ctx, reseller.ID, page.Items[0].ID)
	if err != nil || cs.Settings.PushMode != orders.PushAutomatic {
		t.Fatalf("demo order settings %+v %v; want automatic push", cs.Settings, err)
	}
}
