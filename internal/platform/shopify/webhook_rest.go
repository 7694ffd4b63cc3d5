package shopify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// Webhook payloads use Shopify's REST shapes: snake_case, numeric ids (exact in real payloads;
// decoded as json.Number so no float is ever involved), money as decimal strings with a
// *_set.shop_money twin carrying the currency. Ids are turned into the GraphQL global ids the
// client uses everywhere else, preferring admin_graphql_api_id when the payload has one.

type rID = json.Number

func gid(kind string, admin string, id rID) string {
	if admin != "" {
		return admin
	}
	if id == "" {
		return ""
	}
	return "gid://shopify/" + kind + "/" + id.String()
}

type rMoneySet struct {
	ShopMoney struct {
		Amount       string `json:"amount"`
		CurrencyCode string `json:"currency_code"`
	} `json:"shop_money"`
}

// money prefers the *_set twin (it names its currency); plain is the bare amount in currency.
func money(set *rMoneySet, plain, currency string) (platform.Money, error) {
	if set != nil && set.ShopMoney.Amount != "" {
		return platform.ParseMoney(set.ShopMoney.Amount, set.ShopMoney.CurrencyCode)
	}
	if plain == "" {
		return platform.Money{}, nil
	}
	return platform.ParseMoney(plain, currency)
}

type rAddress struct {
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Company      string `json:"company"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	CountryCode  string `json:"country_code"`
	Phone        string `json:"phone"`
}

func (a *rAddress) address() *platform.Address {
	if a == nil {
		return nil
	}
	return &platform.Address{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Address1: a.Address1,
		Address2: a.Address2, City: a.City, Province: a.Province, ProvinceCode: a.ProvinceCode,
		Zip: a.Zip, Country: a.Country, CountryCode: a.CountryCode, Phone: a.Phone,
	}
}

type rOrder struct {
	ID                    rID        `json:"id"`
	AdminID               string     `json:"admin_graphql_api_id"`
	Name                  string     `json:"name"`
	OrderNumber           int64      `json:"order_number"`
	Email                 string     `json:"email"`
	Phone                 string     `json:"phone"`
	Note                  string     `json:"note"`
	Tags                  string     `json:"tags"`
	Currency              string     `json:"currency"`
	FinancialStatus       string     `json:"financial_status"`
	FulfillmentStatus     string     `json:"fulfillment_status"`
	Test                  bool       `json:"test"`
	CancelledAt           *time.Time `json:"cancelled_at"`
	CancelReason          string     `json:"cancel_reason"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
	ProcessedAt           time.Time  `json:"processed_at"`
	SubtotalPrice         string     `json:"subtotal_price"`
	SubtotalPriceSet      *rMoneySet `json:"subtotal_price_set"`
	TotalTax              string     `json:"total_tax"`
	TotalTaxSet           *rMoneySet `json:"total_tax_set"`
	TotalShippingPriceSet *rMoneySet `json:"total_shipping_price_set"`
	TotalDiscounts        string     `json:"total_discounts"`
	TotalDiscountsSet     *rMoneySet `json:"total_discounts_set"`
	DiscountCodes         []struct {
		Code string `json:"code"`
	} `json:"discount_codes"`
	TotalPrice    string     `json:"total_price"`
	TotalPriceSet *rMoneySet `json:"total_price_set"`
	Customer      *struct {
		ID        rID    `json:"id"`
		AdminID   string `json:"admin_graphql_api_id"`
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Phone     string `json:"phone"`
	} `json:"customer"`
	ShippingAddress *rAddress `json:"shipping_address"`
	BillingAddress  *rAddress `json:"billing_address"`
	LineItems       []struct {
		ID              rID        `json:"id"`
		AdminID         string     `json:"admin_graphql_api_id"`
		VariantID       rID        `json:"variant_id"`
		ProductID       rID        `json:"product_id"`
		SKU             string     `json:"sku"`
		Title           string     `json:"title"`
		Quantity        int64      `json:"quantity"`
		CurrentQuantity *int64     `json:"current_quantity"`
		Price           string     `json:"price"`
		PriceSet        *rMoneySet `json:"price_set"`
		VariantTitle    string     `json:"variant_title"`
		Properties      []struct {
			Name  string     `json:"name"`
			Value rPropValue `json:"value"`
		} `json:"properties"`
	} `json:"line_items"`
	ShippingLines []struct {
		Title    string     `json:"title"`
		Code     string     `json:"code"`
		Source   string     `json:"source"`
		Price    string     `json:"price"`
		PriceSet *rMoneySet `json:"price_set"`
	} `json:"shipping_lines"`
}

