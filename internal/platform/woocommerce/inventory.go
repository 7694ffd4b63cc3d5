package woocommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// itemGroups sorts inventory item ids by the endpoint that holds them: simple products (parent
// 0) and each variable product's variations.
func itemGroups(ids []string) (map[int64][]int64, error) {
	groups := map[int64][]int64{}
	for i, s := range ids {
		pid, vid, err := parseVariantID(s)
		if err != nil {
			return nil, fmt.Errorf("inventory item %d: %w", i, err)
		}
		if vid == 0 {
			groups[0] = append(groups[0], pid)
		} else {
			groups[pid] = append(groups[pid], vid)
		}
	}
	return groups, nil
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, n := range ids {
		parts[i] = id(n)
	}
	return strings.Join(parts, ",")
}

func sortedKeys(m map[int64][]int64) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// InventoryLevels reads the stock of items at the store's one location. An item whose stock is
// not managed reports 0 available.
func (c *Client) InventoryLevels(ctx context.Context, locationID string, itemIDs []string) ([]platform.InventoryLevel, error) {
	const op = "reading inventory"
	if locationID != LocationID {
		return nil, c.newError(op, platform.KindNotFound, fmt.Sprintf("location %q: a WooCommerce store has one location, %q", locationID, LocationID))
	}
	groups, err := itemGroups(itemIDs)
	if err != nil {
		return nil, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	var out []platform.InventoryLevel
	for _, parent := range sortedKeys(groups) {
		ids := groups[parent]
		for start := 0; start < len(ids); start += MaxPerPage {
			chunk := ids[start:min(start+MaxPerPage, len(ids))]
			q := url.Values{"include": {joinIDs(chunk)}, "per_page": {strconv.Itoa(MaxPerPage)}}
			if parent == 0 {
				var list []wooProduct
				if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products", query: q, safe: true}, &list); err != nil {
					return nil, err
				}
				for _, p := range list {
					out = append(out, level(variantID(p.ID, 0), p.SKU, p.ManageStock, p.StockQuantity, p.DateModifiedGMT))
				}
				continue
			}
			var list []wooVariation
			if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/products/" + id(parent) + "/variations", query: q, safe: true}, &list); err != nil {
				return nil, err
			}
			for _, v := range list {
				out = append(out, level(variantID(parent, v.ID), v.SKU, v.ManageStock, v.StockQuantity, v.DateModifiedGMT))
			}
		}
	}
	return out, nil
}

func level(item, sku string, manage []byte, qty *int64, modified string) platform.InventoryLevel {
	l := platform.InventoryLevel{InventoryItemID: item, LocationID: LocationID, SKU: sku, UpdatedAt: parseGMT(modified)}
	if managed(manage) && qty != nil {
		l.Available = *qty
		on := *qty
		l.OnHand = &on
	}
	return l
}

type stockUpdate struct {
	ID            int64 `json:"id"`
	ManageStock   bool  `json:"manage_stock"`
	StockQuantity int64 `json:"stock_quantity"`
}

// SetInventory sets quantities with the batch endpoints, as many items per call as the store's
// batch limit takes: simple products through /products/batch, variations through their
// product's /variations/batch. A write sets the quantity (WooCommerce has no compare-and-set:
// Expected is ignored); repeating it is harmless, so failed calls are retried.
func (c *Client) SetInventory(ctx context.Context, p platform.SetInventoryParams) (platform.SetInventoryResult, error) {
	const op = "setting inventory"
	var res platform.SetInventoryResult
	ids := make([]string, len(p.Changes))
	want := map[string]int64{}
	for i, ch := range p.Changes {
		if ch.LocationID != LocationID {
			return res, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("changes.%d.location_id %q: a WooCommerce store has one location, %q", i, ch.LocationID, LocationID))
		}
		ids[i] = ch.InventoryItemID
		want[ch.InventoryItemID] = ch.Quantity // the last change of an item wins
	}
	groups, err := itemGroups(ids)
	if err != nil {
		return res, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	var failed []platform.FieldError
	for _, parent := range sortedKeys(groups) {
		members := slices.Compact(slices.Sorted(slices.Values(groups[parent])))
		path := "/products/batch"
		if parent != 0 {
			path = "/products/" + id(parent) + "/variations/batch"
		}
		for start := 0; start < len(members); start += c.cfg.BatchLimit {
			chunk := members[start:min(start+c.cfg.BatchLimit, len(members))]
			body := batchBody[stockUpdate]{}
			for _, m := range chunk {
				item := variantID(m, 0)
				if parent != 0 {
					item = variantID(parent, m)
				}
				body.Update = append(body.Update, stockUpdate{ID: m, ManageStock: true, StockQuantity: want[item]})
			}
			var out wooBatchResult[struct {
				ID int64 `json:"id"`
			}]
			res.Calls++
			if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: body, safe: true}, &out); err != nil {
				return res, err
			}
			for i, it := range out.Update {
				if it.Err != nil {
					item := ""
					if i < len(chunk) {
						item = variantID(chunk[i], 0)
						if parent != 0 {
							item = variantID(parent, chunk[i])
						}
					}
					failed = append(failed, platform.FieldError{Field: "inventory_item " + item, Code: it.Err.Code, Message: it.Err.Message})
					continue
				}
				res.Applied++
			}
		}
	}
	if len(failed) > 0 {
		e := c.newError(op, platform.KindInvalidInput, fmt.Sprintf("%d of %d items refused", len(failed), len(failed)+res.Applied))
		e.Fields = failed
		return res, e
	}
	return res, nil
}
