package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
)

// TestInventoryFollowsTheSource runs the whole path over real HTTP: the simulator's source shop
// changes stock and sends its own signed webhooks; storesync processes them, decides each linked
// destination's quantity (source available − the connection's buffer, never below 0) and writes
// it to two destinations of two other accounts in batched, coalesced calls.
func TestInventoryFollowsTheSource(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const n = 200
		t0 := time.Now()
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "supplier", n)
		dst1, items1 := e.shop(t, "reseller-one", n)
		dst2, items2 := e.shop(t, "reseller-two", n)
		e.connect(t, dst1, src, items1, srcItems, 2)
		c2 := e.connect(t, dst2, src, items2, srcItems, 5)
		e.waitSubscribed(t, src)
		// Linking reads the source's stock, so both destinations are stocked at once; let that
		// settle (hundreds of writes and their webhooks) before the changes below.
		waitIdle(t, e)
		t.Logf("set up in %s", time.Since(t0))
		want := func(items []string, buffer int64, qty func(i int) int64, only ...int) map[string]int64 {
			out := map[string]int64{}
			for i := range items {
				out[items[i]] = inventory.Quantity(qty(i), buffer)
			}
			if len(only) > 0 {
				out = map[string]int64{items[only[0]]: out[items[only[0]]]}
			}
			return out
		}

		// One change reaches both destinations, each with its buffer.
		one := func(int) int64 { return 4 }
		e.setSource(t, src, "one", srcItems[:1], one)
		e.waitLevels(t, dst1, want(items1, 2, one, 0), 60*time.Second)
		e.waitLevels(t, dst2, want(items2, 5, one, 0), 60*time.Second) // 4 − 5: never below 0

		// A burst of 200 changes (one per item) makes few writes, and the quantities are exact.
		before1, before2 := e.setCalls("reseller-one.myshopify.com"), e.setCalls("reseller-two.myshopify.com")
		// Seeded stock is below 100: every change is a change (setting the same quantity sends no webhook).
		burst := func(i int) int64 { return int64(100 + (i*37)%90) }
		t0 = time.Now()
		e.setSource(t, src, "burst", srcItems, burst)
		t.Logf("burst sent in %s", time.Since(t0))
		// Generous windows for a loaded machine (followed in ~30 s when quiet).
		e.waitLevels(t, dst1, want(items1, 2, burst), 4*time.Minute)
		e.waitLevels(t, dst2, want(items2, 5, burst), 4*time.Minute)
		t.Logf("burst followed in %s", time.Since(t0))
		waitIdle(t, e, dst1, dst2)
		calls1 := e.setCalls("reseller-one.myshopify.com") - before1
		calls2 := e.setCalls("reseller-two.myshopify.com") - before2
		t.Logf("200 changes: %d and %d inventorySetQuantities calls", calls1, calls2)
		if calls1 < 1 || calls1 > 6 || calls2 < 1 || calls2 > 6 {
			t.Errorf("200 changes made %d and %d inventorySetQuantities calls; want 1..6 each", calls1, calls2)
		}
		if n := e.throttled.Load(); n != 0 {
			t.Errorf("%d throttled answers; want none", n)
		}
		targets, err := e.a.Inventory.Targets(context.Background(), inventory.TargetsParams{StoreID: dst1.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Pending || tg.Written == nil || *tg.Written != tg.Desired || tg.SyncedAt == nil {
				t.Fatalf("target %+v: want written, not pending", tg)
			}
		}
		links, err := e.a.Links.LinksForSourceItems(context.Background(), catalogItems(src.ID, srcItems[7]))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			if l.DestinationQuantity == nil || l.SourceQuantity == nil || *l.SourceQuantity != burst(7) || l.SyncedAt == nil {
				t.Errorf("link %d: source %v destination %v synced %v; want the written quantities recorded", l.ID,
					l.SourceQuantity, l.DestinationQuantity, l.SyncedAt)
			}
		}

		// A re-run of a store's job after it completed writes nothing more.
		settled1 := e.setCalls("reseller-one.myshopify.com")
		err = e.a.DB.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
			return e.a.Jobs.Insert(ctx, tx, inventory.WriteArgs{AccountID: dst1.AccountID, StoreID: dst1.ID}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		waitIdle(t, e, dst1)
		if got := e.setCalls("reseller-one.myshopify.com"); got != settled1 {
			t.Errorf("a re-run made %d more calls; want none", got-settled1)
		}

		// A blocked connection's destination is untouched; the other still follows.
		if _, err := e.a.Connections.Block(context.Background(), connection.GetParams{AccountID: src.AccountID, ID: c2.ID}); err != nil {
			t.Fatal(err)
		}
		settled2 := e.setCalls("reseller-two.myshopify.com")
		frozen := e.levels(t, dst2, items2[:3])
		after := func(i int) int64 { return 250 + int64(i) }
		e.setSource(t, src, "after-block", srcItems[:3], after)
		e.waitLevels(t, dst1, want(items1[:3], 2, after), 60*time.Second)
		if err := e.sim.WebhooksIdle(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, e, dst1, dst2)
		if got := e.setCalls("reseller-two.myshopify.com"); got != settled2 {
			t.Errorf("blocked destination got %d calls; want none", got-settled2)
		}
		if got := e.levels(t, dst2, items2[:3]); !equalLevels(got, frozen) {
			t.Errorf("blocked destination's quantities = %v; want them untouched %v", got, frozen)
		}
	})
}
