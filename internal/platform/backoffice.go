package platform

import (
	"context"
	"time"
)

// BackOffice is a back office that a store's orders go to as jobs with sales orders: the
// account's own (built in) or an external one speaking the Open API v2, reached by URL and key
// (internal/platform/backofficeapi). Both answer in these types; failures are *Error with the
// same kinds as the store platforms' (KindAuth for a bad key, KindForbidden for a read-only
// one, KindInvalidInput naming the field, Retryable for timeouts, 5xx and 429 with RetryAfter).
//
// Every create takes an idempotency key: the same key and input give the same object, once,
// across retries, timeouts and restarts (the Open API's Idempotency-Key; the built-in back
// office's external references).
type BackOffice interface {
	// Verify reads who the back office says the caller is: the account's name and whether the
	// key may write. A read-only key is reported, not refused: the caller says what is wrong.
	Verify(ctx context.Context) (BackOfficeIdentity, error)
	// Users lists the emails of the back office's users (the reps a job may name), lower case.
	Users(ctx context.Context) ([]string, error)
	// CardTypes lists the back office's card types (code and name: "visa", "Visa").
	CardTypes(ctx context.Context) ([]BackOfficeListItem, error)
	// FindContact returns the contact of the kind (dropship or store) with the email, ok false
	// when there is none.
	FindContact(ctx context.Context, kind BackOfficeKind, email string) (c BackOfficeContact, ok bool, err error)
	// CreateContact creates a contact of in.Kind.
	CreateContact(ctx context.Context, key string, in BackOfficeContactInput) (BackOfficeContact, error)
	// FindJob returns the job made with the external reference, ok false when there is none.
	FindJob(ctx context.Context, externalRef string) (j BackOfficeJob, ok bool, err error)
	// CreateOrderJob creates a job (status pending) with one sales order, its lines and its
	// payments. Called again with the same key (or a job of in.ExternalRef existing) it completes
	// what an earlier call left unmade and creates nothing twice: the job, the sales order, each
	// line and each payment are created under keys derived from key.
	CreateOrderJob(ctx context.Context, key string, in BackOfficeOrderJob) (BackOfficeJob, error)
	// CancelJob sets a pending job's status to cancelled; a job no longer pending is left as it
	// is and reported with its status (Cancelled false).
	CancelJob(ctx context.Context, jobID int64) (BackOfficeJob, error)
	// AddNote appends a line to the CSR & Finance instructions of the job's sales order.
	AddNote(ctx context.Context, jobID, salesOrderID int64, note string) error
	// RecordPayment records a payment on the job's sales order.
	RecordPayment(ctx context.Context, key string, jobID, salesOrderID int64, p BackOfficePayment) error
}

// BackOfficeKind is a kind of job or contact: dropship (a one-off client) or store (a company
// store, with a store ID).
type BackOfficeKind string

// Kinds of jobs and contacts.
const (
	BackOfficeDropship BackOfficeKind = "dropship"
	BackOfficeStore    BackOfficeKind = "store"
)

// BackOfficeIdentity is what Verify reads.
type BackOfficeIdentity struct {
	AccountName string
	CanWrite    bool
}

// BackOfficeListItem is one entry of a supporting list.
type BackOfficeListItem struct {
	Code   string
	Name   string
	Active bool
}

// BackOfficeAddress is a postal address with the person at it.
type BackOfficeAddress struct {
	Name, Company, Line1, Line2, City, State, PostalCode, Country, Phone, Email string
}

// BackOfficeContactInput creates a contact.
type BackOfficeContactInput struct {
	Kind    BackOfficeKind
	Name    string
	Company string
	Email   string
	Phone   string
	Address BackOfficeAddress
	StoreID string // store contacts
}

// BackOfficeContact is a contact of the back office.
type BackOfficeContact struct {
	ID      int64
	Kind    BackOfficeKind
	Name    string
	Email   string
	Address BackOfficeAddress
}

// BackOfficeOrderJob is a job with its sales order, as a store order becomes one.
type BackOfficeOrderJob struct {
	Kind         BackOfficeKind
	ExternalRef  string // the store order's reference: "store 12 / order 5001"
	Description  string
	ContactID    int64
	PrimaryRep   string
	SecondaryRep string
	CSR          string
	StoreID      string // store jobs
	Currency     string
	SoldTo       BackOfficeAddress
	BillTo       BackOfficeAddress
	ShipTo       BackOfficeAddress
	// CustomerInstructions and CSRInstructions are the sales order's instructions: the order's
	// link in the store's admin, and the breakdown of its payment methods.
	CustomerInstructions string
	CSRInstructions      string
	Lines                []BackOfficeLine
	Payments             []BackOfficePayment
}

// BackOfficeLine is one line of a sales order. UnitPrice is in minor units of the currency.
type BackOfficeLine struct {
	ProductRef  string
	VariantRef  string
	SKU         string
	Description string // product title and the variant's options: "T-shirt — Size: M, Color: Navy"
	Quantity    int64
	UnitPrice   int64
	DesignName  string
	Location    string // decoration location
	Method      string // decoration method
	Supplier    string // decoration supplier
}

// BackOfficePayment is a payment on a sales order. Amount is in minor units; Ref names the
// payment at its origin (the store's transaction id), so it is recorded once.
type BackOfficePayment struct {
	Amount      int64
	PaidAt      time.Time
	PaymentType string // a code of the back office's payment types ("credit_card")
	CardType    string // a code of its card types ("visa")
	Ref         string
}

// BackOfficeJob is a job as the back office answers it.
type BackOfficeJob struct {
	ID           int64
	Number       int64
	Status       string // pending, open, ..., cancelled
	ExternalRef  string
	SalesOrderID int64 // its first sales order
	Cancelled    bool  // CancelJob cancelled it
}
