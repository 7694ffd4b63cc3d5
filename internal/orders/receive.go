package orders

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
)

// What the source store receives on an order push: the receive part of a connection's order
// settings (issue 10, item 4), kept in order_receive_settings.

// Email contact methods: which email the source order carries (the one the source's fulfilment
// notifications go to).
const (
	ContactCustomer = "customer" // the destination order's customer (the default)
	ContactStore    = "store"    // the destination store's admin email
	ContactOther    = "other"    // ContactEmail
)

// Shipping rules: what the source order charges for shipping when no fee was entered on a manual
// push and the original shipping line is not passed through.
const (
	ShippingNone         = "none"           // 0 (the default)
	ShippingFlatPerOrder = "flat_per_order" // ShippingAmount once
	ShippingFlatPerItem  = "flat_per_item"  // ShippingAmount × the units pushed
	ShippingFreeAbove    = "free_above"     // ShippingAmount, 0 when the lines pushed total more than FreeAbove
)

// Line prices of the source order.
const (
	PricesSource          = "source"           // the source variant's own price (the default)
	PricesDestinationLess = "destination_less" // the destination's selling price less LineDiscountBP
)

// MaxReceiveAmount bounds a shipping amount or threshold (minor units).
const MaxReceiveAmount = 1_000_000_00

// Receive is what a pushed source order carries.
type Receive struct {
	// ForwardCustomer sends the customer's name and email; false sends the destination store's
	// name and admin email in their place. The shipping address is always sent.
	ForwardCustomer bool
	EmailContact    string
	ContactEmail    string // ContactOther only
	ShippingRule    string
	// ShippingAmount and FreeAbove are minor units of ShippingCurrency; a rule applies to orders
	// in that currency only (others get no shipping, said on the timeline).
	ShippingAmount   int64
	FreeAbove        int64
	ShippingCurrency string
	// PassShippingLine sends the destination order's shipping lines (title, code, price; the
	// price shared by the value of the lines pushed when several sources supply the order);
	// PassDiscounts its discounts, shared the same way.
	PassShippingLine bool
	PassDiscounts    bool
	LinePrices       string
	LineDiscountBP   int64 // PricesDestinationLess: hundredths of a percent off (1250 = 12.5 %)
}

// DefaultReceive is what a connection without receive settings sends.
func DefaultReceive() Receive {
	return Receive{ForwardCustomer: true, EmailContact: ContactCustomer, ShippingRule: ShippingNone, LinePrices: PricesSource}
}

// ReceiveInput is what a person sets; empty strings keep the defaults.
type ReceiveInput struct {
	ForwardCustomer     *bool // nil: true
	EmailContact        string
	ContactEmail        string
	ShippingRule        string
	ShippingAmount      string // decimal in ShippingCurrency, e.g. "4.95"
	FreeAbove           string
	ShippingCurrency    string
	PassShippingLine    bool
	PassDiscounts       bool
	LinePrices          string
	LineDiscountPercent string // decimal, up to 2 places, 0 to 100
}

// parse checks every value and names the first wrong one (its JSON field).
func (in ReceiveInput) parse() (Receive, error) {
	r := DefaultReceive()
	if in.ForwardCustomer != nil {
		r.ForwardCustomer = *in.ForwardCustomer
	}
	r.PassShippingLine, r.PassDiscounts = in.PassShippingLine, in.PassDiscounts
	switch in.EmailContact {
	case "":
	case ContactCustomer, ContactStore, ContactOther:
		r.EmailContact = in.EmailContact
	default:
		return r, &Error{Field: "email_contact", Message: `use "customer", "store" or "other"`, Value: in.EmailContact}
	}
	if r.EmailContact == ContactOther {
		a, err := mail.ParseAddress(strings.TrimSpace(in.ContactEmail))
		if err != nil || a.Name != "" || a.Address != strings.TrimSpace(in.ContactEmail) || len(a.Address) > 254 {
			return r, &Error{Field: "contact_email", Message: `give an email address, e.g. "orders@example.com", with email_contact "other"`, Value: in.ContactEmail}
		}
		r.ContactEmail = a.Address
	} else if strings.TrimSpace(in.ContactEmail) != "" {
		return r, &Error{Field: "contact_email", Message: `only with email_contact "other"`, Value: in.ContactEmail}
	}
	switch in.ShippingRule {
	case "":
	case ShippingNone, ShippingFlatPerOrder, ShippingFlatPerItem, ShippingFreeAbove:
		r.ShippingRule = in.ShippingRule
	default:
		return r, &Error{Field: "shipping_rule", Message: `use "none", "flat_per_order", "flat_per_item" or "free_above"`, Value: in.ShippingRule}
	}
	if err := parseShipping(&r, in); err != nil {
		return r, err
	}
	switch in.LinePrices {
	case "":
	case PricesSource, PricesDestinationLess:
		r.LinePrices = in.LinePrices
	default:
		return r, &Error{Field: "line_prices", Message: `use "source" or "destination_less"`, Value: in.LinePrices}
	}
	if p := strings.TrimSpace(in.LineDiscountPercent); p != "" {
		bp, err := money.ParseDigits(p, 2)
		if err != nil || bp < 0 || bp > 10000 {
			return r, &Error{Field: "line_discount_percent", Message: `give a percentage from 0 to 100, up to 2 decimals, e.g. "20"`, Value: in.LineDiscountPercent}
		}
		if r.LinePrices != PricesDestinationLess && bp != 0 {
			return r, &Error{Field: "line_discount_percent", Message: `only with line_prices "destination_less"`, Value: in.LineDiscountPercent}
		}
		r.LineDiscountBP = bp
	}
	return r, nil
}

