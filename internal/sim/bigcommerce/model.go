package bigcommerce

import (
	"encoding/json"
	"time"
)

// The simulator keeps each store's resources in the API's own shapes, so what it stores is what
// it answers and what a state file holds.

// Product is a catalog v3 product with its variants, images and custom fields.
type Product struct {
	ID             int64         `json:"id"`
	Name           string        `json:"name"`
	Type           string        `json:"type"`
	SKU            string        `json:"sku"`
	Description    string        `json:"description"`
	Weight         json.Number   `json:"weight"`
	Price          json.Number   `json:"price"`
	RetailPrice    json.Number   `json:"retail_price"`
	SalePrice      json.Number   `json:"sale_price"`
	InventoryLevel int64         `json:"inventory_level"`
	Tracking       string        `json:"inventory_tracking"`
	IsVisible      bool          `json:"is_visible"`
	Availability   string        `json:"availability"`
	SearchKeywords string        `json:"search_keywords"`
	UPC            string        `json:"upc"`
	CustomURL      CustomURL     `json:"custom_url"`
	DateCreated    time.Time     `json:"date_created"`
	DateModified   time.Time     `json:"date_modified"`
	BaseVariantID  int64         `json:"base_variant_id"`
	Options        []Option      `json:"options,omitempty"`
	Variants       []*Variant    `json:"variants,omitempty"`
	Images         []*Image      `json:"images,omitempty"`
	CustomFields   []CustomField `json:"custom_fields,omitempty"`
}

// CustomURL is a product's storefront path.
type CustomURL struct {
	URL          string `json:"url"`
	IsCustomized bool   `json:"is_customized"`
}

// CustomField is a name and value on a product.
type CustomField struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Option is a variant option of a product ("Size") with its values' ids by label.
type Option struct {
	ID          int64            `json:"id"`
	DisplayName string           `json:"display_name"`
	Values      map[string]int64 `json:"values"`
}

// Variant is one sellable item of a product.
type Variant struct {
	ID             int64         `json:"id"`
	ProductID      int64         `json:"product_id"`
	SKU            string        `json:"sku"`
	Price          *json.Number  `json:"price"`
	RetailPrice    *json.Number  `json:"retail_price"`
	Weight         *json.Number  `json:"weight"`
	UPC            string        `json:"upc"`
	InventoryLevel int64         `json:"inventory_level"`
	OptionValues   []OptionValue `json:"option_values"`
}

// OptionValue is one option's value on a variant.
type OptionValue struct {
	ID                int64  `json:"id"`
	OptionID          int64  `json:"option_id"`
	Label             string `json:"label"`
	OptionDisplayName string `json:"option_display_name"`
}

// Image is a product image.
type Image struct {
	ID          int64  `json:"id"`
	ProductID   int64  `json:"product_id"`
	ImageURL    string `json:"image_file"`
	URLStandard string `json:"url_standard"`
	Description string `json:"description"`
	SortOrder   int    `json:"sort_order"`
	IsThumbnail bool   `json:"is_thumbnail"`
}

// Location is an Inventory API location.
type Location struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Label   string `json:"label"`
	Enabled bool   `json:"enabled"`
	TypeID  string `json:"type_id"`
}

// Address is an order's billing or shipping address.
type Address struct {
	ID             int64  `json:"id,omitempty"`
	OrderID        int64  `json:"order_id,omitempty"`
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	Company        string `json:"company"`
	Street1        string `json:"street_1"`
	Street2        string `json:"street_2"`
	City           string `json:"city"`
	State          string `json:"state"`
	Zip            string `json:"zip"`
	Country        string `json:"country"`
	CountryISO2    string `json:"country_iso2"`
	Phone          string `json:"phone"`
	Email          string `json:"email"`
	ShippingMethod string `json:"shipping_method,omitempty"`
	CostIncTax     string `json:"cost_inc_tax,omitempty"`
}

