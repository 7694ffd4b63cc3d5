package shopifysim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatMoney renders minor units as Shopify's Money scalar and REST amounts: "12.50".
func formatMoney(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// formatDecimal renders minor units as Shopify's Decimal scalar, which drops trailing zeros but
// keeps one decimal place ("12.5", "10.0", "12.55"): clients must parse decimals, not assume two
// places.
func formatDecimal(minor int64) string {
	return strings.TrimSuffix(formatMoney(minor), "0")
}

// parseMoney reads a decimal string ("12", "12.5", "12.50") into minor units; more than two
// decimal places are refused rather than rounded, so no input is silently changed.
func parseMoney(s string) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than two decimal places", s)
	}
	if !digitsOnly(whole) || !digitsOnly(frac) {
		return 0, fmt.Errorf("invalid amount %q", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, nil
}

// moneyScalar is Shopify's Money scalar (input and output): a decimal string.
type moneyScalar struct{ minor int64 }

func (moneyScalar) ImplementsGraphQLType(name string) bool { return name == "Money" }

func (m *moneyScalar) UnmarshalGraphQL(input any) error {
	v, err := scalarAmount(input)
	m.minor = v
	return err
}

func (m moneyScalar) MarshalJSON() ([]byte, error) { return json.Marshal(formatMoney(m.minor)) }

// nullMoney is a Money input that tells an explicit null (clear the value) from a field left out
// (keep it), as Shopify's productSet does for compareAtPrice.
type nullMoney struct {
	Value *int64
	Set   bool
}

func (nullMoney) ImplementsGraphQLType(name string) bool { return name == "Money" }

func (m *nullMoney) UnmarshalGraphQL(input any) error {
	m.Set = true
	if input == nil {
		return nil
	}
	v, err := scalarAmount(input)
	m.Value = &v
	return err
}

// Nullable marks nullMoney as a type graphql-go hands null to.
func (m *nullMoney) Nullable() {}

// decimalScalar is Shopify's Decimal scalar.
type decimalScalar struct{ minor int64 }

func (decimalScalar) ImplementsGraphQLType(name string) bool { return name == "Decimal" }

func (d *decimalScalar) UnmarshalGraphQL(input any) error {
	v, err := scalarAmount(input)
	d.minor = v
	return err
}

func (d decimalScalar) MarshalJSON() ([]byte, error) { return json.Marshal(formatDecimal(d.minor)) }

func scalarAmount(input any) (int64, error) {
	switch v := input.(type) {
	case string:
		return parseMoney(v)
	case int32:
		return int64(v) * 100, nil
	case int64:
		return v * 100, nil
	case float64:
		return parseMoney(strconv.FormatFloat(v, 'f', -1, 64))
	}
	return 0, fmt.Errorf("invalid amount of type %T", input)
}

// dateTime is Shopify's DateTime scalar: ISO 8601 in UTC, second precision.
type dateTime struct{ time.Time }

func (dateTime) ImplementsGraphQLType(name string) bool { return name == "DateTime" }

func (t *dateTime) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("invalid DateTime of type %T", input)
	}
	v, err := parseTime(s)
	t.Time = v
	return err
}

func (t dateTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid DateTime %q", s)
}

// urlScalar is Shopify's URL scalar.
type urlScalar string

func (urlScalar) ImplementsGraphQLType(name string) bool { return name == "URL" }

func (u *urlScalar) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("invalid URL of type %T", input)
	}
	*u = urlScalar(s)
	return nil
}

// htmlScalar is Shopify's HTML scalar.
type htmlScalar string

func (htmlScalar) ImplementsGraphQLType(name string) bool { return name == "HTML" }

func (h *htmlScalar) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("invalid HTML of type %T", input)
	}
	*h = htmlScalar(s)
	return nil
}

// uint64Scalar is Shopify's UnsignedInt64, serialized as a string like Shopify does.
type uint64Scalar int64

func (uint64Scalar) ImplementsGraphQLType(name string) bool { return name == "UnsignedInt64" }

func (u *uint64Scalar) UnmarshalGraphQL(input any) error {
	switch v := input.(type) {
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		*u = uint64Scalar(n)
		return err
	case int32:
		*u = uint64Scalar(v)
		return nil
	}
	return fmt.Errorf("invalid UnsignedInt64 of type %T", input)
}

func (u uint64Scalar) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatInt(int64(u), 10))
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// int32Of converts a count to GraphQL's Int, which is 32 bits: the simulator clamps where
// Shopify would refuse to hold a larger number, rather than wrap around.
func int32Of(n int) int32 {
	if n > math.MaxInt32 {
		return math.MaxInt32
	}
	if n < math.MinInt32 {
		return math.MinInt32
	}
	return int32(n)
}
