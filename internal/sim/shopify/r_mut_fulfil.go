package shopifysim

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

type orderCancelArgs struct {
	NotifyCustomer bool
	OrderID        graphql.ID
	Reason         string
	Refund         *bool
	Restock        bool
	StaffNote      *string
}

type jobR struct {
	id   int64
	done bool
}

func (j *jobR) ID() graphql.ID { return graphql.ID(gid("Job", j.id)) }
func (j *jobR) Done() bool     { return j.done }

// Job reports every job as done: the simulator applies cancellations at once.
func (rootResolver) Job(a idArgs) (*jobR, error) {
	id, err := parseGID("Job", string(a.ID))
	if err != nil {
		return nil, err
	}
	return &jobR{id: id, done: true}, nil
}

type orderCancelPayloadR struct {
	job    *jobR
	errors []userErr
}

func (r *orderCancelPayloadR) Job() *jobR                         { return r.job }
func (r *orderCancelPayloadR) OrderCancelUserErrors() []*userErrR { return wrapErrs(r.errors) }

// OrderCancel cancels an order like Shopify: asynchronously in name (a job that is not yet done),
// at once in effect; restock returns committed stock, refund voids or refunds the payment.
func (rootResolver) OrderCancel(ctx context.Context, a orderCancelArgs) (*orderCancelPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	fail := func(field []string, code, msg string) (*orderCancelPayloadR, error) {
		return &orderCancelPayloadR{errors: []userErr{{Field: field, Code: code, Message: msg}}}, nil
	}
	o, err := lookup(sh.data.Orders, "Order", a.OrderID)
	if err != nil || o == nil {
		return fail([]string{"orderId"}, "NOT_FOUND", "Order does not exist")
	}
	if o.CancelledAt != nil {
		return fail([]string{"orderId"}, "INVALID", "Order has already been cancelled")
	}
	if o.fulfillmentStatus() == "FULFILLED" {
		return fail([]string{"orderId"}, "INVALID", "Cannot cancel a fulfilled order")
	}
	sh.cancelOrder(rc, o, a.Reason, a.Restock, a.Refund == nil || *a.Refund, a.StaffNote)
	return &orderCancelPayloadR{job: &jobR{id: sh.data.newID()}}, nil
}

func (sh *Shop) cancelOrder(rc *reqCtx, o *order, reason string, restock, refund bool, note *string) {
	now := sh.sim.now()
	o.CancelledAt, o.ClosedAt, o.CancelReason, o.UpdatedAt = &now, &now, reason, now
	if note != nil && *note != "" {
		o.Note = strings.TrimSpace(o.Note + "\n" + *note)
	}
	sh.settleOnCancel(o, refund, now)
	switch {
	case o.FinancialStatus == "PAID" && refund:
		o.FinancialStatus = "REFUNDED"
	case o.FinancialStatus == "PENDING" || o.FinancialStatus == "AUTHORIZED":
		o.FinancialStatus = "VOIDED"
	}
	loc := sh.primaryLocation().ID
	for i := range o.Lines {
		l := &o.Lines[i]
		open := l.CurrentQuantity - l.Fulfilled
		if open > 0 && o.InventoryBehaviour != "BYPASS" {
			if v := sh.data.Variants[l.VariantID]; v != nil {
				lv := sh.level(v.InventoryItemID, loc, now)
				lv.Committed -= open
				if restock {
					lv.Available += open
				}
				lv.UpdatedAt = now
				rc.emit(sh.inventoryLevelEvent(lv))
			}
		}
		l.CurrentQuantity = l.Fulfilled
	}
	for _, id := range o.FulfillmentOrders {
		if fo := sh.data.FulfillmentOrders[id]; fo.Status != "CLOSED" {
			fo.Status, fo.UpdatedAt = "CLOSED", now
		}
	}
	sh.changed()
	rc.emit(sh.orderEvent("orders/cancelled", o))
	rc.emit(sh.orderEvent("orders/updated", o))
}

type fulfillmentCreateArgs struct {
	Fulfillment struct {
		LineItemsByFulfillmentOrder []struct {
			FulfillmentOrderID        graphql.ID
			FulfillmentOrderLineItems *[]struct {
				ID       graphql.ID
				Quantity int32
			}
		}
		NotifyCustomer *bool
		TrackingInfo   *trackingInput
	}
	Message *string
}

type fulfillmentPayloadR struct {
	f      *fulfillmentR
	errors []userErr
}

func (r *fulfillmentPayloadR) Fulfillment() *fulfillmentR { return r.f }
func (r *fulfillmentPayloadR) UserErrors() []*userErrR    { return wrapErrs(r.errors) }