// OrderProduct is one line of an order.
type OrderProduct struct {
	ID              int64           `json:"id"`
	OrderID         int64           `json:"order_id"`
	ProductID       int64           `json:"product_id"`
	VariantID       int64           `json:"variant_id"`
	OrderAddressID  int64           `json:"order_address_id"`
	Name            string          `json:"name"`
	SKU             string          `json:"sku"`
	UPC             string          `json:"upc"`
	PriceIncTax     string          `json:"price_inc_tax"`
	PriceExTax      string          `json:"price_ex_tax"`
	Quantity        int64           `json:"quantity"`
	QuantityShipped int64           `json:"quantity_shipped"`
	QuantityRefund  int64           `json:"quantity_refunded"`
	ProductOptions  []ProductOption `json:"product_options"`
}

// ProductOption is a line's option as v2 orders show it.
type ProductOption struct {
	DisplayName  string `json:"display_name"`
	DisplayValue string `json:"display_value"`
}

// Shipment is a v2 order shipment.
type Shipment struct {
	ID               int64          `json:"id"`
	OrderID          int64          `json:"order_id"`
	OrderAddressID   int64          `json:"order_address_id"`
	DateCreated      string         `json:"date_created"`
	TrackingNumber   string         `json:"tracking_number"`
	ShippingProvider string         `json:"shipping_provider"`
	TrackingCarrier  string         `json:"tracking_carrier"`
	TrackingLink     string         `json:"tracking_link"`
	Comments         string         `json:"comments"`
	Items            []ShipmentItem `json:"items"`
}

// ShipmentItem is how much of one order line a shipment carries.
type ShipmentItem struct {
	OrderProductID int64 `json:"order_product_id"`
	ProductID      int64 `json:"product_id"`
	Quantity       int64 `json:"quantity"`
}

// Order is a v2 order with its lines, shipping addresses and shipments.
type Order struct {
	ID                 int64           `json:"id"`
	CustomerID         int64           `json:"customer_id"`
	Created            time.Time       `json:"created"`
	Modified           time.Time       `json:"modified"`
	StatusID           int             `json:"status_id"`
	SubtotalExTax      string          `json:"subtotal_ex_tax"`
	ShippingCostIncTax string          `json:"shipping_cost_inc_tax"`
	TotalTax           string          `json:"total_tax"`
	TotalIncTax        string          `json:"total_inc_tax"`
	DiscountAmount     string          `json:"discount_amount"`
	PaymentStatus      string          `json:"payment_status"`
	CurrencyCode       string          `json:"currency_code"`
	CustomerMessage    string          `json:"customer_message"`
	StaffNotes         string          `json:"staff_notes"`
	BillingAddress     Address         `json:"billing_address"`
	Products           []*OrderProduct `json:"products"`
	ShippingAddresses  []*Address      `json:"shipping_addresses"`
	Shipments          []*Shipment     `json:"shipments"`
}

// Hook is a v3 webhook subscription.
type Hook struct {
	ID          int64             `json:"id"`
	ClientID    string            `json:"client_id"`
	StoreHash   string            `json:"store_hash"`
	Scope       string            `json:"scope"`
	Destination string            `json:"destination"`
	IsActive    bool              `json:"is_active"`
	Headers     map[string]string `json:"headers"`
	CreatedAt   int64             `json:"created_at"`
	UpdatedAt   int64             `json:"updated_at"`
}

// storeData is everything a store holds, as its state file keeps it.
type storeData struct {
	NextID    int64              `json:"next_id"`
	Products  map[int64]*Product `json:"products"`
	Locations []*Location        `json:"locations"`
	// Levels is each variant's available quantity per location id.
	Levels map[int64]map[int64]int64 `json:"levels"`
	Orders map[int64]*Order          `json:"orders"`
	Hooks  map[int64]*Hook           `json:"hooks"`
}

// Order status names of the v2 API, by id.
var statusNames = map[int]string{
	0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
	6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
	11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded",
}
