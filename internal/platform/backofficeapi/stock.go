package backofficeapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

// The back office's stock over the Open API v2: /api/v2/inventory-items, read in SKU order with
// the after parameter (the SKU cursor), adjusted with a keyed POST of its adjustments.

var _ platform.BackOfficeStock = (*Client)(nil)

type inventoryItemBody struct {
	ID          int64  `json:"id"`
	SKU         string `json:"sku"`
	Barcode     string `json:"barcode"`
	Description string `json:"description"`
	Currency    string `json:"currency"`
	Cost        string `json:"cost"`
	Price       string `json:"price"`
	OnHand      int64  `json:"on_hand"`
	Committed   int64  `json:"committed"`
	Available   int64  `json:"available"`
}

type stockAdjustmentBody struct {
	Delta  *int64 `json:"delta,omitempty"`
	Set    *int64 `json:"set,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// StockItems implements platform.BackOfficeStock: GET /api/v2/inventory-items?after=, a page of
// ten at a time, until limit items are read or the list ends.
func (c *Client) StockItems(ctx context.Context, cursor string, limit int) (platform.BackOfficeStockPage, error) {
	const op = "reading stock"
	var out platform.BackOfficeStockPage
	if limit <= 0 {
		return out, c.invalid(op, "limit", "must be at least 1")
	}
	for n := 0; len(out.Items) < limit; n++ {
		if n >= maxPages {
			return out, c.newError(op, platform.KindInternal, fmt.Sprintf("more than %d pages", maxPages), nil)
		}
		var page struct {
			Data []inventoryItemBody `json:"data"`
			Next string              `json:"next"`
		}
		path := "/api/v2/inventory-items?" + url.Values{"after": {cursor}, "page": {"1"}}.Encode()
		if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path}, &page); err != nil {
			return platform.BackOfficeStockPage{}, err
		}
		for _, b := range page.Data {
			if len(out.Items) == limit {
				return out, nil // out.Next is the last SKU taken: more follow
			}
			it, err := c.stockItem(op, b)
			if err != nil {
				return platform.BackOfficeStockPage{}, err
			}
			out.Items = append(out.Items, it)
			out.Next = b.SKU
		}
		if page.Next == "" || len(page.Data) == 0 {
			out.Next = ""
			return out, nil
		}
		cursor = out.Next
	}
	return out, nil
}

// StockItem implements platform.BackOfficeStock: GET /api/v2/inventory-items?sku=.
func (c *Client) StockItem(ctx context.Context, sku string) (platform.BackOfficeStockItem, bool, error) {
	const op = "reading stock"
	b, ok, err := c.findItem(ctx, op, sku)
	if err != nil || !ok {
		return platform.BackOfficeStockItem{}, false, err
	}
	it, err := c.stockItem(op, b)
	return it, err == nil, err
}

// AdjustStock implements platform.BackOfficeStock: the item by SKU, then POST
// /api/v2/inventory-items/{id}/adjustments under the key, which the API keeps with the
// adjustment, so a retry changes nothing twice.
func (c *Client) AdjustStock(ctx context.Context, key string, in platform.BackOfficeStockAdjustment) (platform.BackOfficeStockItem, error) {
	const op = "adjusting stock"
	if err := c.needKey(op, key); err != nil {
		return platform.BackOfficeStockItem{}, err
	}
	// The same fields as the API names, so both back offices answer alike.
	switch {
	case in.Delta != nil && in.Set != nil:
		return platform.BackOfficeStockItem{}, c.invalid(op, "set", "give delta or set, not both")
	case in.Delta == nil && in.Set == nil:
		return platform.BackOfficeStockItem{}, c.invalid(op, "delta", "give delta (a change of on hand) or set (a count)")
	}
	b, ok, err := c.findItem(ctx, op, in.SKU)
	if err != nil {
		return platform.BackOfficeStockItem{}, err
	}
	if !ok {
		return platform.BackOfficeStockItem{}, c.newError(op, platform.KindNotFound, fmt.Sprintf("no inventory item has SKU %q", in.SKU), nil)
	}
	var after inventoryItemBody
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: fmt.Sprintf("/api/v2/inventory-items/%d/adjustments", b.ID),
		body: stockAdjustmentBody{Delta: in.Delta, Set: in.Set, Reason: in.Reason}, key: key}, &after); err != nil {
		return platform.BackOfficeStockItem{}, err
	}
	return c.stockItem(op, after)
}

func (c *Client) findItem(ctx context.Context, op, sku string) (inventoryItemBody, bool, error) {
	sku = strings.TrimSpace(sku)
	if sku == "" {
		return inventoryItemBody{}, false, c.invalid(op, "sku", "is required")
	}
	return first[inventoryItemBody](ctx, c, op, "/api/v2/inventory-items?"+url.Values{"sku": {sku}}.Encode())
}

// stockItem reads an item's decimal amounts in its currency.
func (c *Client) stockItem(op string, b inventoryItemBody) (platform.BackOfficeStockItem, error) {
	cost, err := money.Parse(b.Cost, b.Currency)
	if err != nil {
		return platform.BackOfficeStockItem{}, c.newError(op, platform.KindInternal, fmt.Sprintf("item %s: cost %q is not an amount of %s", b.SKU, b.Cost, b.Currency), err)
	}
	price, err := money.Parse(b.Price, b.Currency)
	if err != nil {
		return platform.BackOfficeStockItem{}, c.newError(op, platform.KindInternal, fmt.Sprintf("item %s: price %q is not an amount of %s", b.SKU, b.Price, b.Currency), err)
	}
	return platform.BackOfficeStockItem{SKU: b.SKU, Barcode: b.Barcode, Description: b.Description, OnHand: b.OnHand,
		Committed: b.Committed, Available: b.Available, Price: platform.Money{Amount: price, Currency: b.Currency},
		Cost: platform.Money{Amount: cost, Currency: b.Currency}}, nil
}
