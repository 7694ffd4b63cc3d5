package platform

import "time"

// FinancialStatus is how much of an order is paid, in words common to the platforms.
type FinancialStatus string

// Financial statuses. Platforms' own values map onto these (Shopify PAID → paid, Woo
// processing/completed → paid).
const (
	FinancialPending           FinancialStatus = "pending"
	FinancialAuthorized        FinancialStatus = "authorized"
	FinancialPartiallyPaid     FinancialStatus = "partially_paid"
	FinancialPaid              FinancialStatus = "paid"
	FinancialPartiallyRefunded FinancialStatus = "partially_refunded"
	FinancialRefunded          FinancialStatus = "refunded"
	FinancialVoided            FinancialStatus = "voided"
	FinancialUnknown           FinancialStatus = "unknown"
)

// Order is a customer order on a store.
type Order struct {
	ID                string
	Name              string // what people call it: "#1001"
	Number            int64
	Email             string
	Phone             string
	Note              string
	Tags              []string
	Currency          string
	FinancialStatus   FinancialStatus
	FulfillmentStatus string // platform words, lower case: "unfulfilled", "fulfilled", "partial"
	Customer          *Customer
	ShippingAddress   *Address
	BillingAddress    *Address
	Lines             []OrderLine
	ShippingLines     []ShippingLine
	Discounts         []Discount // the discounts applied to the order, with what each took off
	// Transactions are the order's payment transactions (authorisations, captures, sales,
	// refunds), oldest first, when the platform sends them with the order or the client read
	// them (OrderReader.Order reads them; list pages and webhooks may leave them out: see
	// TransactionsIncluded).
	Transactions []Transaction
	// TransactionsIncluded says Transactions is the whole list (an empty one means none).
	TransactionsIncluded bool
	// AdminURL is the order's page in the store's admin, for people ("" when unknown).
	AdminURL      string
	Subtotal      Money
	TotalTax      Money
	TotalShipping Money
	Total         Money
	Test          bool
	CancelledAt   *time.Time
	CancelReason  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ProcessedAt   time.Time
}

// Cancelled reports whether the order has been cancelled.
func (o *Order) Cancelled() bool { return o.CancelledAt != nil }

// Customer is the buyer of an order.
type Customer struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	Phone     string
}

// OrderLine is one line of an order.
type OrderLine struct {
	ID        string
	VariantID string
	ProductID string
	SKU       string
	Barcode   string
	Title     string
	Quantity  int64 // ordered
	Current   int64 // after edits and removals
	UnitPrice Money
	// Properties are the line's custom attributes as the customer or the store's theme set them
	// (Shopify's customAttributes, WooCommerce's line meta), in the platform's order: a logo's
	// name and its location, an engraving text.
	Properties []Property
	// VariantTitle names the variant in words ("M / Navy"), when the platform sends it.
	VariantTitle string
	// Options are the variant's options ("Size": "M", "Color": "Navy"), when the platform sends
	// them with the line.
	Options []Property
}

// Property is one name and value of a line's custom attributes or a variant's options.
type Property struct {
	Name  string
	Value string
}

// TransactionKind is what a payment transaction did, in words common to the platforms.
type TransactionKind string

// Transaction kinds. A sale is an authorisation and a capture at once.
const (
	TransactionAuthorization TransactionKind = "authorization"
	TransactionCapture       TransactionKind = "capture"
	TransactionSale          TransactionKind = "sale"
	TransactionRefund        TransactionKind = "refund"
	TransactionVoid          TransactionKind = "void"
)

// TransactionStatus is how a transaction ended.
type TransactionStatus string

// Transaction statuses.
const (
	TransactionSuccess TransactionStatus = "success"
	TransactionPending TransactionStatus = "pending"
	TransactionFailure TransactionStatus = "failure"
	TransactionError   TransactionStatus = "error"
)

// Transaction is one payment transaction of an order: money authorised, captured or refunded
// through a gateway, with the card's brand and last digits when a card paid.
type Transaction struct {
	ID          string
	Kind        TransactionKind
	Status      TransactionStatus
	Gateway     string // the platform's gateway name: "shopify_payments", "manual", "gift_card", "paypal"
	Amount      Money
	CardBrand   string // "Visa", "Mastercard", "American Express"; "" when no card paid
	CardLast4   string // the card number's last four digits
	ProcessedAt time.Time
}

// Captured reports whether t moved money from the customer: a successful capture or sale.
func (t Transaction) Captured() bool {
	return t.Status == TransactionSuccess && (t.Kind == TransactionCapture || t.Kind == TransactionSale)
}

