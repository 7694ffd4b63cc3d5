package woocommerce

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

// Order reads one order.
func (c *Client) Order(ctx context.Context, orderID string) (platform.Order, error) {
	const op = "reading order"
	n, err := parseID(orderID)
	if err != nil {
		return platform.Order{}, c.newError(op, platform.KindInvalidInput, err.Error())
	}
	var o wooOrder
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/" + id(n), safe: true}, &o); err != nil {
		return platform.Order{}, err
	}
	return c.convertOrder(op, o)
}

func (c *Client) convertOrder(op string, o wooOrder) (platform.Order, error) {
	out, err := c.toOrder(o)
	if err != nil {
		e := c.newError(op, platform.KindInternal, "order the client cannot read")
		e.Err = err
		return platform.Order{}, e
	}
	out.Transactions = transactions(o, out)
	out.TransactionsIncluded = true
	return out, nil
}

// transactions are what a WooCommerce order tells of its payment: a sale when it was paid, and
// its refunds.
func transactions(o wooOrder, out platform.Order) []platform.Transaction {
	var ts []platform.Transaction
	if paid := parseGMT(o.DatePaidGMT); !paid.IsZero() {
		tid := o.TransactionID
		if tid == "" {
			tid = "order-" + id(o.ID) + "-payment"
		}
		ts = append(ts, platform.Transaction{ID: tid, Kind: platform.TransactionSale, Status: platform.TransactionSuccess,
			Gateway: o.PaymentMethod, Amount: out.Total, ProcessedAt: paid})
	}
	for _, r := range o.Refunds {
		amt, err := platform.ParseMoney(strings.TrimPrefix(r.Total, "-"), out.Currency)
		if err != nil {
			continue
		}
		ts = append(ts, platform.Transaction{ID: "refund-" + id(r.ID), Kind: platform.TransactionRefund,
			Status: platform.TransactionSuccess, Gateway: o.PaymentMethod, Amount: amt})
	}
	return ts
}

// ListOrders reads one page of orders of every status, oldest id first; UpdatedSince reads
// those modified since then.
func (c *Client) ListOrders(ctx context.Context, p platform.ListParams) (platform.Page[platform.Order], error) {
	const op = "listing orders"
	cur, err := c.decodeCursor(op, p.Cursor)
	if err != nil {
		return platform.Page[platform.Order]{}, err
	}
	if p.Cursor == "" {
		cur.Since = p.UpdatedSince
	}
	list, more, err := c.orderPage(ctx, op, cur, perPage(p.Limit))
	if err != nil {
		return platform.Page[platform.Order]{}, err
	}
	var out platform.Page[platform.Order]
	for _, o := range list {
		po, err := c.convertOrder(op, o)
		if err != nil {
			return platform.Page[platform.Order]{}, err
		}
		out.Items = append(out.Items, po)
	}
	if more {
		next := cur
		next.Page++
		if out.NextCursor, err = c.encodeCursor(op, next); err != nil {
			return platform.Page[platform.Order]{}, err
		}
	}
	return out, nil
}

func (c *Client) orderPage(ctx context.Context, op string, cur cursor, per int) ([]wooOrder, bool, error) {
	q := url.Values{"page": {strconv.Itoa(cur.Page)}, "per_page": {strconv.Itoa(per)}, "orderby": {"id"}, "order": {"asc"}}
	if !cur.Since.IsZero() {
		q.Set("modified_after", modifiedAfter(cur.Since))
		q.Set("dates_are_gmt", "true")
	}
	var list []wooOrder
	h, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders", query: q, safe: true}, &list)
	if err != nil {
		return nil, false, err
	}
	_, pages := pageInfo(h)
	return list, cur.Page < pages && len(list) > 0, nil
}

// waitLag waits until the orders list has had OrderSearchLag to show what was written by t.
func (c *Client) waitLag(ctx context.Context, t time.Time) error {
	if d := t.Add(c.cfg.OrderSearchLag).Sub(c.cfg.Now()); d > 0 {
		return c.cfg.Sleep(ctx, d)
	}
	return ctx.Err()
}