// order converts an orders/* payload; shop is the shop's domain, for the admin link. REST
// payloads carry no transactions, so TransactionsIncluded stays false.
func (r *rOrder) order(shop string) (platform.Order, error) {
	o := platform.Order{
		ID: gid("Order", r.AdminID, r.ID), Name: r.Name, Number: r.OrderNumber, Email: r.Email, Phone: r.Phone,
		Note: r.Note, Tags: splitTags(r.Tags), Currency: r.Currency, FinancialStatus: financialStatus(r.FinancialStatus),
		FulfillmentStatus: r.FulfillmentStatus, Test: r.Test, CancelledAt: r.CancelledAt, CancelReason: r.CancelReason,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ProcessedAt: r.ProcessedAt,
		ShippingAddress: r.ShippingAddress.address(), BillingAddress: r.BillingAddress.address(),
	}
	o.AdminURL = adminOrderURL(shop, o.ID)
	if o.FulfillmentStatus == "" {
		o.FulfillmentStatus = "unfulfilled"
	}
	var err error
	for _, m := range []struct {
		dst   *platform.Money
		set   *rMoneySet
		plain string
	}{{&o.Subtotal, r.SubtotalPriceSet, r.SubtotalPrice}, {&o.TotalTax, r.TotalTaxSet, r.TotalTax}, {&o.TotalShipping, r.TotalShippingPriceSet, ""}, {&o.Total, r.TotalPriceSet, r.TotalPrice}} {
		if *m.dst, err = money(m.set, m.plain, r.Currency); err != nil {
			return platform.Order{}, fmt.Errorf("order %s: %w", o.ID, err)
		}
	}
	if r.TotalDiscounts != "" || r.TotalDiscountsSet != nil {
		d, err := money(r.TotalDiscountsSet, r.TotalDiscounts, r.Currency)
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s discounts: %w", o.ID, err)
		}
		codes := make([]string, 0, len(r.DiscountCodes))
		for _, c := range r.DiscountCodes {
			codes = append(codes, c.Code)
		}
		o.Discounts = orderDiscounts(codes, d)
	}
	if c := r.Customer; c != nil {
		o.Customer = &platform.Customer{ID: gid("Customer", c.AdminID, c.ID), Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone}
	}
	for _, li := range r.LineItems {
		price, err := money(li.PriceSet, li.Price, r.Currency)
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s line %s: %w", o.ID, li.ID, err)
		}
		cur := li.Quantity
		if li.CurrentQuantity != nil {
			cur = *li.CurrentQuantity
		}
		line := platform.OrderLine{
			ID: gid("LineItem", li.AdminID, li.ID), VariantID: gid("ProductVariant", "", li.VariantID),
			ProductID: gid("Product", "", li.ProductID), SKU: li.SKU, Title: li.Title,
			Quantity: li.Quantity, Current: cur, UnitPrice: price, VariantTitle: variantTitle(li.VariantTitle),
		}
		for _, p := range li.Properties {
			line.Properties = append(line.Properties, platform.Property{Name: p.Name, Value: string(p.Value)})
		}
		o.Lines = append(o.Lines, line)
	}
	for _, s := range r.ShippingLines {
		price, err := money(s.PriceSet, s.Price, r.Currency)
		if err != nil {
			return platform.Order{}, fmt.Errorf("order %s shipping: %w", o.ID, err)
		}
		o.ShippingLines = append(o.ShippingLines, platform.ShippingLine{Title: s.Title, Code: s.Code, Source: s.Source, Price: price})
	}
	return o, nil
}

// rPropValue is a line property's value. Shopify sends strings; a theme's number or boolean
// (older storefronts) is kept as its JSON text, and null as "".
type rPropValue string

func (v *rPropValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = rPropValue(s)
		return nil
	}
	if string(b) == "null" {
		*v = ""
		return nil
	}
	*v = rPropValue(b)
	return nil
}

