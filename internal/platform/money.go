package platform

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/currency"
)

// Money is an exact amount: integer minor units (cents for USD, yen for JPY) with the ISO 4217
// currency code. Platforms send decimal strings; floating point would lose cents on totals, so
// nothing here ever goes through float64.
type Money struct {
	Amount   int64  // minor units of Currency
	Currency string // ISO 4217, upper case
}

// ErrInvalidAmount reports a decimal amount that cannot be represented exactly in minor units.
var ErrInvalidAmount = errors.New("invalid money amount")

// CurrencyScale returns the number of minor-unit digits of an ISO 4217 currency (2 for USD, 0 for
// JPY, 3 for KWD).
func CurrencyScale(code string) (int, error) {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("%w: currency %q: %w", ErrInvalidAmount, code, err)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// ParseMoney parses a decimal string such as "414.95", "-3.5" or "10" in the given currency. A
// value with more significant fraction digits than the currency has ("0.001" USD) is an error,
// never rounded: the platform and storesync must agree to the cent.
func ParseMoney(amount, code string) (Money, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	scale, err := CurrencyScale(code)
	if err != nil {
		return Money{}, err
	}
	minor, err := parseDecimal(strings.TrimSpace(amount), scale)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %q %s: %w", ErrInvalidAmount, amount, code, err)
	}
	return Money{Amount: minor, Currency: code}, nil
}

func parseDecimal(s string, scale int) (int64, error) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, errors.New("empty")
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > scale {
		return 0, fmt.Errorf("more than %d decimal places", scale)
	}
	digits := whole + trimmed + strings.Repeat("0", scale-len(trimmed))
	if digits == "" {
		digits = "0"
	}
	var n int64
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("unexpected character %q", r)
		}
		if n > (1<<63-1-9)/10 {
			return 0, errors.New("out of range")
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// Decimal formats m as a plain decimal string with the currency's digits ("414.95", "1200"), the
// form platform APIs take as input.
func (m Money) Decimal() string {
	scale, err := CurrencyScale(m.Currency)
	if err != nil {
		scale = 2
	}
	neg := m.Amount < 0
	a := m.Amount
	if neg {
		a = -a
	}
	s := fmt.Sprintf("%0*d", scale+1, a)
	if scale > 0 {
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String formats m for people and logs: "414.95 USD".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether m carries no amount and no currency.
func (m Money) IsZero() bool { return m == Money{} }
