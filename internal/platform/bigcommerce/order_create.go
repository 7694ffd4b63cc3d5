package bigcommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// keyedSearchPages bounds how far back the search for an earlier attempt's order pages when
// the attempt's time is unknown (newest first, MaxPageLimit orders a page).
const keyedSearchPages = 4

// CreateOrder creates an order. BigCommerce takes no idempotency key: with in.IdempotencyKey
// the order carries KeyTag(key) in its staff notes, and before creating, CreateOrder looks for
// an order carrying it (the customer's orders, newest first) and returns that one. A create
// whose answer is lost is a KindOutcomeUnknown error: call again with UncertainSince.
func (c *Client) CreateOrder(ctx context.Context, in platform.OrderInput) (platform.Order, error) {
	const op = "creating order"
	if err := c.checkOrderInput(op, in); err != nil {
		return platform.Order{}, err
	}
	tag := ""
	if in.IdempotencyKey != "" {
		tag = KeyTag(in.IdempotencyKey)
		c.mu.Lock()
		known := c.created[tag]
		c.mu.Unlock()
		if known != "" {
			return c.Order(ctx, known)
		}
		if !in.UncertainSince.IsZero() {
			if d := in.UncertainSince.Add(c.cfg.OrderSearchLag).Sub(c.cfg.Now()); d > 0 {
				if err := c.cfg.Sleep(ctx, d); err != nil {
					return platform.Order{}, err
				}
			}
		}
		found, ok, err := c.findKeyedOrder(ctx, in, tag)
		if err != nil {
			return platform.Order{}, err
		}
		if ok {
			return c.completeOrder(ctx, op, *found)
		}
	}
	body, err := c.orderBody(ctx, op, in, tag)
	if err != nil {
		return platform.Order{}, err
	}
	var o order
	if err := c.call(ctx, op, request{method: http.MethodPost, path: "/v2/orders", body: body}, &o); err != nil {
		return platform.Order{}, err
	}
	if tag != "" {
		c.mu.Lock()
		c.created[tag] = id(o.ID)
		c.mu.Unlock()
	}
	return c.completeOrder(ctx, op, o)
}