func splitTags(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

type rProduct struct {
	ID          rID       `json:"id"`
	AdminID     string    `json:"admin_graphql_api_id"`
	Title       string    `json:"title"`
	Handle      string    `json:"handle"`
	Status      string    `json:"status"`
	Vendor      string    `json:"vendor"`
	ProductType string    `json:"product_type"`
	Tags        string    `json:"tags"`
	BodyHTML    string    `json:"body_html"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Options     []struct {
		Name string `json:"name"`
	} `json:"options"`
	Variants []struct {
		ID                rID       `json:"id"`
		AdminID           string    `json:"admin_graphql_api_id"`
		Title             string    `json:"title"`
		SKU               string    `json:"sku"`
		Barcode           string    `json:"barcode"`
		Price             string    `json:"price"`
		CompareAtPrice    string    `json:"compare_at_price"`
		Position          int       `json:"position"`
		InventoryPolicy   string    `json:"inventory_policy"`
		InventoryItemID   rID       `json:"inventory_item_id"`
		InventoryQuantity *int64    `json:"inventory_quantity"`
		UpdatedAt         time.Time `json:"updated_at"`
		Option1           string    `json:"option1"`
		Option2           string    `json:"option2"`
		Option3           string    `json:"option3"`
	} `json:"variants"`
}

func (r *rProduct) product(currency string) (platform.Product, error) {
	p := platform.Product{
		ID: gid("Product", r.AdminID, r.ID), Title: r.Title, Handle: r.Handle, Status: platform.ProductStatus(r.Status),
		Vendor: r.Vendor, ProductType: r.ProductType, Tags: splitTags(r.Tags), DescriptionHTML: r.BodyHTML,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	for _, o := range r.Options {
		p.Options = append(p.Options, o.Name)
	}
	for _, v := range r.Variants {
		if currency == "" {
			return platform.Product{}, fmt.Errorf("product %s: shop currency unknown, cannot read prices", p.ID)
		}
		price, err := platform.ParseMoney(orZero(v.Price), currency)
		if err != nil {
			return platform.Product{}, fmt.Errorf("product %s variant %s: %w", p.ID, v.ID, err)
		}
		pv := platform.Variant{
			ID: gid("ProductVariant", v.AdminID, v.ID), ProductID: p.ID, InventoryItemID: gid("InventoryItem", "", v.InventoryItemID),
			Title: v.Title, SKU: v.SKU, Barcode: v.Barcode, Price: price, Position: v.Position, Quantity: v.InventoryQuantity,
			AllowBackorder: v.InventoryPolicy == "continue", UpdatedAt: v.UpdatedAt,
		}
		if v.CompareAtPrice != "" {
			cp, err := platform.ParseMoney(v.CompareAtPrice, currency)
			if err != nil {
				return platform.Product{}, fmt.Errorf("product %s variant %s: %w", p.ID, v.ID, err)
			}
			pv.CompareAtPrice = &cp
		}
		for _, o := range []string{v.Option1, v.Option2, v.Option3}[:min(3, max(len(r.Options), 1))] {
			if o != "" {
				pv.Options = append(pv.Options, o)
			}
		}
		p.Variants = append(p.Variants, pv)
	}
	return p, nil
}

type rInventoryLevel struct {
	InventoryItemID rID       `json:"inventory_item_id"`
	LocationID      rID       `json:"location_id"`
	Available       *int64    `json:"available"`
	UpdatedAt       time.Time `json:"updated_at"`
}

type rFulfillment struct {
	ID              rID       `json:"id"`
	AdminID         string    `json:"admin_graphql_api_id"`
	OrderID         rID       `json:"order_id"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	TrackingCompany string    `json:"tracking_company"`
	TrackingNumbers []string  `json:"tracking_numbers"`
	TrackingURLs    []string  `json:"tracking_urls"`
	TrackingNumber  string    `json:"tracking_number"`
	TrackingURL     string    `json:"tracking_url"`
	LineItems       []struct {
		ID       rID    `json:"id"`
		AdminID  string `json:"admin_graphql_api_id"`
		SKU      string `json:"sku"`
		Quantity int64  `json:"quantity"`
	} `json:"line_items"`
}

func (r *rFulfillment) fulfillment() platform.Fulfillment {
	f := platform.Fulfillment{
		ID: gid("Fulfillment", r.AdminID, r.ID), OrderID: gid("Order", "", r.OrderID), Name: r.Name,
		Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	numbers, urls := r.TrackingNumbers, r.TrackingURLs
	if len(numbers) == 0 && r.TrackingNumber != "" {
		numbers, urls = []string{r.TrackingNumber}, []string{r.TrackingURL}
	}
	for i, n := range numbers {
		t := platform.Tracking{Company: r.TrackingCompany, Number: n}
		if i < len(urls) {
			t.URL = urls[i]
		}
		f.Tracking = append(f.Tracking, t)
	}
	for _, li := range r.LineItems {
		f.Lines = append(f.Lines, platform.FulfillmentLine{OrderLineID: gid("LineItem", li.AdminID, li.ID), SKU: li.SKU, Quantity: li.Quantity})
	}
	return f
}

type rShop struct {
	ID              rID    `json:"id"`
	Name            string `json:"name"`
	Email           string `json:"email"`
	Domain          string `json:"domain"`
	MyshopifyDomain string `json:"myshopify_domain"`
	Currency        string `json:"currency"`
	IanaTimezone    string `json:"iana_timezone"`
	PlanDisplayName string `json:"plan_display_name"`
}
