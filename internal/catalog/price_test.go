package catalog_test

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
)

func usd(minor int64) platform.Money { return platform.Money{Amount: minor, Currency: "USD"} }

func rule(mut func(r *catalog.PriceRule)) catalog.Settings {
	s := catalog.Default()
	mut(&s.Price)
	return s
}

func percent(p string) catalog.Markup { return catalog.Markup{Kind: catalog.MarkupPercent, Percent: p} }

var tiers = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{
	{From: "0", To: "10", Kind: catalog.MarkupPercent, Percent: "100"},
	{From: "10", To: "50", Kind: catalog.MarkupPercent, Percent: "50"},
	{From: "50", Kind: catalog.MarkupFixed, Amount: "20"},
}}

func TestApply(t *testing.T) {
	t.Parallel()
	cad := &catalog.Exchange{From: "USD", To: "CAD", Rate: "1.3612"}
	jpy := &catalog.Exchange{From: "USD", To: "JPY", Rate: "151.27"}
	cases := []struct {
		name      string
		s         catalog.Settings
		price     platform.Money
		compareAt *platform.Money
		want      platform.Money
		wantCmp   *platform.Money
		wantErr   error
	}{
		{name: "default mirrors the source", s: catalog.Default(), price: usd(1999), compareAt: new(usd(2499)), want: usd(1999), wantCmp: new(usd(2499))},
		{name: "25 percent", s: rule(func(r *catalog.PriceRule) { r.Markup = percent("25") }), price: usd(1000), want: usd(1250)},
		{name: "percent rounds half up", s: rule(func(r *catalog.PriceRule) { r.Markup = percent("12.5") }), price: usd(1), want: usd(1)},       // 1.125 cents → 1
		{name: "percent half cent goes up", s: rule(func(r *catalog.PriceRule) { r.Markup = percent("50") }), price: usd(1), want: usd(2)},      // 1.5 → 2
		{name: "minus 100 percent is free", s: rule(func(r *catalog.PriceRule) { r.Markup = percent("-100") }), price: usd(1234), want: usd(0)}, //
		{name: "fixed", s: rule(func(r *catalog.PriceRule) { r.Markup = catalog.Markup{Kind: catalog.MarkupFixed, Amount: "5.50"} }), price: usd(1000), want: usd(1550)},
		{name: "fixed below zero", s: rule(func(r *catalog.PriceRule) { r.Markup = catalog.Markup{Kind: catalog.MarkupFixed, Amount: "-20"} }), price: usd(1000), wantErr: catalog.ErrPrice},
		{name: "tier 1", s: rule(func(r *catalog.PriceRule) { r.Markup = tiers }), price: usd(999), want: usd(1998)},
		{name: "tier 2 from is inclusive", s: rule(func(r *catalog.PriceRule) { r.Markup = tiers }), price: usd(1000), want: usd(1500)},
		{name: "open last tier", s: rule(func(r *catalog.PriceRule) { r.Markup = tiers }), price: usd(100000), want: usd(102000)},
		{name: "up to .99", s: rule(func(r *catalog.PriceRule) { r.Markup, r.Rounding = percent("30"), catalog.Round99 }), price: usd(1000), want: usd(1399)},
		{name: ".99 stays", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.Round99 }), price: usd(1299), want: usd(1299)},
		{name: "up to .99 from .00", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.Round99 }), price: usd(1300), want: usd(1399)},
		{name: "nearest .99", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("30"), catalog.Round99, catalog.ModeNearest
		}), price: usd(1000), want: usd(1299)},
		{name: "nearest never below cost", s: rule(func(r *catalog.PriceRule) { r.Rounding, r.RoundingMode = catalog.Round99, catalog.ModeNearest }), price: usd(1300), want: usd(1399)},
		{name: "nearest below cost when the rule prices below cost", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("-10"), catalog.Round99, catalog.ModeNearest
		}), price: usd(1400), want: usd(1299)}, // 12.60 → 12.99 is nearer than 11.99? 12.60-11.99=.61, 12.99-12.60=.39
		{name: "nearest never below zero", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("-50.01"), catalog.Round99, catalog.ModeNearest
		}), price: usd(1), want: usd(99)}, // 0.004999 → 0.00; -0.01 is nearer than 0.99 but negative
		{name: "a tiny discount is not guarded", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("-0.01"), catalog.RoundWhole, catalog.ModeNearest
			r.Exchange = &catalog.Exchange{From: "USD", To: "EUR", Rate: "0.000004"}
		}), price: usd(1220697), want: platform.Money{Amount: 0, Currency: "EUR"}}, // 0.0488 → 0.05, cost 0.05: nearest whole is 0
		{name: "up to .95", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.Round95 }), price: usd(1296), want: usd(1395)},
		{name: "up to 0.05", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.Round05 }), price: usd(1201), want: usd(1205)},
		{name: "nearest 0.05 down above cost", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("10"), catalog.Round05, catalog.ModeNearest
		}), price: usd(1093), want: usd(1200)}, // 12.023 → 12.02 → 12.00, above the cost 10.93
		{name: "nearest 0.05 not down below cost", s: rule(func(r *catalog.PriceRule) { r.Rounding, r.RoundingMode = catalog.Round05, catalog.ModeNearest }), price: usd(1202), want: usd(1205)},
		{name: "nearest 0.05 halves go up", s: rule(func(r *catalog.PriceRule) {
			r.Markup, r.Rounding, r.RoundingMode = percent("-50"), catalog.Round05, catalog.ModeNearest
		}), price: usd(2405), want: usd(1205)}, // 12.025 → 12.03 (half up) → nearest 12.05
		{name: "up to whole", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.RoundWhole }), price: usd(1201), want: usd(1300)},
		{name: "exchange exact, half up", s: rule(func(r *catalog.PriceRule) { r.Exchange = cad }), price: usd(1999), want: platform.Money{Amount: 2721, Currency: "CAD"}},                         // 27.210388
		{name: "markup before exchange", s: rule(func(r *catalog.PriceRule) { r.Exchange, r.Markup = cad, percent("10") }), price: usd(1000), want: platform.Money{Amount: 1497, Currency: "CAD"}}, // 14.9732
		{name: "exchange to yen", s: rule(func(r *catalog.PriceRule) { r.Exchange = jpy }), price: usd(1999), want: platform.Money{Amount: 3024, Currency: "JPY"}},                                 // 3023.8873
		{name: "yen has no .99", s: rule(func(r *catalog.PriceRule) { r.Exchange, r.Rounding = jpy, catalog.Round99 }), price: usd(1999), wantErr: catalog.ErrPrice},
		{name: "other currency than the rate", s: rule(func(r *catalog.PriceRule) { r.Exchange = cad }), price: platform.Money{Amount: 100, Currency: "EUR"}, wantErr: catalog.ErrPrice},
		{name: "out of range", s: rule(func(r *catalog.PriceRule) { r.Markup = percent("100") }), price: usd(math.MaxInt64/2 + 1), wantErr: money.ErrOutOfRange},
		{name: "rounding past the top", s: rule(func(r *catalog.PriceRule) { r.Rounding = catalog.RoundWhole }), price: usd(math.MaxInt64), wantErr: money.ErrOutOfRange},
		{name: "compare-at follows the rule", s: rule(func(r *catalog.PriceRule) { r.Markup, r.Rounding = percent("20"), catalog.Round99 }),
			price: usd(1000), compareAt: new(usd(1500)), want: usd(1299), wantCmp: new(usd(1899))},
		{name: "compare-at none", s: rule(func(r *catalog.PriceRule) { r.CompareAt.Rule = catalog.CompareNone }), price: usd(1000), compareAt: new(usd(1500)), want: usd(1000)},
		{name: "compare-at factor", s: rule(func(r *catalog.PriceRule) {
			r.CompareAt, r.Markup, r.Rounding = catalog.CompareAtRule{Rule: catalog.CompareFactor, Factor: "1.5"}, percent("20"), catalog.Round99
		}), price: usd(1000), want: usd(1299), wantCmp: new(usd(1999))}, // 12.99 × 1.5 = 19.485 → 19.49 → 19.99
		{name: "compare-at not above price is dropped", s: catalog.Default(), price: usd(1000), compareAt: new(usd(900)), want: usd(1000)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.wantErr == nil {
				if err := c.s.Validate(); err != nil {
					t.Fatalf("settings of the case are invalid: %v", err)
				}
			}
			got, cmp, err := catalog.Apply(c.s, c.price, c.compareAt)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Apply = %v, %v, %v; want error %v", got, cmp, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("price = %s, want %s", got, c.want)
			}
			if (cmp == nil) != (c.wantCmp == nil) || (cmp != nil && *cmp != *c.wantCmp) {
				t.Errorf("compare-at = %v, want %v", cmp, c.wantCmp)
			}
		})
	}
}

