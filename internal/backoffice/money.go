package backoffice

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// Amounts are int64 minor units of their order's currency (cents for USD, yen for JPY), never
// floats, so totals add up exactly. FormatAmount and ParseAmount convert to and from the decimal
// strings ("12.50") the API shows.

// NormalizeCurrency checks an ISO 4217 code and returns it upper-cased.
func NormalizeCurrency(code string) (string, error) {
	u, err := currency.ParseISO(code)
	if err != nil {
		return "", fmt.Errorf("unknown currency %q", code)
	}
	return u.String(), nil
}

// CurrencyDigits returns the number of decimal places of a currency (2 for USD, 0 for JPY).
func CurrencyDigits(code string) int {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 2
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// FormatAmount renders minor units as a decimal string with the currency's decimal places.
func FormatAmount(minor int64, code string) string {
	digits := CurrencyDigits(code)
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign = "-"
		u = uint64(-minor)
	}
	s := strconv.FormatUint(u, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// ParseAmount reads a decimal string such as "12.5" or "-3.05" into minor units of the currency.
// It refuses more decimal places than the currency has, rather than rounding money silently.
func ParseAmount(s, code string) (int64, error) {
	digits := CurrencyDigits(code)
	in := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("%q is not a decimal amount", in)
	}
	if len(frac) > digits {
		return 0, fmt.Errorf("%q has more than %d decimal places for %s", in, digits, code)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a decimal amount", in)
		}
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || len(whole) > 15 {
		return 0, fmt.Errorf("%q is out of range", in)
	}
	if neg {
		n = -n
	}
	return n, nil
}