func parseShipping(r *Receive, in ReceiveInput) error {
	if r.ShippingRule == ShippingNone {
		for field, v := range map[string]string{"shipping_amount": in.ShippingAmount, "free_above": in.FreeAbove} {
			if strings.TrimSpace(v) != "" {
				return &Error{Field: field, Message: `only with a shipping_rule other than "none"`, Value: v}
			}
		}
		return nil
	}
	cur, err := money.Normalize(strings.TrimSpace(in.ShippingCurrency))
	if err != nil || cur == "" {
		return &Error{Field: "shipping_currency", Message: "give the ISO 4217 currency of the amounts, e.g. \"USD\"", Value: in.ShippingCurrency}
	}
	r.ShippingCurrency = cur
	amount := func(field, v string, required bool) (int64, error) {
		v = strings.TrimSpace(v)
		if v == "" && !required {
			return 0, nil
		}
		n, err := money.Parse(v, cur)
		switch {
		case err != nil:
			return 0, &Error{Field: field, Message: "give a decimal amount in " + cur + ", e.g. \"4.95\"", Value: v}
		case n < 0:
			return 0, &Error{Field: field, Message: "must be 0 or more", Value: v}
		case n > MaxReceiveAmount:
			return 0, &Error{Field: field, Message: "is too large", Value: v}
		}
		return n, nil
	}
	if r.ShippingAmount, err = amount("shipping_amount", in.ShippingAmount, true); err != nil {
		return err
	}
	if r.ShippingRule == ShippingFreeAbove {
		r.FreeAbove, err = amount("free_above", in.FreeAbove, true)
		return err
	}
	if strings.TrimSpace(in.FreeAbove) != "" {
		return &Error{Field: "free_above", Message: `only with shipping_rule "free_above"`, Value: in.FreeAbove}
	}
	return nil
}

// readReceive reads a connection's receive settings (the defaults without a row).
func readReceive(ctx context.Context, q database.Querier, connectionID int64) (Receive, error) {
	r := DefaultReceive()
	err := q.QueryRow(ctx, `SELECT forward_customer, email_contact, contact_email, shipping_rule, shipping_amount, free_above_amount,
		shipping_currency, pass_shipping_line, pass_discounts, line_prices, line_discount_bp
		FROM order_receive_settings WHERE connection_id = $1`, connectionID).
		Scan(&r.ForwardCustomer, &r.EmailContact, &r.ContactEmail, &r.ShippingRule, &r.ShippingAmount, &r.FreeAbove,
			&r.ShippingCurrency, &r.PassShippingLine, &r.PassDiscounts, &r.LinePrices, &r.LineDiscountBP)
	if errors.Is(err, database.ErrNoRows) {
		return DefaultReceive(), nil
	}
	if err != nil {
		return r, fmt.Errorf("reading the receive settings of connection %d: %w", connectionID, err)
	}
	return r, nil
}

// saveReceive replaces a connection's receive settings in tx.
func saveReceive(ctx context.Context, tx database.Tx, connectionID int64, r Receive, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO order_receive_settings (connection_id, forward_customer, email_contact, contact_email,
			shipping_rule, shipping_amount, free_above_amount, shipping_currency, pass_shipping_line, pass_discounts, line_prices,
			line_discount_bp, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (connection_id) DO UPDATE SET forward_customer = excluded.forward_customer, email_contact = excluded.email_contact,
			contact_email = excluded.contact_email, shipping_rule = excluded.shipping_rule, shipping_amount = excluded.shipping_amount,
			free_above_amount = excluded.free_above_amount, shipping_currency = excluded.shipping_currency,
			pass_shipping_line = excluded.pass_shipping_line, pass_discounts = excluded.pass_discounts,
			line_prices = excluded.line_prices, line_discount_bp = excluded.line_discount_bp, updated_at = excluded.updated_at`,
		connectionID, r.ForwardCustomer, r.EmailContact, r.ContactEmail, r.ShippingRule, r.ShippingAmount, r.FreeAbove,
		r.ShippingCurrency, r.PassShippingLine, r.PassDiscounts, r.LinePrices, r.LineDiscountBP, now)
	if err != nil {
		return fmt.Errorf("saving the receive settings of connection %d: %w", connectionID, err)
	}
	return nil
}
