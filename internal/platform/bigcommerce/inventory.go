package bigcommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

type location struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Label       string `json:"label"`
	Enabled     bool   `json:"enabled"`
	TypeID      string `json:"type_id"`
	Description string `json:"description"`
	Address     *struct {
		Address1    string `json:"address1"`
		Address2    string `json:"address2"`
		City        string `json:"city"`
		State       string `json:"state"`
		Zip         string `json:"zip"`
		Email       string `json:"email"`
		Phone       string `json:"phone"`
		CountryCode string `json:"country_code"`
	} `json:"address"`
}

// Locations reads the store's inventory locations (the Inventory API's).
func (c *Client) Locations(ctx context.Context) ([]platform.Location, error) {
	const op = "listing locations"
	var locs []platform.Location
	for page := 1; ; page++ {
		var out struct {
			Data []location `json:"data"`
			Meta listMeta   `json:"meta"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, op, get("/v3/inventory/locations", q), &out); err != nil {
			return nil, err
		}
		for _, l := range out.Data {
			pl := platform.Location{ID: id(l.ID), Name: l.Label, Active: l.Enabled, FulfillsOnlineOrders: l.Enabled}
			if a := l.Address; a != nil {
				pl.Address = platform.Address{Address1: a.Address1, Address2: a.Address2, City: a.City, Province: a.State,
					ProvinceCode: a.State, Zip: a.Zip, CountryCode: a.CountryCode, Phone: a.Phone, Email: a.Email}
			}
			locs = append(locs, pl)
		}
		if out.Meta.Pagination.CurrentPage >= out.Meta.Pagination.TotalPages {
			return locs, nil
		}
	}
}

// itemsPerRead is how many variant ids one read of a location's items names (the URL stays short).
const itemsPerRead = 100

// InventoryLevels reads the available quantities of variants (their InventoryItemID is the
// variant id) at a location.
func (c *Client) InventoryLevels(ctx context.Context, locationID string, itemIDs []string) ([]platform.InventoryLevel, error) {
	const op = "reading inventory levels"
	loc, err := c.parseID(op, "location id", locationID)
	if err != nil {
		return nil, err
	}
	for i, s := range itemIDs {
		if _, err := c.parseID(op, fmt.Sprintf("inventory item %d", i), s); err != nil {
			return nil, err
		}
	}
	var levels []platform.InventoryLevel
	for start := 0; start < len(itemIDs); start += itemsPerRead {
		ids := itemIDs[start:min(start+itemsPerRead, len(itemIDs))]
		for page := 1; ; page++ {
			var out struct {
				Data []struct {
					Identity struct {
						SKU       string `json:"sku"`
						VariantID int64  `json:"variant_id"`
						ProductID int64  `json:"product_id"`
					} `json:"identity"`
					AvailableToSell int64 `json:"available_to_sell"`
					OnHand          int64 `json:"total_inventory_onhand"`
				} `json:"data"`
				Meta listMeta `json:"meta"`
			}
			q := url.Values{"variant_id:in": {strings.Join(ids, ",")}, "page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
			if err := c.call(ctx, op, get("/v3/inventory/locations/"+id(loc)+"/items", q), &out); err != nil {
				return nil, err
			}
			for _, it := range out.Data {
				onHand := it.OnHand
				levels = append(levels, platform.InventoryLevel{InventoryItemID: id(it.Identity.VariantID), LocationID: id(loc),
					SKU: it.Identity.SKU, Available: it.AvailableToSell, OnHand: &onHand})
			}
			if out.Meta.Pagination.CurrentPage >= out.Meta.Pagination.TotalPages {
				break
			}
		}
	}
	return levels, nil
}

// SetInventory sets quantities with absolute adjustments, MaxInventoryBatch items a call.
// BigCommerce has no compare-and-set: Expected is ignored and Conflicts stays 0. An absolute
// adjustment sent twice leaves the same quantity, so a retried call applies nothing twice.
func (c *Client) SetInventory(ctx context.Context, p platform.SetInventoryParams) (platform.SetInventoryResult, error) {
	const op = "setting inventory"
	type item struct {
		LocationID int64 `json:"location_id"`
		VariantID  int64 `json:"variant_id"`
		Quantity   int64 `json:"quantity"`
	}
	items := make([]item, 0, len(p.Changes))
	var res platform.SetInventoryResult
	var bad []platform.FieldError
	for i, ch := range p.Changes {
		vid, err1 := strconv.ParseInt(ch.InventoryItemID, 10, 64)
		loc, err2 := strconv.ParseInt(ch.LocationID, 10, 64)
		switch {
		case err1 != nil || vid <= 0:
			bad = append(bad, platform.FieldError{Field: fmt.Sprintf("changes.%d.inventory_item_id", i), Message: "not a BigCommerce variant id"})
		case err2 != nil || loc <= 0:
			bad = append(bad, platform.FieldError{Field: fmt.Sprintf("changes.%d.location_id", i), Message: "not a BigCommerce location id"})
		case ch.Quantity < 0 || ch.Quantity > 2147483647:
			bad = append(bad, platform.FieldError{Field: fmt.Sprintf("changes.%d.quantity", i), Message: "want 0 to 2147483647"})
		}
		items = append(items, item{LocationID: loc, VariantID: vid, Quantity: ch.Quantity})
	}
	if len(bad) > 0 {
		e := c.newError(op, platform.KindInvalidInput, "the inventory changes cannot be sent")
		e.Fields = bad
		return res, e
	}
	reason := p.Reason
	if reason == "" {
		reason = "storesync"
	}
	for start := 0; start < len(items); start += MaxInventoryBatch {
		batch := items[start:min(start+MaxInventoryBatch, len(items))]
		body := map[string]any{"reason": reason, "items": batch}
		err := c.call(ctx, op, request{method: http.MethodPut, path: "/v3/inventory/adjustments/absolute", body: body, resend: true, sent: &res.Calls}, nil)
		if err != nil {
			return res, err
		}
		res.Applied += len(batch)
	}
	return res, nil
}
