// Package decoration keeps a store's supplier and decoration data: its logos (a design with an
// optional decoration method and supplier), each product's decoration (supplier, method,
// decoration supplier, design name, location) and its logo placements (a logo at a location).
// Resolve turns an order line of the store into the decoration its sales order line carries in
// the back office: the line names its logo and location in its properties, the logo fills in its
// method and supplier, and the product fills in the rest.
//
// Every read and write of the Service is scoped to an account: a store of another account is not
// found. The package knows platforms only through internal/platform's types.
package decoration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/storesync/storesync/internal/database"
)

// MaxText is the longest name, method, supplier, location or product id taken, in characters.
const MaxText = 200

// MaxPlacements is how many logo placements one product may have.
const MaxPlacements = 50

// FieldError is one refused input field: Field is its name in the input ("name",
// "placements[0].logo_id"), Message says what to give instead.
type FieldError struct {
	Field   string
	Message string
	Value   any
}

// ValidationError refuses input; nothing was changed. Fields name each field at fault.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid decoration input: " + strings.Join(parts, "; ")
}

// ConflictError refuses a write that clashes with what is kept (a logo name the store already
// has); nothing was changed. Field names the input at fault.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// Logo is a design a store decorates products with. Method and Supplier, when set, say how and
// by whom the logo is applied, whatever the product.
type Logo struct {
	ID         int64
	StoreID    int64
	Name       string
	Method     string // decoration method
	Supplier   string // decoration supplier
	Placements int64  // products' placements of the logo
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Placement is a logo of the store at a location on a product.
type Placement struct {
	LogoID   int64
	LogoName string
	Location string
}

// Product is a product's decoration and supplier data. A product with nothing kept is the zero
// Product with its ids (UpdatedAt nil).
type Product struct {
	StoreID            int64
	ProductID          string // the platform's product id
	Supplier           string // the product's supplier
	Method             string // decoration method
	DecorationSupplier string
	DesignName         string
	Location           string // decoration location
	Placements         []Placement
	UpdatedAt          *time.Time
}

// Service keeps stores' logos and products' decoration.
type Service struct {
	db  *database.DB
	now func() time.Time
}

// NewService returns a Service on db; now is the clock (nil: time.Now).
func NewService(db *database.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// key folds a name or location for comparison: logo names are unique, and lines' properties
// match, whatever their case.
func key(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// fields collects the field errors of one input.
type fields []FieldError

func (f *fields) add(field, msg string, v any) {
	*f = append(*f, FieldError{Field: field, Message: msg, Value: v})
}

// text checks one optional one-line text field and returns it trimmed.
func (f *fields) text(field, v string, required bool) string {
	t := strings.TrimSpace(v)
	switch {
	case required && t == "":
		f.add(field, fmt.Sprintf("give 1 to %d characters", MaxText), v)
	case utf8.RuneCountInString(t) > MaxText:
		f.add(field, fmt.Sprintf("give at most %d characters", MaxText), v)
	case strings.IndexFunc(t, unicode.IsControl) >= 0 || !utf8.ValidString(t):
		f.add(field, "must be one line of text without control characters", v)
	}
	return t
}

func (f *fields) err() error {
	if len(*f) == 0 {
		return nil
	}
	return &ValidationError{Fields: *f}
}

// storeIn checks, in q, that the store is the account's: any other store is not found.
func storeIn(ctx context.Context, q database.Querier, accountID, storeID int64) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM stores WHERE id = $1 AND account_id = $2`, storeID, accountID).Scan(&one)
	if errors.Is(err, database.ErrNoRows) {
		return fmt.Errorf("store %d: %w", storeID, database.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("reading store %d: %w", storeID, err)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, database.ErrNotFound) }
