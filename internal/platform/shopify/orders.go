package shopify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Line budgets: a page of orders fetches a few lines each (cost grows with orders × lines, 6
// points a line with its options and custom attributes); an order with more is re-read alone.
// A page of 8 orders × 15 lines asks ~914 points (20 lines would ask ~1,154), its transactions
// (a plain list, one object's cost) ~4 of them an order; one order of 100 lines asks ~624.
const (
	ordersPerPage     = 8
	linesPerPageOrder = 15
	linesPerOrder     = 100 // 250 would cost more than MaxQueryCost
)

type gOrders struct {
	Orders struct {
		Nodes    []gOrder  `json:"nodes"`
		PageInfo gPageInfo `json:"pageInfo"`
	} `json:"orders"`
}

// ListOrders reads one page of orders, oldest change first; with UpdatedSince set it is the
// incremental read that reconciles missed webhooks.
func (c *Client) ListOrders(ctx context.Context, p platform.ListParams) (platform.Page[platform.Order], error) {
	first := ordersPerPage // also the most that fits under MaxQueryCost
	if p.Limit > 0 {
		first = min(p.Limit, ordersPerPage)
	}
	return c.listOrders(ctx, first, p.Cursor, updatedSinceQuery(p.UpdatedSince))
}

func (c *Client) listOrders(ctx context.Context, first int, cursor, query string) (platform.Page[platform.Order], error) {
	vars := map[string]any{"first": first, "after": nullable(cursor), "query": nullable(query), "linesFirst": linesPerPageOrder}
	var out gOrders
	if err := c.do(ctx, op{doc: "orders", what: "listing orders", retrySafe: true}, vars, &out); err != nil {
		return platform.Page[platform.Order]{}, err
	}
	var page platform.Page[platform.Order]
	for i := range out.Orders.Nodes {
		g := &out.Orders.Nodes[i]
		if g.LineItems.PageInfo.HasNextPage {
			o, err := c.Order(ctx, g.ID)
			if err != nil {
				return platform.Page[platform.Order]{}, err
			}
			page.Items = append(page.Items, o)
			continue
		}
		o, err := g.order(c.cfg.Shop)
		if err != nil {
			return platform.Page[platform.Order]{}, c.decodeError("listing orders", err)
		}
		page.Items = append(page.Items, o)
	}
	if out.Orders.PageInfo.HasNextPage {
		page.NextCursor = out.Orders.PageInfo.EndCursor
	}
	return page, nil
}

// Order reads one order by id with all its lines (100 per call).
func (c *Client) Order(ctx context.Context, id string) (platform.Order, error) {
	var g *gOrder
	after := ""
	for {
		var out struct {
			Order *gOrder `json:"order"`
		}
		vars := map[string]any{"id": id, "linesFirst": linesPerOrder, "linesAfter": nullable(after)}
		if err := c.do(ctx, op{doc: "order", what: "reading order", retrySafe: true}, vars, &out); err != nil {
			return platform.Order{}, err
		}
		if out.Order == nil {
			return platform.Order{}, c.newError("reading order", platform.KindNotFound, "no order "+id)
		}
		if g == nil {
			g = out.Order
		} else {
			g.LineItems.Nodes = append(g.LineItems.Nodes, out.Order.LineItems.Nodes...)
		}
		if !out.Order.LineItems.PageInfo.HasNextPage {
			break
		}
		after = out.Order.LineItems.PageInfo.EndCursor
	}
	o, err := g.order(c.cfg.Shop)
	if err != nil {
		return platform.Order{}, c.decodeError("reading order", err)
	}
	return o, nil
}

// PushTag is the tag that marks an order created by storesync for one idempotency key. Shopify's
// orderCreate takes no @idempotent key, so CreateOrder looks for this tag before creating.
func PushTag(key string) string { return KeyTag(key) }

type gOrderCreate struct {
	OrderCreate struct {
		Order      *gOrder     `json:"order"`
		UserErrors []userError `json:"userErrors"`
	} `json:"orderCreate"`
}

// CreateOrder creates an order for an order push, at most once per IdempotencyKey (the contract
// is platform.OrderWriter's). The order is tagged PushTag(key); before creating, CreateOrder
// returns the order this client created for the key, or one the orders search finds by the tag.
// Shopify's search shows a new order only seconds later (Config.OrderSearchLag), so:
//   - a create sent whose answer is lost (timeout, 5xx, connection cut after the request was
//     written) is not sent again: the error is KindOutcomeUnknown, Retryable, RetryAfter the lag;
//   - a call within the lag of such a doubt (in.UncertainSince, or one this client saw) waits in
//     the call until the lag has passed and searches again before creating.
//
// Without a key the order is created directly, and a lost answer is reported the same way.
func (c *Client) CreateOrder(ctx context.Context, in platform.OrderInput) (platform.Order, error) {
	var tag string
	if in.IdempotencyKey != "" {
		tag = PushTag(in.IdempotencyKey)
		o, found, err := c.findPushedAndBegin(ctx, tag, in.UncertainSince)
		if err != nil || found {
			return o, err
		}
	}
	tags := orderTags(in.Tags, tag)
	o, created, err := c.orderCreate(ctx, in, tags)
	if tag != "" {
		c.pushes.end(tag, created, platform.KindOf(err) == platform.KindOutcomeUnknown, c.cfg.Now(), c.cfg.OrderSearchLag)
	}
	return o, err
}

// findPushedAndBegin returns the order an earlier attempt created for tag, or marks a create of
// tag in flight on this client when there is none (findKeyedAndBegin).
func (c *Client) findPushedAndBegin(ctx context.Context, tag string, uncertainSince time.Time) (platform.Order, bool, error) {
	return findKeyedAndBegin(ctx, c, keyedFind[platform.Order]{
		what: "creating order",
		byID: c.Order,
		byTag: func(ctx context.Context, tag string) (platform.Order, bool, error) {
			page, err := c.listOrders(ctx, 1, "", fmt.Sprintf("tag:'%s'", tag))
			if err != nil || len(page.Items) == 0 {
				return platform.Order{}, false, err
			}
			c.log.InfoContext(ctx, "order already pushed", "order", page.Items[0].Name, "tag", tag)
			return page.Items[0], true, nil
		},
	}, tag, uncertainSince)
}

// orderCreate sends orderCreate once. created is the new order's id whenever Shopify made one,
// even if what follows fails; a failure that leaves the outcome in doubt is KindOutcomeUnknown.
func (c *Client) orderCreate(ctx context.Context, in platform.OrderInput, tags []string) (o platform.Order, created string, err error) {
	const what = "creating order"
	order, err := orderCreateInput(in, tags)
	if err != nil {
		return platform.Order{}, "", c.invalid(what, err)
	}
	options := map[string]any{"sendReceipt": in.SendReceipt, "sendFulfillmentReceipt": false}
	if in.InventoryBehaviour != "" {
		options["inventoryBehaviour"] = strings.ToUpper(string(in.InventoryBehaviour))
	}
	var out gOrderCreate
	vars := map[string]any{"order": order, "options": options, "linesFirst": linesPerOrder}
	sent, tctx := tracedSend(ctx)
	if err := c.do(tctx, op{doc: "orderCreate", what: what}, vars, &out); err != nil {
		if mayHaveRun(err, sent.Load()) {
			return platform.Order{}, "", c.outcomeUnknown(what, "the create was sent and its answer lost: the order may exist", err)
		}
		return platform.Order{}, "", err
	}
	if err := c.userErrorsToError(what, out.OrderCreate.UserErrors); err != nil {
		return platform.Order{}, "", err
	}
	g := out.OrderCreate.Order
	if g == nil {
		return platform.Order{}, "", c.newError(what, platform.KindInternal, "orderCreate returned no order")
	}
	if g.LineItems.PageInfo.HasNextPage {
		o, err := c.Order(ctx, g.ID)
		if err != nil {
			return platform.Order{}, g.ID, c.outcomeUnknown(what, "order "+g.ID+" created, reading it back failed", err)
		}
		return o, g.ID, nil
	}
	o, err = g.order(c.cfg.Shop)
	if err != nil {
		return platform.Order{}, g.ID, c.outcomeUnknown(what, "order "+g.ID+" created, its answer unreadable", c.decodeError(what, err))
	}
	return o, g.ID, nil
}

// Shopify's limits of an order's tags: each at most 40 characters, at most 250 an order.
const (
	maxOrderTagLength = 40
	maxOrderTags      = 250
)

// OrderTagLimits declares Shopify's limits of an order's tags (platform.OrderTagLimiter); the
// push tag CreateOrder adds counts among them.
func (c *Client) OrderTagLimits() platform.TagLimits {
	return platform.TagLimits{MaxLength: maxOrderTagLength, MaxCount: maxOrderTags}
}

// orderTags fits tags to Shopify's limits: a comma would split a tag, so it becomes a space;
// each tag is cut to 40 characters (whole runes); empty and repeated tags (Shopify compares
// them without case) are dropped; the push tag, when given, is always kept, last, within 250.
func orderTags(tags []string, pushTag string) []string {
	limit := maxOrderTags
	if pushTag != "" {
		limit--
	}
	out := make([]string, 0, min(len(tags), limit)+1)
	seen := func(t string) bool {
		for _, o := range out {
			if strings.EqualFold(o, t) {
				return true
			}
		}
		return strings.EqualFold(t, pushTag)
	}
	for _, t := range tags {
		if len(out) == limit {
			break
		}
		t = clipRunes(strings.TrimSpace(strings.ReplaceAll(t, ",", " ")), maxOrderTagLength)
		if t == "" || seen(t) {
			continue
		}
		out = append(out, t)
	}
	if pushTag != "" {
		out = append(out, pushTag)
	}
	return out
}

// clipRunes cuts s to at most n characters, whole runes, trailing spaces trimmed.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}

// maxDiscountCode bounds the code of a discount sent to orderCreate.
const maxDiscountCode = 255

// discountCode is orderCreate's one discount: Shopify takes a single code per order, so several
// discounts go as one fixed amount, their sum, under their codes joined.
func discountCode(ds []platform.Discount) (map[string]any, bool, error) {
	var sum platform.Money
	var codes []string
	for i, d := range ds {
		if d.Amount.Amount < 0 {
			return nil, false, fmt.Errorf("discount %d (%s): negative amount %s", i, d.Code, d.Amount)
		}
		if d.Amount.Amount == 0 {
			continue
		}
		if sum.Currency != "" && d.Amount.Currency != sum.Currency {
			return nil, false, fmt.Errorf("discount %d (%s): currency %s, the others %s", i, d.Code, d.Amount.Currency, sum.Currency)
		}
		sum.Currency = d.Amount.Currency
		sum.Amount += d.Amount.Amount
		if c := strings.TrimSpace(d.Code); c != "" {
			codes = append(codes, c)
		}
	}
	if sum.Amount == 0 {
		return nil, false, nil
	}
	code := clipRunes(strings.Join(codes, ", "), maxDiscountCode)
	if code == "" {
		code = "discount"
	}
	return map[string]any{"itemFixedDiscountCode": map[string]any{"code": code, "amountSet": moneyBag(sum)}}, true, nil
}

func orderCreateInput(in platform.OrderInput, tags []string) (map[string]any, error) {
	if len(in.Lines) == 0 {
		return nil, fmt.Errorf("an order needs at least one line")
	}
	if len(in.Lines) > MaxInputArray {
		return nil, fmt.Errorf("%d lines: at most %d per order", len(in.Lines), MaxInputArray)
	}
	o := map[string]any{"tags": tags}
	for k, v := range map[string]string{"currency": in.Currency, "email": in.Email, "phone": in.Phone, "note": in.Note} {
		if v != "" {
			o[k] = v
		}
	}
	if in.FinancialStatus != "" {
		o["financialStatus"] = strings.ToUpper(string(in.FinancialStatus))
	}
	if cu := in.Customer; cu != nil {
		email := cu.Email
		if email == "" {
			email = in.Email
		}
		if email != "" {
			o["customer"] = map[string]any{"toUpsert": map[string]any{"email": email, "firstName": cu.FirstName, "lastName": cu.LastName}}
		}
	}
	if a := in.ShippingAddress; a != nil {
		o["shippingAddress"] = mailingAddress(a)
	}
	if a := in.BillingAddress; a != nil {
		o["billingAddress"] = mailingAddress(a)
	}
	var lines []map[string]any
	for i, l := range in.Lines {
		if l.Quantity <= 0 {
			return nil, fmt.Errorf("line %d (%s): quantity %d", i, l.SKU, l.Quantity)
		}
		m := map[string]any{"quantity": l.Quantity}
		if l.VariantID != "" {
			m["variantId"] = l.VariantID
		} else {
			if l.Title == "" || l.UnitPrice == nil {
				return nil, fmt.Errorf("line %d (%s): a line without a variant needs a title and a price", i, l.SKU)
			}
			m["title"] = l.Title
		}
		if l.SKU != "" && l.VariantID == "" {
			m["sku"] = l.SKU
		}
		if l.UnitPrice != nil {
			m["priceSet"] = moneyBag(*l.UnitPrice)
		}
		lines = append(lines, m)
	}
	o["lineItems"] = lines
	var ship []map[string]any
	for _, s := range in.ShippingLines {
		m := map[string]any{"title": s.Title, "priceSet": moneyBag(s.Price)}
		if s.Code != "" {
			m["code"] = s.Code
		}
		if s.Source != "" {
			m["source"] = s.Source
		}
		ship = append(ship, m)
	}
	if ship != nil {
		o["shippingLines"] = ship
	}
	dc, ok, err := discountCode(in.Discounts)
	if err != nil {
		return nil, err
	}
	if ok {
		o["discountCode"] = dc
	}
	return o, nil
}

func moneyBag(m platform.Money) map[string]any {
	return map[string]any{"shopMoney": map[string]any{"amount": m.Decimal(), "currencyCode": m.Currency}}
}

func mailingAddress(a *platform.Address) map[string]any {
	m := map[string]any{}
	for k, v := range map[string]string{
		"firstName": a.FirstName, "lastName": a.LastName, "company": a.Company, "address1": a.Address1,
		"address2": a.Address2, "city": a.City, "provinceCode": a.ProvinceCode, "zip": a.Zip,
		"countryCode": strings.ToUpper(a.CountryCode), "phone": a.Phone,
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

type gOrderCancel struct {
	OrderCancel struct {
		Job *struct {
			ID   string `json:"id"`
			Done bool   `json:"done"`
		} `json:"job"`
		UserErrors []userError `json:"orderCancelUserErrors"`
	} `json:"orderCancel"`
}

// CancelOrder asks Shopify to cancel an order. Shopify cancels in the background; the
// orders/cancelled webhook (or a later read) confirms it.
func (c *Client) CancelOrder(ctx context.Context, p platform.CancelOrderParams) error {
	const what = "cancelling order"
	reason := strings.ToUpper(string(p.Reason))
	if reason == "" {
		reason = "OTHER"
	}
	vars := map[string]any{"orderId": p.OrderID, "reason": reason, "restock": p.Restock, "refund": p.Refund, "notifyCustomer": p.NotifyCustomer, "staffNote": nullable(p.StaffNote)}
	var out gOrderCancel
	// Cancelling twice is refused by Shopify, not applied twice: safe to retry.
	if err := c.do(ctx, op{doc: "orderCancel", what: what, retrySafe: true}, vars, &out); err != nil {
		return err
	}
	return c.userErrorsToError(what, out.OrderCancel.UserErrors)
}
