package shopifysim

import (
	"fmt"

	graphql "github.com/graph-gophers/graphql-go"
)

// EditOrderLine sets the current quantity of one line of an open order, as a merchant's order
// edit does (0 removes it), and sends orders/updated (what the hub subscribes to for edits). orderID and lineID are
// global ids (gid://shopify/Order/…, …/LineItem/…). A quantity below what is fulfilled, or above
// what was ordered, is refused.
func (sh *Shop) EditOrderLine(orderID, lineID string, quantity int) error {
	sh.mu.Lock()
	o, err := lookup(sh.data.Orders, "Order", graphql.ID(orderID))
	if err != nil || o == nil {
		sh.mu.Unlock()
		return fmt.Errorf("no order %s", orderID)
	}
	id, err := parseGID("LineItem", lineID)
	if err != nil {
		sh.mu.Unlock()
		return err
	}
	var found bool
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.ID != id {
			continue
		}
		if o.CancelledAt != nil || quantity < l.Fulfilled || quantity > l.Quantity {
			sh.mu.Unlock()
			return fmt.Errorf("line %s: quantity %d is not between %d (fulfilled) and %d (ordered), or the order is cancelled",
				lineID, quantity, l.Fulfilled, l.Quantity)
		}
		l.CurrentQuantity = quantity
		found = true
	}
	if !found {
		sh.mu.Unlock()
		return fmt.Errorf("no line %s in order %s", lineID, orderID)
	}
	o.UpdatedAt = sh.sim.now()
	sh.changed()
	rc := &reqCtx{shop: sh}
	rc.emit(sh.orderEvent("orders/updated", o))
	events := rc.events
	sh.mu.Unlock()
	sh.sim.webhooks.enqueue(sh, events)
	return nil
}