func (c *Client) checkOrderInput(op string, in platform.OrderInput) error {
	var fields []platform.FieldError
	if len(in.Lines) == 0 {
		fields = append(fields, platform.FieldError{Field: "lines", Message: "an order needs at least one line"})
	}
	for i, l := range in.Lines {
		if l.Quantity <= 0 {
			fields = append(fields, platform.FieldError{Field: fmt.Sprintf("lines.%d.quantity", i), Message: "want at least 1"})
		}
		if l.VariantID == "" && (l.Title == "" || l.UnitPrice == nil) {
			fields = append(fields, platform.FieldError{Field: fmt.Sprintf("lines.%d", i), Message: "a line without a variant needs a title and a unit price"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	e := c.newError(op, platform.KindInvalidInput, "the order cannot be created")
	e.Fields = fields
	return e
}

// findKeyedOrder looks for the order an earlier attempt made, by the tag in its staff notes.
func (c *Client) findKeyedOrder(ctx context.Context, in platform.OrderInput, tag string) (*order, bool, error) {
	q := url.Values{"sort": {"date_created:desc"}, "limit": {strconv.Itoa(MaxPageLimit)}}
	if in.Email != "" {
		q.Set("email", in.Email)
	}
	pages := keyedSearchPages
	if !in.UncertainSince.IsZero() {
		q.Set("min_date_created", in.UncertainSince.Add(-24*time.Hour).UTC().Format(time.RFC3339))
		pages = 1 << 20
	}
	for page := 1; page <= pages; page++ {
		q.Set("page", strconv.Itoa(page))
		var os []order
		if err := c.call(ctx, "looking for the order of an earlier attempt", get("/v2/orders", q), &os); err != nil {
			return nil, false, err
		}
		for i := range os {
			if slices.Contains(noteTags(os[i].StaffNotes), tag) {
				return &os[i], true, nil
			}
		}
		if len(os) < MaxPageLimit {
			return nil, false, nil
		}
	}
	return nil, false, nil
}

func addressBody(a *platform.Address, email string) map[string]any {
	if a == nil {
		a = &platform.Address{}
	}
	e := a.Email
	if e == "" {
		e = email
	}
	return map[string]any{"first_name": a.FirstName, "last_name": a.LastName, "company": a.Company, "street_1": a.Address1,
		"street_2": a.Address2, "city": a.City, "state": a.Province, "zip": a.Zip, "country": a.Country,
		"country_iso2": a.CountryCode, "phone": a.Phone, "email": e}
}

func (c *Client) orderBody(ctx context.Context, op string, in platform.OrderInput, tag string) (map[string]any, error) {
	products, err := c.variantProducts(ctx, op, in.Lines)
	if err != nil {
		return nil, err
	}
	var lines []map[string]any
	for i, l := range in.Lines {
		b := map[string]any{"quantity": l.Quantity}
		if l.VariantID != "" {
			vid, _ := strconv.ParseInt(l.VariantID, 10, 64)
			b["product_id"], b["variant_id"] = products[vid], vid
		} else {
			b["name"], b["sku"] = l.Title, l.SKU
		}
		if l.UnitPrice != nil {
			if in.Currency != "" && l.UnitPrice.Currency != strings.ToUpper(in.Currency) {
				e := c.newError(op, platform.KindInvalidInput, "a line's price is not in the order's currency")
				e.Fields = []platform.FieldError{{Field: fmt.Sprintf("lines.%d.unit_price", i), Message: l.UnitPrice.Currency + " is not " + in.Currency}}
				return nil, e
			}
			b["price_inc_tax"], b["price_ex_tax"] = num(*l.UnitPrice), num(*l.UnitPrice)
		}
		lines = append(lines, b)
	}
	status := StatusPending
	switch in.FinancialStatus {
	case platform.FinancialPaid:
		status = StatusAwaitingFulfillment
	case platform.FinancialAuthorized:
		status = StatusAwaitingPayment
	default:
		// Any other state is entered as pending.
	}
	bill := in.BillingAddress
	if bill == nil {
		bill = in.ShippingAddress
	}
	body := map[string]any{
		"customer_id": 0, "status_id": status, "billing_address": addressBody(bill, in.Email), "products": lines,
		"customer_message": in.Note,
	}
	if in.ShippingAddress != nil {
		sa := addressBody(in.ShippingAddress, in.Email)
		if len(in.ShippingLines) > 0 {
			sa["shipping_method"] = in.ShippingLines[0].Title
		}
		body["shipping_addresses"] = []map[string]any{sa}
	}
	var ship platform.Money
	for _, s := range in.ShippingLines {
		ship.Amount += s.Price.Amount
		ship.Currency = s.Price.Currency
	}
	if ship.Currency != "" {
		body["shipping_cost_inc_tax"], body["shipping_cost_ex_tax"] = num(ship), num(ship)
	}
	var disc platform.Money
	for _, d := range in.Discounts {
		disc.Amount += d.Amount.Amount
		disc.Currency = d.Amount.Currency
	}
	if disc.Currency != "" && disc.Amount != 0 {
		body["discount_amount"] = num(disc)
	}
	tags := slices.Clone(in.Tags)
	if tag != "" && !slices.Contains(tags, tag) {
		tags = append(tags, tag)
	}
	if len(tags) > 0 {
		body["staff_notes"] = tagsLine + strings.Join(tags, ", ")
	}
	return body, nil
}

// variantProducts reads the product id of each line's variant (v2 orders take both).
func (c *Client) variantProducts(ctx context.Context, op string, lines []platform.OrderLineInput) (map[int64]int64, error) {
	var ids []string
	for i, l := range lines {
		if l.VariantID == "" {
			continue
		}
		n, err := c.parseID(op, fmt.Sprintf("lines.%d.variant_id", i), l.VariantID)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id(n))
	}
	out := map[int64]int64{}
	for start := 0; start < len(ids); start += itemsPerRead {
		chunk := ids[start:min(start+itemsPerRead, len(ids))]
		var res struct {
			Data []variant `json:"data"`
		}
		q := url.Values{"id:in": {strings.Join(chunk, ",")}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, op, get("/v3/catalog/variants", q), &res); err != nil {
			return nil, err
		}
		for _, v := range res.Data {
			out[v.ID] = v.ProductID
		}
	}
	for i, l := range lines {
		if l.VariantID == "" {
			continue
		}
		vid, _ := strconv.ParseInt(l.VariantID, 10, 64)
		if _, ok := out[vid]; !ok {
			e := c.newError(op, platform.KindInvalidInput, "a line names a variant the store does not have")
			e.Fields = []platform.FieldError{{Field: fmt.Sprintf("lines.%d.variant_id", i), Message: "variant " + l.VariantID + " not found"}}
			return nil, e
		}
	}
	return out, nil
}