// findOrderByKey looks for the order an earlier attempt of a keyed create made, and reports
// whether there is one.
func (c *Client) findOrderByKey(ctx context.Context, op string, in platform.OrderInput) (wooOrder, bool, error) {
	c.mu.Lock()
	known := c.pushes["order:"+in.IdempotencyKey]
	c.mu.Unlock()
	if known != "" {
		var o wooOrder
		_, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/" + known, safe: true}, &o)
		if err == nil {
			return o, true, nil
		}
		if platform.KindOf(err) != platform.KindNotFound {
			return wooOrder{}, false, err
		}
	}
	if in.UncertainSince.IsZero() {
		return wooOrder{}, false, nil
	}
	if err := c.waitLag(ctx, in.UncertainSince); err != nil {
		return wooOrder{}, false, err
	}
	cur := cursor{Page: 1, Since: c.since(in.UncertainSince)}
	for {
		list, more, err := c.orderPage(ctx, op, cur, MaxPerPage)
		if err != nil {
			return wooOrder{}, false, err
		}
		for i := range list {
			if v, ok := metaValue(list[i].MetaData, MetaOrderKey); ok && v == in.IdempotencyKey {
				return list[i], true, nil
			}
		}
		if !more {
			return wooOrder{}, false, nil
		}
		cur.Page++
	}
}

type orderBody struct {
	Status        string            `json:"status,omitempty"`
	Currency      string            `json:"currency,omitempty"`
	CustomerNote  string            `json:"customer_note,omitempty"`
	CustomerID    int64             `json:"customer_id,omitempty"`
	Billing       wooAddress        `json:"billing"`
	Shipping      wooAddress        `json:"shipping"`
	SetPaid       bool              `json:"set_paid,omitempty"`
	LineItems     []wooLineItem     `json:"line_items"`
	ShippingLines []wooShippingLine `json:"shipping_lines,omitempty"`
	FeeLines      []wooFeeLine      `json:"fee_lines,omitempty"`
	MetaData      []wooMeta         `json:"meta_data,omitempty"`
}

