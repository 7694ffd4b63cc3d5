package shopifysim

import (
	"context"
	"fmt"
	"strconv"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// transaction is one payment transaction of an order, as Shopify's OrderTransaction has it.
type transaction struct {
	ID          int64     `json:"id"`
	ParentID    int64     `json:"parent_id,omitempty"`
	Kind        string    `json:"kind"`   // OrderTransactionKind
	Status      string    `json:"status"` // OrderTransactionStatus
	Gateway     string    `json:"gateway"`
	Amount      int64     `json:"amount"` // minor units of the order's currency
	CardBrand   string    `json:"card_brand,omitempty"`
	CardLast4   string    `json:"card_last4,omitempty"`
	Test        bool      `json:"test,omitempty"`
	ProcessedAt time.Time `json:"processed_at"`
	CreatedAt   time.Time `json:"created_at"`
}

// The default payment of a paid order: Shopify Payments, a Visa ending 4242 (Stripe's test card).
const (
	defaultGateway   = "shopify_payments"
	defaultCardBrand = "Visa"
	defaultCardLast4 = "4242"
)

// Payment is how a customer pays an order placed with PlaceOrder or by the order generator.
type Payment struct {
	// Parts are the payments, one transaction each, in order; none is one card payment of the
	// whole total on shopify_payments (Visa ending 4242).
	Parts []PaymentPart
	// AuthorizeOnly authorises the parts without capturing them: the order is AUTHORIZED until
	// Shop.CaptureOrder captures it.
	AuthorizeOnly bool
	// Unpaid leaves the order PENDING, with no transaction.
	Unpaid bool
}

// PaymentPart is one payment of an order.
type PaymentPart struct {
	Gateway string // "shopify_payments" (the default), "manual", "gift_card", "paypal", ...
	// Amount is in minor units; 0 on the last part pays what the others leave of the total.
	Amount int64
	// CardBrand and CardLast4 are the card's ("Visa" and "4242" by default on shopify_payments;
	// other gateways have no card unless these are set).
	CardBrand, CardLast4 string
}

// transactionInput is OrderCreateOrderTransactionInput (the fields the simulator serves).
type transactionInput struct {
	AmountSet   moneyBagInput
	Gateway     *string
	Kind        *string
	ProcessedAt *dateTime
	Status      *string
	Test        *bool
}

type paymentKey struct{}

// orderPayments gives a new order its transactions, in this order of preference: the Payment a
// simulator helper placed it with; the transactions orderCreate was given (no card details: the
// real input carries none); else, for a PAID or AUTHORIZED order, one card payment of the total.
// The financial status follows the helper's payment, or the transactions when orderCreate named
// none.
func (sh *Shop) orderPayments(rc *reqCtx, o *order, in *[]transactionInput, statusGiven bool, now time.Time) []userErr {
	switch {
	case rc.payment != nil:
		return sh.helperPayment(o, rc.payment, now)
	case in != nil && len(*in) > 0:
		for i, t := range *in {
			field := []string{"order", "transactions", strconv.Itoa(i)}
			if t.AmountSet.ShopMoney.Amount.minor <= 0 {
				return []userErr{{Field: append(field, "amountSet"), Code: "INVALID", Message: "Amount must be greater than 0"}}
			}
			tx := transaction{ID: sh.data.newID(), Kind: "SALE", Status: "SUCCESS", Gateway: "manual",
				Amount: t.AmountSet.ShopMoney.Amount.minor, Test: t.Test != nil && *t.Test, ProcessedAt: now, CreatedAt: now}
			setIf(&tx.Kind, t.Kind)
			setIf(&tx.Status, t.Status)
			setIf(&tx.Gateway, t.Gateway)
			if t.ProcessedAt != nil {
				tx.ProcessedAt = t.ProcessedAt.Time
			}
			o.Transactions = append(o.Transactions, tx)
		}
		if !statusGiven {
			o.FinancialStatus = statusOf(o)
		}
	case o.FinancialStatus == "PAID" || o.FinancialStatus == "AUTHORIZED":
		kind := "SALE"
		if o.FinancialStatus == "AUTHORIZED" {
			kind = "AUTHORIZATION"
		}
		o.Transactions = append(o.Transactions, transaction{ID: sh.data.newID(), Kind: kind, Status: "SUCCESS",
			Gateway: defaultGateway, Amount: o.total(), CardBrand: defaultCardBrand, CardLast4: defaultCardLast4,
			Test: o.Test, ProcessedAt: now, CreatedAt: now})
	}
	return nil
}

// helperPayment turns a Payment into transactions and the financial status they make.
func (sh *Shop) helperPayment(o *order, p *Payment, now time.Time) []userErr {
	if p.Unpaid {
		o.FinancialStatus = "PENDING"
		return nil
	}
	parts := p.Parts
	if len(parts) == 0 {
		parts = []PaymentPart{{}}
	}
	kind := "SALE"
	if p.AuthorizeOnly {
		kind = "AUTHORIZATION"
	}
	left := o.total()
	for i, part := range parts {
		amount := part.Amount
		if amount == 0 && i == len(parts)-1 {
			amount = left
		}
		if amount <= 0 || amount > left {
			return []userErr{{Field: []string{"order", "transactions", strconv.Itoa(i)}, Code: "INVALID",
				Message: fmt.Sprintf("payment %d of %d: the order has %d left to pay", i+1, amount, left)}}
		}
		left -= amount
		tx := transaction{ID: sh.data.newID(), Kind: kind, Status: "SUCCESS", Gateway: part.Gateway, Amount: amount,
			CardBrand: part.CardBrand, CardLast4: part.CardLast4, Test: o.Test, ProcessedAt: now, CreatedAt: now}
		if tx.Gateway == "" {
			tx.Gateway = defaultGateway
		}
		if tx.Gateway == defaultGateway && tx.CardBrand == "" && tx.CardLast4 == "" {
			tx.CardBrand, tx.CardLast4 = defaultCardBrand, defaultCardLast4
		}
		o.Transactions = append(o.Transactions, tx)
	}
	o.FinancialStatus = statusOf(o)
	return nil
}

// statusOf derives an order's financial status from its transactions, as Shopify does.
func statusOf(o *order) string {
	var captured, authorized, refunded int64
	for _, t := range o.Transactions {
		if t.Status != "SUCCESS" {
			continue
		}
		switch t.Kind {
		case "SALE", "CAPTURE":
			captured += t.Amount
		case "AUTHORIZATION", "EMV_AUTHORIZATION":
			authorized += t.Amount
		case "REFUND", "CHANGE":
			refunded += t.Amount
		}
	}
	total := o.total()
	switch {
	case refunded > 0 && refunded >= captured:
		return "REFUNDED"
	case refunded > 0:
		return "PARTIALLY_REFUNDED"
	case captured >= total && captured > 0:
		return "PAID"
	case captured > 0:
		return "PARTIALLY_PAID"
	case authorized > 0:
		return "AUTHORIZED"
	}
	return "PENDING"
}

// uncaptured lists the successful authorisations of o no capture or void has followed.
func uncaptured(o *order) []*transaction {
	done := map[int64]bool{}
	for _, t := range o.Transactions {
		if t.ParentID != 0 && t.Status == "SUCCESS" && (t.Kind == "CAPTURE" || t.Kind == "VOID") {
			done[t.ParentID] = true
		}
	}
	var out []*transaction
	for i := range o.Transactions {
		t := &o.Transactions[i]
		if t.Kind == "AUTHORIZATION" && t.Status == "SUCCESS" && !done[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

// follow appends to o a successful transaction of kind that follows parent (same gateway, card and
// amount).
func (sh *Shop) follow(o *order, parent *transaction, kind string, now time.Time) {
	o.Transactions = append(o.Transactions, transaction{ID: sh.data.newID(), ParentID: parent.ID, Kind: kind,
		Status: "SUCCESS", Gateway: parent.Gateway, Amount: parent.Amount, CardBrand: parent.CardBrand,
		CardLast4: parent.CardLast4, Test: parent.Test, ProcessedAt: now, CreatedAt: now})
}

// settleOnCancel refunds what a cancelled order captured (when refund is asked) and voids its open
// authorisations, as Shopify's orderCancel does; the caller sets the financial status.
func (sh *Shop) settleOnCancel(o *order, refund bool, now time.Time) {
	for _, t := range uncaptured(o) {
		sh.follow(o, t, "VOID", now)
	}
	if !refund {
		return
	}
	n := len(o.Transactions)
	for i := range n {
		if t := &o.Transactions[i]; t.Status == "SUCCESS" && (t.Kind == "SALE" || t.Kind == "CAPTURE") {
			sh.follow(o, t, "REFUND", now)
		}
	}
}

// CaptureOrder captures every open authorisation of an order (global id), as a merchant does when
// it ships: one CAPTURE each, the order PAID and updated, orders/paid and orders/updated sent.
func (sh *Shop) CaptureOrder(orderID string) error {
	sh.mu.Lock()
	o, err := lookup(sh.data.Orders, "Order", graphql.ID(orderID))
	if err != nil || o == nil {
		sh.mu.Unlock()
		return fmt.Errorf("no order %s", orderID)
	}
	open := uncaptured(o)
	if o.CancelledAt != nil || len(open) == 0 {
		sh.mu.Unlock()
		return fmt.Errorf("order %s has nothing to capture (cancelled, or no open authorisation)", orderID)
	}
	now := sh.sim.now()
	for _, t := range open {
		sh.follow(o, t, "CAPTURE", now)
	}
	o.FinancialStatus = statusOf(o)
	o.UpdatedAt = now
	sh.changed()
	rc := &reqCtx{shop: sh}
	if o.FinancialStatus == "PAID" {
		rc.emit(sh.orderEvent("orders/paid", o))
	}
	rc.emit(sh.orderEvent("orders/updated", o))
	events := rc.events
	sh.mu.Unlock()
	sh.sim.webhooks.enqueue(sh, events)
	return nil
}

// PlaceOrder places a customer's order on a shop as its storefront would: order is an
// OrderCreateOrderInput as GraphQL variables carry it (lines may have properties), pay says how
// it is paid (its financial status and transactions; a financialStatus or transactions in order
// are overridden). Stock is claimed ignoring policy; the same webhooks as orderCreate's are sent.
// It returns the order's global id.
func (s *Sim) PlaceOrder(ctx context.Context, domain string, order map[string]any, pay Payment) (string, error) {
	ctx = context.WithValue(ctx, paymentKey{}, &pay)
	data, err := s.Exec(ctx, domain, placeOrder, map[string]any{"order": order})
	if err != nil {
		return "", fmt.Errorf("placing order: %w", err)
	}
	return generatedID(&gqlResponse{Data: data})
}

const placeOrder = `mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order, options: {inventoryBehaviour: DECREMENT_IGNORING_POLICY}) { order { id } userErrors { field message } }
}`
