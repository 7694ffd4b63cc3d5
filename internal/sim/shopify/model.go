package shopifysim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// shopData is everything a simulated shop stores. Entities refer to each other by numeric id, not
// by pointer, so the whole struct is the state file's JSON as is.
type shopData struct {
	NextID            int64                        `json:"next_id"`
	NextOrderNumber   int                          `json:"next_order_number"`
	Locations         map[int64]*location          `json:"locations"`
	Products          map[int64]*product           `json:"products"`
	Variants          map[int64]*variant           `json:"variants"`
	Items             map[int64]*inventoryItem     `json:"inventory_items"`
	Customers         map[int64]*customer          `json:"customers"`
	Orders            map[int64]*order             `json:"orders"`
	FulfillmentOrders map[int64]*fulfillmentOrder  `json:"fulfillment_orders"`
	Fulfillments      map[int64]*fulfillment       `json:"fulfillments"`
	Subscriptions     map[int64]*webhookSub        `json:"webhook_subscriptions"`
	BulkOperations    map[int64]*bulkOperation     `json:"bulk_operations"`
	Idempotency       map[string]*idempotentResult `json:"idempotency"`
}

func newShopData(firstID int64) *shopData {
	return &shopData{
		NextID:            firstID,
		NextOrderNumber:   1001,
		Locations:         map[int64]*location{},
		Products:          map[int64]*product{},
		Variants:          map[int64]*variant{},
		Items:             map[int64]*inventoryItem{},
		Customers:         map[int64]*customer{},
		Orders:            map[int64]*order{},
		FulfillmentOrders: map[int64]*fulfillmentOrder{},
		Fulfillments:      map[int64]*fulfillment{},
		Subscriptions:     map[int64]*webhookSub{},
		BulkOperations:    map[int64]*bulkOperation{},
		Idempotency:       map[string]*idempotentResult{},
	}
}

// newID hands out ids that grow like Shopify's: large, unique within the shop, never reused.
func (d *shopData) newID() int64 {
	d.NextID++
	return d.NextID
}

type location struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Address1  string    `json:"address1"`
	City      string    `json:"city"`
	Province  string    `json:"province_code"`
	Zip       string    `json:"zip"`
	Country   string    `json:"country_code"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

type product struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Handle      string     `json:"handle"`
	Vendor      string     `json:"vendor"`
	ProductType string     `json:"product_type"`
	Description string     `json:"description_html"`
	Status      string     `json:"status"`
	Tags        []string   `json:"tags"`
	Options     []option   `json:"options"`
	VariantIDs  []int64    `json:"variant_ids"`
	Images      []image    `json:"images"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at"`
}

// image is a product's MediaImage; Shopify fetches it from the source URL and serves it from its
// CDN, which the simulator imitates by rewriting the URL (see cdnURL) without fetching anything.
type image struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Alt       string    `json:"alt"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// weight is an inventory item's weight as Shopify keeps it: a decimal value with its unit.
type weight struct {
	Value string `json:"value"` // decimal, as the client's Float was written ("1.5")
	Unit  string `json:"unit"`  // WeightUnit
}

type option struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

type variant struct {
	ID              int64     `json:"id"`
	ProductID       int64     `json:"product_id"`
	InventoryItemID int64     `json:"inventory_item_id"`
	Title           string    `json:"title"`
	SKU             string    `json:"sku"`
	Barcode         string    `json:"barcode"`
	Price           int64     `json:"price"`
	CompareAtPrice  *int64    `json:"compare_at_price"`
	Position        int       `json:"position"`
	InventoryPolicy string    `json:"inventory_policy"`
	OptionValues    []string  `json:"option_values"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

type inventoryItem struct {
	ID        int64                     `json:"id"`
	VariantID int64                     `json:"variant_id"`
	Tracked   bool                      `json:"tracked"`
	Cost      *int64                    `json:"cost"`
	Weight    *weight                   `json:"weight"`
	Levels    map[int64]*inventoryLevel `json:"levels"`
	CreatedAt time.Time                 `json:"created_at"`
	UpdatedAt time.Time                 `json:"updated_at"`
}

// inventoryLevel keeps Shopify's quantity names: available + committed = on_hand here (no
// reserved, damaged or incoming stock is simulated).
type inventoryLevel struct {
	ItemID     int64     `json:"item_id"`
	LocationID int64     `json:"location_id"`
	Available  int       `json:"available"`
	Committed  int       `json:"committed"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func (l *inventoryLevel) quantity(name string) (int, bool) {
	switch name {
	case "available":
		return l.Available, true
	case "committed":
		return l.Committed, true
	case "on_hand":
		return l.Available + l.Committed, true
	case "incoming", "reserved", "damaged", "safety_stock", "quality_control":
		return 0, true
	}
	return 0, false
}

type customer struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Phone     string    `json:"phone"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type address struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address1"`
	Address2  string `json:"address2"`
	City      string `json:"city"`
	Province  string `json:"province_code"`
	Zip       string `json:"zip"`
	Country   string `json:"country_code"`
	Phone     string `json:"phone"`
}

func (a *address) name() string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

