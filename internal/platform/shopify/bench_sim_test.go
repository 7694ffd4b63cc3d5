package shopify_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// simClient starts a simulator with one standard-plan shop seeded with products × variants and
// returns a client of it.
func simClient(b *testing.B, products, variants int) *shopify.Client {
	b.Helper()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret, Plan: shopifysim.PlanStandard}); err != nil {
		b.Fatal(err)
	}
	if err := sim.SeedCatalog(simShop, products, variants); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	c, err := shopify.New(shopify.Config{Shop: simShop, AccessToken: simToken, BaseURL: srv.URL + "/shops/" + simShop, HTTPClient: srv.Client(), BulkPollInterval: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSimSetInventory10k sets the inventory of 10,000 variants (compare-and-set on the
// quantities a bulk export read) on a standard-plan simulated shop, and reports the calls made
// against the minimum possible (⌈10,000/250⌉ = 40).
func BenchmarkSimSetInventory10k(b *testing.B) {
	c := simClient(b, 2000, 5)
	ctx := context.Background()
	locs, err := c.Locations(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var changes []platform.InventoryChange
	if err := c.ExportCatalog(ctx, func(p platform.Product) error {
		for _, v := range p.Variants {
			q := *v.Quantity
			changes = append(changes, platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: locs[0].ID, Quantity: q + 1, Expected: &q})
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if len(changes) != 10000 {
		b.Fatalf("%d variants", len(changes))
	}
	run := 0
	for b.Loop() {
		run++
		start := time.Now()
		res, err := c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: fmt.Sprintf("bench-%d", run), Changes: changes, RereadOnConflict: true})
		if err != nil {
			b.Fatal(err)
		}
		for i := range changes {
			q := changes[i].Quantity
			changes[i].Expected, changes[i].Quantity = &q, q+1
		}
		b.ReportMetric(float64(res.Calls), "calls")
		b.ReportMetric(float64(res.Calls)/40, "calls/min-calls")
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-variants")
	}
	b.ReportMetric(float64(c.Limiter().Stats().Throttled), "throttled")
}

// BenchmarkSimExportCatalog100k reads a catalog of 100,000 variants with a bulk operation.
func BenchmarkSimExportCatalog100k(b *testing.B) {
	c := simClient(b, 20000, 5)
	ctx := context.Background()
	for b.Loop() {
		start := time.Now()
		n := 0
		if err := c.ExportCatalog(ctx, func(p platform.Product) error { n += len(p.Variants); return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100000 {
			b.Fatalf("%d variants", n)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/100k-variants")
	}
}

// BenchmarkSimSustainedPaging has four callers page through products for 30 seconds on a
// standard-plan shop (100 points/s) and reports the share of throttled answers and, over the
// last 20 seconds (once the initial full bucket is spent), the points spent per second against
// the restore rate.
func BenchmarkSimSustainedPaging(b *testing.B) {
	c := simClient(b, 500, 3)
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		midStats := make(chan shopify.LimiterStats, 1)
		time.AfterFunc(10*time.Second, func() { midStats <- c.Limiter().Stats() })
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				cursor := ""
				for ctx.Err() == nil {
					page, err := c.ListProducts(ctx, platform.ListParams{Cursor: cursor})
					if err != nil {
						if ctx.Err() == nil {
							b.Error(err)
						}
						return
					}
					cursor = page.NextCursor
				}
			})
		}
		wg.Wait()
		cancel()
		st, m := c.Limiter().Stats(), <-midStats
		b.ReportMetric(float64(st.Requests), "requests")
		b.ReportMetric(float64(st.Throttled)/float64(st.Requests), "throttled-share")
		b.ReportMetric((st.Spent-m.Spent)/(100*20), "restore-utilisation")
	}
}
