package money_test

import (
	"errors"
	"math"
	"testing"

	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform/shopify/adminschema"
)

func TestParseAndFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, cur string
		minor   int64
		out     string
		err     error
	}{
		{in: "414.95", cur: "USD", minor: 41495, out: "414.95"},
		{in: "12.5", cur: "usd", minor: 1250, out: "12.50"},
		{in: "19.990", cur: "USD", minor: 1999, out: "19.99"},
		{in: ".5", cur: "USD", minor: 50, out: "0.50"},
		{in: "+10", cur: "EUR", minor: 1000, out: "10.00"},
		{in: "-3.05", cur: "EUR", minor: -305, out: "-3.05"},
		{in: "1500", cur: "JPY", minor: 1500, out: "1500"},
		{in: "1.234", cur: "KWD", minor: 1234, out: "1.234"},
		{in: "12.34", cur: "VES", minor: 1234, out: "12.34"},
		{in: "1.5", cur: "USDC", minor: 1500000, out: "1.500000"},
		{in: "1.5", cur: "JPY", err: money.ErrInvalidAmount},
		{in: "1.234", cur: "USD", err: money.ErrInvalidAmount},
		{in: "1.", cur: "USD", err: money.ErrInvalidAmount},
		{in: "", cur: "USD", err: money.ErrInvalidAmount},
		{in: "-", cur: "USD", err: money.ErrInvalidAmount},
		{in: "1e3", cur: "USD", err: money.ErrInvalidAmount},
		{in: "1.0x", cur: "USD", err: money.ErrInvalidAmount},
		{in: "92233720368547758.08", cur: "USD", err: money.ErrOutOfRange},
		{in: "1.00", cur: "XQQ", err: money.ErrUnknownCurrency},
		{in: "1.00", cur: "", err: money.ErrUnknownCurrency},
	} {
		got, err := money.Parse(tc.in, tc.cur)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("Parse(%q, %s) = %d, %v; want %v", tc.in, tc.cur, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.minor {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.minor)
			continue
		}
		if s, err := money.Format(got, tc.cur); s != tc.out || err != nil {
			t.Errorf("Format(%d, %s) = %q, %v; want %q", got, tc.cur, s, err, tc.out)
		}
	}
	if _, err := money.Format(1, "XQQ"); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("Format with an unknown currency: %v, want ErrUnknownCurrency", err)
	}
	if s := money.FormatDigits(math.MinInt64, 2); s != "-92233720368547758.08" {
		t.Errorf("FormatDigits(MinInt64) = %s", s)
	}
}

func TestCheckedArithmetic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		f       func(a, b int64) (int64, error)
		a, b    int64
		want    int64
		wantErr bool
	}{
		{"mul", money.Mul, 1_000_000_000, 999_999_999_999, 999_999_999_999_000_000_000 / 1000 * 1000 / 1000, true},
		{"mul small", money.Mul, 3, 1250, 3750, false},
		{"mul negative", money.Mul, -2, 1250, -2500, false},
		{"mul minint", money.Mul, -1, math.MinInt64, 0, true},
		{"add", money.Add, math.MaxInt64, 1, 0, true},
		{"add negative", money.Add, math.MinInt64, -1, 0, true},
		{"add ok", money.Add, 10, -3, 7, false},
	} {
		got, err := tc.f(tc.a, tc.b)
		if tc.wantErr {
			if !errors.Is(err, money.ErrOutOfRange) {
				t.Errorf("%s(%d, %d) = %d, %v; want ErrOutOfRange", tc.name, tc.a, tc.b, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s(%d, %d) = %d, %v; want %d", tc.name, tc.a, tc.b, got, err, tc.want)
		}
	}
}

// Every value of the pinned Shopify Admin schema's CurrencyCode enum parses and formats: a shop in
// any currency Shopify lists can be received.
func TestEveryShopifyCurrencyParses(t *testing.T) {
	t.Parallel()
	path, err := adminschema.FindTestdata(".")
	if errors.Is(err, adminschema.ErrNoTestdata) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	schema, err := adminschema.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	enum := schema.Types["CurrencyCode"]
	if enum == nil || len(enum.EnumValues) < 150 {
		t.Fatalf("CurrencyCode enum not found or too short in %s", path)
	}
	for _, v := range enum.EnumValues {
		d, err := money.Digits(v.Name)
		if err != nil {
			t.Errorf("%s (%s): %v", v.Name, v.Description, err)
			continue
		}
		amount := "12"
		if d > 0 {
			amount = "12.1"
		}
		if _, err := money.Parse(amount, v.Name); err != nil {
			t.Errorf("Parse(%q, %s): %v", amount, v.Name, err)
		}
	}
}
