package boapi

import (
	"time"

	"github.com/storesync/storesync/internal/backoffice"
)

// The request and response bodies of the Open API. Amounts are decimal strings in the currency of
// their order ("12.50"), so no client ever has to trust a float with money.

// Address is a postal address with the person at it.
type Address = backoffice.Address

// PostalAddress is a contact's address.
type PostalAddress struct {
	Line1      string `json:"line1,omitempty" maxLength:"200"`
	Line2      string `json:"line2,omitempty" maxLength:"200"`
	City       string `json:"city,omitempty" maxLength:"100"`
	State      string `json:"state,omitempty" maxLength:"100" doc:"State or region; contacts can be searched by it."`
	PostalCode string `json:"postal_code,omitempty" maxLength:"20"`
	Country    string `json:"country,omitempty" pattern:"^([A-Za-z]{2})?$" doc:"ISO 3166-1 alpha-2 code of a country (US, DE); stored upper-case."`
}

// ContactFields are the fields of a new contact of either kind.
type ContactFields struct {
	Type          backoffice.ContactType `json:"type,omitempty" enum:"client,prospect" default:"client" doc:"A client has ordered; a prospect not yet."`
	Name          string                 `json:"name" minLength:"1" maxLength:"200"`
	Company       string                 `json:"company,omitempty" maxLength:"200"`
	Email         string                 `json:"email,omitempty" format:"email" maxLength:"254" doc:"Email address (no display name); stored lower-case."`
	Phone         string                 `json:"phone,omitempty" maxLength:"50"`
	Address       PostalAddress          `json:"address,omitzero"`
	ClientGroupID string                 `json:"client_group_id,omitempty" maxLength:"100"`
	PaymentTerms  string                 `json:"payment_terms,omitempty" doc:"A code from /api/v2/payment-terms."`
}

// ContactCreate is the body that creates a dropship contact.
type ContactCreate struct {
	ContactFields
	StoreID string `json:"store_id,omitempty" maxLength:"100"`
}

// StoreContactCreate is the body that creates a store/program contact: store_id is required.
type StoreContactCreate struct {
	ContactFields
	StoreID string `json:"store_id" minLength:"1" maxLength:"100" doc:"The store or program the contact belongs to."`
}

