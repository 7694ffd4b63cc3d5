package platform

import "context"

// BackOfficeStock is the stock a back office keeps by SKU: what the sync cycle reads back out to
// the stores (available, price) and adjusts. The built-in back office (backoffice.Target) and the
// Open API client (internal/platform/backofficeapi) implement it alike; their cursors are SKUs, so
// a read may resume after a restart from the cursor it saved.
type BackOfficeStock interface {
	// StockItems returns up to limit items in SKU order (case folded) after cursor ("" from the
	// first), and the cursor of the next page: "" when this page is the last.
	StockItems(ctx context.Context, cursor string, limit int) (BackOfficeStockPage, error)
	// StockItem returns the item of a SKU (whatever its case), ok false when there is none.
	StockItem(ctx context.Context, sku string) (item BackOfficeStockItem, ok bool, err error)
	// AdjustStock changes the on hand of the item of in.SKU by in.Delta or sets it to in.Set
	// (exactly one), once per key: the same key again changes nothing and answers the item.
	// A SKU the back office does not have is KindNotFound.
	AdjustStock(ctx context.Context, key string, in BackOfficeStockAdjustment) (BackOfficeStockItem, error)
}

// BackOfficeStockItem is the stock of one SKU. Available is OnHand − Committed and is negative
// when the item is oversold.
type BackOfficeStockItem struct {
	SKU         string
	Barcode     string
	Description string
	OnHand      int64
	Committed   int64
	Available   int64
	Price       Money
	Cost        Money
}

// BackOfficeStockPage is one page of StockItems.
type BackOfficeStockPage struct {
	Items []BackOfficeStockItem
	// Next is the cursor of the following page, "" after the last.
	Next string
}

// BackOfficeStockAdjustment changes one item's on hand: Delta or Set, not both. Reason is kept in
// the item's history; Actor names who asks (the built-in back office records it; over the Open
// API the key used is recorded instead).
type BackOfficeStockAdjustment struct {
	SKU    string
	Delta  *int64
	Set    *int64
	Reason string
	Actor  string
}
