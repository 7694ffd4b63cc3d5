package shopify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Sized so the FulfillmentOrders query stays well under MaxQueryCost (10 × 50 costs ~2,600).
// Orders beyond these (more than 5 fulfillment orders, or 25 lines in one) are not handled yet.
const (
	fulfillmentOrdersPerOrder = 5
	linesPerFulfillmentOrder  = 25
)

type gFulfillment struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	TrackingInfo []struct {
		Company string `json:"company"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"trackingInfo"`
	FulfillmentLineItems struct {
		Nodes []struct {
			Quantity int64 `json:"quantity"`
			LineItem struct {
				ID  string `json:"id"`
				SKU string `json:"sku"`
			} `json:"lineItem"`
		} `json:"nodes"`
	} `json:"fulfillmentLineItems"`
}

func (g *gFulfillment) fulfillment(orderID string) platform.Fulfillment {
	f := platform.Fulfillment{ID: g.ID, OrderID: orderID, Name: g.Name, Status: strings.ToLower(g.Status), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	for _, t := range g.TrackingInfo {
		f.Tracking = append(f.Tracking, platform.Tracking{Company: t.Company, Number: t.Number, URL: t.URL})
	}
	for _, l := range g.FulfillmentLineItems.Nodes {
		f.Lines = append(f.Lines, platform.FulfillmentLine{OrderLineID: l.LineItem.ID, SKU: l.LineItem.SKU, Quantity: l.Quantity})
	}
	return f
}

type gFulfillmentOrder struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	AssignedLocation struct {
		Name     string `json:"name"`
		Location *struct {
			ID string `json:"id"`
		} `json:"location"`
	} `json:"assignedLocation"`
	LineItems struct {
		Nodes []struct {
			ID                string `json:"id"`
			SKU               string `json:"sku"`
			RemainingQuantity int64  `json:"remainingQuantity"`
			LineItem          struct {
				ID string `json:"id"`
			} `json:"lineItem"`
		} `json:"nodes"`
	} `json:"lineItems"`
}

type gOrderFulfillments struct {
	Order *struct {
		ID                string `json:"id"`
		FulfillmentOrders struct {
			Nodes []gFulfillmentOrder `json:"nodes"`
		} `json:"fulfillmentOrders"`
		Fulfillments []gFulfillment `json:"fulfillments"`
	} `json:"order"`
}

func (c *Client) fulfillmentOrders(ctx context.Context, what, orderID string) (*gOrderFulfillments, error) {
	var out gOrderFulfillments
	vars := map[string]any{"orderId": orderID, "first": fulfillmentOrdersPerOrder, "linesFirst": linesPerFulfillmentOrder}
	if err := c.do(ctx, op{doc: "fulfillmentOrders", what: what, retrySafe: true}, vars, &out); err != nil {
		return nil, err
	}
	if out.Order == nil {
		return nil, c.newError(what, platform.KindNotFound, "no order "+orderID)
	}
	return &out, nil
}

// Fulfillments reads an order's fulfilments with their tracking.
func (c *Client) Fulfillments(ctx context.Context, orderID string) ([]platform.Fulfillment, error) {
	out, err := c.fulfillmentOrders(ctx, "reading fulfillments", orderID)
	if err != nil {
		return nil, err
	}
	fs := make([]platform.Fulfillment, 0, len(out.Order.Fulfillments))
	for i := range out.Order.Fulfillments {
		fs = append(fs, out.Order.Fulfillments[i].fulfillment(orderID))
	}
	return fs, nil
}

type gFulfillmentCreate struct {
	FulfillmentCreate struct {
		Fulfillment *gFulfillment `json:"fulfillment"`
		UserErrors  []userError   `json:"userErrors"`
	} `json:"fulfillmentCreate"`
}