// ContactUpdate is the body that updates a contact: fields left out keep their value.
type ContactUpdate struct {
	Type          *backoffice.ContactType `json:"type,omitempty" enum:"client,prospect"`
	Name          *string                 `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Company       *string                 `json:"company,omitempty" maxLength:"200"`
	Email         *string                 `json:"email,omitempty" maxLength:"254" doc:"Email address (no display name), or empty for none."`
	Phone         *string                 `json:"phone,omitempty" maxLength:"50"`
	Address       *PostalAddress          `json:"address,omitempty" doc:"Replaces the whole address."`
	ClientGroupID *string                 `json:"client_group_id,omitempty" maxLength:"100"`
	StoreID       *string                 `json:"store_id,omitempty" maxLength:"100"`
	PaymentTerms  *string                 `json:"payment_terms,omitempty"`
}

// Contact is someone who orders (client) or may order (prospect).
type Contact struct {
	ID            int64                  `json:"id"`
	Kind          backoffice.Kind        `json:"kind" enum:"dropship,store"`
	Type          backoffice.ContactType `json:"type" enum:"client,prospect"`
	Name          string                 `json:"name"`
	Company       string                 `json:"company"`
	Email         string                 `json:"email"`
	Phone         string                 `json:"phone"`
	Address       PostalAddress          `json:"address"`
	ClientGroupID string                 `json:"client_group_id"`
	StoreID       string                 `json:"store_id"`
	PaymentTerms  string                 `json:"payment_terms"`
	Version       int64                  `json:"version" doc:"Increases on every change; the ETag carries it."`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
}

// JobFields are the fields of a new job of either kind. It starts pending and gets the next job
// number.
type JobFields struct {
	Description    string `json:"description,omitempty" maxLength:"500"`
	ContactID      int64  `json:"contact_id" minimum:"1" maximum:"9007199254740991" doc:"The contact the job is for."`
	PrimaryRep     string `json:"primary_rep" minLength:"1" doc:"Email of a user of the account."`
	SecondaryRep   string `json:"secondary_rep,omitempty" doc:"Email of a user of the account."`
	CSR            string `json:"csr,omitempty" doc:"Customer service rep: email of a user of the account."`
	CommissionCode string `json:"commission_code,omitempty" doc:"A code from /api/v2/commission-codes."`
	ProductIndex   string `json:"product_index,omitempty" doc:"A code from /api/v2/product-indices."`
	ExternalRef    string `json:"external_ref,omitempty" maxLength:"200" doc:"Where the job comes from (a store order: \"store 12 / order 5001\"), unique in the account: a second create with it answers 409 naming external_ref, and GET /api/v2/jobs?external_ref= finds the first."`
}

// JobCreate is the body that creates a dropship job.
type JobCreate struct {
	JobFields
	StoreID string `json:"store_id,omitempty" maxLength:"100"`
}

// StoreJobCreate is the body that creates a store/program job: store_id is required.
type StoreJobCreate struct {
	JobFields
	StoreID string `json:"store_id" minLength:"1" maxLength:"100" doc:"The store or program the job is for."`
}

// JobUpdate is the body that updates a job: fields left out keep their value. An empty string
// clears an optional rep.
type JobUpdate struct {
	Status         *backoffice.JobStatus `json:"status,omitempty" enum:"pending,open,in_production,on_hold,shipped,invoiced,closed,cancelled" doc:"Must be an allowed transition from the current status."`
	Description    *string               `json:"description,omitempty" maxLength:"500"`
	ContactID      *int64                `json:"contact_id,omitempty" minimum:"1" maximum:"9007199254740991"`
	PrimaryRep     *string               `json:"primary_rep,omitempty" minLength:"1"`
	SecondaryRep   *string               `json:"secondary_rep,omitempty"`
	CSR            *string               `json:"csr,omitempty"`
	CommissionCode *string               `json:"commission_code,omitempty"`
	ProductIndex   *string               `json:"product_index,omitempty"`
	StoreID        *string               `json:"store_id,omitempty" maxLength:"100"`
}

// Job is an order of a client; its sales and purchase orders hang under it.
type Job struct {
	ID             int64                `json:"id"`
	Number         int64                `json:"number" doc:"Unique and increasing within the account; searches are ordered by it."`
	Kind           backoffice.Kind      `json:"kind" enum:"dropship,store"`
	Status         backoffice.JobStatus `json:"status" enum:"pending,open,in_production,on_hold,shipped,invoiced,closed,cancelled"`
	Description    string               `json:"description"`
	ContactID      int64                `json:"contact_id"`
	ClientGroupID  string               `json:"client_group_id" doc:"The contact's client group."`
	PrimaryRep     string               `json:"primary_rep"`
	SecondaryRep   string               `json:"secondary_rep"`
	CSR            string               `json:"csr"`
	CommissionCode string               `json:"commission_code"`
	ProductIndex   string               `json:"product_index"`
	StoreID        string               `json:"store_id"`
	ExternalRef    string               `json:"external_ref" doc:"Where the job came from, as its create named it; empty when it did not."`
	Version        int64                `json:"version"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

// Decoration says how a product is decorated.
type Decoration struct {
	DesignName string `json:"design_name,omitempty" maxLength:"200"`
	Location   string `json:"location,omitempty" maxLength:"200" doc:"Decoration location, e.g. left chest."`
	Method     string `json:"method,omitempty" maxLength:"200" doc:"Decoration method, e.g. embroidery."`
	Supplier   string `json:"supplier,omitempty" maxLength:"200" doc:"Decoration supplier."`
}

// LineCreate is the body of a new line item.
type LineCreate struct {
	ProductRef  string     `json:"product_ref,omitempty" maxLength:"200"`
	VariantRef  string     `json:"variant_ref,omitempty" maxLength:"200"`
	SKU         string     `json:"sku,omitempty" maxLength:"100"`
	Description string     `json:"description" minLength:"1" maxLength:"1000"`
	Quantity    int64      `json:"quantity" minimum:"1" maximum:"1000000000"`
	UnitPrice   string     `json:"unit_price" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$" doc:"Decimal amount in the order's currency, with at most its decimal places; quantity × unit_price and the order's totals must stay within ±92233720368547758.07 in minor units."`
	Decoration  Decoration `json:"decoration,omitzero"`
}

// LineUpdate is the body that updates a line item: fields left out keep their value.
type LineUpdate struct {
	ProductRef  *string     `json:"product_ref,omitempty" maxLength:"200"`
	VariantRef  *string     `json:"variant_ref,omitempty" maxLength:"200"`
	SKU         *string     `json:"sku,omitempty" maxLength:"100"`
	Description *string     `json:"description,omitempty" minLength:"1" maxLength:"1000"`
	Quantity    *int64      `json:"quantity,omitempty" minimum:"1" maximum:"1000000000"`
	UnitPrice   *string     `json:"unit_price,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$"`
	Decoration  *Decoration `json:"decoration,omitempty" doc:"Replaces the whole decoration."`
}

// LineItem is one product line of a sales or purchase order.
type LineItem struct {
	ID          int64      `json:"id"`
	JobID       int64      `json:"job_id"`
	Order       string     `json:"order" enum:"sales_order,purchase_order"`
	OrderID     int64      `json:"order_id"`
	ProductRef  string     `json:"product_ref"`
	VariantRef  string     `json:"variant_ref"`
	SKU         string     `json:"sku"`
	Description string     `json:"description"`
	Quantity    int64      `json:"quantity"`
	UnitPrice   string     `json:"unit_price"`
	Total       string     `json:"total" doc:"quantity × unit_price."`
	Currency    string     `json:"currency"`
	Decoration  Decoration `json:"decoration"`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// PaymentCreate is the body of a new payment.
type PaymentCreate struct {
	Amount         string    `json:"amount" pattern:"^-?[0-9]{1,15}(\\.[0-9]{1,4})?$" doc:"Decimal amount in the order's currency, with at most its decimal places; negative for a refund or adjustment."`
	PaidAt         time.Time `json:"paid_at,omitzero" doc:"When it was paid; now if left out."`
	PaymentType    string    `json:"payment_type" minLength:"1" doc:"A code from /api/v2/payment-types."`
	CardType       string    `json:"card_type,omitempty" doc:"A code from /api/v2/card-types."`
	AdjustmentType string    `json:"adjustment_type,omitempty" doc:"A code from /api/v2/adjustment-types."`
	Reference      string    `json:"reference,omitempty" maxLength:"200"`
}

// Payment is money received for a sales order or paid for a purchase order.
type Payment struct {
	ID             int64     `json:"id"`
	JobID          int64     `json:"job_id"`
	Order          string    `json:"order" enum:"sales_order,purchase_order"`
	OrderID        int64     `json:"order_id"`
	Amount         string    `json:"amount"`
	Currency       string    `json:"currency"`
	PaidAt         time.Time `json:"paid_at"`
	PaymentType    string    `json:"payment_type"`
	CardType       string    `json:"card_type"`
	AdjustmentType string    `json:"adjustment_type"`
	Reference      string    `json:"reference"`
	CreatedAt      time.Time `json:"created_at"`
}

// SalesOrderCreate is the body of a new sales order. Lines and payments may come with it.
type SalesOrderCreate struct {
	Status               backoffice.OrderStatus `json:"status,omitempty" enum:"draft,confirmed" default:"draft"`
	Currency             string                 `json:"currency" pattern:"^[A-Za-z]{3}$" doc:"ISO 4217 code. Amounts of the order take at most its decimal places: 2 for USD, 0 for JPY, 3 for KWD."`
	SoldTo               Address                `json:"sold_to,omitzero" doc:"The contact's address if left out."`
	BillTo               Address                `json:"bill_to,omitzero"`
	ShipTo               Address                `json:"ship_to,omitzero"`
	CustomerInstructions string                 `json:"customer_instructions,omitempty" maxLength:"10000"`
	CSRInstructions      string                 `json:"csr_instructions,omitempty" maxLength:"10000" doc:"CSR & finance instructions."`
	Lines                []LineCreate           `json:"lines,omitempty" maxItems:"500"`
	Payments             []PaymentCreate        `json:"payments,omitempty" maxItems:"50"`
}

// SalesOrderUpdate is the body that updates a sales order: fields left out keep their value.
type SalesOrderUpdate struct {
	Status               *backoffice.OrderStatus `json:"status,omitempty" enum:"draft,confirmed,invoiced,closed,cancelled"`
	SoldTo               *Address                `json:"sold_to,omitempty"`
	BillTo               *Address                `json:"bill_to,omitempty"`
	ShipTo               *Address                `json:"ship_to,omitempty"`
	CustomerInstructions *string                 `json:"customer_instructions,omitempty" maxLength:"10000"`
	CSRInstructions      *string                 `json:"csr_instructions,omitempty" maxLength:"10000"`
}

// SalesOrder is what the client is told about an order. Totals are computed from lines and payments.
type SalesOrder struct {
	ID                   int64                  `json:"id"`
	JobID                int64                  `json:"job_id"`
	Status               backoffice.OrderStatus `json:"status" enum:"draft,confirmed,invoiced,closed,cancelled"`
	Currency             string                 `json:"currency"`
	SoldTo               Address                `json:"sold_to"`
	BillTo               Address                `json:"bill_to"`
	ShipTo               Address                `json:"ship_to"`
	CustomerInstructions string                 `json:"customer_instructions"`
	CSRInstructions      string                 `json:"csr_instructions"`
	Subtotal             string                 `json:"subtotal" doc:"Sum of the lines."`
	Paid                 string                 `json:"paid" doc:"Sum of the payments."`
	Balance              string                 `json:"balance" doc:"subtotal − paid."`
	Version              int64                  `json:"version"`
	CreatedAt            time.Time              `json:"created_at"`
	UpdatedAt            time.Time              `json:"updated_at"`
}

// PurchaseOrderCreate is the body of a new purchase order, with its lines.
type PurchaseOrderCreate struct {
	Supplier     string                 `json:"supplier" minLength:"1" doc:"A code from /api/v2/suppliers."`
	Status       backoffice.OrderStatus `json:"status,omitempty" enum:"draft,sent" default:"draft"`
	Currency     string                 `json:"currency" pattern:"^[A-Za-z]{3}$" doc:"ISO 4217 code. Amounts of the order take at most its decimal places: 2 for USD, 0 for JPY, 3 for KWD."`
	ShipTo       Address                `json:"ship_to,omitzero"`
	Instructions string                 `json:"instructions,omitempty" maxLength:"10000"`
	Lines        []LineCreate           `json:"lines,omitempty" maxItems:"500"`
}

// PurchaseOrderUpdate is the body that updates a purchase order: fields left out keep their value.
type PurchaseOrderUpdate struct {
	Supplier     *string                 `json:"supplier,omitempty" minLength:"1"`
	Status       *backoffice.OrderStatus `json:"status,omitempty" enum:"draft,sent,confirmed,received,closed,cancelled"`
	ShipTo       *Address                `json:"ship_to,omitempty"`
	Instructions *string                 `json:"instructions,omitempty" maxLength:"10000"`
}

// PurchaseOrder is what a supplier is asked to supply.
type PurchaseOrder struct {
	ID           int64                  `json:"id"`
	JobID        int64                  `json:"job_id"`
	Supplier     string                 `json:"supplier"`
	Status       backoffice.OrderStatus `json:"status" enum:"draft,sent,confirmed,received,closed,cancelled"`
	Currency     string                 `json:"currency"`
	ShipTo       Address                `json:"ship_to"`
	Instructions string                 `json:"instructions"`
	Subtotal     string                 `json:"subtotal"`
	Paid         string                 `json:"paid"`
	Balance      string                 `json:"balance"`
	Version      int64                  `json:"version"`
	CreatedAt    time.Time              `json:"created_at"`
	UpdatedAt    time.Time              `json:"updated_at"`
}

// ListItem is one entry of a supporting list.
type ListItem struct {
	ID     int64  `json:"id"`
	Code   string `json:"code" doc:"What other objects refer to."`
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty" enum:"dropship,store" doc:"Commission codes only."`
	Active bool   `json:"active"`
}

// ListBody is a page of results. Its shape is fixed so clients can rely on it.
type ListBody[T any] struct {
	Data    []T     `json:"data" nullable:"false"`
	Page    int     `json:"page" minimum:"1"`
	PerPage int     `json:"per_page" doc:"Always 10."`
	Total   int64   `json:"total" doc:"Matches on all pages."`
	Next    *string `json:"next" nullable:"true" doc:"Link to the next page, or null on the last."`
}

// User is a user of the account: a rep a job may name by email.
type User struct {
	Email string `json:"email" doc:"Lower case; what a job's primary_rep, secondary_rep and csr name."`
	Name  string `json:"name"`
}

// WriteBody answers a create or an update.
type WriteBody struct {
	ID       int64  `json:"id"`
	Location string `json:"location" doc:"Where to GET the object."`
}
