package shopifysim

import (
	"context"
	"strconv"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

type inventorySetInput struct {
	Input struct {
		Name                 string
		Reason               string
		ReferenceDocumentURI *string
		Quantities           []struct {
			InventoryItemID    graphql.ID
			LocationID         graphql.ID
			Quantity           int32
			ChangeFromQuantity *int32
		}
	}
}

// userErr is a userErrors entry; Code is empty for types without a code field.
type userErr struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

type userErrR struct{ e userErr }

func (u *userErrR) Field() *[]string {
	if u.e.Field == nil {
		return nil
	}
	return &u.e.Field
}
func (u *userErrR) Message() string { return u.e.Message }
func (u *userErrR) Code() *string   { return optString(u.e.Code) }

func wrapErrs(es []userErr) []*userErrR {
	out := make([]*userErrR, len(es))
	for i := range es {
		out[i] = &userErrR{es[i]}
	}
	return out
}

// adjustmentGroup is the record of one inventory write, kept as plain data so an idempotent
// replay can return it as it was.
type adjustmentGroup struct {
	ID        int64            `json:"id"`
	Reason    string           `json:"reason"`
	Reference *string          `json:"reference"`
	CreatedAt time.Time        `json:"created_at"`
	Changes   []inventoryDelta `json:"changes"`
}

type inventoryDelta struct {
	Name       string `json:"name"`
	Delta      int    `json:"delta"`
	ItemID     int64  `json:"item_id"`
	LocationID int64  `json:"location_id"`
	After      int    `json:"after"`
}

type inventorySetResult struct {
	Group  *adjustmentGroup `json:"group"`
	Errors []userErr        `json:"errors"`
}

type inventorySetPayloadR struct {
	sh  *Shop
	res inventorySetResult
}

func (p *inventorySetPayloadR) UserErrors() []*userErrR { return wrapErrs(p.res.Errors) }
func (p *inventorySetPayloadR) InventoryAdjustmentGroup() *adjGroupR {
	if p.res.Group == nil {
		return nil
	}
	return &adjGroupR{p.sh, p.res.Group}
}

var validReasons = map[string]bool{
	"correction": true, "cycle_count_available": true, "damaged": true, "movement_created": true,
	"movement_updated": true, "movement_received": true, "movement_canceled": true, "other": true,
	"promotion": true, "quality_control": true, "received": true, "reservation_created": true,
	"reservation_deleted": true, "reservation_updated": true, "restock": true, "safety_stock": true,
	"shrinkage": true,
}

// InventorySetQuantities sets absolute quantities with Shopify's 2026-04 compare-and-set rule:
// each quantity may carry changeFromQuantity, the value the caller last read; if the stored value
// differs the whole call fails with CHANGE_FROM_QUANTITY_STALE and nothing is written.
func (rootResolver) InventorySetQuantities(ctx context.Context, a inventorySetInput) (*inventorySetPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	res, err := idempotent(rc, "inventorySetQuantities", a,
		func() inventorySetResult { return sh.setQuantities(rc, a) },
		func() inventorySetResult {
			return inventorySetResult{Errors: []userErr{{Field: []string{"input"}, Code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
				Message: "The same idempotency key was used with different parameters."}}}
		})
	if err != nil {
		return nil, err
	}
	return &inventorySetPayloadR{sh, res}, nil
}

func (sh *Shop) setQuantities(rc *reqCtx, a inventorySetInput) inventorySetResult {
	in := a.Input
	fail := func(field []string, code, msg string) inventorySetResult {
		return inventorySetResult{Errors: []userErr{{Field: field, Code: code, Message: msg}}}
	}
	if in.Name != "available" && in.Name != "on_hand" {
		return fail([]string{"input", "name"}, "INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.")
	}
	if !validReasons[in.Reason] {
		return fail([]string{"input", "reason"}, "INVALID_REASON", "The specified reason is invalid.")
	}
	type target struct {
		l   *inventoryLevel
		qty int
	}
	targets := make([]target, 0, len(in.Quantities))
	seen := map[[2]int64]bool{}
	for i, q := range in.Quantities {
		field := func(f string) []string { return []string{"input", "quantities", strconv.Itoa(i), f} }
		itemID, err := parseGID("InventoryItem", string(q.InventoryItemID))
		it := sh.data.Items[itemID]
		if err != nil || it == nil {
			return fail(field("inventoryItemId"), "INVALID_INVENTORY_ITEM", "The specified inventory item could not be found.")
		}
		locID, err := parseGID("Location", string(q.LocationID))
		if err != nil || sh.data.Locations[locID] == nil {
			return fail(field("locationId"), "INVALID_LOCATION", "The specified location could not be found.")
		}
		l := it.Levels[locID]
		if l == nil {
			return fail(field("locationId"), "ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not stocked at the location.")
		}
		if seen[[2]int64{itemID, locID}] {
			return fail(field("inventoryItemId"), "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
				"The combination of inventoryItemId and locationId must be unique.")
		}
		seen[[2]int64{itemID, locID}] = true
		if q.Quantity > 1_000_000_000 {
			return fail(field("quantity"), "INVALID_QUANTITY_TOO_HIGH", "The quantity can't be higher than 1,000,000,000.")
		}
		if in.Name == "on_hand" && int(q.Quantity) < l.Committed {
			return fail(field("quantity"), "INVALID_QUANTITY_NEGATIVE", "The on_hand quantity can't be lower than committed.")
		}
		cur, _ := l.quantity(in.Name)
		if q.ChangeFromQuantity != nil && int(*q.ChangeFromQuantity) != cur {
			return fail(field("changeFromQuantity"), "CHANGE_FROM_QUANTITY_STALE",
				"The specified compare quantity does not match the current quantity. Read the quantity again and retry.")
		}
		targets = append(targets, target{l, int(q.Quantity)})
	}
	now := sh.sim.now()
	g := &adjustmentGroup{ID: sh.data.newID(), Reason: in.Reason, Reference: in.ReferenceDocumentURI, CreatedAt: now}
	for _, t := range targets {
		cur, _ := t.l.quantity(in.Name)
		delta := t.qty - cur
		t.l.Available += delta // on_hand = available + committed, so both names move available
		t.l.UpdatedAt = now
		sh.data.Items[t.l.ItemID].UpdatedAt = now
		after, _ := t.l.quantity(in.Name)
		g.Changes = append(g.Changes, inventoryDelta{Name: in.Name, Delta: delta, ItemID: t.l.ItemID, LocationID: t.l.LocationID, After: after})
		if in.Name == "on_hand" {
			g.Changes = append(g.Changes, inventoryDelta{Name: "available", Delta: delta, ItemID: t.l.ItemID, LocationID: t.l.LocationID, After: t.l.Available})
		}
		if delta != 0 {
			rc.emit(sh.inventoryLevelEvent(t.l))
		}
	}
	return inventorySetResult{Group: g}
}

type adjGroupR struct {
	sh *Shop
	g  *adjustmentGroup
}

func (r *adjGroupR) ID() graphql.ID                { return graphql.ID(gid("InventoryAdjustmentGroup", r.g.ID)) }
func (r *adjGroupR) Reason() string                { return r.g.Reason }
func (r *adjGroupR) ReferenceDocumentURI() *string { return r.g.Reference }
func (r *adjGroupR) CreatedAt() dateTime           { return dateTime{r.g.CreatedAt} }
func (r *adjGroupR) Changes() []*changeR {
	out := make([]*changeR, len(r.g.Changes))
	for i := range r.g.Changes {
		out[i] = &changeR{r.sh, r.g.Changes[i]}
	}
	return out
}

type changeR struct {
	sh *Shop
	c  inventoryDelta
}

func (r *changeR) Name() string                { return r.c.Name }
func (r *changeR) Delta() int32                { return int32Of(r.c.Delta) }
func (r *changeR) QuantityAfterChange() *int32 { n := int32Of(r.c.After); return &n }
func (r *changeR) Item() *itemR {
	if it := r.sh.data.Items[r.c.ItemID]; it != nil {
		return &itemR{r.sh, it}
	}
	return nil
}
func (r *changeR) Location() *locationR {
	if l := r.sh.data.Locations[r.c.LocationID]; l != nil {
		return &locationR{r.sh, l}
	}
	return nil
}
