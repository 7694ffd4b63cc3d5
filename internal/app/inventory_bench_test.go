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
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// BenchmarkInventoryFanOut fans N source inventory changes (decided in one transaction, as a
// reconciliation pass finds them; STORESYNC_BENCH_CHANGES, default 1000) out to 3 destinations
// over real HTTP against the simulator, and reports the inventorySetQuantities calls per
// destination divided by the minimum ⌈N/250⌉, the throttled answers, and the time from the
// change to every destination shop holding its rule's quantity (s-correct) and to storesync
// having recorded every write (s-recorded). The set-up seeds the shops and saves the links in
// bulk (no import through the API, no reads through it), so 10,000 changes set up in seconds.
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
				sh     *shopifysim.Shop
			}
			var dests []dest
			for i := range 3 {
				name := fmt.Sprintf("reseller-%d", i)
				st, items := e.shop(b, name, n)
				e.connect(b, st, src, items, srcItems, int64(i))
				sh, err := e.sim.Shop(name + ".myshopify.com")
				if err != nil {
					b.Fatal(err)
				}
				dests = append(dests, dest{st, items, int64(i), name + ".myshopify.com", sh})
			}
			// The test server runs without autovacuum: the tables the set-up filled are analyzed as
			// autovacuum would on a live database, or the planner, taking them for empty, filters
			// 30,000 links against each 500-item list (1 s a read, most of the decision's time).
			if d == database.Postgres {
				if _, err := e.a.DB.Exec(context.Background(), `ANALYZE product_links, inventory_targets, inventory_source_levels, stores, connections`); err != nil {
					b.Fatal(err)
				}
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
				// Said at once: a benchmark's log is printed when it ends, and the wait below may fail.
				fmt.Fprintf(os.Stderr, "%d changes × %d destinations decided in %s\n", n, len(dests), decided.Round(time.Millisecond))
				wants := make([]map[string]int64, len(dests))
				for k, d := range dests {
					wants[k] = map[string]int64{}
					for i, it := range d.items {
						wants[k][it] = inventory.Quantity(qty(i), d.buffer)
					}
				}
				// Timed until every destination shop holds its rule's quantity for every item, read
				// from the simulator in-process (reading 10,000 levels through the API would spend the
				// rate limit the writers need, and take minutes itself); then until storesync has
				// recorded every write.
				var correct time.Duration
				for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
					done := true
					for k, d := range dests {
						done = done && equalLevels(d.sh.AvailableByItem(), wants[k])
					}
					if done {
						correct = time.Since(start)
						break
					}
					if time.Now().After(deadline) {
						b.Fatal("destinations never correct")
					}
				}
				for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
					done := true
					for k, d := range dests {
						done = done && e.written(b, d.st, wants[k])
					}
					if done {
						break
					}
					if time.Now().After(deadline) {
						rows, _ := e.a.DB.Query(context.Background(), `SELECT id, state, attempt, errors FROM river_job WHERE kind = 'inventory_write'`)
						for rows != nil && rows.Next() {
							var id, attempt int64
							var state string
							var errs []byte
							_ = rows.Scan(&id, &state, &attempt, &errs)
							b.Logf("inventory_write job %d: %s, attempt %d, errors %.500s", id, state, attempt, errs)
						}
						b.Fatal("destinations correct but their writes never recorded")
					}
				}
				followed := time.Since(start)
				worst := 0.0
				for i, d := range dests {
					worst = max(worst, float64(e.setCalls(d.domain)-before[i])/float64(minCalls))
				}
				b.ReportMetric(worst, "calls/min")
				b.ReportMetric(float64(e.throttled.Load()), "throttled")
				b.ReportMetric(decided.Seconds(), "s-decide")
				b.ReportMetric(correct.Seconds(), "s-correct")
				b.ReportMetric(followed.Seconds(), "s-recorded")
			}
		})
	}
}
