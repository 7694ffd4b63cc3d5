package woocommerce

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// LocationID is the one stock location a WooCommerce store has.
const LocationID = "default"

// Meta keys storesync keeps on the store's objects.
const (
	MetaOrderKey   = "storesync_idempotency_key" // on an order CreateOrder made
	MetaProductKey = "storesync_create_key"      // on a product SetProduct created with a CreateKey
	MetaOrderTags  = "storesync_tags"            // an order's tags, comma-separated (orders have no tags)
)

// variantID is how the client names a sellable item: a simple product's id, or a variable
// product's id and its variation's, "PRODUCT:VARIATION". It is also the item's inventory id.
func variantID(productID, variationID int64) string {
	if variationID == 0 {
		return strconv.FormatInt(productID, 10)
	}
	return strconv.FormatInt(productID, 10) + ":" + strconv.FormatInt(variationID, 10)
}

// parseVariantID reads a variantID.
func parseVariantID(s string) (productID, variationID int64, err error) {
	p, v, has := strings.Cut(s, ":")
	productID, err = strconv.ParseInt(p, 10, 64)
	if err != nil || productID <= 0 {
		return 0, 0, fmt.Errorf("%q is not a WooCommerce variant id (PRODUCT or PRODUCT:VARIATION)", s)
	}
	if has {
		variationID, err = strconv.ParseInt(v, 10, 64)
		if err != nil || variationID <= 0 {
			return 0, 0, fmt.Errorf("%q is not a WooCommerce variant id (PRODUCT or PRODUCT:VARIATION)", s)
		}
	}
	return productID, variationID, nil
}

func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a WooCommerce id", s)
	}
	return n, nil
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func productStatus(s string) platform.ProductStatus {
	switch s {
	case "publish":
		return platform.ProductActive
	case "trash":
		return platform.ProductArchived
	default: // draft, pending, private, future
		return platform.ProductDraft
	}
}

func wooStatus(s platform.ProductStatus) string {
	switch s {
	case platform.ProductActive:
		return "publish"
	case platform.ProductArchived:
		return "private"
	case platform.ProductDraft:
		return "draft"
	}
	return ""
}

func managed(raw json.RawMessage) bool { return string(raw) == "true" }

// money reads a decimal price; "" is no price (false).
func money(s, currency string) (platform.Money, bool, error) {
	if strings.TrimSpace(s) == "" {
		return platform.Money{}, false, nil
	}
	m, err := platform.ParseMoney(s, currency)
	if err != nil {
		return platform.Money{}, false, err
	}
	return m, true, nil
}

// prices maps WooCommerce's regular and sale prices to a price and a compare-at price.
func prices(regular, sale, current, currency string) (platform.Money, *platform.Money, error) {
	reg, hasReg, err := money(regular, currency)
	if err != nil {
		return platform.Money{}, nil, fmt.Errorf("regular_price: %w", err)
	}
	sal, hasSale, err := money(sale, currency)
	if err != nil {
		return platform.Money{}, nil, fmt.Errorf("sale_price: %w", err)
	}
	if hasSale && hasReg && sal.Amount < reg.Amount {
		return sal, &reg, nil
	}
	if hasReg {
		return reg, nil, nil
	}
	cur, hasCur, err := money(current, currency)
	if err != nil {
		return platform.Money{}, nil, fmt.Errorf("price: %w", err)
	}
	if hasCur {
		return cur, nil, nil
	}
	return platform.Money{Currency: currency}, nil, nil
}

func weight(s string, unit platform.WeightUnit) *platform.Weight {
	if strings.TrimSpace(s) == "" || !unit.Valid() {
		return nil
	}
	w, err := platform.ParseWeight(s, unit)
	if err != nil {
		return nil
	}
	return &w
}

