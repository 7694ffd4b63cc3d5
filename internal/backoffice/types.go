package backoffice

import "time"

// Address is a postal address with the person at it, as printed on a sales or purchase order.
type Address struct {
	Name       string `json:"name,omitempty" maxLength:"200"`
	Company    string `json:"company,omitempty" maxLength:"200"`
	Line1      string `json:"line1,omitempty" maxLength:"200"`
	Line2      string `json:"line2,omitempty" maxLength:"200"`
	City       string `json:"city,omitempty" maxLength:"100"`
	State      string `json:"state,omitempty" maxLength:"100"`
	PostalCode string `json:"postal_code,omitempty" maxLength:"20"`
	Country    string `json:"country,omitempty" pattern:"^([A-Za-z]{2})?$" doc:"ISO 3166-1 alpha-2 code of a country (US, DE); stored upper-case."`
	Phone      string `json:"phone,omitempty" maxLength:"50"`
	Email      string `json:"email,omitempty" maxLength:"254" doc:"Email address (no display name); stored lower-case."`
}

// IsZero reports whether no field of a is set.
func (a Address) IsZero() bool { return a == Address{} }

// ContactInput is what a caller may set on a contact.
type ContactInput struct {
	Type          ContactType
	Name          string
	Company       string
	Email         string
	Phone         string
	Address       Address // Name, Company, Phone and Email of the address are not used
	ClientGroupID string
	StoreID       string
	PaymentTerms  string
}

// Contact is someone who orders (a client) or may order (a prospect). Every job is made for one.
type Contact struct {
	ContactInput
	ID        int64
	Kind      Kind
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// JobInput is what a caller may set on a job. Reps are given by the email of a user of the account.
type JobInput struct {
	Status         JobStatus
	Description    string
	ContactID      int64
	PrimaryRep     string
	SecondaryRep   string
	CSR            string
	CommissionCode string
	ProductIndex   string
	StoreID        string
}

// Job is an order of a client: everything (costs and sales) about it hangs under the job.
type Job struct {
	JobInput
	ID int64
	// Number is unique and increasing within the account; people use it to talk about a job.
	Number        int64
	Kind          Kind
	ClientGroupID string // the contact's
	ExternalRef   string
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Totals of an order, computed from its lines and payments so they can never disagree with them.
type Totals struct {
	Subtotal int64
	Paid     int64
	Balance  int64
}

// SalesOrderInput is what a caller may set on a sales order.
type SalesOrderInput struct {
	Status               OrderStatus
	Currency             string
	SoldTo               Address
	BillTo               Address
	ShipTo               Address
	CustomerInstructions string
	CSRInstructions      string
}

// SalesOrder is what the client is told about an order: products, decoration, addresses.
type SalesOrder struct {
	SalesOrderInput
	Totals
	ID        int64
	JobID     int64
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PurchaseOrderInput is what a caller may set on a purchase order.
type PurchaseOrderInput struct {
	Supplier     string
	Status       OrderStatus
	Currency     string
	ShipTo       Address
	Instructions string
}

// PurchaseOrder is what a supplier is asked to supply for a job.
type PurchaseOrder struct {
	PurchaseOrderInput
	Totals
	ID        int64
	JobID     int64
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Decoration says how a product is decorated (a logo printed or embroidered at a location).
type Decoration struct {
	DesignName string
	Location   string
	Method     string
	Supplier   string
}

// LineInput is what a caller may set on a line item. UnitPrice is in minor units of the order's
// currency.
type LineInput struct {
	ProductRef  string
	VariantRef  string
	SKU         string
	Description string
	Quantity    int64
	UnitPrice   int64
	Decoration  Decoration
}

// OrderKind says which kind of order a line item or payment belongs to.
type OrderKind string

// The kinds of orders.
const (
	SalesOrderKind    OrderKind = "sales_order"
	PurchaseOrderKind OrderKind = "purchase_order"
)

// OrderRef names one order of one job of one account: the parent of line items and payments.
type OrderRef struct {
	AccountID int64
	JobID     int64
	Kind      OrderKind
	OrderID   int64
}

// LineItem is one product line of a sales or purchase order.
type LineItem struct {
	LineInput
	ID       int64
	JobID    int64
	Order    OrderKind
	OrderID  int64
	Currency string
	// Total is Quantity × UnitPrice.
	Total     int64
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PaymentInput is what a caller may set on a payment. Amount is in minor units of the order's
// currency; a negative amount is a refund or adjustment.
type PaymentInput struct {
	Amount         int64
	PaidAt         time.Time
	PaymentType    string
	CardType       string
	AdjustmentType string
	Reference      string
}

// Payment is money received for a sales order or paid for a purchase order. Payments are recorded,
// never edited.
type Payment struct {
	PaymentInput
	ID        int64
	JobID     int64
	Order     OrderKind
	OrderID   int64
	Currency  string
	CreatedAt time.Time
}

// ListItem is one entry of a supporting list (a card type, a supplier...), referred to by Code.
type ListItem struct {
	ID        int64
	List      ListName
	Code      string
	Name      string
	Kind      Kind // commission codes only
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}
