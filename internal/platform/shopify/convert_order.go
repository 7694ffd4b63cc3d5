package shopify

import (
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

type gLineItem struct {
	ID               string `json:"id"`
	Title            string `json:"title"`
	Name             string `json:"name"`
	SKU              string `json:"sku"`
	Quantity         int64  `json:"quantity"`
	CurrentQuantity  int64  `json:"currentQuantity"`
	VariantTitle     string `json:"variantTitle"`
	CustomAttributes []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"customAttributes"`
	Variant *struct {
		ID              string `json:"id"`
		SKU             string `json:"sku"`
		Barcode         string `json:"barcode"`
		SelectedOptions []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"selectedOptions"`
	} `json:"variant"`
	OriginalUnitPriceSet gMoneyBag `json:"originalUnitPriceSet"`
}

type gOrder struct {
	ID                       string     `json:"id"`
	Name                     string     `json:"name"`
	Number                   int64      `json:"number"`
	CreatedAt                time.Time  `json:"createdAt"`
	UpdatedAt                time.Time  `json:"updatedAt"`
	ProcessedAt              time.Time  `json:"processedAt"`
	CancelledAt              *time.Time `json:"cancelledAt"`
	CancelReason             string     `json:"cancelReason"`
	Test                     bool       `json:"test"`
	Email                    string     `json:"email"`
	Phone                    string     `json:"phone"`
	Note                     string     `json:"note"`
	Tags                     []string   `json:"tags"`
	CurrencyCode             string     `json:"currencyCode"`
	DisplayFinancialStatus   string     `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string     `json:"displayFulfillmentStatus"`
	TotalPriceSet            *gMoneyBag `json:"totalPriceSet"`
	SubtotalPriceSet         *gMoneyBag `json:"subtotalPriceSet"`
	TotalTaxSet              *gMoneyBag `json:"totalTaxSet"`
	TotalShippingPriceSet    *gMoneyBag `json:"totalShippingPriceSet"`
	TotalDiscountsSet        *gMoneyBag `json:"totalDiscountsSet"`
	DiscountCodes            []string   `json:"discountCodes"`
	Customer                 *struct {
		ID                  string `json:"id"`
		FirstName           string `json:"firstName"`
		LastName            string `json:"lastName"`
		DefaultEmailAddress *struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"defaultEmailAddress"`
	} `json:"customer"`
	ShippingAddress *gAddress `json:"shippingAddress"`
	BillingAddress  *gAddress `json:"billingAddress"`
	ShippingLine    *struct {
		Title            string    `json:"title"`
		Code             string    `json:"code"`
		Source           string    `json:"source"`
		OriginalPriceSet gMoneyBag `json:"originalPriceSet"`
	} `json:"shippingLine"`
	// Transactions is nil when the document did not select them.
	Transactions *[]gTransaction `json:"transactions"`
	LineItems    struct {
		Nodes    []gLineItem `json:"nodes"`
		PageInfo gPageInfo   `json:"pageInfo"`
	} `json:"lineItems"`
}

