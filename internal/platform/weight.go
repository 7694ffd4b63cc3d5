package platform

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// WeightUnit is the unit a platform states a weight in.
type WeightUnit string

// The weight units of the three platforms (Shopify's WeightUnit, WooCommerce's and BigCommerce's
// store setting).
const (
	Grams     WeightUnit = "g"
	Kilograms WeightUnit = "kg"
	Pounds    WeightUnit = "lb"
	Ounces    WeightUnit = "oz"
)

// nanogramsPer is each unit in nanograms: exact integers (the pound is 453.59237 g by definition,
// the ounce a sixteenth of it), so conversions need no floating point.
var nanogramsPer = map[WeightUnit]int64{
	Grams:     1_000_000_000,
	Kilograms: 1_000_000_000_000,
	Pounds:    453_592_370_000,
	Ounces:    28_349_523_125,
}

// Valid reports whether u is one of the units above.
func (u WeightUnit) Valid() bool { _, ok := nanogramsPer[u]; return ok }

// ErrInvalidWeight reports a weight that cannot be read or represented.
var ErrInvalidWeight = errors.New("invalid weight")

// Weight is an exact weight: Micros millionths of Unit (1.5 kg is {1_500_000, Kilograms}). Platforms
// send weights as decimals (Shopify as a JSON Float); keeping them as integers means a weight
// read from one store is written to another digit for digit, and two weights compare without
// float error.
type Weight struct {
	Micros int64 // millionths of Unit; never negative
	Unit   WeightUnit
}

// weightScale is the number of fraction digits Micros keeps.
const weightScale = 6

// ParseWeight reads a decimal such as "1.5", "0.25" or "12" in unit. More than six fraction
// digits are rounded half away from zero to the nearest millionth (a platform's float may carry
// binary noise such as 0.30000000000000004); a negative weight or an unknown unit is an error.
func ParseWeight(value string, unit WeightUnit) (Weight, error) {
	if !unit.Valid() {
		return Weight{}, fmt.Errorf("%w: unknown unit %q", ErrInvalidWeight, unit)
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(value))
	if !ok {
		return Weight{}, fmt.Errorf("%w: %q is not a number", ErrInvalidWeight, value)
	}
	if r.Sign() < 0 {
		return Weight{}, fmt.Errorf("%w: %q is negative", ErrInvalidWeight, value)
	}
	micros, err := roundRat(r.Mul(r, big.NewRat(1_000_000, 1)))
	if err != nil {
		return Weight{}, fmt.Errorf("%w: %q: %w", ErrInvalidWeight, value, err)
	}
	return Weight{Micros: micros, Unit: unit}, nil
}

// Decimal formats the value without its unit and without trailing zeros ("1.5", "12"), the form
// platform APIs take.
func (w Weight) Decimal() string {
	s := strconv.FormatInt(w.Micros, 10)
	if len(s) <= weightScale {
		s = strings.Repeat("0", weightScale-len(s)+1) + s
	}
	whole, frac := s[:len(s)-weightScale], strings.TrimRight(s[len(s)-weightScale:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// String formats w for people and logs: "1.5 kg".
func (w Weight) String() string { return w.Decimal() + " " + string(w.Unit) }

// In converts w to unit, rounded half away from zero to the nearest millionth of it. A platform
// whose store has one weight unit (WooCommerce, BigCommerce) converts with it; Shopify takes the
// unit with the value, so a weight moves between Shopify stores unconverted.
func (w Weight) In(unit WeightUnit) (Weight, error) {
	if w.Unit == unit {
		return w, nil
	}
	from, ok1 := nanogramsPer[w.Unit]
	to, ok2 := nanogramsPer[unit]
	if !ok1 || !ok2 {
		return Weight{}, fmt.Errorf("%w: converting %s to %q", ErrInvalidWeight, w, unit)
	}
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(w.Micros), big.NewInt(from)), big.NewInt(to))
	micros, err := roundRat(r)
	if err != nil {
		return Weight{}, fmt.Errorf("%w: converting %s to %s: %w", ErrInvalidWeight, w, unit, err)
	}
	return Weight{Micros: micros, Unit: unit}, nil
}

// roundRat rounds a non-negative rational half away from zero to an int64.
func roundRat(r *big.Rat) (int64, error) {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, errors.New("too large")
	}
	return q.Int64(), nil
}
