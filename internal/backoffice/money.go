package backoffice

import (
	"fmt"

	"github.com/storesync/storesync/internal/money"
)

// Amounts are int64 minor units of their order's currency (cents for USD, yen for JPY), never
// floats, so totals add up exactly. The rules are internal/money's, shared with the platforms.

// NormalizeCurrency checks a currency code and returns it upper-cased.
func NormalizeCurrency(code string) (string, error) {
	c, err := money.Normalize(code)
	if err != nil || len(c) != 3 {
		return "", fmt.Errorf("unknown currency %q", code)
	}
	return c, nil
}

// FormatAmount renders minor units as a decimal string with the currency's decimal places. The
// currency of a stored order was checked when it was saved, so an unknown one is a broken
// invariant: it renders the minor units followed by "?", never with guessed decimals.
func FormatAmount(minor int64, code string) string {
	s, err := money.Format(minor, code)
	if err != nil {
		return money.FormatDigits(minor, 0) + "?"
	}
	return s
}

// ParseAmount reads a decimal string such as "12.5" or "-3.05" into minor units of the currency.
// It refuses more decimal places than the currency has, rather than rounding money silently.
func ParseAmount(s, code string) (int64, error) {
	return money.Parse(s, code)
}