// FulfillmentCreate fulfils lines of one order's fulfillment orders with tracking; stock committed
// to them leaves the shop (on_hand goes down).
func (rootResolver) FulfillmentCreate(ctx context.Context, a fulfillmentCreateArgs) (*fulfillmentPayloadR, error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	fail := func(msg string, field ...string) (*fulfillmentPayloadR, error) {
		return &fulfillmentPayloadR{errors: []userErr{{Field: append([]string{"fulfillment"}, field...), Message: msg}}}, nil
	}
	in := a.Fulfillment
	if len(in.LineItemsByFulfillmentOrder) == 0 {
		return fail("Line items by fulfillment order can't be blank", "lineItemsByFulfillmentOrder")
	}
	type pick struct {
		fo  *fulfillmentOrder
		l   *foLine
		qty int
	}
	var picks []pick
	var o *order
	for i, group := range in.LineItemsByFulfillmentOrder {
		fo, err := lookup(sh.data.FulfillmentOrders, "FulfillmentOrder", group.FulfillmentOrderID)
		if err != nil || fo == nil {
			return fail("Fulfillment order does not exist.", "lineItemsByFulfillmentOrder", strconv.Itoa(i), "fulfillmentOrderId")
		}
		if fo.Status != "OPEN" && fo.Status != "IN_PROGRESS" {
			return fail(fmt.Sprintf("Fulfillment order %s has an unfulfillable status= %s.", gid("FulfillmentOrder", fo.ID), strings.ToLower(fo.Status)))
		}
		if o != nil && o.ID != fo.OrderID {
			return fail("All fulfillment orders must belong to the same order.")
		}
		o = sh.data.Orders[fo.OrderID]
		if group.FulfillmentOrderLineItems == nil {
			for j := range fo.Lines {
				if fo.Lines[j].Remaining > 0 {
					picks = append(picks, pick{fo, &fo.Lines[j], fo.Lines[j].Remaining})
				}
			}
			continue
		}
		for _, li := range *group.FulfillmentOrderLineItems {
			id, err := parseGID("FulfillmentOrderLineItem", string(li.ID))
			var line *foLine
			for j := range fo.Lines {
				if fo.Lines[j].ID == id {
					line = &fo.Lines[j]
				}
			}
			if err != nil || line == nil {
				return fail("Fulfillment order line item does not exist.", "lineItemsByFulfillmentOrder", strconv.Itoa(i))
			}
			if li.Quantity < 1 || int(li.Quantity) > line.Remaining {
				return fail(fmt.Sprintf("Invalid fulfillment order line item quantity requested: %d, remaining %d.", li.Quantity, line.Remaining))
			}
			picks = append(picks, pick{fo, line, int(li.Quantity)})
		}
	}
	if len(picks) == 0 {
		return fail("There are no line items to fulfill.")
	}
	now := sh.sim.now()
	f := &fulfillment{ID: sh.data.newID(), OrderID: o.ID, LocationID: picks[0].fo.LocationID,
		Name: fmt.Sprintf("%s.%d", o.Name, len(o.Fulfillments)+1), Status: "SUCCESS", CreatedAt: now, UpdatedAt: now}
	if t := in.TrackingInfo; t != nil {
		f.setTracking(*t)
	}
	for _, p := range picks {
		p.l.Remaining -= p.qty
		p.fo.UpdatedAt = now
		line := o.lineByID(p.l.LineItemID)
		line.Fulfilled += p.qty
		f.Lines = append(f.Lines, flLine{ID: sh.data.newID(), LineItemID: line.ID, Quantity: p.qty})
		if v := sh.data.Variants[line.VariantID]; v != nil && o.InventoryBehaviour != "BYPASS" {
			lv := sh.level(v.InventoryItemID, p.fo.LocationID, now)
			lv.Committed -= p.qty
			lv.UpdatedAt = now
		}
	}
	for _, p := range picks {
		p.fo.Status = "CLOSED"
		for _, l := range p.fo.Lines {
			if l.Remaining > 0 {
				p.fo.Status = "IN_PROGRESS"
			}
		}
	}
	sh.data.Fulfillments[f.ID] = f
	o.Fulfillments = append(o.Fulfillments, f.ID)
	o.UpdatedAt = now
	sh.changed()
	rc.emit(sh.fulfillmentEvent(f, o))
	rc.emit(sh.orderEvent("orders/updated", o))
	if o.fulfillmentStatus() == "FULFILLED" {
		rc.emit(sh.orderEvent("orders/fulfilled", o))
	}
	return &fulfillmentPayloadR{f: &fulfillmentR{sh, f}}, nil
}
