package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/syncrun"
	"github.com/storesync/storesync/internal/syncsched"
)

// backOfficeStock is the built-in back office's stock as the sync steps use it.
type backOfficeStock struct{ bo *backoffice.Service }

// RelieveSalesOrder implements syncrun.Stock.
func (b backOfficeStock) RelieveSalesOrder(ctx context.Context, accountID, salesOrderID int64) (int, error) {
	res, err := b.bo.RelieveSalesOrder(ctx, backoffice.SalesOrderStockParams{AccountID: accountID, SalesOrderID: salesOrderID})
	return len(res.Moves), err
}

// Available implements syncrun.Stock: every item of the account, a page at a time in SKU order.
func (b backOfficeStock) Available(ctx context.Context, accountID int64) (bySKU, byBarcode map[string]int64, err error) {
	bySKU, byBarcode = map[string]int64{}, map[string]int64{}
	after := ""
	for {
		items, err := b.bo.ItemsAfter(ctx, backoffice.ItemsAfterParams{AccountID: accountID, AfterSKU: after})
		if err != nil {
			return nil, nil, err
		}
		for _, it := range items {
			bySKU[strings.ToUpper(strings.TrimSpace(it.SKU))] = it.Available
			if bc := strings.TrimSpace(it.Barcode); bc != "" {
				byBarcode[bc] = it.Available
			}
		}
		if len(items) < backoffice.BatchSize {
			return bySKU, byBarcode, nil
		}
		after = items[len(items)-1].SKU
	}
}

// SetOnHand implements syncrun.FeedItems: rows naming an item by barcode only are turned into
// its SKU first; the SKUs of the items set are those the back office knows.
func (b backOfficeStock) SetOnHand(ctx context.Context, accountID int64, entries []syncrun.FeedEntry, actor string) (syncrun.FeedApplied, error) {
	var out syncrun.FeedApplied
	var barcodes []string
	for _, e := range entries {
		if e.SKU == "" && e.Barcode != "" {
			barcodes = append(barcodes, e.Barcode)
		}
	}
	skuOf := map[string]string{}
	if len(barcodes) > 0 {
		items, err := b.bo.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: accountID, Barcodes: barcodes})
		if err != nil {
			return out, err
		}
		for _, it := range items {
			skuOf[strings.TrimSpace(it.Barcode)] = it.SKU
		}
	}
	set := make([]backoffice.OnHandEntry, 0, len(entries))
	for _, e := range entries {
		sku := e.SKU
		if sku == "" {
			if sku = skuOf[strings.TrimSpace(e.Barcode)]; sku == "" {
				out.Unknown = append(out.Unknown, e.Barcode)
				continue
			}
		}
		set = append(set, backoffice.OnHandEntry{SKU: sku, OnHand: max(e.Quantity, 0), Uncounted: e.Uncounted,
			Details: backoffice.ItemDetails{Description: e.Title, Currency: e.Currency, Price: e.Price, Cost: e.Cost}})
	}
	if len(set) == 0 {
		return out, nil
	}
	res, err := b.bo.SetOnHand(ctx, backoffice.SetOnHandParams{AccountID: accountID, Entries: set, Actor: actor})
	if err != nil {
		return out, err
	}
	out.Changed, out.Unchanged = res.Changed, res.Unchanged
	out.Updated, out.CurrencyRefused = res.Updated, len(res.CurrencyRefused)
	out.Unknown = append(out.Unknown, res.Missing...)
	missing := map[string]bool{}
	for _, m := range res.Missing {
		missing[strings.ToUpper(m)] = true
	}
	for _, e := range set {
		if !missing[strings.ToUpper(e.SKU)] {
			out.SKUs = append(out.SKUs, e.SKU)
		}
	}
	return out, nil
}

// scheduledRuns starts schedules' runs (syncsched.Starter) as runs triggered by a schedule, once
// per slot.
type scheduledRuns struct{ runs *syncrun.Service }

// StartScheduled implements syncsched.Starter.
func (s scheduledRuns) StartScheduled(ctx context.Context, tx database.Tx, p syncsched.StartParams) (runID, running int64, err error) {
	id, err := s.runs.StartTx(ctx, tx, syncrun.StartParams{AccountID: p.AccountID, Trigger: syncrun.TriggerSchedule, Steps: p.Steps,
		ScheduleID: p.ScheduleID, Slot: p.Slot, RequestedBy: fmt.Sprintf("schedule %d", p.ScheduleID)})
	if se, ok := errors.AsType[*syncrun.Error](err); ok && errors.Is(se, syncrun.ErrRunning) {
		return 0, se.RunID, nil
	}
	return id, 0, err
}
