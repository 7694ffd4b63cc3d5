package boapi

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
)

// JobPath names a job in the path.
type JobPath struct {
	Job int64 `path:"job" minimum:"1" doc:"Job ID."`
}

type listJobOrdersInput struct {
	JobPath
	PageQuery
}

// SalesOrderPath names a sales order of a job in the path.
type SalesOrderPath struct {
	Job int64 `path:"job" minimum:"1" doc:"Job ID."`
	SO  int64 `path:"so" minimum:"1" doc:"Sales order ID."`
}

// PurchaseOrderPath names a purchase order of a job in the path.
type PurchaseOrderPath struct {
	Job int64 `path:"job" minimum:"1" doc:"Job ID."`
	PO  int64 `path:"po" minimum:"1" doc:"Purchase order ID."`
}

func (p SalesOrderPath) ref(acct int64) backoffice.OrderRef {
	return backoffice.OrderRef{AccountID: acct, JobID: p.Job, Kind: backoffice.SalesOrderKind, OrderID: p.SO}
}

func (p PurchaseOrderPath) ref(acct int64) backoffice.OrderRef {
	return backoffice.OrderRef{AccountID: acct, JobID: p.Job, Kind: backoffice.PurchaseOrderKind, OrderID: p.PO}
}

type createSalesOrderInput struct {
	JobPath
	Body SalesOrderCreate
}

type updateSalesOrderInput struct {
	IfMatch
	SalesOrderPath
	Body SalesOrderUpdate
}

type createPurchaseOrderInput struct {
	JobPath
	Body PurchaseOrderCreate
}

type updatePurchaseOrderInput struct {
	IfMatch
	PurchaseOrderPath
	Body PurchaseOrderUpdate
}

const (
	soPath = "/api/v2/jobs/{job}/sales-orders"
	poPath = "/api/v2/jobs/{job}/purchase-orders"
)

func (h *handlers) listSalesOrders(ctx context.Context, in *listJobOrdersInput) (*ListOutput[SalesOrder], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListSalesOrders(ctx, backoffice.ListOrdersParams{AccountID: acct, JobID: in.Job, Page: in.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(in.PageQuery, page, salesOrderOut), nil
}

func (h *handlers) getSalesOrder(ctx context.Context, in *SalesOrderPath) (*GetOutput[SalesOrder], error) {
	acct := api.AccountID(ctx)
	o, err := h.svc.GetSalesOrder(ctx, backoffice.GetOrderParams{AccountID: acct, JobID: in.Job, ID: in.SO})
	if err != nil {
		return nil, err
	}
	return &GetOutput[SalesOrder]{ETag: etag(o.Version), Body: salesOrderOut(o)}, nil
}

func (h *handlers) createSalesOrder(ctx context.Context, in *createSalesOrderInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	b := in.Body
	currency, err := backoffice.NormalizeCurrency(b.Currency)
	if err != nil {
		return nil, &backoffice.ValidationError{Field: "currency", Message: "must be an ISO 4217 currency code", Value: b.Currency}
	}
	lines, err := linesIn(b.Lines, currency)
	if err != nil {
		return nil, err
	}
	payments, err := paymentsIn(b.Payments, currency)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: acct, JobID: in.Job, Lines: lines, Payments: payments,
		Input: backoffice.SalesOrderInput{Status: b.Status, Currency: currency, SoldTo: b.SoldTo, BillTo: b.BillTo, ShipTo: b.ShipTo,
			CustomerInstructions: b.CustomerInstructions, CSRInstructions: b.CSRInstructions}})
	if err != nil {
		return nil, err
	}
	return written(o.ID, o.Version, location("/api/v2/jobs/%d/sales-orders/%d", o.JobID, o.ID)), nil
}

func (h *handlers) updateSalesOrder(ctx context.Context, in *updateSalesOrderInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	o, err := h.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: acct, JobID: in.Job, ID: in.SO, IfVersion: version,
		Change: func(o *backoffice.SalesOrderInput) {
			set(&o.Status, b.Status)
			set(&o.SoldTo, b.SoldTo)
			set(&o.BillTo, b.BillTo)
			set(&o.ShipTo, b.ShipTo)
			set(&o.CustomerInstructions, b.CustomerInstructions)
			set(&o.CSRInstructions, b.CSRInstructions)
		}})
	if err != nil {
		return nil, err
	}
	return written(o.ID, o.Version, location("/api/v2/jobs/%d/sales-orders/%d", o.JobID, o.ID)), nil
}

