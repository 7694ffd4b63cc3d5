package shopifysim

import (
	"context"
	"fmt"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

type itemR struct {
	sh *Shop
	it *inventoryItem
}

type levelR struct {
	sh *Shop
	l  *inventoryLevel
}

func (rootResolver) InventoryItem(ctx context.Context, a idArgs) (*itemR, error) {
	sh := fromCtx(ctx).shop
	it, err := lookup(sh.data.Items, "InventoryItem", a.ID)
	if it == nil {
		return nil, err
	}
	return &itemR{sh, it}, nil
}

// InventoryLevel resolves gid://shopify/InventoryLevel/<location>?inventory_item_id=<item>.
func (rootResolver) InventoryLevel(ctx context.Context, a idArgs) (*levelR, error) {
	sh := fromCtx(ctx).shop
	locID, err := parseGID("InventoryLevel", string(a.ID))
	if err != nil {
		return nil, err
	}
	var itemID int64
	if _, q, ok := strings.Cut(string(a.ID), "?"); ok {
		_, _ = fmt.Sscanf(q, "inventory_item_id=%d", &itemID)
	}
	if it := sh.data.Items[itemID]; it != nil && it.Levels[locID] != nil {
		return &levelR{sh, it.Levels[locID]}, nil
	}
	return nil, nil
}

func (r *itemR) ID() graphql.ID                 { return graphql.ID(gid("InventoryItem", r.it.ID)) }
func (r *itemR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.it.ID) }
func (r *itemR) Tracked() bool                  { return r.it.Tracked }
func (r *itemR) CreatedAt() dateTime            { return dateTime{r.it.CreatedAt} }
func (r *itemR) UpdatedAt() dateTime            { return dateTime{r.it.UpdatedAt} }
func (r *itemR) SKU() *string                   { return optString(r.sh.data.Variants[r.it.VariantID].SKU) }
func (r *itemR) Variant() *variantR             { return &variantR{r.sh, r.sh.data.Variants[r.it.VariantID]} }

func (r *itemR) InventoryLevel(a struct{ LocationID graphql.ID }) (*levelR, error) {
	id, err := parseGID("Location", string(a.LocationID))
	if err != nil {
		return nil, err
	}
	if l := r.it.Levels[id]; l != nil {
		return &levelR{r.sh, l}, nil
	}
	return nil, nil
}

func (r *itemR) InventoryLevels(ctx context.Context, a pageArgs) (*conn[*levelR], error) {
	var items []keyed[*inventoryLevel]
	for locID, l := range r.it.Levels {
		items = append(items, keyed[*inventoryLevel]{idKey(locID), l})
	}
	sortKeyed(items, false)
	return paginate(fromCtx(ctx).lim, items, false, a, func(l *inventoryLevel) *levelR { return &levelR{r.sh, l} })
}

func levelGID(l *inventoryLevel) string {
	return gid("InventoryLevel", l.LocationID) + fmt.Sprintf("?inventory_item_id=%d", l.ItemID)
}

func (r *levelR) ID() graphql.ID      { return graphql.ID(levelGID(r.l)) }
func (r *levelR) CreatedAt() dateTime { return dateTime{r.l.CreatedAt} }
func (r *levelR) UpdatedAt() dateTime { return dateTime{r.l.UpdatedAt} }
func (r *levelR) Item() *itemR        { return &itemR{r.sh, r.sh.data.Items[r.l.ItemID]} }
func (r *levelR) Location() *locationR {
	return &locationR{r.sh, r.sh.data.Locations[r.l.LocationID]}
}

func (r *levelR) Quantities(a struct{ Names []string }) ([]*quantityR, error) {
	out := make([]*quantityR, 0, len(a.Names))
	for _, name := range a.Names {
		q, ok := r.l.quantity(name)
		if !ok {
			return nil, fmt.Errorf("invalid quantity name %q", name)
		}
		out = append(out, &quantityR{r.l, name, q})
	}
	return out, nil
}

type quantityR struct {
	l    *inventoryLevel
	name string
	q    int
}

func (q *quantityR) ID() graphql.ID {
	return graphql.ID(gid("InventoryQuantity", q.l.LocationID) +
		fmt.Sprintf("?inventory_item_id=%d&name=%s", q.l.ItemID, q.name))
}
func (q *quantityR) Name() string         { return q.name }
func (q *quantityR) Quantity() int32      { return int32Of(q.q) }
func (q *quantityR) UpdatedAt() *dateTime { return &dateTime{q.l.UpdatedAt} }
