package boapi

import (
	"context"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
)

// The lines and payments of sales and purchase orders have the same routes under different path
// parameters ({so}, {po}), so each has its own input types over shared handlers. Huma reads
// parameters of exported embedded structs only, so inputs embed the exported path types.

type soItemsInput struct {
	SalesOrderPath
	PageQuery
}

type poItemsInput struct {
	PurchaseOrderPath
	PageQuery
}

type soLineInput struct {
	SalesOrderPath
	ID int64 `path:"id" minimum:"1" doc:"Line item ID."`
}

type poLineInput struct {
	PurchaseOrderPath
	ID int64 `path:"id" minimum:"1" doc:"Line item ID."`
}

type soUpdateLineInput struct {
	IfMatch
	SalesOrderPath
	ID   int64 `path:"id" minimum:"1" doc:"Line item ID."`
	Body LineUpdate
}

type poUpdateLineInput struct {
	IfMatch
	PurchaseOrderPath
	ID   int64 `path:"id" minimum:"1" doc:"Line item ID."`
	Body LineUpdate
}

type createLineInput struct {
	SalesOrderPath
	Body LineCreate
}

type soPaymentInput struct {
	SalesOrderPath
	Body PaymentCreate
}

type poPaymentInput struct {
	PurchaseOrderPath
	Body PaymentCreate
}

const (
	soItems = "/api/v2/jobs/{job}/sales-orders/{so}"
	poItems = "/api/v2/jobs/{job}/purchase-orders/{po}"
)

// refFunc turns the account of the request into the order its path names.
type refFunc func(acct int64) backoffice.OrderRef

const paymentsNote = "Payments are recorded, never edited; a negative amount is a refund or adjustment."

func itemLocation(l backoffice.LineItem) string {
	seg := "sales-orders"
	if l.Order == backoffice.PurchaseOrderKind {
		seg = "purchase-orders"
	}
	return location("/api/v2/jobs/%d/%s/%d/line-items/%d", l.JobID, seg, l.OrderID, l.ID)
}

func (h *handlers) listLines(ctx context.Context, ref refFunc, q PageQuery) (*ListOutput[LineItem], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListLines(ctx, backoffice.ListOrderItemsParams{Order: ref(acct), Page: q.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(q, page, lineOut), nil
}

func (h *handlers) getLine(ctx context.Context, ref refFunc, id int64) (*GetOutput[LineItem], error) {
	acct := api.AccountID(ctx)
	l, err := h.svc.GetLine(ctx, backoffice.GetLineParams{Order: ref(acct), ID: id})
	if err != nil {
		return nil, err
	}
	return &GetOutput[LineItem]{ETag: etag(l.Version), Body: lineOut(l)}, nil
}

func (h *handlers) createLine(ctx context.Context, in *createLineInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	ref := in.SalesOrderPath.ref(acct)
	currency, err := h.svc.OrderCurrency(ctx, ref)
	if err != nil {
		return nil, err
	}
	price, err := amount("unit_price", in.Body.UnitPrice, currency)
	if err != nil {
		return nil, err
	}
	l, err := h.svc.CreateLine(ctx, backoffice.CreateLineParams{Order: ref, Input: lineIn(in.Body, price)})
	if err != nil {
		return nil, err
	}
	return written(l.ID, l.Version, itemLocation(l)), nil
}

func (h *handlers) updateLine(ctx context.Context, refOf refFunc, id int64, im IfMatch, b LineUpdate) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(im.IfMatch)
	if err != nil {
		return nil, err
	}
	ref := refOf(acct)
	var price *int64
	if b.UnitPrice != nil {
		currency, err := h.svc.OrderCurrency(ctx, ref)
		if err != nil {
			return nil, err
		}
		n, err := amount("unit_price", *b.UnitPrice, currency)
		if err != nil {
			return nil, err
		}
		price = &n
	}
	l, err := h.svc.UpdateLine(ctx, backoffice.UpdateLineParams{Order: ref, ID: id, IfVersion: version,
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
		return nil, err
	}
	return written(l.ID, l.Version, itemLocation(l)), nil
}

func (h *handlers) listPayments(ctx context.Context, ref refFunc, q PageQuery) (*ListOutput[Payment], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListPayments(ctx, backoffice.ListOrderItemsParams{Order: ref(acct), Page: q.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(q, page, paymentOut), nil
}

func (h *handlers) createPayment(ctx context.Context, refOf refFunc, b PaymentCreate) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	ref := refOf(acct)
	currency, err := h.svc.OrderCurrency(ctx, ref)
	if err != nil {
		return nil, err
	}
	n, err := amount("amount", b.Amount, currency)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.CreatePayment(ctx, backoffice.CreatePaymentParams{Order: ref, Input: paymentIn(b, n)})
	if err != nil {
		return nil, err
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
