package woocommerce

import "encoding/json"

// The REST API's resources, as far as storesync reads and writes them. Money and weights are
// decimal strings; *_gmt dates are UTC without an offset.

type wooMeta struct {
	ID    int64           `json:"id,omitempty"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

func (m wooMeta) str() string {
	var s string
	if json.Unmarshal(m.Value, &s) == nil {
		return s
	}
	return string(m.Value)
}

func metaValue(meta []wooMeta, key string) (string, bool) {
	for _, m := range meta {
		if m.Key == key {
			return m.str(), true
		}
	}
	return "", false
}

func strMeta(key, value string) wooMeta {
	b, err := json.Marshal(value)
	if err != nil { // cannot happen: json.Marshal encodes every string (invalid UTF-8 as U+FFFD)
		panic("woocommerce: encoding a meta value: " + err.Error())
	}
	return wooMeta{Key: key, Value: b}
}

type wooTag struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
}

type wooImage struct {
	ID       int64  `json:"id,omitempty"`
	Src      string `json:"src,omitempty"`
	Alt      string `json:"alt"`
	Position int    `json:"position"`
}

type wooAttribute struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Position  int      `json:"position"`
	Visible   bool     `json:"visible"`
	Variation bool     `json:"variation"`
	Options   []string `json:"options"`
}

type wooVarAttribute struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Option string `json:"option"`
}

type wooProduct struct {
	ID              int64           `json:"id"`
	Name            string          `json:"name"`
	Slug            string          `json:"slug"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	Description     string          `json:"description"`
	SKU             string          `json:"sku"`
	GlobalUniqueID  string          `json:"global_unique_id"`
	Price           string          `json:"price"`
	RegularPrice    string          `json:"regular_price"`
	SalePrice       string          `json:"sale_price"`
	DateCreatedGMT  string          `json:"date_created_gmt"`
	DateModifiedGMT string          `json:"date_modified_gmt"`
	ManageStock     json.RawMessage `json:"manage_stock"` // bool, or "parent" on variations
	StockQuantity   *int64          `json:"stock_quantity"`
	Backorders      string          `json:"backorders"`
	Weight          string          `json:"weight"`
	Tags            []wooTag        `json:"tags"`
	Images          []wooImage      `json:"images"`
	Attributes      []wooAttribute  `json:"attributes"`
	Variations      []int64         `json:"variations"`
	MetaData        []wooMeta       `json:"meta_data"`
}

type wooVariation struct {
	ID              int64             `json:"id"`
	SKU             string            `json:"sku"`
	GlobalUniqueID  string            `json:"global_unique_id"`
	Price           string            `json:"price"`
	RegularPrice    string            `json:"regular_price"`
	SalePrice       string            `json:"sale_price"`
	DateModifiedGMT string            `json:"date_modified_gmt"`
	ManageStock     json.RawMessage   `json:"manage_stock"`
	StockQuantity   *int64            `json:"stock_quantity"`
	Backorders      string            `json:"backorders"`
	Weight          string            `json:"weight"`
	MenuOrder       int               `json:"menu_order"`
	Attributes      []wooVarAttribute `json:"attributes"`
}

type wooAddress struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

type wooLineItem struct {
	ID          int64           `json:"id,omitempty"`
	Name        string          `json:"name,omitempty"`
	ProductID   int64           `json:"product_id,omitempty"`
	VariationID int64           `json:"variation_id,omitempty"`
	Quantity    int64           `json:"quantity"`
	SKU         string          `json:"sku,omitempty"`
	Price       json.RawMessage `json:"price,omitempty"` // a number in answers
	Subtotal    string          `json:"subtotal,omitempty"`
	Total       string          `json:"total,omitempty"`
	MetaData    []wooMeta       `json:"meta_data,omitempty"`
}

type wooShippingLine struct {
	ID          int64  `json:"id,omitempty"`
	MethodTitle string `json:"method_title"`
	MethodID    string `json:"method_id"`
	Total       string `json:"total"`
}

type wooCouponLine struct {
	ID       int64  `json:"id,omitempty"`
	Code     string `json:"code"`
	Discount string `json:"discount,omitempty"`
}

type wooFeeLine struct {
	Name      string `json:"name"`
	Total     string `json:"total"`
	TaxStatus string `json:"tax_status"`
}

type wooRefund struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	Total  string `json:"total"`
}

type wooOrder struct {
	ID                 int64             `json:"id"`
	Number             string            `json:"number"`
	Status             string            `json:"status"`
	Currency           string            `json:"currency"`
	DateCreatedGMT     string            `json:"date_created_gmt"`
	DateModifiedGMT    string            `json:"date_modified_gmt"`
	DatePaidGMT        string            `json:"date_paid_gmt"`
	DateCompletedGMT   string            `json:"date_completed_gmt"`
	DiscountTotal      string            `json:"discount_total"`
	ShippingTotal      string            `json:"shipping_total"`
	TotalTax           string            `json:"total_tax"`
	Total              string            `json:"total"`
	CustomerID         int64             `json:"customer_id"`
	CustomerNote       string            `json:"customer_note"`
	Billing            wooAddress        `json:"billing"`
	Shipping           wooAddress        `json:"shipping"`
	PaymentMethod      string            `json:"payment_method"`
	PaymentMethodTitle string            `json:"payment_method_title"`
	TransactionID      string            `json:"transaction_id"`
	SetPaid            bool              `json:"set_paid,omitempty"`
	MetaData           []wooMeta         `json:"meta_data"`
	LineItems          []wooLineItem     `json:"line_items"`
	ShippingLines      []wooShippingLine `json:"shipping_lines"`
	CouponLines        []wooCouponLine   `json:"coupon_lines"`
	FeeLines           []wooFeeLine      `json:"fee_lines"`
	Refunds            []wooRefund       `json:"refunds"`
}

type wooNote struct {
	ID             int64  `json:"id"`
	Author         string `json:"author"`
	DateCreatedGMT string `json:"date_created_gmt"`
	Note           string `json:"note"`
	CustomerNote   bool   `json:"customer_note"`
}

type wooTracking struct {
	TrackingID             string `json:"tracking_id"`
	TrackingProvider       string `json:"tracking_provider"`
	CustomTrackingProvider string `json:"custom_tracking_provider,omitempty"`
	TrackingLink           string `json:"tracking_link"`
	CustomTrackingLink     string `json:"custom_tracking_link,omitempty"`
	TrackingNumber         string `json:"tracking_number"`
	DateShipped            string `json:"date_shipped"`
}

type wooWebhook struct {
	ID          int64  `json:"id,omitempty"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Topic       string `json:"topic"`
	DeliveryURL string `json:"delivery_url"`
	Secret      string `json:"secret,omitempty"`
}

type wooBatchResult[T any] struct {
	Create []batchItem[T] `json:"create"`
	Update []batchItem[T] `json:"update"`
	Delete []batchItem[T] `json:"delete"`
}

// batchItem is one result of a batch call: the resource, or an error in its place.
type batchItem[T any] struct {
	Value T
	Err   *restError
}

func (b *batchItem[T]) UnmarshalJSON(raw []byte) error {
	var probe struct {
		ID    int64      `json:"id"`
		Error *restError `json:"error"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return err
	}
	if probe.Error != nil {
		b.Err = probe.Error
		return nil
	}
	return json.Unmarshal(raw, &b.Value)
}
