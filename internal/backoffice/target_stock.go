package backoffice

import (
	"context"
	"fmt"
	"strings"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// The built-in back office's stock as platform.BackOfficeStock, for the sync cycle to read and
// adjust in the same terms as an external back office over the Open API.

var _ platform.BackOfficeStock = (*target)(nil)

// TargetStock is the account's own back-office stock as a platform.BackOfficeStock.
func TargetStock(svc *Service, accountID int64) platform.BackOfficeStock {
	return &target{svc: svc, account: accountID}
}

// StockItems reads items in SKU order after cursor, one more than asked to know whether a page
// follows.
func (t *target) StockItems(ctx context.Context, cursor string, limit int) (platform.BackOfficeStockPage, error) {
	const op = "reading stock"
	if limit <= 0 {
		return platform.BackOfficeStockPage{}, t.invalid(op, "limit", "must be at least 1")
	}
	limit = min(limit, BatchSize-1)
	items, err := t.svc.ItemsAfter(ctx, ItemsAfterParams{AccountID: t.account, AfterSKU: cursor, Limit: limit + 1})
	if err != nil {
		return platform.BackOfficeStockPage{}, t.fail(op, err)
	}
	var out platform.BackOfficeStockPage
	if len(items) > limit {
		items = items[:limit]
		out.Next = items[limit-1].SKU
	}
	for _, it := range items {
		out.Items = append(out.Items, stockItemOut(it))
	}
	return out, nil
}

// StockItem reads the item of a SKU.
func (t *target) StockItem(ctx context.Context, sku string) (platform.BackOfficeStockItem, bool, error) {
	it, ok, err := t.itemBySKU(ctx, "reading stock", sku)
	if err != nil || !ok {
		return platform.BackOfficeStockItem{}, false, err
	}
	return stockItemOut(it), true, nil
}

// AdjustStock adjusts the item of in.SKU once per key; in.Actor (default "hub") is recorded.
func (t *target) AdjustStock(ctx context.Context, key string, in platform.BackOfficeStockAdjustment) (platform.BackOfficeStockItem, error) {
	const op = "adjusting stock"
	if strings.TrimSpace(key) == "" {
		return platform.BackOfficeStockItem{}, t.invalid(op, "key", "an idempotency key is required")
	}
	it, ok, err := t.itemBySKU(ctx, op, in.SKU)
	if err != nil {
		return platform.BackOfficeStockItem{}, err
	}
	if !ok {
		return platform.BackOfficeStockItem{}, t.fail(op, fmt.Errorf("no inventory item has SKU %q: %w", in.SKU, database.ErrNotFound))
	}
	actor := in.Actor
	if strings.TrimSpace(actor) == "" {
		actor = "hub"
	}
	r, err := t.svc.AdjustStock(ctx, AdjustStockParams{AccountID: t.account, ItemID: it.ID, Delta: in.Delta, Set: in.Set,
		Reason: in.Reason, Actor: actor, Key: key})
	if err != nil {
		return platform.BackOfficeStockItem{}, t.fail(op, err)
	}
	return stockItemOut(r.Item), nil
}

func (t *target) itemBySKU(ctx context.Context, op, sku string) (Item, bool, error) {
	if strings.TrimSpace(sku) == "" {
		return Item{}, false, t.invalid(op, "sku", "is required")
	}
	p, err := t.svc.SearchItems(ctx, SearchItemsParams{AccountID: t.account, SKU: sku})
	if err != nil {
		return Item{}, false, t.fail(op, err)
	}
	if len(p.Items) == 0 {
		return Item{}, false, nil
	}
	return p.Items[0], true, nil
}

func stockItemOut(it Item) platform.BackOfficeStockItem {
	return platform.BackOfficeStockItem{SKU: it.SKU, Barcode: it.Barcode, Description: it.Description, OnHand: it.OnHand,
		Committed: it.Committed, Available: it.Available, Price: platform.Money{Amount: it.Price, Currency: it.Currency},
		Cost: platform.Money{Amount: it.Cost, Currency: it.Currency}}
}