// order converts an order read over GraphQL; shop is the shop's domain, for the admin link.
func (g *gOrder) order(shop string) (platform.Order, error) {
	o := platform.Order{
		ID: g.ID, Name: g.Name, Number: g.Number, Email: g.Email, Phone: g.Phone, Note: g.Note,
		Tags: g.Tags, Currency: g.CurrencyCode, FinancialStatus: financialStatus(g.DisplayFinancialStatus),
		FulfillmentStatus: strings.ToLower(g.DisplayFulfillmentStatus), Test: g.Test,
		CancelledAt: g.CancelledAt, CancelReason: strings.ToLower(g.CancelReason),
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, ProcessedAt: g.ProcessedAt,
		ShippingAddress: g.ShippingAddress.address(), BillingAddress: g.BillingAddress.address(),
		AdminURL: adminOrderURL(shop, g.ID),
	}
	var err error
	for _, f := range []struct {
		dst *platform.Money
		src *gMoneyBag
	}{{&o.Total, g.TotalPriceSet}, {&o.Subtotal, g.SubtotalPriceSet}, {&o.TotalTax, g.TotalTaxSet}, {&o.TotalShipping, g.TotalShippingPriceSet}} {
		if *f.dst, err = f.src.money(); err != nil {
			return platform.Order{}, fmt.Errorf("order %s: %w", g.ID, err)
		}
	}
	if g.TotalDiscountsSet != nil {
		d, err := g.TotalDiscountsSet.money()
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s discounts: %w", g.ID, err)
		}
		o.Discounts = orderDiscounts(g.DiscountCodes, d)
	}
	if c := g.Customer; c != nil {
		o.Customer = &platform.Customer{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName}
		if c.DefaultEmailAddress != nil {
			o.Customer.Email = c.DefaultEmailAddress.EmailAddress
		}
	}
	if s := g.ShippingLine; s != nil {
		price, err := s.OriginalPriceSet.money()
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s shipping: %w", g.ID, err)
		}
		o.ShippingLines = []platform.ShippingLine{{Title: s.Title, Code: s.Code, Source: s.Source, Price: price}}
	}
	for _, li := range g.LineItems.Nodes {
		price, err := li.OriginalUnitPriceSet.money()
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s line %s: %w", g.ID, li.ID, err)
		}
		line := platform.OrderLine{ID: li.ID, SKU: li.SKU, Title: li.Title, Quantity: li.Quantity, Current: li.CurrentQuantity,
			UnitPrice: price, VariantTitle: variantTitle(li.VariantTitle)}
		for _, a := range li.CustomAttributes {
			line.Properties = append(line.Properties, platform.Property{Name: a.Key, Value: a.Value})
		}
		if li.Variant != nil {
			line.VariantID, line.Barcode = li.Variant.ID, li.Variant.Barcode
			if line.SKU == "" {
				line.SKU = li.Variant.SKU
			}
			for _, so := range li.Variant.SelectedOptions {
				if !isDefaultOption(so.Name, so.Value) {
					line.Options = append(line.Options, platform.Property{Name: so.Name, Value: so.Value})
				}
			}
		}
		o.Lines = append(o.Lines, line)
	}
	if g.Transactions != nil {
		o.TransactionsIncluded = true
		for _, gt := range *g.Transactions {
			t, ok, err := gt.transaction()
			if err != nil {
				return platform.Order{}, fmt.Errorf("order %s transaction %s: %w", g.ID, gt.ID, err)
			}
			if ok {
				o.Transactions = append(o.Transactions, t)
			}
		}
	}
	return o, nil
}

// isDefaultOption reports the option Shopify gives a product that has none ("Title": "Default
// Title"): it says nothing about the variant.
func isDefaultOption(name, value string) bool {
	return name == defaultOption && value == defaultOptionValue
}

// variantTitle is a line's variant title, "" for the only variant of a product without options.
func variantTitle(s string) string {
	if s == defaultOptionValue {
		return ""
	}
	return s
}

// adminOrderURL is an order's page in the shop's admin: https://{shop}/admin/orders/{numeric id}.
func adminOrderURL(shop, id string) string {
	n, ok := strings.CutPrefix(id, "gid://shopify/Order/")
	if shop == "" || !ok || n == "" {
		return ""
	}
	return "https://" + shop + "/admin/orders/" + n
}

// financialStatus maps Shopify's OrderDisplayFinancialStatus (GraphQL, upper case) and the REST
// webhook's financial_status (lower case) to platform words.
func financialStatus(s string) platform.FinancialStatus {
	switch strings.ToLower(s) {
	case "pending", "expired":
		return platform.FinancialPending
	case "authorized":
		return platform.FinancialAuthorized
	case "partially_paid":
		return platform.FinancialPartiallyPaid
	case "paid":
		return platform.FinancialPaid
	case "partially_refunded":
		return platform.FinancialPartiallyRefunded
	case "refunded":
		return platform.FinancialRefunded
	case "voided":
		return platform.FinancialVoided
	default:
		return platform.FinancialUnknown
	}
}

// orderDiscounts is an order's discounts as Shopify totals them: one discount of the total under
// the codes applied (Shopify reports the amount per application, not per code), none when 0.
func orderDiscounts(codes []string, total platform.Money) []platform.Discount {
	if total.Amount <= 0 {
		return nil
	}
	return []platform.Discount{{Code: strings.Join(codes, ", "), Amount: total}}
}
