package woocommercesim

import (
	"encoding/json"
	"time"
)

// The simulator keeps each store's data in these types, which are also its state file's form.

// Meta is one meta_data entry.
type Meta struct {
	ID    int64           `json:"id"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Image is a product image.
type Image struct {
	ID  int64  `json:"id"`
	Src string `json:"src"`
	Alt string `json:"alt"`
}

// Attribute is a custom product attribute.
type Attribute struct {
	Name      string   `json:"name"`
	Position  int      `json:"position"`
	Visible   bool     `json:"visible"`
	Variation bool     `json:"variation"`
	Options   []string `json:"options"`
}

// VarAttribute is one attribute value of a variation.
type VarAttribute struct {
	Name   string `json:"name"`
	Option string `json:"option"`
}

// Stock is what products and variations share: SKU, prices, stock.
type Stock struct {
	SKU            string `json:"sku"`
	GlobalUniqueID string `json:"global_unique_id"`
	RegularPrice   string `json:"regular_price"`
	SalePrice      string `json:"sale_price"`
	ManageStock    bool   `json:"manage_stock"`
	StockQuantity  *int64 `json:"stock_quantity"`
	Backorders     string `json:"backorders"`
	Weight         string `json:"weight"`
}

// Variation is a variation of a variable product.
type Variation struct {
	ID int64 `json:"id"`
	Stock
	MenuOrder  int            `json:"menu_order"`
	Attributes []VarAttribute `json:"attributes"`
	Created    time.Time      `json:"created"`
	Modified   time.Time      `json:"modified"`
}

// Product is a product; a variable one has Variations.
type Product struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	Type        string `json:"type"`
	Status      string `json:"status"`
	Description string `json:"description"`
	Stock
	TagIDs     []int64      `json:"tag_ids"`
	Images     []Image      `json:"images"`
	Attributes []Attribute  `json:"attributes"`
	Variations []*Variation `json:"variations"`
	Meta       []Meta       `json:"meta"`
	Created    time.Time    `json:"created"`
	Modified   time.Time    `json:"modified"`
}

// Address is a billing or shipping address.
type Address struct {
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

// LineItem is an order line; money in minor units.
type LineItem struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ProductID   int64  `json:"product_id"`
	VariationID int64  `json:"variation_id"`
	Quantity    int64  `json:"quantity"`
	SKU         string `json:"sku"`
	Subtotal    int64  `json:"subtotal"`
	Total       int64  `json:"total"`
	Meta        []Meta `json:"meta"`
}

// ShippingLine is an order's shipping charge.
type ShippingLine struct {
	ID          int64  `json:"id"`
	MethodTitle string `json:"method_title"`
	MethodID    string `json:"method_id"`
	Total       int64  `json:"total"`
}

// FeeLine is a fee (negative for a discount).
type FeeLine struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Total int64  `json:"total"`
}

// Note is an order note.
type Note struct {
	ID           int64     `json:"id"`
	Author       string    `json:"author"`
	Note         string    `json:"note"`
	CustomerNote bool      `json:"customer_note"`
	Created      time.Time `json:"created"`
}

// Refund is a refund of an order.
type Refund struct {
	ID     int64     `json:"id"`
	Amount int64     `json:"amount"`
	Reason string    `json:"reason"`
	API    bool      `json:"api"`
	At     time.Time `json:"at"`
}

// Tracking is a Shipment Tracking extension item.
type Tracking struct {
	ID       string `json:"tracking_id"`
	Provider string `json:"tracking_provider"`
	Link     string `json:"tracking_link"`
	Number   string `json:"tracking_number"`
	Shipped  string `json:"date_shipped"`
}

// Order is an order.
type Order struct {
	ID            int64          `json:"id"`
	Status        string         `json:"status"`
	Currency      string         `json:"currency"`
	CustomerID    int64          `json:"customer_id"`
	CustomerNote  string         `json:"customer_note"`
	Billing       Address        `json:"billing"`
	Shipping      Address        `json:"shipping"`
	PaymentMethod string         `json:"payment_method"`
	TransactionID string         `json:"transaction_id"`
	Lines         []LineItem     `json:"lines"`
	ShippingLines []ShippingLine `json:"shipping_lines"`
	Fees          []FeeLine      `json:"fees"`
	Meta          []Meta         `json:"meta"`
	Notes         []Note         `json:"notes"`
	Refunds       []Refund       `json:"refunds"`
	Trackings     []Tracking     `json:"trackings"`
	StockReduced  bool           `json:"stock_reduced"`
	Created       time.Time      `json:"created"`
	Modified      time.Time      `json:"modified"`
	Paid          *time.Time     `json:"paid,omitempty"`
	Completed     *time.Time     `json:"completed,omitempty"`
}

// Tag is a product tag.
type Tag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// Webhook is a webhook subscription.
type Webhook struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"` // active, paused, disabled
	Topic       string    `json:"topic"`
	DeliveryURL string    `json:"delivery_url"`
	Secret      string    `json:"secret"`
	Failures    int       `json:"failure_count"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"modified"`
}

// StoreData is all of one store: its configuration and its objects.
type StoreData struct {
	Config   StoreConfig        `json:"config"`
	NextID   int64              `json:"next_id"`
	Products map[int64]*Product `json:"products"`
	Orders   map[int64]*Order   `json:"orders"`
	Tags     map[int64]*Tag     `json:"tags"`
	Webhooks map[int64]*Webhook `json:"webhooks"`
}