// CreateOrder creates an order, at most once per IdempotencyKey: WooCommerce takes no key, so
// the order carries it in its meta data (MetaOrderKey) and a retry after an uncertain attempt
// looks through the orders modified since then for it. Discounts become negative fee lines
// (coupon lines need coupons that exist on the store).
func (c *Client) CreateOrder(ctx context.Context, in platform.OrderInput) (platform.Order, error) {
	const op = "creating order"
	if len(in.Lines) == 0 {
		return platform.Order{}, c.newError(op, platform.KindInvalidInput, "an order needs at least one line")
	}
	if in.IdempotencyKey != "" {
		found, ok, err := c.findOrderByKey(ctx, op, in)
		if err != nil {
			return platform.Order{}, err
		}
		if ok {
			return c.convertOrder(op, found)
		}
	}
	body := orderBody{Currency: strings.ToUpper(in.Currency), CustomerNote: in.Note,
		Billing: fromAddress(in.BillingAddress), Shipping: fromAddress(in.ShippingAddress)}
	if in.BillingAddress == nil && in.ShippingAddress != nil {
		body.Billing = fromAddress(in.ShippingAddress)
	}
	if body.Billing.Email == "" {
		body.Billing.Email = in.Email
		if body.Billing.Email == "" && in.Customer != nil {
			body.Billing.Email = in.Customer.Email
		}
	}
	if body.Billing.Phone == "" {
		body.Billing.Phone = in.Phone
	}
	body.Shipping.Email = ""
	switch in.FinancialStatus {
	case platform.FinancialPaid:
		body.SetPaid = true
		body.Status = "processing"
	case "", platform.FinancialPending, platform.FinancialAuthorized:
		body.Status = "pending"
	default:
		return platform.Order{}, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("financial_status %q: WooCommerce creates orders pending or paid", in.FinancialStatus))
	}
	for i, l := range in.Lines {
		if l.Quantity <= 0 {
			return platform.Order{}, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("lines.%d.quantity: must be positive", i))
		}
		pid, vid, err := parseVariantID(l.VariantID)
		if err != nil {
			return platform.Order{}, c.newError(op, platform.KindInvalidInput, fmt.Sprintf("lines.%d.variant_id: %v", i, err))
		}
		li := wooLineItem{ProductID: pid, VariationID: vid, Quantity: l.Quantity}
		if l.UnitPrice != nil {
			total := platform.Money{Amount: l.UnitPrice.Amount * l.Quantity, Currency: l.UnitPrice.Currency}
			li.Subtotal, li.Total = total.Decimal(), total.Decimal()
		}
		body.LineItems = append(body.LineItems, li)
	}
	for _, s := range in.ShippingLines {
		code := s.Code
		if code == "" {
			code = "flat_rate"
		}
		body.ShippingLines = append(body.ShippingLines, wooShippingLine{MethodTitle: s.Title, MethodID: code, Total: s.Price.Decimal()})
	}
	for _, d := range in.Discounts {
		if d.Amount.Amount <= 0 {
			continue
		}
		name := "Discount"
		if d.Code != "" {
			name += " " + d.Code
		}
		body.FeeLines = append(body.FeeLines, wooFeeLine{Name: name, Total: "-" + d.Amount.Decimal(), TaxStatus: "none"})
	}
	if in.IdempotencyKey != "" {
		body.MetaData = append(body.MetaData, strMeta(MetaOrderKey, in.IdempotencyKey))
	}
	if len(in.Tags) > 0 {
		body.MetaData = append(body.MetaData, strMeta(MetaOrderTags, strings.Join(in.Tags, ",")))
	}
	var o wooOrder
	if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/orders", body: body}, &o); err != nil {
		if in.IdempotencyKey == "" {
			return platform.Order{}, err
		}
		return platform.Order{}, outcomeUnknown(err, c.cfg.OrderSearchLag)
	}
	if in.IdempotencyKey != "" {
		c.mu.Lock()
		c.pushes["order:"+in.IdempotencyKey] = id(o.ID)
		c.mu.Unlock()
	}
	return c.convertOrder(op, o)
}

// CancelOrder cancels an order (WooCommerce restocks its lines when an order is cancelled), after
// refunding what was paid through the gateway when asked, and records the staff note.
func (c *Client) CancelOrder(ctx context.Context, p platform.CancelOrderParams) error {
	const op = "cancelling order"
	n, err := parseID(p.OrderID)
	if err != nil {
		return c.newError(op, platform.KindInvalidInput, err.Error())
	}
	var o wooOrder
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/" + id(n), safe: true}, &o); err != nil {
		return err
	}
	if o.Status == "cancelled" {
		return nil
	}
	if p.Refund && o.DatePaidGMT != "" {
		cur := strings.ToUpper(o.Currency)
		total, err := mustMoney(o.Total, cur, "total")
		if err != nil {
			return c.newError(op, platform.KindInternal, err.Error())
		}
		for _, r := range o.Refunds {
			if m, err := platform.ParseMoney(strings.TrimPrefix(r.Total, "-"), cur); err == nil {
				total.Amount -= m.Amount
			}
		}
		if total.Amount > 0 {
			body := map[string]any{"amount": total.Decimal(), "reason": "Cancelled: " + string(p.Reason), "api_refund": true}
			// A refund repeated would refund twice: it is not retried on an uncertain answer.
			if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/orders/" + id(n) + "/refunds", body: body}, nil); err != nil {
				return err
			}
		}
	}
	if _, err := c.do(ctx, call{op: op, method: http.MethodPut, path: "/orders/" + id(n), body: map[string]string{"status": "cancelled"}, safe: true}, nil); err != nil {
		return err
	}
	if p.StaffNote != "" {
		note := map[string]any{"note": p.StaffNote, "customer_note": false}
		if _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/orders/" + id(n) + "/notes", body: note}, nil); err != nil {
			return err
		}
	}
	return nil
}