// genRule draws a valid percent or fixed rule with any rounding, mode and exchange rate.
func genRule(t *rapid.T, nonNegative bool) catalog.Settings {
	s := catalog.Default()
	lo := -100
	if nonNegative {
		lo = 0
	}
	if rapid.Bool().Draw(t, "fixed") {
		s.Price.Markup = catalog.Markup{Kind: catalog.MarkupFixed,
			Amount: money.FormatDigits(int64(rapid.IntRange(0, 100_000).Draw(t, "amount")), 2)}
	} else {
		s.Price.Markup = percent(money.FormatDigits(int64(rapid.IntRange(lo*100, 100_000).Draw(t, "percent")), 2))
	}
	s.Price.Rounding = rapid.SampledFrom([]string{catalog.RoundNone, catalog.Round99, catalog.Round95, catalog.Round05, catalog.RoundWhole}).Draw(t, "rounding")
	s.Price.RoundingMode = rapid.SampledFrom([]string{catalog.ModeUp, catalog.ModeNearest}).Draw(t, "mode")
	if rapid.Bool().Draw(t, "exchange") {
		s.Price.Exchange = &catalog.Exchange{From: "USD", To: "EUR",
			Rate: money.FormatDigits(int64(rapid.IntRange(1, 10_000_000).Draw(t, "rate")), 6)}
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("generated invalid settings: %v", err)
	}
	return s
}

