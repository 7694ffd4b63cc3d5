package platform

import (
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount, currency string
		want             Money
		wantErr          bool
		decimal          string
	}{
		{"414.95", "USD", Money{41495, "USD"}, false, "414.95"},
		{"10.0", "usd", Money{1000, "USD"}, false, "10.00"},
		{"10", "USD", Money{1000, "USD"}, false, "10.00"},
		{"0.00", "USD", Money{0, "USD"}, false, "0.00"},
		{"-3.5", "EUR", Money{-350, "EUR"}, false, "-3.50"},
		{".5", "USD", Money{50, "USD"}, false, "0.50"},
		{"1200", "JPY", Money{1200, "JPY"}, false, "1200"},
		{"1.234", "KWD", Money{1234, "KWD"}, false, "1.234"},
		{"19.990", "USD", Money{1999, "USD"}, false, "19.99"},
		{"0.001", "USD", Money{}, true, ""},
		{"12.5", "JPY", Money{}, true, ""},
		{"1e3", "USD", Money{}, true, ""},
		{"", "USD", Money{}, true, ""},
		{"1.00", "XXQ", Money{}, true, ""},
		{"99999999999999999999", "USD", Money{}, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.amount+"_"+tc.currency, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMoney(tc.amount, tc.currency)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidAmount) {
					t.Fatalf("want ErrInvalidAmount, got %v (%v)", err, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseMoney = %v, %v; want %v", got, err, tc.want)
			}
			if d := got.Decimal(); d != tc.decimal {
				t.Fatalf("Decimal = %q, want %q", d, tc.decimal)
			}
		})
	}
}
