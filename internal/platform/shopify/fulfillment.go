package shopify

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// CreateFulfillment ships lines of an order with tracking (the contract is
// platform.FulfillmentWriter's). It reads the order's fulfillment orders and fulfilments, counts
// what fulfilments with the same tracking number (an earlier run's) already ship, takes what is
// still missing of the requested quantities (all that remains open when Lines is empty) from the
// open fulfillment orders, and creates one fulfilment per assigned location, as Shopify requires.
// It returns the earlier run's fulfilments with those made now. When one fails after others were
// made, the error names the location that failed and the fulfilments made, and keeps the
// failure's Kind and Retryable: running the same input again creates only the missing ones.
func (c *Client) CreateFulfillment(ctx context.Context, in platform.FulfillmentInput) ([]platform.Fulfillment, error) {
	const what = "creating fulfillment"
	out, err := c.fulfillmentOrders(ctx, what, in.OrderID)
	if err != nil {
		return nil, err
	}
	ours := ownFulfillments(out, in)
	lines, done := stillToShip(in.Lines, ours)
	if done {
		return ours, nil
	}
	groups, err := fulfillmentGroups(out.Order.FulfillmentOrders.Nodes, lines)
	if err != nil {
		if len(in.Lines) == 0 && len(ours) > 0 && errors.Is(err, errNothingLeft) {
			return ours, nil // everything open was shipped by the earlier run
		}
		return ours, c.invalid(what, err)
	}
	made := ours
	for _, g := range groups {
		f, err := c.fulfillmentCreate(ctx, what, in, g.items)
		if err != nil {
			if len(made) == 0 && len(groups) == 1 {
				return nil, err
			}
			return made, c.partialFulfillmentError(what, err, g, made, len(ours)+len(groups))
		}
		made = append(made, f)
	}
	return made, nil
}

// ownFulfillments are the order's fulfilments that are not cancelled, carry the input's tracking
// number, ship one of its lines (any, when Lines is empty) and are not excluded as another
// shipment's: what an earlier run of the same input made. Without a tracking number there is no
// telling them from others.
func ownFulfillments(out *gOrderFulfillments, in platform.FulfillmentInput) []platform.Fulfillment {
	if in.Tracking.Number == "" {
		return nil
	}
	requested := map[string]bool{}
	for _, l := range in.Lines {
		requested[l.OrderLineID] = true
	}
	var ours []platform.Fulfillment
	for i := range out.Order.Fulfillments {
		f := out.Order.Fulfillments[i].fulfillment(in.OrderID)
		tracked := slices.ContainsFunc(f.Tracking, func(t platform.Tracking) bool { return t.Number == in.Tracking.Number })
		ships := len(in.Lines) == 0 || slices.ContainsFunc(f.Lines, func(l platform.FulfillmentLine) bool { return requested[l.OrderLineID] })
		if f.Status != "cancelled" && tracked && ships && !slices.Contains(in.Exclude, f.ID) {
			ours = append(ours, f)
		}
	}
	return ours
}

// stillToShip is what of the requested lines the earlier run's fulfilments do not ship yet, and
// whether that is nothing. Empty lines (everything open) stay empty: what is open is what is left.
func stillToShip(lines []platform.FulfillmentLine, ours []platform.Fulfillment) ([]platform.FulfillmentLine, bool) {
	if len(lines) == 0 {
		return nil, false
	}
	shipped := map[string]int64{}
	for _, f := range ours {
		for _, l := range f.Lines {
			shipped[l.OrderLineID] += l.Quantity
		}
	}
	var left []platform.FulfillmentLine
	for _, l := range lines {
		take := min(shipped[l.OrderLineID], l.Quantity)
		shipped[l.OrderLineID] -= take
		if l.Quantity > take {
			l.Quantity -= take
			left = append(left, l)
		}
	}
	return left, len(left) == 0
}

func (c *Client) fulfillmentCreate(ctx context.Context, what string, in platform.FulfillmentInput, items []map[string]any) (platform.Fulfillment, error) {
	tracking := trackingInput(append([]platform.Tracking{in.Tracking}, in.MoreTracking...))
	vars := map[string]any{"fulfillment": map[string]any{
		"lineItemsByFulfillmentOrder": items, "notifyCustomer": in.NotifyCustomer, "trackingInfo": tracking,
	}}
	var res gFulfillmentCreate
	if err := c.do(ctx, op{doc: "fulfillmentCreate", what: what}, vars, &res); err != nil {
		return platform.Fulfillment{}, err
	}
	if err := c.userErrorsToError(what, res.FulfillmentCreate.UserErrors); err != nil {
		return platform.Fulfillment{}, err
	}
	if res.FulfillmentCreate.Fulfillment == nil {
		return platform.Fulfillment{}, c.newError(what, platform.KindInternal, "fulfillmentCreate returned no fulfillment")
	}
	return res.FulfillmentCreate.Fulfillment.fulfillment(in.OrderID), nil
}

// partialFulfillmentError reports a fulfilment that failed after others were made: which
// location failed, which fulfilments exist, with the failure's Kind, Retryable and RetryAfter.
func (c *Client) partialFulfillmentError(what string, cause error, failed fulfillmentGroup, made []platform.Fulfillment, total int) error {
	names := make([]string, len(made))
	for i, f := range made {
		names[i] = f.ID
		if f.Name != "" {
			names[i] += " (" + f.Name + ")"
		}
	}
	msg := fmt.Sprintf("%d of %d fulfilments made [%s]; the one at location %s (fulfillment orders %s) failed; a retry creates only that one",
		len(made), total, strings.Join(names, ", "), failed.location, strings.Join(failed.orders, ", "))
	pe, ok := errors.AsType[*platform.Error](cause)
	if !ok {
		return fmt.Errorf("%s: %s: %w", what, msg, cause)
	}
	e := *pe
	e.Message = msg + ": " + string(pe.Kind) + ": " + pe.Message
	return &e
}

// errNothingLeft: the order has no open quantity to fulfil.
var errNothingLeft = errors.New("nothing left to fulfil")

// fulfillmentGroup is one fulfillmentCreate's lineItemsByFulfillmentOrder: the open fulfillment
// orders of one location.
type fulfillmentGroup struct {
	location string
	orders   []string
	items    []map[string]any
}

// fulfillmentGroups builds lineItemsByFulfillmentOrder inputs, one group per location.
func fulfillmentGroups(fos []gFulfillmentOrder, lines []platform.FulfillmentLine) ([]fulfillmentGroup, error) {
	want := map[string]int64{}
	for _, l := range lines {
		want[l.OrderLineID] += l.Quantity
	}
	byLocation := map[string]*fulfillmentGroup{}
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
		g := byLocation[loc]
		if g == nil {
			g = &fulfillmentGroup{location: loc}
			byLocation[loc] = g
			order = append(order, loc)
		}
		g.orders = append(g.orders, fo.ID)
		g.items = append(g.items, entry)
	}
	for id, q := range want {
		if q > 0 {
			return nil, fmt.Errorf("line %s: %d more than remains to fulfil", id, q)
		}
	}
	if len(order) == 0 {
		return nil, errNothingLeft
	}
	groups := make([]fulfillmentGroup, 0, len(order))
	for _, loc := range order {
		groups = append(groups, *byLocation[loc])
	}
	return groups, nil
}
