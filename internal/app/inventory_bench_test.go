package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/store"
)

// BenchmarkInventoryFanOut fans N source inventory changes (decided in one transaction, as a
// reconciliation pass finds them; STORESYNC_BENCH_CHANGES, default 1000) out to 3 destinations
// over real HTTP against the simulator, and reports the inventorySetQuantities calls per
// destination divided by the minimum ⌈N/250⌉, the throttled answers, and the time from the
// change to every destination holding its rule's quantity.
//
//	go test -run '^$' -bench InventoryFanOut -benchtime 1x ./internal/app/
func BenchmarkInventoryFanOut(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("STORESYNC_BENCH_CHANGES")); err == nil && v > 0 {
		n = v
	}
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			e := newSyncEnv(b, dbtest.NewURL(b, d))
			src, srcItems := e.shop(b, "supplier", n)
			type dest struct {
				st     store.Store
				items  []string
				buffer int64
				domain string
			}
			var dests []dest
			for i := range 3 {
				name := fmt.Sprintf("reseller-%d", i)
				st, items := e.shop(b, name, n)
				e.connect(b, st, src, items, srcItems, int64(i))
				dests = append(dests, dest{st, items, int64(i), name + ".myshopify.com"})
			}
			minCalls := (n + 249) / 250
			e.throttled.Store(0) // the set-up's own reads do not count
			for round := 0; b.Loop(); round++ {
				qty := func(i int) int64 { return int64(1000 + round*100 + i%97) }
				before := make([]int, len(dests))
				for i, d := range dests {
					before[i] = e.setCalls(d.domain)
				}
				levels := make([]inventory.SourceLevel, n)
				for i, it := range srcItems {
					levels[i] = inventory.SourceLevel{AccountID: src.AccountID, StoreID: src.ID, InventoryItemID: it,
						LocationID: "gid://shopify/Location/1", Available: qty(i)}
				}
				start := time.Now()
				err := e.a.DB.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
					return e.a.Inventory.SourceChanged(ctx, tx, levels)
				})
				if err != nil {
					b.Fatal(err)
				}
				decided := time.Since(start)
				wants := make([]map[string]int64, len(dests))
				for k, d := range dests {
					wants[k] = map[string]int64{}
					for i, it := range d.items {
						wants[k][it] = inventory.Quantity(qty(i), d.buffer)
					}
				}
				// Timed until storesync recorded every write; the shops are then read to check them
				// (reading them meanwhile would spend the rate limit the writers need).
				for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
					done := true
					for k, d := range dests {
						done = done && e.written(b, d.st, wants[k])
					}
					if done {
						break
					}
					if time.Now().After(deadline) {
						b.Fatal("destinations never written")
					}
				}
				followed := time.Since(start)
				for k, d := range dests {
					e.waitLevels(b, d.st, wants[k], time.Minute)
				}
				worst := 0.0
				for i, d := range dests {
					worst = max(worst, float64(e.setCalls(d.domain)-before[i])/float64(minCalls))
				}
				b.ReportMetric(worst, "calls/min")
				b.ReportMetric(float64(e.throttled.Load()), "throttled")
				b.ReportMetric(decided.Seconds(), "s-decide")
				b.ReportMetric(followed.Seconds(), "s-followed")
			}
		})
	}
}
