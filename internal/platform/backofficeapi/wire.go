package backofficeapi

import (
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// The request and response bodies of the Open API v2, as far as this client uses them. Amounts
// are decimal strings in the order's currency.

type meBody struct {
	Account struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"account"`
	Permission string `json:"permission"`
}

type userBody struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type listItemBody struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

type postalAddress struct {
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
}

type address struct {
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

func addressOut(a platform.BackOfficeAddress) address {
	return address{Name: a.Name, Company: a.Company, Line1: a.Line1, Line2: a.Line2, City: a.City, State: a.State,
		PostalCode: a.PostalCode, Country: a.Country, Phone: a.Phone, Email: a.Email}
}

type contactCreate struct {
	Name    string        `json:"name"`
	Company string        `json:"company,omitempty"`
	Email   string        `json:"email,omitempty"`
	Phone   string        `json:"phone,omitempty"`
	Address postalAddress `json:"address,omitzero"`
	StoreID string        `json:"store_id,omitempty"`
}

type contactBody struct {
	ID      int64         `json:"id"`
	Kind    string        `json:"kind"`
	Name    string        `json:"name"`
	Company string        `json:"company"`
	Email   string        `json:"email"`
	Phone   string        `json:"phone"`
	Address postalAddress `json:"address"`
}

func (b contactBody) contact() platform.BackOfficeContact {
	a := b.Address
	return platform.BackOfficeContact{ID: b.ID, Kind: platform.BackOfficeKind(b.Kind), Name: b.Name, Email: b.Email,
		Address: platform.BackOfficeAddress{Name: b.Name, Company: b.Company, Line1: a.Line1, Line2: a.Line2, City: a.City,
			State: a.State, PostalCode: a.PostalCode, Country: a.Country, Phone: b.Phone, Email: b.Email}}
}

type jobCreate struct {
	Description  string `json:"description,omitempty"`
	ContactID    int64  `json:"contact_id"`
	PrimaryRep   string `json:"primary_rep"`
	SecondaryRep string `json:"secondary_rep,omitempty"`
	CSR          string `json:"csr,omitempty"`
	StoreID      string `json:"store_id,omitempty"`
	ExternalRef  string `json:"external_ref,omitempty"`
}

type jobBody struct {
	ID          int64  `json:"id"`
	Number      int64  `json:"number"`
	Kind        string `json:"kind"`
	Status      string `json:"status"`
	ExternalRef string `json:"external_ref"`
	Version     int64  `json:"version"`
}

type salesOrderCreate struct {
	Currency             string  `json:"currency"`
	SoldTo               address `json:"sold_to,omitzero"`
	BillTo               address `json:"bill_to,omitzero"`
	ShipTo               address `json:"ship_to,omitzero"`
	CustomerInstructions string  `json:"customer_instructions,omitempty"`
	CSRInstructions      string  `json:"csr_instructions,omitempty"`
}

type salesOrderBody struct {
	ID              int64  `json:"id"`
	JobID           int64  `json:"job_id"`
	Currency        string `json:"currency"`
	CSRInstructions string `json:"csr_instructions"`
	Version         int64  `json:"version"`
}

type decoration struct {
	DesignName string `json:"design_name,omitempty"`
	Location   string `json:"location,omitempty"`
	Method     string `json:"method,omitempty"`
	Supplier   string `json:"supplier,omitempty"`
}

type lineCreate struct {
	ProductRef  string     `json:"product_ref,omitempty"`
	VariantRef  string     `json:"variant_ref,omitempty"`
	SKU         string     `json:"sku,omitempty"`
	Description string     `json:"description"`
	Quantity    int64      `json:"quantity"`
	UnitPrice   string     `json:"unit_price"`
	Decoration  decoration `json:"decoration,omitzero"`
}

type lineBody struct {
	ID int64 `json:"id"`
}

type paymentCreate struct {
	Amount      string    `json:"amount"`
	PaidAt      time.Time `json:"paid_at,omitzero"`
	PaymentType string    `json:"payment_type"`
	CardType    string    `json:"card_type,omitempty"`
	Reference   string    `json:"reference,omitempty"`
}

type paymentBody struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
}

type writeBody struct {
	ID       int64  `json:"id"`
	Location string `json:"location"`
}
