package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
)

// Many rapid changes of one source item, most within one second of another (one updated_at on
// Shopify's payloads), delivered with no faults and processed by parallel workers in any order,
// end with the destination at the rule's quantity of the last change, before any reconciliation
// (the app runs none by itself).
func TestSameSecondChangesEndWithTheLast(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const changes = 150
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "supplier", 1)
		dst, dstItems := e.shop(t, "reseller", 1)
		e.connect(t, dst, src, dstItems, srcItems, 2)
		e.waitSubscribed(t, src)
		same := make([]string, changes)
		for i := range same {
			same[i] = srcItems[0]
		}
		// Seeded stock is below 100: every change is a change (so one webhook each).
		qty := func(i int) int64 { return int64(100 + i) }
		t0 := time.Now()
		e.setSource(t, src, "rapid", same, qty)
		t.Logf("%d changes of one item sent in %s", changes, time.Since(t0))
		waitIdle(t, e, dst)
		want := inventory.Quantity(qty(changes-1), 2)
		if got := e.levels(t, dst, dstItems)[dstItems[0]]; got != want {
			targets, _ := e.a.Inventory.Targets(context.Background(), inventory.TargetsParams{StoreID: dst.ID})
			t.Fatalf("destination item = %d after %d rapid changes; want %d (the last, with the buffer); targets %+v", got, changes, want, targets)
		}
	})
}

// Two deliveries of one inventory level with the same updated_at and the same trigger time but
// different quantities: the second is not guessed at, its job reads the level from the platform
// and hands the domains what the platform says now.
func TestFullTieReadsTheLevelAgain(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newIngestEnv(t, dbURL, nil)
		var mu sync.Mutex
		got := map[string]int64{} // event id → available handed to the domains
		e.a.Ingest.OnEvent(func(_ context.Context, _ database.Tx, p ingest.EventParams) error {
			if p.Event.Inventory != nil {
				mu.Lock()
				got[p.Event.EventID] = p.Event.Inventory.Available
				mu.Unlock()
			}
			return nil
		})
		const domain = "ties.myshopify.com"
		st := e.addStore(t, domain, "shpss_ties")
		if err := e.sim.SeedCatalog(domain, 1, 1); err != nil {
			t.Fatal(err)
		}
		c, err := e.a.Stores.Client(st)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		locs, err := c.Locations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := e.sim.Shop(domain)
		if err != nil {
			t.Fatal(err)
		}
		item := sh.InventoryItemIDs()[0]
		if _, err := c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "ties-30",
			Changes: []platform.InventoryChange{{InventoryItemID: item, LocationID: locs[0].ID, Quantity: 30}}}); err != nil {
			t.Fatal(err)
		}
		e.start(t)
		num := func(gid string) string { return gid[strings.LastIndex(gid, "/")+1:] }
		send := func(id string, available int) {
			body := fmt.Appendf(nil, `{"inventory_item_id":%s,"location_id":%s,"available":%d,"updated_at":"2030-01-02T10:00:05Z"}`,
				num(item), num(locs[0].ID), available)
			if code, b := e.send(t, st, delivery{topic: "inventory_levels/update", eventID: id, secret: "shpss_ties", body: body,
				triggeredAt: "2030-01-02T10:00:05.250Z"}); code != 200 {
				t.Fatalf("delivery %s: %d %s", id, code, b)
			}
		}
		send("first", 10)
		waitStatus(t, e.a, e.account, "first", ingest.StatusProcessed)
		send("second", 20)
		waitStatus(t, e.a, e.account, "second", ingest.StatusProcessed)
		mu.Lock()
		defer mu.Unlock()
		if got["first"] != 10 || got["second"] != 30 {
			t.Fatalf("domains were handed %v; want first 10 (as sent) and second 30 (read from the platform, not the 20 sent)", got)
		}
	})
}
