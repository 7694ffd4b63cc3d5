package shopifysim

import (
	"fmt"
	"slices"

	graphql "github.com/graph-gophers/graphql-go"
)

// MoveFulfillmentLines moves lines of an open order to a new fulfillment order at the shop's
// location number loc (0 is the first, in id order), as a merchant does with
// fulfillmentOrderMove when another location stocks them: the order then ships as one fulfilment
// per location. orderID and lineIDs are global ids (gid://shopify/Order/…, …/LineItem/…).
func (sh *Shop) MoveFulfillmentLines(orderID string, lineIDs []string, loc int) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	o, err := lookup(sh.data.Orders, "Order", graphql.ID(orderID))
	if err != nil || o == nil {
		return fmt.Errorf("no order %s", orderID)
	}
	locs := make([]int64, 0, len(sh.data.Locations))
	for id := range sh.data.Locations {
		locs = append(locs, id)
	}
	slices.Sort(locs)
	if loc < 0 || loc >= len(locs) {
		return fmt.Errorf("location %d: the shop has %d", loc, len(locs))
	}
	now := sh.sim.now()
	moved := &fulfillmentOrder{ID: sh.data.newID(), OrderID: o.ID, LocationID: locs[loc],
		Status: "OPEN", RequestStatus: "UNSUBMITTED", CreatedAt: now, UpdatedAt: now}
	for _, lid := range lineIDs {
		id, err := parseGID("LineItem", lid)
		if err != nil {
			return err
		}
		found := false
		for _, foID := range o.FulfillmentOrders {
			fo := sh.data.FulfillmentOrders[foID]
			i := slices.IndexFunc(fo.Lines, func(l foLine) bool { return l.LineItemID == id && l.Remaining == l.Total })
			if fo.Status != "OPEN" || i < 0 {
				continue
			}
			moved.Lines = append(moved.Lines, fo.Lines[i])
			fo.Lines = slices.Delete(fo.Lines, i, i+1)
			fo.UpdatedAt = now
			if len(fo.Lines) == 0 {
				fo.Status = "CLOSED"
			}
			found = true
			break
		}
		if !found {
			return fmt.Errorf("line %s is not open in a fulfillment order of %s", lid, orderID)
		}
	}
	sh.data.FulfillmentOrders[moved.ID] = moved
	o.FulfillmentOrders = append(o.FulfillmentOrders, moved.ID)
	o.UpdatedAt = now
	sh.changed()
	return nil
}

// Fulfillments counts an order's fulfilments that are not cancelled, and how many units of each
// line (by global line id) they ship: what a test checks after shipping.
func (sh *Shop) Fulfillments(orderID string) (count int, shipped map[string]int, err error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	o, err := lookup(sh.data.Orders, "Order", graphql.ID(orderID))
	if err != nil || o == nil {
		return 0, nil, fmt.Errorf("no order %s", orderID)
	}
	shipped = map[string]int{}
	for _, id := range o.Fulfillments {
		f := sh.data.Fulfillments[id]
		if f == nil || f.Status == "CANCELLED" {
			continue
		}
		count++
		for _, l := range f.Lines {
			shipped[gid("LineItem", l.LineItemID)] += l.Quantity
		}
	}
	return count, shipped, nil
}

// OrdersTagged counts the shop's orders that carry a tag, read directly (no search lag): what a
// test of exactly-once order push counts.
func (sh *Shop) OrdersTagged(tag string) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	n := 0
	for _, o := range sh.data.Orders {
		if slices.Contains(o.Tags, tag) {
			n++
		}
	}
	return n
}