func (h *handlers) listPurchaseOrders(ctx context.Context, in *listJobOrdersInput) (*ListOutput[PurchaseOrder], error) {
	acct := api.AccountID(ctx)
	page, err := h.svc.ListPurchaseOrders(ctx, backoffice.ListOrdersParams{AccountID: acct, JobID: in.Job, Page: in.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(in.PageQuery, page, purchaseOrderOut), nil
}

func (h *handlers) getPurchaseOrder(ctx context.Context, in *PurchaseOrderPath) (*GetOutput[PurchaseOrder], error) {
	acct := api.AccountID(ctx)
	o, err := h.svc.GetPurchaseOrder(ctx, backoffice.GetOrderParams{AccountID: acct, JobID: in.Job, ID: in.PO})
	if err != nil {
		return nil, err
	}
	return &GetOutput[PurchaseOrder]{ETag: etag(o.Version), Body: purchaseOrderOut(o)}, nil
}

func (h *handlers) createPurchaseOrder(ctx context.Context, in *createPurchaseOrderInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	b := in.Body
	currency, err := backoffice.NormalizeCurrency(b.Currency)
	if err != nil {
		return nil, &backoffice.ValidationError{Field: "currency", Message: "must be an ISO 4217 currency code", Value: b.Currency}
	}
	lines, err := linesIn(b.Lines, currency)
	if err != nil {
		return nil, err
	}
	o, err := h.svc.CreatePurchaseOrder(ctx, backoffice.CreatePurchaseOrderParams{AccountID: acct, JobID: in.Job, Lines: lines,
		Input: backoffice.PurchaseOrderInput{Supplier: b.Supplier, Status: b.Status, Currency: currency, ShipTo: b.ShipTo, Instructions: b.Instructions}})
	if err != nil {
		return nil, err
	}
	return written(o.ID, o.Version, location("/api/v2/jobs/%d/purchase-orders/%d", o.JobID, o.ID)), nil
}

func (h *handlers) updatePurchaseOrder(ctx context.Context, in *updatePurchaseOrderInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	o, err := h.svc.UpdatePurchaseOrder(ctx, backoffice.UpdatePurchaseOrderParams{AccountID: acct, JobID: in.Job, ID: in.PO, IfVersion: version,
		Change: func(o *backoffice.PurchaseOrderInput) {
			set(&o.Supplier, b.Supplier)
			set(&o.Status, b.Status)
			set(&o.ShipTo, b.ShipTo)
			set(&o.Instructions, b.Instructions)
		}})
	if err != nil {
		return nil, err
	}
	return written(o.ID, o.Version, location("/api/v2/jobs/%d/purchase-orders/%d", o.JobID, o.ID)), nil
}

func linesIn(lines []LineCreate, currency string) ([]backoffice.LineInput, error) {
	out := make([]backoffice.LineInput, 0, len(lines))
	for i, l := range lines {
		price, err := amount(fmt.Sprintf("lines[%d].unit_price", i), l.UnitPrice, currency)
		if err != nil {
			return nil, err
		}
		out = append(out, lineIn(l, price))
	}
	return out, nil
}

func lineIn(l LineCreate, price int64) backoffice.LineInput {
	return backoffice.LineInput{ProductRef: l.ProductRef, VariantRef: l.VariantRef, SKU: l.SKU, Description: l.Description,
		Quantity: l.Quantity, UnitPrice: price, Decoration: decorationIn(l.Decoration)}
}

func paymentsIn(payments []PaymentCreate, currency string) ([]backoffice.PaymentInput, error) {
	out := make([]backoffice.PaymentInput, 0, len(payments))
	for i, p := range payments {
		n, err := amount(fmt.Sprintf("payments[%d].amount", i), p.Amount, currency)
		if err != nil {
			return nil, err
		}
		out = append(out, paymentIn(p, n))
	}
	return out, nil
}

func paymentIn(p PaymentCreate, amount int64) backoffice.PaymentInput {
	return backoffice.PaymentInput{Amount: amount, PaidAt: p.PaidAt, PaymentType: p.PaymentType, CardType: p.CardType,
		AdjustmentType: p.AdjustmentType, Reference: p.Reference}
}

func salesOrderOut(o backoffice.SalesOrder) SalesOrder {
	c := o.Currency
	return SalesOrder{ID: o.ID, JobID: o.JobID, Status: o.Status, Currency: c, SoldTo: o.SoldTo, BillTo: o.BillTo, ShipTo: o.ShipTo,
		CustomerInstructions: o.CustomerInstructions, CSRInstructions: o.CSRInstructions,
		Subtotal: backoffice.FormatAmount(o.Subtotal, c), Paid: backoffice.FormatAmount(o.Paid, c),
		Balance: backoffice.FormatAmount(o.Balance, c), Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

func purchaseOrderOut(o backoffice.PurchaseOrder) PurchaseOrder {
	c := o.Currency
	return PurchaseOrder{ID: o.ID, JobID: o.JobID, Supplier: o.Supplier, Status: o.Status, Currency: c, ShipTo: o.ShipTo,
		Instructions: o.Instructions, Subtotal: backoffice.FormatAmount(o.Subtotal, c), Paid: backoffice.FormatAmount(o.Paid, c),
		Balance: backoffice.FormatAmount(o.Balance, c), Version: o.Version, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}
