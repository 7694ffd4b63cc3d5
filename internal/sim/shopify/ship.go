package shopifysim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// The supplier's side of fulfilment, as a merchant ships in the admin: tests and the demo ship
// orders, add tracking later and cancel fulfilments through these helpers, which run the same
// mutations a client sends (so the same webhooks go out) or, for what the simulator has no
// mutation for, change the shop as Shopify would and send its webhooks.

// Tracking is what a merchant enters for a shipment: one carrier, a number and URL per parcel
// (URLs pair with numbers by position).
type Tracking struct {
	Company string
	Numbers []string
	URLs    []string
}

func (t Tracking) input() map[string]any {
	in := map[string]any{}
	if t.Company != "" {
		in["company"] = t.Company
	}
	list := func(ss []string) []any { // as variables decoded from JSON are
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	if len(t.Numbers) > 0 {
		in["numbers"] = list(t.Numbers)
	}
	if len(t.URLs) > 0 {
		in["urls"] = list(t.URLs)
	}
	return in
}

// Ship fulfils lines of an order with tracking: lines maps global line ids to quantities (nil
// ships everything still open). Like Shopify it makes one fulfilment per location of the open
// fulfillment orders that hold the lines (see MoveFulfillmentLines), each with the tracking given,
// and returns their global ids in location order.
func (s *Sim) Ship(domain, orderID string, lines map[string]int, t Tracking) ([]string, error) {
	sh, err := s.Shop(domain)
	if err != nil {
		return nil, err
	}
	groups, err := sh.shipGroups(orderID, lines)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		vars := map[string]any{"fulfillment": map[string]any{"lineItemsByFulfillmentOrder": g,
			"notifyCustomer": true, "trackingInfo": t.input()}}
		res := s.execute(s.ctx, sh, gqlRequest{Query: shipCreate, Variables: vars}, "", true)
		id, err := shippedID(res)
		if err != nil {
			return ids, fmt.Errorf("shipping %s: %w", orderID, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// shipGroups builds fulfillmentCreate's lineItemsByFulfillmentOrder, one group per location.
func (sh *Shop) shipGroups(orderID string, lines map[string]int) ([][]any, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	o, err := lookup(sh.data.Orders, "Order", graphql.ID(orderID))
	if err != nil || o == nil {
		return nil, fmt.Errorf("no order %s", orderID)
	}
	want := map[int64]int{}
	for lid, q := range lines {
		id, err := parseGID("LineItem", lid)
		if err != nil {
			return nil, err
		}
		want[id] += q
	}
	byLoc := map[int64][]any{}
	var locs []int64
	for _, foID := range o.FulfillmentOrders {
		fo := sh.data.FulfillmentOrders[foID]
		if fo == nil || fo.Status != "OPEN" && fo.Status != "IN_PROGRESS" {
			continue
		}
		var items []any
		for _, l := range fo.Lines {
			q := l.Remaining
			if lines != nil {
				q = min(q, want[l.LineItemID])
				want[l.LineItemID] -= q
			}
			if q > 0 {
				items = append(items, map[string]any{"id": gid("FulfillmentOrderLineItem", l.ID), "quantity": q})
			}
		}
		if len(items) == 0 {
			continue
		}
		if _, ok := byLoc[fo.LocationID]; !ok {
			locs = append(locs, fo.LocationID)
		}
		byLoc[fo.LocationID] = append(byLoc[fo.LocationID], map[string]any{
			"fulfillmentOrderId": gid("FulfillmentOrder", fo.ID), "fulfillmentOrderLineItems": items})
	}
	for id, q := range want {
		if q > 0 {
			return nil, fmt.Errorf("line %s: %d more than is open", gid("LineItem", id), q)
		}
	}
	if len(locs) == 0 {
		return nil, fmt.Errorf("order %s has nothing open to ship", orderID)
	}
	slices.Sort(locs)
	out := make([][]any, 0, len(locs))
	for _, l := range locs {
		out = append(out, byLoc[l])
	}
	return out, nil
}

func shippedID(res *gqlResponse) (string, error) {
	if len(res.Errors) > 0 {
		return "", fmt.Errorf("%v", res.Errors[0])
	}
	var data struct {
		FulfillmentCreate struct {
			Fulfillment *struct{ ID string }
			UserErrors  []struct{ Message string }
		}
	}
	if err := jsonUnmarshal(res.Data, &data); err != nil {
		return "", err
	}
	if ue := data.FulfillmentCreate.UserErrors; len(ue) > 0 {
		return "", fmt.Errorf("%s", ue[0].Message)
	}
	if data.FulfillmentCreate.Fulfillment == nil {
		return "", fmt.Errorf("no fulfillment made")
	}
	return data.FulfillmentCreate.Fulfillment.ID, nil
}

// AddTracking replaces a fulfilment's tracking (fulfillmentTrackingInfoUpdate), as a merchant
// adding the tracking after shipping does; fulfillmentID is a global id.
func (s *Sim) AddTracking(domain, fulfillmentID string, t Tracking) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	res := s.execute(s.ctx, sh, gqlRequest{Query: shipTracking, Variables: map[string]any{
		"id": fulfillmentID, "t": t.input()}}, "", true)
	if len(res.Errors) > 0 {
		return fmt.Errorf("adding tracking to %s: %v", fulfillmentID, res.Errors[0])
	}
	var data struct {
		FulfillmentTrackingInfoUpdate struct{ UserErrors []struct{ Message string } }
	}
	if err := jsonUnmarshal(res.Data, &data); err != nil {
		return err
	}
	if ue := data.FulfillmentTrackingInfoUpdate.UserErrors; len(ue) > 0 {
		return fmt.Errorf("adding tracking to %s: %s", fulfillmentID, ue[0].Message)
	}
	return nil
}

// CancelFulfillment cancels a fulfilment as fulfillmentCancel does: its quantities are open
// again and fulfillments/update (status cancelled) and orders/updated go out.
func (s *Sim) CancelFulfillment(domain, fulfillmentID string) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	sh.mu.Lock()
	f, err := lookup(sh.data.Fulfillments, "Fulfillment", graphql.ID(fulfillmentID))
	if err != nil || f == nil || f.Status == "CANCELLED" {
		sh.mu.Unlock()
		return fmt.Errorf("no fulfillment %s to cancel", fulfillmentID)
	}
	o := sh.data.Orders[f.OrderID]
	now := s.now()
	f.Status, f.UpdatedAt = "CANCELLED", now
	for _, fl := range f.Lines {
		if l := o.lineByID(fl.LineItemID); l != nil {
			l.Fulfilled -= fl.Quantity
		}
		sh.reopen(o, f.LocationID, fl.LineItemID, fl.Quantity, now)
	}
	o.UpdatedAt = now
	sh.changed()
	events := []event{*sh.fulfillmentUpdateEvent(f, o), *sh.orderEvent("orders/updated", o)}
	sh.mu.Unlock()
	s.webhooks.enqueue(sh, events)
	return nil
}

// reopen gives a cancelled fulfilment's quantity of a line back to a fulfillment order of its
// location.
func (sh *Shop) reopen(o *order, loc, lineID int64, qty int, now time.Time) {
	for _, foID := range o.FulfillmentOrders {
		fo := sh.data.FulfillmentOrders[foID]
		if fo.LocationID != loc {
			continue
		}
		for i := range fo.Lines {
			if l := &fo.Lines[i]; l.LineItemID == lineID {
				l.Remaining = min(l.Total, l.Remaining+qty)
				fo.Status, fo.UpdatedAt = "IN_PROGRESS", now
				if l.Remaining == l.Total {
					fo.Status = "OPEN"
				}
				return
			}
		}
	}
}

// AutoShip makes a shop ship every order created through its API (orders pushed to it, not
// those the order generator places) after Delay, with a generated carrier, tracking number and
// URL: the demo's supplier, who ships what it receives.
type AutoShip struct {
	Delay   time.Duration // default 15 s
	Carrier string        // default "UPS"
}

// SetAutoShip turns automatic shipping on for a shop (nil turns it off).
func (s *Sim) SetAutoShip(domain string, a *AutoShip) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if a != nil {
		c := *a
		c.Delay = cmp.Or(c.Delay, 15*time.Second)
		c.Carrier = cmp.Or(c.Carrier, "UPS")
		a = &c
	}
	sh.autoShip = a
	return nil
}

// orderCreated schedules the automatic shipping of an order made through the API; the caller
// holds sh.mu.
func (sh *Shop) orderCreated(rc *reqCtx, o *order) {
	a := sh.autoShip
	if a == nil || rc.internal {
		return
	}
	s, domain, id := sh.sim, sh.cfg.Domain, gid("Order", o.ID)
	number := fmt.Sprintf("1ZSIM%011d", o.ID)
	t := Tracking{Company: a.Carrier, Numbers: []string{number},
		URLs: []string{"https://tracking.example.com/" + strings.ToLower(a.Carrier) + "/" + number}}
	go func() {
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(a.Delay):
		}
		if _, err := s.Ship(domain, id, nil, t); err != nil && s.ctx.Err() == nil {
			s.log.Warn("automatic shipping failed", "shop", domain, "order", id, "err", err)
		}
	}()
}

const (
	shipCreate = `mutation($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id } userErrors { message } }
}`
	shipTracking = `mutation($id: ID!, $t: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: true) { userErrors { message } }
}`
)
