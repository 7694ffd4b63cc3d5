package platform

import (
	"errors"
	"fmt"

	"github.com/storesync/storesync/internal/money"
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

// CurrencyScale returns the number of minor-unit digits of a currency (2 for USD, 0 for JPY, 3 for
// KWD), from internal/money, the one table storesync has.
func CurrencyScale(code string) (int, error) {
	d, err := money.Digits(code)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidAmount, err)
	}
	return d, nil
}

// ParseMoney parses a decimal string such as "414.95", "-3.5" or "10" in the given currency, with
// internal/money's rules. A value with more significant fraction digits than the currency has
// ("0.001" USD) is an error, never rounded: the platform and storesync must agree to the cent.
func ParseMoney(amount, code string) (Money, error) {
	c, err := money.Normalize(code)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %w", ErrInvalidAmount, err)
	}
	minor, err := money.Parse(amount, c)
	if err != nil {
		return Money{}, fmt.Errorf("%w: %s: %w", ErrInvalidAmount, c, err)
	}
	return Money{Amount: minor, Currency: c}, nil
}

// Decimal formats m as a plain decimal string with the currency's digits ("414.95", "1200"), the
// form platform APIs take as input. A Money of an unknown currency (never made by ParseMoney)
// formats as "", which any platform refuses, rather than with guessed decimals.
func (m Money) Decimal() string {
	s, err := money.Format(m.Amount, m.Currency)
	if err != nil {
		return ""
	}
	return s
}

// String formats m for people and logs: "414.95 USD".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether m carries no amount and no currency.
func (m Money) IsZero() bool { return m == Money{} }
