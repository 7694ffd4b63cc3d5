package shopifysim

import (
	"context"

	graphql "github.com/graph-gophers/graphql-go"
)

type foR struct {
	sh *Shop
	fo *fulfillmentOrder
}

func (rootResolver) FulfillmentOrder(ctx context.Context, a idArgs) (*foR, error) {
	sh := fromCtx(ctx).shop
	fo, err := lookup(sh.data.FulfillmentOrders, "FulfillmentOrder", a.ID)
	if fo == nil {
		return nil, err
	}
	return &foR{sh, fo}, nil
}

func (r *foR) ID() graphql.ID        { return graphql.ID(gid("FulfillmentOrder", r.fo.ID)) }
func (r *foR) OrderID() graphql.ID   { return graphql.ID(gid("Order", r.fo.OrderID)) }
func (r *foR) Status() string        { return r.fo.Status }
func (r *foR) RequestStatus() string { return r.fo.RequestStatus }
func (r *foR) CreatedAt() dateTime   { return dateTime{r.fo.CreatedAt} }
func (r *foR) UpdatedAt() dateTime   { return dateTime{r.fo.UpdatedAt} }
func (r *foR) AssignedLocation() *assignedLocR {
	return &assignedLocR{r.sh, r.sh.data.Locations[r.fo.LocationID]}
}

func (r *foR) LineItems(ctx context.Context, a pageArgs) (*conn[*foLineR], error) {
	lines := make([]*foLine, len(r.fo.Lines))
	for i := range r.fo.Lines {
		lines[i] = &r.fo.Lines[i]
	}
	return positional(fromCtx(ctx).lim, lines, a, func(l *foLine) *foLineR { return &foLineR{r.sh, r.fo, l} })
}

type assignedLocR struct {
	sh  *Shop
	loc *location
}

func (r *assignedLocR) Name() string {
	if r.loc == nil {
		return ""
	}
	return r.loc.Name
}

func (r *assignedLocR) Location() *locationR {
	if r.loc == nil {
		return nil
	}
	return &locationR{r.sh, r.loc}
}

type foLineR struct {
	sh *Shop
	fo *fulfillmentOrder
	l  *foLine
}

func (r *foLineR) line() (*order, *lineItem) {
	o := r.sh.data.Orders[r.fo.OrderID]
	return o, o.lineByID(r.l.LineItemID)
}

func (r *foLineR) ID() graphql.ID           { return graphql.ID(gid("FulfillmentOrderLineItem", r.l.ID)) }
func (r *foLineR) TotalQuantity() int32     { return int32Of(r.l.Total) }
func (r *foLineR) RemainingQuantity() int32 { return int32Of(r.l.Remaining) }
func (r *foLineR) SKU() *string             { _, l := r.line(); return optString(l.SKU) }
func (r *foLineR) LineItem() *lineItemR     { o, l := r.line(); return &lineItemR{r.sh, o, l} }
func (r *foLineR) Variant() *variantR {
	_, l := r.line()
	if v := r.sh.data.Variants[l.VariantID]; v != nil {
		return &variantR{r.sh, v}
	}
	return nil
}
func (r *foLineR) InventoryItemID() *graphql.ID {
	_, l := r.line()
	if v := r.sh.data.Variants[l.VariantID]; v != nil {
		id := graphql.ID(gid("InventoryItem", v.InventoryItemID))
		return &id
	}
	return nil
}

type fulfillmentR struct {
	sh *Shop
	f  *fulfillment
}

func (r *fulfillmentR) ID() graphql.ID                 { return graphql.ID(gid("Fulfillment", r.f.ID)) }
func (r *fulfillmentR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.f.ID) }
func (r *fulfillmentR) Name() string                   { return r.f.Name }
func (r *fulfillmentR) Status() string                 { return r.f.Status }
func (r *fulfillmentR) CreatedAt() dateTime            { return dateTime{r.f.CreatedAt} }
func (r *fulfillmentR) UpdatedAt() dateTime            { return dateTime{r.f.UpdatedAt} }
func (r *fulfillmentR) Order() *orderR                 { return &orderR{r.sh, r.sh.data.Orders[r.f.OrderID]} }

func (r *fulfillmentR) TrackingInfo(a struct{ First *int32 }) []*trackingR {
	out := r.f.trackingInfo()
	if a.First != nil && int(*a.First) < len(out) {
		out = out[:max(0, *a.First)]
	}
	return out
}

func (r *fulfillmentR) FulfillmentLineItems(ctx context.Context, a pageArgs) (*conn[*flLineR], error) {
	lines := make([]*flLine, len(r.f.Lines))
	for i := range r.f.Lines {
		lines[i] = &r.f.Lines[i]
	}
	return positional(fromCtx(ctx).lim, lines, a, func(l *flLine) *flLineR { return &flLineR{r.sh, r.f, l} })
}

type trackingR struct{ company, number, url string }

func (t *trackingR) Company() *string { return optString(t.company) }
func (t *trackingR) Number() *string  { return optString(t.number) }
func (t *trackingR) URL() *urlScalar {
	if t.url == "" {
		return nil
	}
	u := urlScalar(t.url)
	return &u
}

type flLineR struct {
	sh *Shop
	f  *fulfillment
	l  *flLine
}

func (r *flLineR) ID() graphql.ID   { return graphql.ID(gid("FulfillmentLineItem", r.l.ID)) }
func (r *flLineR) Quantity() *int32 { n := int32Of(r.l.Quantity); return &n }
func (r *flLineR) LineItem() *lineItemR {
	o := r.sh.data.Orders[r.f.OrderID]
	return &lineItemR{r.sh, o, o.lineByID(r.l.LineItemID)}
}