type order struct {
	ID                 int64      `json:"id"`
	Number             int        `json:"number"`
	Name               string     `json:"name"`
	Email              string     `json:"email"`
	Phone              string     `json:"phone"`
	Note               string     `json:"note"`
	Tags               []string   `json:"tags"`
	CustomerID         int64      `json:"customer_id"`
	ShippingAddress    *address   `json:"shipping_address"`
	BillingAddress     *address   `json:"billing_address"`
	Lines              []lineItem `json:"line_items"`
	ShippingLines      []shipLine `json:"shipping_lines"`
	DiscountCode       string     `json:"discount_code,omitempty"`
	Discount           int64      `json:"discount,omitempty"` // minor units taken off the order
	Currency           string     `json:"currency"`
	FinancialStatus    string     `json:"financial_status"`
	CancelledAt        *time.Time `json:"cancelled_at"`
	CancelReason       string     `json:"cancel_reason"`
	ClosedAt           *time.Time `json:"closed_at"`
	SourceName         string     `json:"source_name"`
	SourceIdentifier   string     `json:"source_identifier"`
	Test               bool       `json:"test"`
	InventoryBehaviour string     `json:"inventory_behaviour"`
	FulfillmentOrders  []int64    `json:"fulfillment_order_ids"`
	Fulfillments       []int64    `json:"fulfillment_ids"`
	// Transactions are the order's payments, oldest first (see payment.go).
	Transactions []transaction `json:"transactions,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	ProcessedAt  time.Time     `json:"processed_at"`
}

type lineItem struct {
	ID               int64  `json:"id"`
	VariantID        int64  `json:"variant_id"`
	ProductID        int64  `json:"product_id"`
	Title            string `json:"title"`
	VariantTitle     string `json:"variant_title"`
	SKU              string `json:"sku"`
	Vendor           string `json:"vendor"`
	Quantity         int    `json:"quantity"`
	CurrentQuantity  int    `json:"current_quantity"`
	Fulfilled        int    `json:"fulfilled_quantity"`
	UnitPrice        int64  `json:"unit_price"`
	RequiresShipping bool   `json:"requires_shipping"`
	Taxable          bool   `json:"taxable"`
	// Properties are the line's custom attributes (GraphQL customAttributes, REST properties).
	Properties []Property `json:"properties,omitempty"`
}

// Property is one name and value of an order line's custom attributes, as a storefront's theme
// sets them (a logo's name, its location, an engraving).
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type shipLine struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Code   string `json:"code"`
	Source string `json:"source"`
	Price  int64  `json:"price"`
}

func (o *order) subtotal() int64 {
	var sum int64
	for _, l := range o.Lines {
		sum += l.UnitPrice * int64(l.Quantity)
	}
	return sum
}

func (o *order) currentSubtotal() int64 {
	var sum int64
	for _, l := range o.Lines {
		sum += l.UnitPrice * int64(l.CurrentQuantity)
	}
	return sum
}

func (o *order) shipping() int64 {
	var sum int64
	for _, s := range o.ShippingLines {
		sum += s.Price
	}
	return sum
}

func (o *order) total() int64 { return o.subtotal() + o.shipping() - o.Discount }

func (o *order) lineByID(id int64) *lineItem {
	for i := range o.Lines {
		if o.Lines[i].ID == id {
			return &o.Lines[i]
		}
	}
	return nil
}

// fulfillmentStatus derives Order.displayFulfillmentStatus from the line quantities.
func (o *order) fulfillmentStatus() string {
	total, done := 0, 0
	for _, l := range o.Lines {
		total += l.CurrentQuantity
		done += min(l.Fulfilled, l.CurrentQuantity)
	}
	switch {
	case total > 0 && done >= total:
		return "FULFILLED"
	case done > 0:
		return "PARTIALLY_FULFILLED"
	}
	return "UNFULFILLED"
}

type fulfillmentOrder struct {
	ID            int64     `json:"id"`
	OrderID       int64     `json:"order_id"`
	LocationID    int64     `json:"location_id"`
	Status        string    `json:"status"`
	RequestStatus string    `json:"request_status"`
	Lines         []foLine  `json:"line_items"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type foLine struct {
	ID         int64 `json:"id"`
	LineItemID int64 `json:"line_item_id"`
	Total      int   `json:"total_quantity"`
	Remaining  int   `json:"remaining_quantity"`
}

type fulfillment struct {
	ID         int64     `json:"id"`
	OrderID    int64     `json:"order_id"`
	LocationID int64     `json:"location_id"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Company    string    `json:"tracking_company"`
	Number     string    `json:"tracking_number"`
	URL        string    `json:"tracking_url"`
	Lines      []flLine  `json:"line_items"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Numbers and URLs are every parcel's when there are several (Number and URL are the first).
	Numbers []string `json:"tracking_numbers,omitempty"`
	URLs    []string `json:"tracking_urls,omitempty"`
}

type flLine struct {
	ID         int64 `json:"id"`
	LineItemID int64 `json:"line_item_id"`
	Quantity   int   `json:"quantity"`
}

type webhookSub struct {
	ID            int64     `json:"id"`
	Topic         string    `json:"topic"`
	URI           string    `json:"uri"`
	Format        string    `json:"format"`
	Filter        string    `json:"filter"`
	IncludeFields []string  `json:"include_fields"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// idempotentResult is the first outcome of a mutation run with @idempotent(key:), replayed for
// every later request with the same key.
type idempotentResult struct {
	Field     string    `json:"field"`
	Args      string    `json:"args"`
	Result    []byte    `json:"result"`
	CreatedAt time.Time `json:"created_at"`
}

// gid renders a Shopify global id such as gid://shopify/Product/123.
func gid(kind string, id int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(id, 10)
}

// parseGID reads the numeric id of a global id of the given kind.
func parseGID(kind, s string) (int64, error) {
	rest, ok := strings.CutPrefix(s, "gid://shopify/"+kind+"/")
	if !ok {
		return 0, fmt.Errorf("invalid global id %q for %s", s, kind)
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("invalid global id %q for %s", s, kind)
	}
	return n, nil
}

func sortIDs(ids []int64) { slices.Sort(ids) }

func lower(s string) string { return strings.ToLower(s) }

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}
