package feed

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/storesync/storesync/internal/money"
)

// FieldError is a refused mapping or rules setting: Field is its JSON path ("mapping.sku",
// "rules.quantity_multiplier"), so an API can answer with the field that needs fixing.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Mapping says which feed column holds which item field. A column is named by its header text,
// matched ignoring case and spaces ("Stock Qty" matches "stockqty"). Empty means not in the feed.
// It is stored with a feed's settings, hence the JSON tags.
type Mapping struct {
	SKU      string `json:"sku,omitempty"`
	Barcode  string `json:"barcode,omitempty"`
	Quantity string `json:"quantity,omitempty"`
	Price    string `json:"price,omitempty"`
	Cost     string `json:"cost,omitempty"`
	Title    string `json:"title,omitempty"`
	// Currency is the ISO 4217 code price and cost are in; required when either is mapped.
	Currency string `json:"currency,omitempty"`
	// Sheet names the XLSX sheet to read; empty reads the first sheet. Other formats ignore it.
	Sheet string `json:"sheet,omitempty"`
}

// Validate checks the mapping on its own (Parse also checks its columns against the header): an
// identifier column (sku or barcode) is required, and a known currency when price or cost is
// mapped. The error is a *FieldError.
func (m Mapping) Validate() error {
	if strings.TrimSpace(m.SKU) == "" && strings.TrimSpace(m.Barcode) == "" {
		return &FieldError{Field: "mapping.sku", Message: "name the SKU column, or the barcode column in mapping.barcode: each row needs an identifier"}
	}
	if strings.TrimSpace(m.Price) == "" && strings.TrimSpace(m.Cost) == "" {
		return nil
	}
	if strings.TrimSpace(m.Currency) == "" {
		return &FieldError{Field: "mapping.currency", Message: "required when price or cost is mapped"}
	}
	if _, err := money.Normalize(m.Currency); err != nil {
		return &FieldError{Field: "mapping.currency", Message: fmt.Sprintf("%q is not a known currency", m.Currency)}
	}
	return nil
}

// field is one mappable item field: its name in reasons and errors, and its column.
type field struct {
	name   string
	column string
}

func (m Mapping) fields() []field {
	return []field{
		{"sku", m.SKU}, {"barcode", m.Barcode}, {"quantity", m.Quantity},
		{"price", m.Price}, {"cost", m.Cost}, {"title", m.Title},
	}
}

// columns are the header indexes of the mapped fields, -1 when not mapped.
type columns struct {
	sku, barcode, quantity, price, cost, title int
	names                                      []string // header text by index, for reasons
	widest                                     int      // the highest mapped index
}

// normalize is how header text and mapped names are compared: case- and space-insensitive.
func normalize(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// resolve finds each mapped column in header. A mapped column the header lacks is a *FieldError
// naming the field and the column and listing the header.
func (m Mapping) resolve(header []string) (columns, error) {
	index := make(map[string]int, len(header))
	for i, h := range header {
		if k := normalize(h); k != "" {
			if _, dup := index[k]; !dup {
				index[k] = i
			}
		}
	}
	c := columns{names: append([]string(nil), header...), widest: -1}
	targets := []*int{&c.sku, &c.barcode, &c.quantity, &c.price, &c.cost, &c.title}
	for i, f := range m.fields() {
		*targets[i] = -1
		if strings.TrimSpace(f.column) == "" {
			continue
		}
		at, ok := index[normalize(f.column)]
		if !ok {
			return columns{}, &FieldError{Field: "mapping." + f.name, Message: fmt.Sprintf("column %q is not in the feed's header (it has: %s)", f.column, listHeader(header))}
		}
		*targets[i] = at
		c.widest = max(c.widest, at)
	}
	return c, nil
}

func listHeader(header []string) string {
	const shown = 40
	if len(header) == 0 {
		return "no columns"
	}
	var b strings.Builder
	for i, h := range header {
		if i == shown {
			fmt.Fprintf(&b, " and %d more", len(header)-shown)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(h))
	}
	return b.String()
}

// What Rules.Missing may say.
const (
	MissingLeave = "leave" // items absent from the feed keep their quantity (the default)
	MissingZero  = "zero"  // items absent from the feed get quantity 0
)

// multiplierDigits is how many decimals Rules.QuantityMultiplier may have.
const multiplierDigits = 6

// Rules adjust quantities and say what to do with items the feed does not list. They are stored
// with a feed's settings, hence the JSON tags.
type Rules struct {
	// Missing is MissingLeave (also when empty) or MissingZero. The parser only carries it into
	// the Report: applying it is the caller's, which knows its items.
	Missing string `json:"missing,omitempty"`
	// QuantityMultiplier is a decimal ("0.5", up to 6 decimals) each quantity is multiplied by,
	// rounded down; empty means 1. It must be above 0.
	QuantityMultiplier string `json:"quantity_multiplier,omitempty"`
	// QuantityCap, when set, is the highest quantity a row may give (after the multiplier);
	// larger ones are lowered to it and counted in Report.Capped.
	QuantityCap *int64 `json:"quantity_cap,omitempty"`
}

// Validate checks the rules; the error is a *FieldError.
func (r Rules) Validate() error {
	_, err := r.compile()
	return err
}

// compiled are validated rules: the multiplier in millionths.
type compiled struct {
	missing string
	mul     int64 // multiplier × 10^multiplierDigits
	cap     int64 // -1 without a cap
}

const mulScale = 1_000_000 // 10^multiplierDigits

func (r Rules) compile() (compiled, error) {
	c := compiled{missing: r.Missing, mul: mulScale, cap: -1}
	switch r.Missing {
	case "":
		c.missing = MissingLeave
	case MissingLeave, MissingZero:
	default:
		return c, &FieldError{Field: "rules.missing", Message: fmt.Sprintf("%q is not %q or %q", r.Missing, MissingLeave, MissingZero)}
	}
	if s := strings.TrimSpace(r.QuantityMultiplier); s != "" {
		mul, err := money.ParseDigits(s, multiplierDigits)
		if err != nil {
			return c, &FieldError{Field: "rules.quantity_multiplier", Message: fmt.Sprintf("%q is not a decimal number with at most %d decimals", r.QuantityMultiplier, multiplierDigits)}
		}
		if mul <= 0 {
			return c, &FieldError{Field: "rules.quantity_multiplier", Message: fmt.Sprintf("%q must be above 0", r.QuantityMultiplier)}
		}
		c.mul = mul
	}
	if r.QuantityCap != nil {
		if *r.QuantityCap < 0 {
			return c, &FieldError{Field: "rules.quantity_cap", Message: fmt.Sprintf("%d must be 0 or more", *r.QuantityCap)}
		}
		c.cap = *r.QuantityCap
	}
	return c, nil
}
