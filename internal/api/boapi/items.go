package boapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/backoffice"
)

type listOrderItemsInput struct {
	OrderPath
	PageQuery
}

// ItemPath names a line item of an order in the path.
type ItemPath struct {
	OrderPath
	ID int64 `path:"id" minimum:"1" doc:"Line item ID."`
}

type createLineInput struct {
	OrderPath
	Body LineCreate
}

type updateLineInput struct {
	IfMatch
	ItemPath
	Body LineUpdate
}

type createPaymentInput struct {
	OrderPath
	Body PaymentCreate
}

// orderKinds are the two kinds of orders whose lines and payments have the same routes.
var orderKinds = []struct {
	kind      backoffice.OrderKind
	path, id  string
	tag, what string
}{
	{backoffice.SalesOrderKind, "/api/v2/jobs/{job}/sales-orders/{order}", "sales-order", tagSales, "a sales order"},
	{backoffice.PurchaseOrderKind, "/api/v2/jobs/{job}/purchase-orders/{order}", "purchase-order", tagPurchase, "a purchase order"},
}

func (h *handlers) registerLineItems(api huma.API) {
	for _, k := range orderKinds {
		huma.Register(api, op(http.MethodGet, k.path+"/line-items", "list-"+k.id+"-line-items", k.tag, "List the line items of "+k.what, ""),
			func(ctx context.Context, in *listOrderItemsInput) (*ListOutput[LineItem], error) {
				return h.listLines(ctx, k.kind, in)
			})
		huma.Register(api, op(http.MethodGet, k.path+"/line-items/{id}", "get-"+k.id+"-line-item", k.tag, "Get a line item of "+k.what, ""),
			func(ctx context.Context, in *ItemPath) (*GetOutput[LineItem], error) {
				return h.getLine(ctx, k.kind, in)
			})
		huma.Register(api, op(http.MethodPut, k.path+"/line-items/{id}", "update-"+k.id+"-line-item", k.tag, "Update a line item of "+k.what,
			"Fields left out keep their value."),
			func(ctx context.Context, in *updateLineInput) (*WriteOutput, error) {
				return h.updateLine(ctx, k.kind, in)
			})
	}
	huma.Register(api, op(http.MethodPost, orderKinds[0].path+"/line-items", "create-sales-order-line-item", tagSales,
		"Add a line item to a sales order", "One line per call."), h.createLine)
}

func (h *handlers) registerPayments(api huma.API) {
	for _, k := range orderKinds {
		huma.Register(api, op(http.MethodGet, k.path+"/payments", "list-"+k.id+"-payments", k.tag, "List the payments of "+k.what, ""),
			func(ctx context.Context, in *listOrderItemsInput) (*ListOutput[Payment], error) {
				return h.listPayments(ctx, k.kind, in)
			})
		huma.Register(api, op(http.MethodPost, k.path+"/payments", "create-"+k.id+"-payment", k.tag, "Record a payment on "+k.what,
			"Payments are recorded, never edited; a negative amount is a refund or adjustment."),
			func(ctx context.Context, in *createPaymentInput) (*WriteOutput, error) {
				return h.createPayment(ctx, k.kind, in)
			})
	}
}

func orderRef(acct int64, kind backoffice.OrderKind, p OrderPath) backoffice.OrderRef {
	return backoffice.OrderRef{AccountID: acct, JobID: p.Job, Kind: kind, OrderID: p.Order}
}

func itemLocation(l backoffice.LineItem) string {
	seg := "sales-orders"
	if l.Order == backoffice.PurchaseOrderKind {
		seg = "purchase-orders"
	}
	return location("/api/v2/jobs/%d/%s/%d/line-items/%d", l.JobID, seg, l.OrderID, l.ID)
}

func (h *handlers) listLines(ctx context.Context, kind backoffice.OrderKind, in *listOrderItemsInput) (*ListOutput[LineItem], error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListLines(ctx, backoffice.ListOrderItemsParams{Order: orderRef(acct, kind, in.OrderPath), Page: in.Page})
	if err != nil {
		return nil, apiError(err)
	}
	return listOutput(in.PageQuery, page, lineOut), nil
}

func (h *handlers) getLine(ctx context.Context, kind backoffice.OrderKind, in *ItemPath) (*GetOutput[LineItem], error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	l, err := h.svc.GetLine(ctx, backoffice.GetLineParams{Order: orderRef(acct, kind, in.OrderPath), ID: in.ID})
	if err != nil {
		return nil, apiError(err)
	}
	return &GetOutput[LineItem]{ETag: etag(l.Version), Body: lineOut(l)}, nil
}

