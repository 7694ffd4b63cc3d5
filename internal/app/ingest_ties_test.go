package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
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