// toProduct converts a product and its variations (those of a variable product).
func toProduct(p wooProduct, vars []wooVariation, currency string, unit platform.WeightUnit) (platform.Product, error) {
	out := platform.Product{
		ID:              id(p.ID),
		Title:           p.Name,
		Handle:          p.Slug,
		Status:          productStatus(p.Status),
		DescriptionHTML: p.Description,
		CreatedAt:       parseGMT(p.DateCreatedGMT),
		UpdatedAt:       parseGMT(p.DateModifiedGMT),
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, t.Name)
	}
	for i, im := range p.Images {
		out.Images = append(out.Images, platform.Image{ID: id(im.ID), URL: im.Src, AltText: im.Alt, Position: i + 1})
	}
	var opts []wooAttribute
	for _, a := range p.Attributes {
		if a.Variation {
			opts = append(opts, a)
		}
	}
	if p.Type != "variable" {
		price, cmp, err := prices(p.RegularPrice, p.SalePrice, p.Price, currency)
		if err != nil {
			return platform.Product{}, fmt.Errorf("product %d: %w", p.ID, err)
		}
		v := platform.Variant{
			ID: id(p.ID), ProductID: id(p.ID), InventoryItemID: id(p.ID), Title: "Default Title",
			SKU: p.SKU, Barcode: p.GlobalUniqueID, Price: price, CompareAtPrice: cmp, Position: 1,
			Tracked: managed(p.ManageStock), AllowBackorder: p.Backorders != "" && p.Backorders != "no",
			Weight: weight(p.Weight, unit), UpdatedAt: out.UpdatedAt,
		}
		if v.Tracked && p.StockQuantity != nil {
			q := *p.StockQuantity
			v.Quantity = &q
		}
		out.Variants = []platform.Variant{v}
		return out, nil
	}
	for _, a := range opts {
		out.Options = append(out.Options, a.Name)
	}
	for i, wv := range vars {
		price, cmp, err := prices(wv.RegularPrice, wv.SalePrice, wv.Price, currency)
		if err != nil {
			return platform.Product{}, fmt.Errorf("variation %d of product %d: %w", wv.ID, p.ID, err)
		}
		v := platform.Variant{
			ID: variantID(p.ID, wv.ID), ProductID: id(p.ID), InventoryItemID: variantID(p.ID, wv.ID),
			SKU: wv.SKU, Barcode: wv.GlobalUniqueID, Price: price, CompareAtPrice: cmp, Position: i + 1,
			Tracked:        managed(wv.ManageStock) || (string(wv.ManageStock) == `"parent"` && managed(p.ManageStock)),
			AllowBackorder: wv.Backorders != "" && wv.Backorders != "no",
			Weight:         weight(wv.Weight, unit), UpdatedAt: parseGMT(wv.DateModifiedGMT),
		}
		if v.Weight == nil {
			v.Weight = weight(p.Weight, unit)
		}
		for _, o := range out.Options {
			val := ""
			for _, a := range wv.Attributes {
				if strings.EqualFold(a.Name, o) {
					val = a.Option
				}
			}
			v.Options = append(v.Options, val)
		}
		v.Title = strings.Join(v.Options, " / ")
		if v.Tracked && wv.StockQuantity != nil {
			q := *wv.StockQuantity
			v.Quantity = &q
		}
		out.Variants = append(out.Variants, v)
	}
	return out, nil
}

func toAddress(a wooAddress) *platform.Address {
	out := platform.Address{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Address1,
		Address2: a.Address2, City: a.City, Province: a.State, ProvinceCode: a.State, Zip: a.Postcode,
		Country: a.Country, CountryCode: a.Country, Phone: a.Phone, Email: a.Email,
	}
	if out.IsZero() {
		return nil
	}
	return &out
}

func fromAddress(a *platform.Address) wooAddress {
	if a == nil {
		return wooAddress{}
	}
	state := a.ProvinceCode
	if state == "" {
		state = a.Province
	}
	country := a.CountryCode
	if country == "" {
		country = a.Country
	}
	return wooAddress{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Address1,
		Address2: a.Address2, City: a.City, State: state, Postcode: a.Zip, Country: country,
		Email: a.Email, Phone: a.Phone,
	}
}

func financial(status string) platform.FinancialStatus {
	switch status {
	case "processing", "completed":
		return platform.FinancialPaid
	case "pending", "on-hold":
		return platform.FinancialPending
	case "refunded":
		return platform.FinancialRefunded
	case "cancelled", "failed":
		return platform.FinancialVoided
	}
	return platform.FinancialUnknown
}

func mustMoney(s, currency, field string) (platform.Money, error) {
	if strings.TrimSpace(s) == "" {
		return platform.Money{Currency: currency}, nil
	}
	m, err := platform.ParseMoney(s, currency)
	if err != nil {
		return platform.Money{}, fmt.Errorf("%s: %w", field, err)
	}
	return m, nil
}