func (h *handlers) createLine(ctx context.Context, in *createLineInput) (*WriteOutput, error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	ref := orderRef(acct, backoffice.SalesOrderKind, in.OrderPath)
	currency, err := h.svc.OrderCurrency(ctx, ref)
	if err != nil {
		return nil, apiError(err)
	}
	price, err := amount("unit_price", in.Body.UnitPrice, currency)
	if err != nil {
		return nil, err
	}
	l, err := h.svc.CreateLine(ctx, backoffice.CreateLineParams{Order: ref, Input: lineIn(in.Body, price)})
	if err != nil {
		return nil, apiError(err)
	}
	return written(l.ID, l.Version, itemLocation(l)), nil
}

func (h *handlers) updateLine(ctx context.Context, kind backoffice.OrderKind, in *updateLineInput) (*WriteOutput, error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	ref := orderRef(acct, kind, in.OrderPath)
	var price *int64
	if in.Body.UnitPrice != nil {
		currency, err := h.svc.OrderCurrency(ctx, ref)
		if err != nil {
			return nil, apiError(err)
		}
		n, err := amount("unit_price", *in.Body.UnitPrice, currency)
		if err != nil {
			return nil, err
		}
		price = &n
	}
	b := in.Body
	l, err := h.svc.UpdateLine(ctx, backoffice.UpdateLineParams{Order: ref, ID: in.ID, IfVersion: version,
		Change: func(l *backoffice.LineInput) {
			set(&l.ProductRef, b.ProductRef)
			set(&l.VariantRef, b.VariantRef)
			set(&l.SKU, b.SKU)
			set(&l.Description, b.Description)
			set(&l.Quantity, b.Quantity)
			set(&l.UnitPrice, price)
			if b.Decoration != nil {
				l.Decoration = decorationIn(*b.Decoration)
			}
		}})
	if err != nil {
		return nil, apiError(err)
	}
	return written(l.ID, l.Version, itemLocation(l)), nil
}

func (h *handlers) listPayments(ctx context.Context, kind backoffice.OrderKind, in *listOrderItemsInput) (*ListOutput[Payment], error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListPayments(ctx, backoffice.ListOrderItemsParams{Order: orderRef(acct, kind, in.OrderPath), Page: in.Page})
	if err != nil {
		return nil, apiError(err)
	}
	return listOutput(in.PageQuery, page, paymentOut), nil
}

func (h *handlers) createPayment(ctx context.Context, kind backoffice.OrderKind, in *createPaymentInput) (*WriteOutput, error) {
	acct, err := accountID(ctx)
	if err != nil {
		return nil, err
	}
	ref := orderRef(acct, kind, in.OrderPath)
	currency, err := h.svc.OrderCurrency(ctx, ref)
	if err != nil {
		return nil, apiError(err)
	}
	n, err := amount("amount", in.Body.Amount, currency)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.CreatePayment(ctx, backoffice.CreatePaymentParams{Order: ref, Input: paymentIn(in.Body, n)})
	if err != nil {
		return nil, apiError(err)
	}
	// Payments have no route of their own: the location is the order's list of payments.
	return written(p.ID, 1, location("/api/v2/jobs/%d/%ss/%d/payments", p.JobID, kebab(p.Order), p.OrderID)), nil
}

func kebab(k backoffice.OrderKind) string {
	if k == backoffice.PurchaseOrderKind {
		return "purchase-order"
	}
	return "sales-order"
}

func decorationIn(d Decoration) backoffice.Decoration {
	return backoffice.Decoration{DesignName: d.DesignName, Location: d.Location, Method: d.Method, Supplier: d.Supplier}
}

func lineOut(l backoffice.LineItem) LineItem {
	d := l.Decoration
	return LineItem{ID: l.ID, JobID: l.JobID, Order: string(l.Order), OrderID: l.OrderID, ProductRef: l.ProductRef,
		VariantRef: l.VariantRef, SKU: l.SKU, Description: l.Description, Quantity: l.Quantity,
		UnitPrice: backoffice.FormatAmount(l.UnitPrice, l.Currency), Total: backoffice.FormatAmount(l.Total, l.Currency),
		Currency: l.Currency, Decoration: Decoration{DesignName: d.DesignName, Location: d.Location, Method: d.Method, Supplier: d.Supplier},
		Version: l.Version, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

func paymentOut(p backoffice.Payment) Payment {
	return Payment{ID: p.ID, JobID: p.JobID, Order: string(p.Order), OrderID: p.OrderID, Amount: backoffice.FormatAmount(p.Amount, p.Currency),
		Currency: p.Currency, PaidAt: p.PaidAt, PaymentType: p.PaymentType, CardType: p.CardType, AdjustmentType: p.AdjustmentType,
		Reference: p.Reference, CreatedAt: p.CreatedAt}
}