// ShippingLine is a shipping method charged on an order.
type ShippingLine struct {
	Title  string
	Code   string
	Source string
	Price  Money
}

// Discount is a discount applied to an order: its code (or title) and the amount it took off.
type Discount struct {
	Code   string
	Amount Money
}

// TagLimits are how many tags an order may carry and how long each may be, in characters.
type TagLimits struct {
	MaxLength int
	MaxCount  int
}

// OrderTagLimiter is a platform that declares the limits of an order's tags; the tags it adds
// itself (an idempotency tag) are within them, and CreateOrder keeps those when it clips.
type OrderTagLimiter interface {
	OrderTagLimits() TagLimits
}

// InventoryBehaviour is what creating an order does to stock.
type InventoryBehaviour string

// Inventory behaviours. A supplier receiving a pushed order usually wants its stock decremented
// while obeying its "continue selling when out of stock" policy.
const (
	InventoryBypass                InventoryBehaviour = "bypass"
	InventoryDecrementObeyPolicy   InventoryBehaviour = "decrement_obeying_policy"
	InventoryDecrementIgnorePolicy InventoryBehaviour = "decrement_ignoring_policy"
)

// OrderInput creates an order on a source store (an order push).
type OrderInput struct {
	// IdempotencyKey identifies the push job. Platforms that cannot take a key tag the order with
	// it and look it up before creating, so a retried push finds the first order.
	IdempotencyKey string
	// UncertainSince is when the last earlier attempt of this push that may have created the
	// order ended without recording it: it failed with KindOutcomeUnknown, failed after
	// CreateOrder returned (the result not committed), or died mid-call (when the job runner
	// found it). Simplest for a job: the time its previous attempt failed. Zero on a first
	// attempt. CreateOrder searches only once the platform's search has had time to show an order
	// made by then (it waits in the call for what is left of that time).
	UncertainSince  time.Time
	Currency        string
	Email           string
	Phone           string
	Note            string
	Tags            []string
	Customer        *Customer
	ShippingAddress *Address
	BillingAddress  *Address
	Lines           []OrderLineInput
	ShippingLines   []ShippingLine
	// Discounts are taken off the order's lines (a platform that takes one discount per order,
	// as Shopify's orderCreate does, sends their sum under their codes joined).
	Discounts          []Discount
	FinancialStatus    FinancialStatus // "" lets the platform decide (usually pending)
	InventoryBehaviour InventoryBehaviour
	SendReceipt        bool
}

// OrderLineInput is one line of an order to create, by variant.
type OrderLineInput struct {
	VariantID string
	SKU       string
	Title     string
	Quantity  int64
	UnitPrice *Money // nil: the variant's price on the platform
}

// CancelReason says why an order is cancelled.
type CancelReason string

// Cancel reasons common to the platforms.
const (
	CancelCustomer  CancelReason = "customer"
	CancelInventory CancelReason = "inventory"
	CancelFraud     CancelReason = "fraud"
	CancelDeclined  CancelReason = "declined"
	CancelStaff     CancelReason = "staff"
	CancelOther     CancelReason = "other"
)

// CancelOrderParams cancels one order. Refund also refunds (or voids) what the customer paid;
// without it the payment is left as it is.
type CancelOrderParams struct {
	OrderID        string
	Reason         CancelReason
	Restock        bool
	Refund         bool
	NotifyCustomer bool
	StaffNote      string
}

// Tracking is a parcel's carrier and number.
type Tracking struct {
	Company string
	Number  string
	URL     string
}

// Fulfillment is a shipment of some lines of an order, with tracking.
type Fulfillment struct {
	ID        string
	OrderID   string
	Name      string
	Status    string // platform words, lower case: "success", "pending", "cancelled"
	Tracking  []Tracking
	Lines     []FulfillmentLine
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FulfillmentLine is how much of one order line a fulfilment ships.
type FulfillmentLine struct {
	OrderLineID string
	SKU         string
	Quantity    int64
}

// FulfillmentInput ships lines of an order. Lines empty ships everything still open.
type FulfillmentInput struct {
	OrderID        string
	Lines          []FulfillmentLine
	Tracking       Tracking
	NotifyCustomer bool
	// MoreTracking are the further parcels of the same shipment (their numbers and URLs; the
	// carrier is Tracking's). Tracking's number still tells a re-run's fulfilments apart.
	MoreTracking []Tracking
	// Exclude are fulfilments of the order that other shipments made (the caller recorded them
	// for those): never taken for what an earlier run of this input made, even when they carry
	// the same tracking number and ship the same lines (one number covering two shipments).
	Exclude []string
}
