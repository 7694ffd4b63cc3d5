package app

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/feed"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
)

// The demo's sync cycle: the supplier's stock is mastered by its back office, which holds an
// item per variant of its store; a supplier feed (shipped with the binary, one row refused, one
// naming an item the back office lacks) sets some of them; a schedule runs the cycle every few
// minutes, and a first run starts with the demo, so within a minute the back office's quantities
// reach the supplier's store and, through the connection, the reseller's.
const (
	DemoFeedName         = "Northwind wholesale feed"
	DemoSyncSchedule     = "every 5 minutes"
	demoFeedFile         = "northwind-feed.csv"
	demoStockTakeEvery   = 20 * time.Second
	demoStockTakeActor   = "user warehouse@northwind.example"
	demoScheduleTimeZone = "UTC"
)

//go:embed demodata/northwind-feed.csv
var demoFeed []byte

// DemoFeed is the supplier feed file the demo ships.
func DemoFeed() []byte { return demoFeed }

// setUpDemoSyncCycle prepares the supplier account's cycle, once (a restart finds it made): its
// back office holds an item per variant of each of its stores, which take their stock from it.
// It returns the SKUs of the sources' imported products, whose stock the demo's stock takes
// change.
func (a *App) setUpDemoSyncCycle(ctx context.Context, supplierID int64, sources []store.Store) (counted []string, err error) {
	for _, source := range sources {
		if err := a.addDemoItems(ctx, supplierID, source); err != nil {
			return nil, err
		}
		first, err := a.demoFirstProducts(ctx, source)
		if err != nil {
			return nil, fmt.Errorf("reading the demo supplier's first products: %w", err)
		}
		for _, p := range first {
			for _, v := range p.Variants {
				if v.SKU != "" {
					counted = append(counted, v.SKU)
				}
			}
		}
	}
	return counted, a.setUpDemoSchedule(ctx, supplierID)
}

// addDemoItems adds the supplier's back-office items of a source's variants that it lacks, and
// makes the back office the source's inventory master.
func (a *App) addDemoItems(ctx context.Context, supplierID int64, source store.Store) error {
	c, err := a.Stores.Client(source)
	if err != nil {
		return err
	}
	var variants []platform.Variant
	if err := c.ExportCatalog(ctx, func(p platform.Product) error {
		variants = append(variants, p.Variants...)
		return nil
	}); err != nil {
		return fmt.Errorf("reading the demo supplier's catalog of %s: %w", source, err)
	}
	skus := make([]string, 0, len(variants))
	for _, v := range variants {
		skus = append(skus, v.SKU)
	}
	have, err := a.BackOffice.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: supplierID, SKUs: skus})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, it := range have {
		known[it.SKU] = true
	}
	for _, v := range variants {
		if v.SKU == "" || known[v.SKU] {
			continue
		}
		onHand := int64(20)
		if v.Quantity != nil {
			onHand = max(*v.Quantity, 0)
		}
		if _, err := a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: supplierID, OnHand: onHand,
			Actor: demoStockTakeActor, Input: backoffice.ItemInput{SKU: v.SKU, Barcode: v.Barcode, Description: v.Title,
				Currency: "USD", Price: v.Price.Amount, Cost: v.Price.Amount / 2}}); err != nil {
			return fmt.Errorf("adding the demo back office's item %s: %w", v.SKU, err)
		}
	}
	_, err = a.SyncRuns.SetMaster(ctx, supplierID, syncrun.InventoryMaster{StoreID: source.ID, Master: syncrun.MasterBackOffice, MatchBy: "sku"})
	return err
}

// setUpDemoSchedule adds the supplier's feed and schedule, once, and starts a first run.
func (a *App) setUpDemoSchedule(ctx context.Context, supplierID int64) error {
	feeds, err := a.SyncRuns.ListFeeds(ctx, supplierID)
	if err != nil {
		return err
	}
	if len(feeds) == 0 {
		f, err := a.SyncRuns.CreateFeed(ctx, supplierID, syncrun.FeedInput{Name: DemoFeedName, Source: syncrun.FeedUpload, Format: "csv",
			Mapping: feed.Mapping{SKU: "Item Number", Quantity: "Qty On Hand", Cost: "Unit Cost", Title: "Description", Currency: "USD"},
			Rules:   feed.Rules{Missing: feed.MissingLeave}, Enabled: true})
		if err != nil {
			return fmt.Errorf("adding the demo feed: %w", err)
		}
		if _, err := a.SyncRuns.Upload(ctx, supplierID, f.ID, demoFeedFile, demoFeed); err != nil {
			return fmt.Errorf("uploading the demo feed: %w", err)
		}
	}
	for _, id := range []int64{supplierID} {
		scheds, err := a.SyncSchedules.List(ctx, id)
		if err != nil {
			return err
		}
		found := false
		for _, s := range scheds {
			found = found || s.Expression == DemoSyncSchedule
		}
		if !found {
			if _, err := a.SyncSchedules.Create(ctx, syncsched.CreateParams{AccountID: id, Expression: DemoSyncSchedule,
				TimeZone: demoScheduleTimeZone, Steps: syncrun.AllSteps, Enabled: true}); err != nil {
				return fmt.Errorf("adding the demo's sync schedule: %w", err)
			}
		}
	}
	// The first run now: the queue works it as soon as the server starts.
	_, err = a.SyncRuns.Start(ctx, syncrun.StartParams{AccountID: supplierID, Trigger: syncrun.TriggerManual, RequestedBy: "demo"})
	if errors.Is(err, syncrun.ErrRunning) {
		err = nil // a restart: the one queued before goes on
	}
	return err
}

// takeDemoStock counts a few of the supplier back office's items now and then, as a warehouse
// does, among the SKUs given (the suppliers' imported products, on every platform): each sync
// run carries the counts to the suppliers' stores and on to the resellers'.
func (a *App) takeDemoStock(ctx context.Context, supplierID int64, skus []string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		items, err := a.BackOffice.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: supplierID, SKUs: skus})
		if err != nil || len(items) == 0 {
			continue
		}
		it := items[rand.IntN(len(items))]
		count := int64(5 + rand.IntN(60))
		if _, err := a.BackOffice.AdjustStock(ctx, backoffice.AdjustStockParams{AccountID: supplierID, ItemID: it.ID, Set: &count,
			Reason: "stock take", Actor: demoStockTakeActor, Key: fmt.Sprintf("demo-stock-take-%d-%d", time.Now().UnixNano(), n)}); err != nil &&
			ctx.Err() == nil {
			a.Logger.Debug("demo stock take failed", "item", it.SKU, "error", err)
		}
	}
}
