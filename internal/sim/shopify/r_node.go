package shopifysim

import (
	"context"
	"fmt"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// nodeR is the Node interface: whatever a global id names.
type nodeR struct {
	v interface{ ID() graphql.ID }
}

func (n *nodeR) ID() graphql.ID { return n.v.ID() }

func (n *nodeR) ToLocation() (*locationR, bool)       { r, ok := n.v.(*locationR); return r, ok }
func (n *nodeR) ToProduct() (*productR, bool)         { r, ok := n.v.(*productR); return r, ok }
func (n *nodeR) ToProductVariant() (*variantR, bool)  { r, ok := n.v.(*variantR); return r, ok }
func (n *nodeR) ToInventoryItem() (*itemR, bool)      { r, ok := n.v.(*itemR); return r, ok }
func (n *nodeR) ToInventoryLevel() (*levelR, bool)    { r, ok := n.v.(*levelR); return r, ok }
func (n *nodeR) ToOrder() (*orderR, bool)             { r, ok := n.v.(*orderR); return r, ok }
func (n *nodeR) ToCustomer() (*customerR, bool)       { r, ok := n.v.(*customerR); return r, ok }
func (n *nodeR) ToFulfillmentOrder() (*foR, bool)     { r, ok := n.v.(*foR); return r, ok }
func (n *nodeR) ToFulfillment() (*fulfillmentR, bool) { r, ok := n.v.(*fulfillmentR); return r, ok }
func (n *nodeR) ToMediaImage() (*mediaR, bool)        { r, ok := n.v.(*mediaR); return r, ok }
func (n *nodeR) ToInventoryItemMeasurement() (*measurementR, bool) {
	r, ok := n.v.(*measurementR)
	return r, ok
}
func (n *nodeR) ToProductSetOperation() (*productSetOpR, bool) {
	r, ok := n.v.(*productSetOpR)
	return r, ok
}

func (rootResolver) Node(ctx context.Context, a idArgs) *nodeR {
	return resolveNode(fromCtx(ctx).shop, string(a.ID))
}

func (rootResolver) Nodes(ctx context.Context, a struct{ IDs []graphql.ID }) []*nodeR {
	sh := fromCtx(ctx).shop
	out := make([]*nodeR, len(a.IDs))
	for i, id := range a.IDs {
		out[i] = resolveNode(sh, string(id))
	}
	return out
}

// resolveNode finds the object a global id names, or nil (Shopify answers null, not an error).
func resolveNode(sh *Shop, id string) *nodeR {
	rest, ok := strings.CutPrefix(id, "gid://shopify/")
	if !ok {
		return nil
	}
	kind, _, _ := strings.Cut(rest, "/")
	n, err := parseGID(kind, id)
	if err != nil {
		return nil
	}
	d := sh.data
	var v interface{ ID() graphql.ID }
	switch kind {
	case "Location":
		if x := d.Locations[n]; x != nil {
			v = &locationR{sh, x}
		}
	case "Product":
		if x := d.Products[n]; x != nil {
			v = &productR{sh, x}
		}
	case "ProductVariant":
		if x := d.Variants[n]; x != nil {
			v = &variantR{sh, x}
		}
	case "InventoryItem":
		if x := d.Items[n]; x != nil {
			v = &itemR{sh, x}
		}
	case "InventoryLevel":
		var itemID int64
		if _, q, ok := strings.Cut(id, "?"); ok {
			_, _ = fmt.Sscanf(q, "inventory_item_id=%d", &itemID)
		}
		if it := d.Items[itemID]; it != nil && it.Levels[n] != nil {
			v = &levelR{sh, it.Levels[n]}
		}
	case "Order":
		if x := d.Orders[n]; x != nil {
			v = &orderR{sh, x}
		}
	case "Customer":
		if x := d.Customers[n]; x != nil {
			v = &customerR{x}
		}
	case "FulfillmentOrder":
		if x := d.FulfillmentOrders[n]; x != nil {
			v = &foR{sh, x}
		}
	case "Fulfillment":
		if x := d.Fulfillments[n]; x != nil {
			v = &fulfillmentR{sh, x}
		}
	}
	if v == nil {
		return nil
	}
	return &nodeR{v}
}
