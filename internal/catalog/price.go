package catalog

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

// ErrPrice is what Apply's errors match when the rule cannot price an amount: another currency
// than the rule expects, a rounding the currency cannot take, or a result below zero.
var ErrPrice = errors.New("cannot apply the price rule")

var (
	one          = big.NewRat(1, 1)
	hundred      = big.NewRat(100, 1)
	minusHundred = big.NewRat(-100, 1)
	maxMinor     = new(big.Int).SetInt64(math.MaxInt64)
	decimalRE    = regexp.MustCompile(`^[-+]?[0-9]{1,12}(\.[0-9]{1,10})?$`)
)

// parseDecimal reads a plain decimal ("25", "-12.5", "1.3612") exactly. Exponents, fractions
// ("1/3") and more than 12 whole or 10 fraction digits are refused, so a rule's numbers stay
// within what a person types.
func parseDecimal(s string) (*big.Rat, error) {
	if !decimalRE.MatchString(s) {
		return nil, fmt.Errorf("%q is not a decimal", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal", s)
	}
	return r, nil
}

// Apply prices one source variant on the destination under the settings' price rule. It is
// exact: every step is a rational number, and there are two roundings only, both documented:
//
//  1. markup, in the source currency: price × (1 + percent/100), or price + amount, or the tier
//     whose [from, to) holds the source price;
//  2. exchange: × rate into the destination currency (none: the same currency);
//  3. to the destination currency's minor units, half up (0.005 → 0.01);
//  4. the rounding rule in minor units: up to the next target, or to the nearest (halves up) but
//     never below zero, nor below the cost (the source price in the destination currency,
//     rounded as in 3) when the markup does not lower the price (a markup of 0 or more).
//
// The compare-at price follows CompareAt: "follow" runs the source's compare-at through the same
// steps (none if the source has none), "factor" is the destination price × factor then step 4,
// "none" is none; a compare-at not above the price is dropped, since it would show no saving.
// A result that does not fit in int64 minor units is money.ErrOutOfRange; a negative one, or a
// currency the rule does not expect, ErrPrice.
func Apply(s Settings, price platform.Money, compareAt *platform.Money) (platform.Money, *platform.Money, error) {
	r := s.Price
	dst := price.Currency
	if r.Exchange != nil {
		if price.Currency != r.Exchange.From {
			return platform.Money{}, nil, fmt.Errorf("%w: the price is in %s but the exchange rate converts from %s", ErrPrice, price.Currency, r.Exchange.From)
		}
		dst = r.Exchange.To
	}
	out, err := applyOne(r, price, dst)
	if err != nil {
		return platform.Money{}, nil, err
	}
	var cmp *platform.Money
	switch r.CompareAt.Rule {
	case CompareFollow:
		if compareAt != nil {
			if compareAt.Currency != price.Currency {
				return platform.Money{}, nil, fmt.Errorf("%w: compare-at price in %s, price in %s", ErrPrice, compareAt.Currency, price.Currency)
			}
			c, err := applyOne(r, *compareAt, dst)
			if err != nil {
				return platform.Money{}, nil, fmt.Errorf("compare-at price: %w", err)
			}
			cmp = &c
		}
	case CompareFactor:
		f, err := parseDecimal(r.CompareAt.Factor)
		if err != nil {
			return platform.Money{}, nil, fmt.Errorf("%w: compare-at factor: %w", ErrPrice, err)
		}
		digits, _ := money.Digits(dst) // known: applyOne read it
		v := roundHalfUp(new(big.Rat).Mul(new(big.Rat).SetInt64(out.Amount), f))
		c, err := finish(r, v, v, true, digits, dst)
		if err != nil {
			return platform.Money{}, nil, fmt.Errorf("compare-at price: %w", err)
		}
		cmp = &c
	}
	if cmp != nil && cmp.Amount <= out.Amount {
		cmp = nil
	}
	return out, cmp, nil
}

// applyOne runs steps 1 to 4 on one amount.
func applyOne(r PriceRule, price platform.Money, dst string) (platform.Money, error) {
	srcDigits, err := money.Digits(price.Currency)
	if err != nil {
		return platform.Money{}, fmt.Errorf("%w: %w", ErrPrice, err)
	}
	dstDigits, err := money.Digits(dst)
	if err != nil {
		return platform.Money{}, fmt.Errorf("%w: %w", ErrPrice, err)
	}
	x := new(big.Rat).SetFrac(big.NewInt(price.Amount), pow10(srcDigits)) // whole source units
	if x.Sign() < 0 {
		return platform.Money{}, fmt.Errorf("%w: the source price %s is negative", ErrPrice, price)
	}
	marked, err := markup(r.Markup, x)
	if err != nil {
		return platform.Money{}, err
	}
	rate := one
	if r.Exchange != nil {
		if rate, err = parseDecimal(r.Exchange.Rate); err != nil || rate.Sign() <= 0 {
			return platform.Money{}, fmt.Errorf("%w: exchange rate %q", ErrPrice, r.Exchange.Rate)
		}
	}
	scale := new(big.Rat).SetFrac(pow10(dstDigits), big.NewInt(1))
	y := roundHalfUp(new(big.Rat).Mul(new(big.Rat).Mul(marked, rate), scale))
	cost := roundHalfUp(new(big.Rat).Mul(new(big.Rat).Mul(x, rate), scale))
	// The cost guard holds when the rule itself does not lower the price, decided exactly: on
	// rounded amounts a tiny negative markup could switch it on and off from one price to the next.
	return finish(r, y, cost, marked.Cmp(x) >= 0, dstDigits, dst)
}

// markup is step 1.
func markup(m Markup, x *big.Rat) (*big.Rat, error) {
	kind, percent, amount := m.Kind, m.Percent, m.Amount
	if kind == MarkupTiers {
		t, ok := tierOf(m.Tiers, x)
		if !ok {
			return nil, fmt.Errorf("%w: no tier holds the source price %s", ErrPrice, x.FloatString(6))
		}
		kind, percent, amount = t.Kind, t.Percent, t.Amount
	}
	switch kind {
	case MarkupPercent:
		p, err := parseDecimal(percent)
		if err != nil {
			return nil, fmt.Errorf("%w: markup percent: %w", ErrPrice, err)
		}
		f := new(big.Rat).Add(one, new(big.Rat).Quo(p, hundred))
		return new(big.Rat).Mul(x, f), nil
	case MarkupFixed:
		a, err := parseDecimal(amount)
		if err != nil {
			return nil, fmt.Errorf("%w: markup amount: %w", ErrPrice, err)
		}
		return new(big.Rat).Add(x, a), nil
	}
	return nil, fmt.Errorf("%w: markup kind %q", ErrPrice, kind)
}

// tierOf finds the tier with from <= x < to (the last one has no to).
func tierOf(tiers []Tier, x *big.Rat) (Tier, bool) {
	for _, t := range tiers {
		from, err := parseDecimal(t.From)
		if err != nil || x.Cmp(from) < 0 {
			continue
		}
		if t.To == "" {
			return t, true
		}
		if to, err := parseDecimal(t.To); err == nil && x.Cmp(to) < 0 {
			return t, true
		}
	}
	return Tier{}, false
}

// finish is step 4 and the range checks: v and cost are in destination minor units; guard says
// whether rounding must keep the price at or above the cost.
func finish(r PriceRule, v, cost *big.Int, guard bool, digits int, dst string) (platform.Money, error) {
	out, err := roundTo(r.Rounding, r.RoundingMode, v, cost, guard, digits)
	if err != nil {
		return platform.Money{}, err
	}
	if out.Sign() < 0 {
		return platform.Money{}, fmt.Errorf("%w: the price would be negative (%s %s)", ErrPrice, money.FormatDigits(clampInt64(out), digits), dst)
	}
	if out.Cmp(maxMinor) > 0 {
		return platform.Money{}, fmt.Errorf("%w: the price exceeds %s %s", money.ErrOutOfRange, money.FormatDigits(math.MaxInt64, digits), dst)
	}
	return platform.Money{Amount: out.Int64(), Currency: dst}, nil
}

// roundTo moves v (minor units) onto the rounding rule's grid: amounts step×k + offset.
func roundTo(rounding, mode string, v, cost *big.Int, guard bool, digits int) (*big.Int, error) {
	if rounding == RoundNone || rounding == "" {
		return v, nil
	}
	if digits < 2 && rounding != RoundWhole {
		return nil, fmt.Errorf("%w: rounding to %s needs a currency with cents", ErrPrice, rounding)
	}
	unit := pow10(digits)
	var step, offset *big.Int
	cent := func(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), pow10(digits-2)) }
	switch rounding {
	case Round99:
		step, offset = unit, new(big.Int).Sub(unit, cent(1))
	case Round95:
		step, offset = unit, new(big.Int).Sub(unit, cent(5))
	case Round05:
		step, offset = cent(5), big.NewInt(0)
	case RoundWhole:
		step, offset = unit, big.NewInt(0)
	default:
		return nil, fmt.Errorf("%w: rounding %q", ErrPrice, rounding)
	}
	// below is the largest grid amount <= v, above the smallest >= v.
	k := new(big.Int).Sub(v, offset)
	q, m := new(big.Int).DivMod(k, step, new(big.Int)) // Euclidean: m >= 0
	below := new(big.Int).Add(new(big.Int).Mul(q, step), offset)
	if m.Sign() == 0 {
		return below, nil
	}
	above := new(big.Int).Add(below, step)
	if mode == ModeUp {
		return above, nil
	}
	// nearest, halves up, but not below the cost when guarded, and never below zero.
	twice := new(big.Int).Mul(m, big.NewInt(2))
	if twice.Cmp(step) >= 0 || (guard && below.Cmp(cost) < 0) || below.Sign() < 0 {
		return above, nil
	}
	return below, nil
}

// roundHalfUp rounds a non-negative or negative rational to the nearest integer, halves away
// from zero.
func roundHalfUp(r *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(r.Num()), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func clampInt64(v *big.Int) int64 {
	if v.IsInt64() {
		return v.Int64()
	}
	if v.Sign() < 0 {
		return math.MinInt64
	}
	return math.MaxInt64
}
