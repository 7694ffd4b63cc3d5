// Package money is storesync's one parser and formatter of amounts: int64 minor units of a
// currency (cents for USD, yen for JPY), never floats, with checked arithmetic. It is a leaf: it
// imports no storesync package, so every package (platforms, domains, the API) uses the same rules.
//
// A currency is known when ISO 4217 (as golang.org/x/text/currency knows it) or the table of
// extra codes below gives its minor-unit digits. An unknown currency is an error, never a guess:
// a wrong number of decimals would scale every amount of an order by a power of ten.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/currency"
)

// ErrUnknownCurrency reports a currency code whose minor-unit digits are not known.
var ErrUnknownCurrency = errors.New("unknown currency")

// ErrInvalidAmount reports a decimal amount that is not a number, or has more decimal places than
// its currency (it would have to be rounded).
var ErrInvalidAmount = errors.New("invalid amount")

// ErrOutOfRange reports an amount, or the result of a computation on amounts, that does not fit
// in int64 minor units.
var ErrOutOfRange = errors.New("amount out of range")

// extraDigits are codes platforms send that golang.org/x/text/currency does not know (newer ISO
// 4217 codes, local pounds, digital currencies), with their minor-unit digits.
var extraDigits = map[string]int{
	"VES":  2, // Venezuelan bolívar soberano (ISO 4217 since 2018)
	"VED":  2, // Venezuelan bolívar digital (ISO 4217 since 2021)
	"MRU":  2, // Mauritanian ouguiya (ISO 4217 since 2018)
	"JEP":  2, // Jersey pound, at par with GBP
	"GGP":  2, // Guernsey pound, at par with GBP
	"IMP":  2, // Manx pound, at par with GBP
	"KID":  2, // Kiribati dollar, at par with AUD
	"TVD":  2, // Tuvalu dollar, at par with AUD
	"USDC": 6, // USD Coin: the token has 6 decimals
	"ZWG":  2, // Zimbabwe gold (ISO 4217 since 2024)
	"SLE":  2, // Sierra Leonean leone (ISO 4217 since 2022)
}

// Normalize returns code upper-cased if the currency is known, else an error wrapping
// ErrUnknownCurrency.
func Normalize(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if _, err := Digits(c); err != nil {
		return "", err
	}
	return c, nil
}

// Digits returns the number of minor-unit digits of a currency (2 for USD, 0 for JPY, 3 for KWD).
func Digits(code string) (int, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if d, ok := extraDigits[c]; ok {
		return d, nil
	}
	if len(c) != 3 {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	u, err := currency.ParseISO(c)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// Parse reads a decimal string ("414.95", "-3.5", "+10", ".5") into minor units of the currency.
// Extra zeros past the currency's digits are accepted ("19.990" USD); any other extra digit is an
// error, never rounded, so both sides agree to the minor unit. Exponents, spaces inside, a
// trailing dot and empty strings are refused.
func Parse(amount, code string) (int64, error) {
	digits, err := Digits(code)
	if err != nil {
		return 0, err
	}
	return parseDecimal(strings.TrimSpace(amount), digits)
}

func parseDecimal(in string, digits int) (int64, error) {
	s := in
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if (whole == "" && frac == "") || (hasDot && frac == "") {
		return 0, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidAmount, in)
	}
	trimmed := strings.TrimRight(frac, "0")
	if len(trimmed) > digits {
		return 0, fmt.Errorf("%w: %q has more than %d decimal places", ErrInvalidAmount, in, digits)
	}
	var n int64
	for _, r := range whole + trimmed + strings.Repeat("0", digits-len(trimmed)) {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidAmount, in)
		}
		if n > (math.MaxInt64-int64(r-'0'))/10 {
			return 0, fmt.Errorf("%w: %q", ErrOutOfRange, in)
		}
		n = n*10 + int64(r-'0')
	}
	for _, r := range frac[len(trimmed):] {
		if r != '0' {
			return 0, fmt.Errorf("%w: %q is not a decimal amount", ErrInvalidAmount, in)
		}
	}
	if neg {
		n = -n
	}
	return n, nil
}

// Format renders minor units as a decimal string with the currency's digits ("12.50", "1200").
func Format(minor int64, code string) (string, error) {
	digits, err := Digits(code)
	if err != nil {
		return "", err
	}
	return FormatDigits(minor, digits), nil
}

// FormatDigits renders minor units with the given number of decimal places.
func FormatDigits(minor int64, digits int) string {
	sign := ""
	var u uint64
	if minor < 0 {
		// -(minor+1) is at most math.MaxInt64, and adding 1 after the conversion gives |minor|
		// even for math.MinInt64, whose negation does not fit an int64.
		sign, u = "-", uint64(-(minor+1))+1 //nolint:gosec // G115: -(minor+1) is never negative; the linter does not follow the sign test
	} else {
		u = uint64(minor)
	}
	s := strconv.FormatUint(u, 10)
	if digits <= 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// Add returns a+b, or ErrOutOfRange when the sum does not fit in int64.
func Add(a, b int64) (int64, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, fmt.Errorf("%w: %d + %d", ErrOutOfRange, a, b)
	}
	return s, nil
}

// Mul returns a×b (a quantity times a unit price), or ErrOutOfRange when it does not fit in int64.
func Mul(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, fmt.Errorf("%w: %d × %d", ErrOutOfRange, a, b)
	}
	return p, nil
}