// A higher source price never gives a lower destination price.
func TestApplyIsMonotone(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := genRule(t, false)
		a := rapid.Int64Range(0, 1_000_000_000).Draw(t, "a")
		b := rapid.Int64Range(a, a+1_000_000).Draw(t, "b")
		pa, _, errA := catalog.Apply(s, usd(a), nil)
		pb, _, errB := catalog.Apply(s, usd(b), nil)
		if errA != nil || errB != nil {
			if s.Price.Markup.Kind == catalog.MarkupPercent { // percent ≥ -100 never fails in this range
				t.Fatalf("Apply failed: %v %v", errA, errB)
			}
			return
		}
		if pb.Amount < pa.Amount {
			t.Fatalf("source %d → %d but source %d → %d", a, pa.Amount, b, pb.Amount)
		}
	})
}

// With a markup of zero or more, the destination price is never below the cost (the source price
// in the destination currency), whatever the rounding; rounding up never lowers a price.
func TestApplyNeverBelowCost(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := genRule(t, true)
		p := rapid.Int64Range(0, 1_000_000_000_000).Draw(t, "price")
		got, _, err := catalog.Apply(s, usd(p), nil)
		if err != nil {
			t.Fatal(err)
		}
		plain := s
		plain.Price.Rounding, plain.Price.Markup = catalog.RoundNone, percent("0")
		cost, _, _ := catalog.Apply(plain, usd(p), nil)
		if got.Amount < cost.Amount {
			t.Fatalf("price %d → %d, below the cost %d", p, got.Amount, cost.Amount)
		}
		unrounded := s
		unrounded.Price.Rounding = catalog.RoundNone
		before, _, _ := catalog.Apply(unrounded, usd(p), nil)
		if s.Price.RoundingMode == catalog.ModeUp && got.Amount < before.Amount {
			t.Fatalf("rounding up lowered %d to %d", before.Amount, got.Amount)
		}
	})
}

// However large the price and the rule, Apply answers a price in range or ErrOutOfRange: it never
// wraps around or panics.
func TestApplyNeverOverflows(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := genRule(t, true)
		s.Price.Markup = percent(money.FormatDigits(int64(rapid.IntRange(0, 100_000_000).Draw(t, "big percent")), 0))
		p := rapid.Int64Range(0, math.MaxInt64).Draw(t, "price")
		got, _, err := catalog.Apply(s, usd(p), nil)
		if err != nil {
			if !errors.Is(err, money.ErrOutOfRange) {
				t.Fatalf("Apply(%d) = %v", p, err)
			}
			return
		}
		if got.Amount < 0 {
			t.Fatalf("Apply(%d) wrapped to %d", p, got.Amount)
		}
	})
}
