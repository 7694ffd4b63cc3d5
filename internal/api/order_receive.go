package api

import (
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/orders"
)

// OrderReceiveSettings are what a connection's pushed source orders carry (part of its order
// settings).
type OrderReceiveSettings struct {
	ForwardCustomer     bool   `json:"forward_customer" doc:"the customer's name and email go to the source; false: the destination store's name and admin email stand in (the shipping address is always sent)"`
	EmailContact        string `json:"email_contact" enum:"customer,store,other" doc:"the email of the source order, which the source's fulfilment notifications reach: the customer's, the destination store's admin email, or contact_email"`
	ContactEmail        string `json:"contact_email" doc:"email_contact other: the address"`
	ShippingRule        string `json:"shipping_rule" enum:"none,flat_per_order,flat_per_item,free_above" doc:"shipping charged when no fee is entered on a manual push and the original shipping line is not passed through: none (0, the default), shipping_amount per order, per unit, or per order unless the lines pushed total more than free_above"`
	ShippingAmount      string `json:"shipping_amount" example:"4.95" doc:"in shipping_currency; a rule applies to orders in that currency only"`
	FreeAbove           string `json:"free_above" example:"50.00" doc:"free_above: the value of the lines pushed above which shipping is free"`
	ShippingCurrency    string `json:"shipping_currency" example:"USD"`
	PassShippingLine    bool   `json:"pass_shipping_line" doc:"send the destination order's shipping lines (title, code, price; the price shared by the value of the lines pushed when several sources supply the order)"`
	PassDiscounts       bool   `json:"pass_discounts" doc:"send the destination order's discounts, shared the same way"`
	LinePrices          string `json:"line_prices" enum:"source,destination_less" doc:"source: the source's own price (the default); destination_less: the destination's selling price less line_discount_percent"`
	LineDiscountPercent string `json:"line_discount_percent" example:"20" doc:"destination_less: the percentage off, 0 to 100"`
}

// OrderReceiveSettingsInput sets what the source orders carry; a value left out takes its default.
type OrderReceiveSettingsInput struct {
	ForwardCustomer     *bool  `json:"forward_customer,omitempty" doc:"default true"`
	EmailContact        string `json:"email_contact,omitempty" maxLength:"20" doc:"customer (the default), store or other"`
	ContactEmail        string `json:"contact_email,omitempty" maxLength:"254" doc:"with email_contact other"`
	ShippingRule        string `json:"shipping_rule,omitempty" maxLength:"20" doc:"none (the default), flat_per_order, flat_per_item or free_above"`
	ShippingAmount      string `json:"shipping_amount,omitempty" maxLength:"20" doc:"exact decimal in shipping_currency, 0 or more; with a rule"`
	FreeAbove           string `json:"free_above,omitempty" maxLength:"20" doc:"with free_above"`
	ShippingCurrency    string `json:"shipping_currency,omitempty" maxLength:"3" doc:"ISO 4217; with a rule"`
	PassShippingLine    bool   `json:"pass_shipping_line,omitempty"`
	PassDiscounts       bool   `json:"pass_discounts,omitempty"`
	LinePrices          string `json:"line_prices,omitempty" maxLength:"20" doc:"source (the default) or destination_less"`
	LineDiscountPercent string `json:"line_discount_percent,omitempty" maxLength:"10" doc:"up to 2 decimals; with destination_less"`
}

func (in OrderReceiveSettingsInput) domain() orders.ReceiveInput {
	return orders.ReceiveInput{ForwardCustomer: in.ForwardCustomer, EmailContact: in.EmailContact, ContactEmail: in.ContactEmail,
		ShippingRule: in.ShippingRule, ShippingAmount: in.ShippingAmount, FreeAbove: in.FreeAbove, ShippingCurrency: in.ShippingCurrency,
		PassShippingLine: in.PassShippingLine, PassDiscounts: in.PassDiscounts, LinePrices: in.LinePrices,
		LineDiscountPercent: in.LineDiscountPercent}
}

func orderReceiveOut(r orders.Receive) OrderReceiveSettings {
	out := OrderReceiveSettings{ForwardCustomer: r.ForwardCustomer, EmailContact: r.EmailContact, ContactEmail: r.ContactEmail,
		ShippingRule: r.ShippingRule, ShippingCurrency: r.ShippingCurrency, PassShippingLine: r.PassShippingLine,
		PassDiscounts: r.PassDiscounts, LinePrices: r.LinePrices, LineDiscountPercent: money.FormatDigits(r.LineDiscountBP, 2)}
	if r.ShippingCurrency != "" {
		out.ShippingAmount, _ = money.Format(r.ShippingAmount, r.ShippingCurrency)
		if r.ShippingRule == orders.ShippingFreeAbove {
			out.FreeAbove, _ = money.Format(r.FreeAbove, r.ShippingCurrency)
		}
	}
	return out
}
