package bigcommerce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Order status ids of the v2 Orders API.
const (
	StatusIncomplete          = 0
	StatusPending             = 1
	StatusShipped             = 2
	StatusPartiallyShipped    = 3
	StatusRefunded            = 4
	StatusCancelled           = 5
	StatusDeclined            = 6
	StatusAwaitingPayment     = 7
	StatusAwaitingPickup      = 8
	StatusAwaitingShipment    = 9
	StatusCompleted           = 10
	StatusAwaitingFulfillment = 11
	StatusManualVerification  = 12
	StatusDisputed            = 13
	StatusPartiallyRefunded   = 14
)

type orderAddress struct {
	ID          int64  `json:"id,omitempty"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Company     string `json:"company"`
	Street1     string `json:"street_1"`
	Street2     string `json:"street_2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
	CountryISO2 string `json:"country_iso2"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	// shipping addresses only
	ShippingMethod string `json:"shipping_method,omitempty"`
	CostIncTax     string `json:"cost_inc_tax,omitempty"`
}

type order struct {
	ID                 int64        `json:"id"`
	CustomerID         int64        `json:"customer_id"`
	DateCreated        string       `json:"date_created"`
	DateModified       string       `json:"date_modified"`
	StatusID           int          `json:"status_id"`
	Status             string       `json:"status"`
	SubtotalExTax      string       `json:"subtotal_ex_tax"`
	ShippingCostIncTax string       `json:"shipping_cost_inc_tax"`
	TotalTax           string       `json:"total_tax"`
	TotalIncTax        string       `json:"total_inc_tax"`
	DiscountAmount     string       `json:"discount_amount"`
	PaymentStatus      string       `json:"payment_status"`
	CurrencyCode       string       `json:"currency_code"`
	CustomerMessage    string       `json:"customer_message"`
	StaffNotes         string       `json:"staff_notes"`
	BillingAddress     orderAddress `json:"billing_address"`
}

type orderProduct struct {
	ID              int64  `json:"id"`
	OrderID         int64  `json:"order_id"`
	ProductID       int64  `json:"product_id"`
	VariantID       int64  `json:"variant_id"`
	OrderAddressID  int64  `json:"order_address_id"`
	Name            string `json:"name"`
	SKU             string `json:"sku"`
	UPC             string `json:"upc"`
	PriceIncTax     string `json:"price_inc_tax"`
	Quantity        int64  `json:"quantity"`
	QuantityShipped int64  `json:"quantity_shipped"`
	QuantityRefund  int64  `json:"quantity_refunded"`
	ProductOptions  []struct {
		DisplayName  string `json:"display_name"`
		DisplayValue string `json:"display_value"`
	} `json:"product_options"`
}

// tagsLine and keyLine are the lines of an order's staff notes that hold what BigCommerce has no
// field for: the order's tags and the mark of a keyed create.
const tagsLine = "storesync tags: "

// Order reads one order with its lines and shipping address.
func (c *Client) Order(ctx context.Context, oid string) (platform.Order, error) {
	const op = "reading order"
	n, err := c.parseID(op, "order id", oid)
	if err != nil {
		return platform.Order{}, err
	}
	var o order
	if err := c.call(ctx, op, get("/v2/orders/"+id(n), nil), &o); err != nil {
		return platform.Order{}, err
	}
	return c.completeOrder(ctx, op, o)
}

// completeOrder reads an order's products and shipping addresses and converts it.
func (c *Client) completeOrder(ctx context.Context, op string, o order) (platform.Order, error) {
	lines, err := c.orderProducts(ctx, op, o.ID)
	if err != nil {
		return platform.Order{}, err
	}
	var addrs []orderAddress
	if err := c.call(ctx, op, get("/v2/orders/"+id(o.ID)+"/shipping_addresses", url.Values{"limit": {strconv.Itoa(MaxPageLimit)}}), &addrs); err != nil {
		return platform.Order{}, err
	}
	return c.toOrder(op, o, lines, addrs)
}

func (c *Client) orderProducts(ctx context.Context, op string, oid int64) ([]orderProduct, error) {
	var all []orderProduct
	for page := 1; ; page++ {
		var ps []orderProduct
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(MaxPageLimit)}}
		if err := c.call(ctx, op, get("/v2/orders/"+id(oid)+"/products", q), &ps); err != nil {
			return nil, err
		}
		all = append(all, ps...)
		if len(ps) < MaxPageLimit {
			return all, nil
		}
	}
}

// ListOrders reads a page of orders, oldest first, those changed since p.UpdatedSince when set.
func (c *Client) ListOrders(ctx context.Context, p platform.ListParams) (platform.Page[platform.Order], error) {
	const op = "listing orders"
	page, err := c.pageOf(op, p.Cursor)
	if err != nil {
		return platform.Page[platform.Order]{}, err
	}
	limit := limitOf(p.Limit)
	q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(limit)}, "sort": {"id:asc"}}
	if !p.UpdatedSince.IsZero() {
		q.Set("min_date_modified", p.UpdatedSince.UTC().Format(time.RFC3339))
	}
	var os []order
	if err := c.call(ctx, op, get("/v2/orders", q), &os); err != nil {
		return platform.Page[platform.Order]{}, err
	}
	var pg platform.Page[platform.Order]
	for _, o := range os {
		po, err := c.completeOrder(ctx, op, o)
		if err != nil {
			return platform.Page[platform.Order]{}, err
		}
		pg.Items = append(pg.Items, po)
	}
	if len(os) == limit {
		pg.NextCursor = strconv.Itoa(page + 1)
	}
	return pg, nil
}

func financial(o order) platform.FinancialStatus {
	switch strings.ToLower(o.PaymentStatus) {
	case "captured", "paid":
		return platform.FinancialPaid
	case "authorized":
		return platform.FinancialAuthorized
	case "refunded":
		return platform.FinancialRefunded
	case "partially refunded", "partially_refunded":
		return platform.FinancialPartiallyRefunded
	case "void", "voided":
		return platform.FinancialVoided
	case "pending", "declined":
		return platform.FinancialPending
	}
	switch o.StatusID {
	case StatusShipped, StatusPartiallyShipped, StatusAwaitingPickup, StatusAwaitingShipment, StatusCompleted, StatusAwaitingFulfillment:
		return platform.FinancialPaid
	case StatusRefunded:
		return platform.FinancialRefunded
	case StatusPartiallyRefunded:
		return platform.FinancialPartiallyRefunded
	case StatusIncomplete, StatusPending, StatusAwaitingPayment, StatusManualVerification, StatusDeclined:
		return platform.FinancialPending
	}
	return platform.FinancialUnknown
}

func toAddress(a orderAddress) *platform.Address {
	pa := platform.Address{FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Street1, Address2: a.Street2,
		City: a.City, Province: a.State, Zip: a.Zip, Country: a.Country, CountryCode: a.CountryISO2, Phone: a.Phone, Email: a.Email}
	if pa.IsZero() {
		return nil
	}
	return &pa
}

// noteTags reads the tags kept in an order's staff notes.
func noteTags(notes string) []string {
	var tags []string
	for line := range strings.SplitSeq(notes, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), tagsLine); ok {
			for t := range strings.SplitSeq(rest, ",") {
				if t = strings.TrimSpace(t); t != "" {
					tags = append(tags, t)
				}
			}
		}
	}
	return tags
}

func (c *Client) toOrder(op string, o order, lines []orderProduct, addrs []orderAddress) (platform.Order, error) {
	cur := strings.ToUpper(o.CurrencyCode)
	m := func(field, s string) (platform.Money, error) {
		if s == "" {
			s = "0"
		}
		v, err := platform.ParseMoney(s, cur)
		if err != nil {
			e := c.newError(op, platform.KindInternal, "the store sent an amount that is not one of "+cur+": "+field)
			e.Err = err
			return platform.Money{}, e
		}
		return v, nil
	}
	po := platform.Order{
		ID: id(o.ID), Name: "#" + id(o.ID), Number: o.ID, Email: o.BillingAddress.Email, Phone: o.BillingAddress.Phone,
		Note: o.CustomerMessage, Tags: noteTags(o.StaffNotes), Currency: cur, FinancialStatus: financial(o),
		BillingAddress: toAddress(o.BillingAddress), CreatedAt: parseTime(o.DateCreated), UpdatedAt: parseTime(o.DateModified),
	}
	po.ProcessedAt = po.CreatedAt
	po.Customer = &platform.Customer{Email: po.Email, FirstName: o.BillingAddress.FirstName, LastName: o.BillingAddress.LastName, Phone: po.Phone}
	if o.CustomerID > 0 {
		po.Customer.ID = id(o.CustomerID)
	}
	switch o.StatusID {
	case StatusShipped, StatusCompleted:
		po.FulfillmentStatus = "fulfilled"
	case StatusPartiallyShipped:
		po.FulfillmentStatus = "partial"
	default:
		po.FulfillmentStatus = "unfulfilled"
	}
	if o.StatusID == StatusCancelled {
		t := po.UpdatedAt
		po.CancelledAt = &t
	}
	var err error
	if po.Subtotal, err = m("subtotal_ex_tax", o.SubtotalExTax); err != nil {
		return platform.Order{}, err
	}
	if po.TotalTax, err = m("total_tax", o.TotalTax); err != nil {
		return platform.Order{}, err
	}
	if po.TotalShipping, err = m("shipping_cost_inc_tax", o.ShippingCostIncTax); err != nil {
		return platform.Order{}, err
	}
	if po.Total, err = m("total_inc_tax", o.TotalIncTax); err != nil {
		return platform.Order{}, err
	}
	if d, err := m("discount_amount", o.DiscountAmount); err == nil && d.Amount != 0 {
		po.Discounts = []platform.Discount{{Code: "discount", Amount: d}}
	}
	for _, l := range lines {
		up, err := m("products.price_inc_tax", l.PriceIncTax)
		if err != nil {
			return platform.Order{}, err
		}
		pl := platform.OrderLine{ID: id(l.ID), SKU: l.SKU, Barcode: l.UPC, Title: l.Name, Quantity: l.Quantity,
			Current: l.Quantity - l.QuantityRefund, UnitPrice: up}
		if l.VariantID > 0 {
			pl.VariantID = id(l.VariantID)
		}
		if l.ProductID > 0 {
			pl.ProductID = id(l.ProductID)
		}
		var vt []string
		for _, po := range l.ProductOptions {
			pl.Options = append(pl.Options, platform.Property{Name: po.DisplayName, Value: po.DisplayValue})
			vt = append(vt, po.DisplayValue)
		}
		pl.VariantTitle = strings.Join(vt, " / ")
		po.Lines = append(po.Lines, pl)
	}
	if len(addrs) > 0 {
		po.ShippingAddress = toAddress(addrs[0])
		for _, a := range addrs {
			if a.ShippingMethod != "" {
				p, err := m("shipping_addresses.cost_inc_tax", a.CostIncTax)
				if err != nil {
					return platform.Order{}, err
				}
				po.ShippingLines = append(po.ShippingLines, platform.ShippingLine{Title: a.ShippingMethod, Price: p})
			}
		}
	}
	return po, nil
}

// CancelOrder sets an order's status to Cancelled. BigCommerce restocks a cancelled order's
// items by the store's inventory settings; a refund is a separate payment action this client
// does not make, so asking for one is refused before anything changes.
func (c *Client) CancelOrder(ctx context.Context, p platform.CancelOrderParams) error {
	const op = "cancelling order"
	n, err := c.parseID(op, "order id", p.OrderID)
	if err != nil {
		return err
	}
	if p.Refund {
		e := c.newError(op, platform.KindInvalidInput, "refunding while cancelling is not supported for BigCommerce: refund in the store's control panel")
		e.Fields = []platform.FieldError{{Field: "refund", Message: "not supported"}}
		return e
	}
	var o order
	if err := c.call(ctx, op, get("/v2/orders/"+id(n), nil), &o); err != nil {
		return err
	}
	if o.StatusID == StatusCancelled {
		return nil
	}
	body := map[string]any{"status_id": StatusCancelled}
	if p.StaffNote != "" || p.Reason != "" {
		note := strings.TrimSpace(o.StaffNotes + "\n" + strings.TrimSpace(fmt.Sprintf("Cancelled (%s). %s", p.Reason, p.StaffNote)))
		body["staff_notes"] = note
	}
	err = c.call(ctx, op, request{method: http.MethodPut, path: "/v2/orders/" + id(n), body: body, resend: true}, nil)
	return err
}