// numberString reads a JSON number or string as a decimal string.
func numberString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func (c *Client) toOrder(o wooOrder) (platform.Order, error) {
	cur := strings.ToUpper(o.Currency)
	out := platform.Order{
		ID: id(o.ID), Name: "#" + o.Number, Email: o.Billing.Email, Phone: o.Billing.Phone,
		Note: o.CustomerNote, Currency: cur, FinancialStatus: financial(o.Status),
		FulfillmentStatus: "unfulfilled",
		ShippingAddress:   toAddress(o.Shipping), BillingAddress: toAddress(o.Billing),
		AdminURL:  c.cfg.BaseURL + "/wp-admin/post.php?post=" + id(o.ID) + "&action=edit",
		CreatedAt: parseGMT(o.DateCreatedGMT), UpdatedAt: parseGMT(o.DateModifiedGMT),
	}
	out.Number, _ = strconv.ParseInt(o.Number, 10, 64)
	if out.Number == 0 {
		out.Number = o.ID
	}
	out.ProcessedAt = out.CreatedAt
	if t := parseGMT(o.DatePaidGMT); !t.IsZero() {
		out.ProcessedAt = t
	}
	if o.Status == "completed" {
		out.FulfillmentStatus = "fulfilled"
	}
	if o.Status == "cancelled" {
		t := out.UpdatedAt
		out.CancelledAt = &t
	}
	if len(o.Refunds) > 0 && o.Status != "refunded" {
		out.FinancialStatus = platform.FinancialPartiallyRefunded
	}
	if tags, ok := metaValue(o.MetaData, MetaOrderTags); ok && tags != "" {
		out.Tags = strings.Split(tags, ",")
	}
	if o.CustomerID != 0 || o.Billing.Email != "" {
		out.Customer = &platform.Customer{ID: id(o.CustomerID), Email: o.Billing.Email,
			FirstName: o.Billing.FirstName, LastName: o.Billing.LastName, Phone: o.Billing.Phone}
		if o.CustomerID == 0 {
			out.Customer.ID = ""
		}
	}
	var err error
	if out.Total, err = mustMoney(o.Total, cur, "total"); err != nil {
		return platform.Order{}, err
	}
	if out.TotalTax, err = mustMoney(o.TotalTax, cur, "total_tax"); err != nil {
		return platform.Order{}, err
	}
	if out.TotalShipping, err = mustMoney(o.ShippingTotal, cur, "shipping_total"); err != nil {
		return platform.Order{}, err
	}
	sub := int64(0)
	for _, li := range o.LineItems {
		line := platform.OrderLine{ID: id(li.ID), ProductID: id(li.ProductID), SKU: li.SKU, Title: li.Name,
			Quantity: li.Quantity, Current: li.Quantity}
		if li.ProductID != 0 {
			line.VariantID = variantID(li.ProductID, li.VariationID)
		}
		subtotal, err := mustMoney(li.Subtotal, cur, "line_items.subtotal")
		if err != nil {
			return platform.Order{}, err
		}
		sub += subtotal.Amount
		if p := numberString(li.Price); p != "" && li.Quantity > 0 && subtotal.Amount != 0 {
			line.UnitPrice = platform.Money{Amount: subtotal.Amount / li.Quantity, Currency: cur}
		} else {
			line.UnitPrice = platform.Money{Currency: cur}
		}
		for _, m := range li.MetaData {
			if strings.HasPrefix(m.Key, "_") {
				continue
			}
			line.Properties = append(line.Properties, platform.Property{Name: m.Key, Value: m.str()})
			if li.VariationID != 0 {
				line.Options = append(line.Options, platform.Property{Name: m.Key, Value: m.str()})
			}
		}
		out.Lines = append(out.Lines, line)
	}
	out.Subtotal = platform.Money{Amount: sub, Currency: cur}
	for _, s := range o.ShippingLines {
		p, err := mustMoney(s.Total, cur, "shipping_lines.total")
		if err != nil {
			return platform.Order{}, err
		}
		out.ShippingLines = append(out.ShippingLines, platform.ShippingLine{Title: s.MethodTitle, Code: s.MethodID, Source: Platform, Price: p})
	}
	for _, d := range o.CouponLines {
		a, err := mustMoney(d.Discount, cur, "coupon_lines.discount")
		if err != nil {
			return platform.Order{}, err
		}
		out.Discounts = append(out.Discounts, platform.Discount{Code: d.Code, Amount: a})
	}
	for _, f := range o.FeeLines {
		if strings.HasPrefix(f.Name, "Discount") && strings.HasPrefix(f.Total, "-") {
			a, err := mustMoney(strings.TrimPrefix(f.Total, "-"), cur, "fee_lines.total")
			if err != nil {
				return platform.Order{}, err
			}
			out.Discounts = append(out.Discounts, platform.Discount{Code: strings.TrimSpace(strings.TrimPrefix(f.Name, "Discount")), Amount: a})
		}
	}
	return out, nil
}