// CreateFulfillment ships lines of an order with tracking. It reads the order's open
// fulfillment orders, takes the requested quantities from them (all that remains when Lines is
// empty) and creates one fulfilment per assigned location, as Shopify requires. An existing
// fulfilment with the same tracking number is returned instead of shipping twice, which makes
// a re-run of the same job harmless.
func (c *Client) CreateFulfillment(ctx context.Context, in platform.FulfillmentInput) ([]platform.Fulfillment, error) {
	const what = "creating fulfillment"
	out, err := c.fulfillmentOrders(ctx, what, in.OrderID)
	if err != nil {
		return nil, err
	}
	if in.Tracking.Number != "" {
		var existing []platform.Fulfillment
		for i := range out.Order.Fulfillments {
			f := out.Order.Fulfillments[i].fulfillment(in.OrderID)
			for _, t := range f.Tracking {
				if t.Number == in.Tracking.Number && f.Status != "cancelled" {
					existing = append(existing, f)
					break
				}
			}
		}
		if len(existing) > 0 {
			return existing, nil
		}
	}
	groups, err := fulfillmentGroups(out.Order.FulfillmentOrders.Nodes, in.Lines)
	if err != nil {
		return nil, c.invalid(what, err)
	}
	var created []platform.Fulfillment
	for _, g := range groups {
		tracking := map[string]any{}
		for k, v := range map[string]string{"company": in.Tracking.Company, "number": in.Tracking.Number, "url": in.Tracking.URL} {
			if v != "" {
				tracking[k] = v
			}
		}
		vars := map[string]any{"fulfillment": map[string]any{
			"lineItemsByFulfillmentOrder": g, "notifyCustomer": in.NotifyCustomer, "trackingInfo": tracking,
		}}
		var res gFulfillmentCreate
		if err := c.do(ctx, op{doc: "fulfillmentCreate", what: what}, vars, &res); err != nil {
			return created, err
		}
		if err := c.userErrorsToError(what, res.FulfillmentCreate.UserErrors); err != nil {
			return created, err
		}
		if res.FulfillmentCreate.Fulfillment == nil {
			return created, c.newError(what, platform.KindInternal, "fulfillmentCreate returned no fulfillment")
		}
		created = append(created, res.FulfillmentCreate.Fulfillment.fulfillment(in.OrderID))
	}
	return created, nil
}

// fulfillmentGroups builds lineItemsByFulfillmentOrder inputs, one group per location.
func fulfillmentGroups(fos []gFulfillmentOrder, lines []platform.FulfillmentLine) ([][]map[string]any, error) {
	want := map[string]int64{}
	for _, l := range lines {
		want[l.OrderLineID] += l.Quantity
	}
	byLocation := map[string][]map[string]any{}
	var order []string
	for _, fo := range fos {
		if fo.Status != "OPEN" && fo.Status != "IN_PROGRESS" {
			continue
		}
		entry := map[string]any{"fulfillmentOrderId": fo.ID}
		if len(lines) > 0 {
			var items []map[string]any
			for _, li := range fo.LineItems.Nodes {
				q := min(want[li.LineItem.ID], li.RemainingQuantity)
				if q <= 0 {
					continue
				}
				want[li.LineItem.ID] -= q
				items = append(items, map[string]any{"id": li.ID, "quantity": q})
			}
			if len(items) == 0 {
				continue
			}
			entry["fulfillmentOrderLineItems"] = items
		}
		loc := fo.AssignedLocation.Name
		if fo.AssignedLocation.Location != nil {
			loc = fo.AssignedLocation.Location.ID
		}
		if _, ok := byLocation[loc]; !ok {
			order = append(order, loc)
		}
		byLocation[loc] = append(byLocation[loc], entry)
	}
	for id, q := range want {
		if q > 0 {
			return nil, fmt.Errorf("line %s: %d more than remains to fulfil", id, q)
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("nothing left to fulfil")
	}
	groups := make([][]map[string]any, 0, len(order))
	for _, loc := range order {
		groups = append(groups, byLocation[loc])
	}
	return groups, nil
}
