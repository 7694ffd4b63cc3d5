package backofficeapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

// CreateOrderJob implements platform.BackOffice. The API takes a job, its sales order, each line
// and each payment in calls of their own, so a call cut short leaves part of them made. Each step
// therefore first reads what the job has and makes only what is missing, under a key derived
// from key (key+"/job", "/so", "/line/N", "/payment/REF"):
//
//   - the job is the one of in.ExternalRef (key when empty) if there is one;
//   - the sales order is the job's first;
//   - lines are made in order, so the first n lines the order has are in.Lines[:n];
//   - a payment is made unless the order has one of its reference (p.Ref, or a reference derived
//     from key and its place when it has none).
//
// The keys make a retry after a lost answer safe within the API's key lifetime (24 h); the reads
// make it safe after that too, and when a second call comes with another key.
func (c *Client) CreateOrderJob(ctx context.Context, key string, in platform.BackOfficeOrderJob) (platform.BackOfficeJob, error) {
	const op = "creating order job"
	if err := c.needKey(op, key); err != nil {
		return platform.BackOfficeJob{}, err
	}
	if _, err := money.Digits(in.Currency); err != nil {
		return platform.BackOfficeJob{}, c.invalid(op, "currency", fmt.Sprintf("%q is not an ISO 4217 currency", in.Currency))
	}
	if in.ExternalRef == "" {
		in.ExternalRef = key
	}
	j, err := c.orderJob(ctx, op, key, in)
	if err != nil {
		return platform.BackOfficeJob{}, err
	}
	if j.SalesOrderID == 0 {
		var w writeBody
		body := salesOrderCreate{Currency: in.Currency, SoldTo: addressOut(in.SoldTo), BillTo: addressOut(in.BillTo),
			ShipTo: addressOut(in.ShipTo), CustomerInstructions: in.CustomerInstructions, CSRInstructions: in.CSRInstructions}
		if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: fmt.Sprintf("/api/v2/jobs/%d/sales-orders", j.ID),
			body: body, key: key + "/so"}, &w); err != nil {
			return platform.BackOfficeJob{}, err
		}
		j.SalesOrderID = w.ID
	}
	soPath := fmt.Sprintf("/api/v2/jobs/%d/sales-orders/%d", j.ID, j.SalesOrderID)
	lines, err := listAll[lineBody](ctx, c, op, soPath+"/line-items")
	if err != nil {
		return platform.BackOfficeJob{}, err
	}
	for i := len(lines); i < len(in.Lines); i++ {
		if err := c.postLine(ctx, op, key+"/line/"+strconv.Itoa(i), soPath, in.Currency, in.Lines[i]); err != nil {
			return platform.BackOfficeJob{}, err
		}
	}
	have, err := c.paymentRefs(ctx, op, j.ID, j.SalesOrderID)
	if err != nil {
		return platform.BackOfficeJob{}, err
	}
	for i, p := range in.Payments {
		if p.Ref == "" {
			p.Ref = key + "/payment/" + strconv.Itoa(i)
		}
		if have[p.Ref] {
			continue
		}
		if err := c.postPayment(ctx, op, key+"/payment/"+p.Ref, j.ID, j.SalesOrderID, in.Currency, p); err != nil {
			return platform.BackOfficeJob{}, err
		}
		have[p.Ref] = true
	}
	return j, nil
}

// orderJob finds the job of in.ExternalRef or creates it. A 409 (a create of the same reference
// won, or the API is still answering an earlier create with the key) is met by finding it.
func (c *Client) orderJob(ctx context.Context, op, key string, in platform.BackOfficeOrderJob) (platform.BackOfficeJob, error) {
	if j, ok, err := c.FindJob(ctx, in.ExternalRef); err != nil || ok {
		return j, err
	}
	path := "/api/v2/jobs"
	if in.Kind == platform.BackOfficeStore {
		path = "/api/v2/store-jobs"
	}
	body := jobCreate{Description: in.Description, ContactID: in.ContactID, PrimaryRep: in.PrimaryRep, SecondaryRep: in.SecondaryRep,
		CSR: in.CSR, StoreID: in.StoreID, ExternalRef: in.ExternalRef}
	var w writeBody
	_, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, body: body, key: key + "/job"}, &w)
	if pe, ok := errors.AsType[*platform.Error](err); ok && pe.Kind == platform.KindConflict {
		j, found, ferr := c.FindJob(ctx, in.ExternalRef)
		if ferr != nil || found {
			return j, ferr
		}
		// A 409 naming external_ref whose job cannot be found is a job too old for the API to
		// show (13 months): retrying will not change that. Otherwise the create that holds the
		// key has not answered yet.
		pe.Retryable = !slices.ContainsFunc(pe.Fields, func(f platform.FieldError) bool { return f.Field == "external_ref" })
		return platform.BackOfficeJob{}, pe
	}
	if err != nil {
		return platform.BackOfficeJob{}, err
	}
	var b jobBody
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: fmt.Sprintf("/api/v2/jobs/%d", w.ID)}, &b); err != nil {
		return platform.BackOfficeJob{}, err
	}
	j := jobOut(b)
	// A replayed answer (the job was made by an earlier call with the key) may come with its
	// sales order made too.
	if so, ok, err := c.firstSalesOrder(ctx, op, j.ID); err != nil {
		return platform.BackOfficeJob{}, err
	} else if ok {
		j.SalesOrderID = so.ID
	}
	return j, nil
}

func (c *Client) postLine(ctx context.Context, op, key, soPath, currency string, l platform.BackOfficeLine) error {
	price, err := money.Format(l.UnitPrice, currency)
	if err != nil {
		return c.invalid(op, "currency", err.Error())
	}
	body := lineCreate{ProductRef: l.ProductRef, VariantRef: l.VariantRef, SKU: l.SKU, Description: l.Description,
		Quantity: l.Quantity, UnitPrice: price,
		Decoration: decoration{DesignName: l.DesignName, Location: l.Location, Method: l.Method, Supplier: l.Supplier}}
	_, err = c.do(ctx, call{op: op, method: http.MethodPost, path: soPath + "/line-items", body: body, key: key}, nil)
	return err
}
