package platform

import (
	"errors"
	"testing"
)

func TestParseWeight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		unit    WeightUnit
		micros  int64
		decimal string
		err     bool
	}{
		{"1.5", Kilograms, 1_500_000, "1.5", false},
		{"12", Grams, 12_000_000, "12", false},
		{"0", Ounces, 0, "0", false},
		{"0.000001", Pounds, 1, "0.000001", false},
		{"0.30000000000000004", Kilograms, 300_000, "0.3", false}, // float noise from a platform
		{"250.5", Grams, 250_500_000, "250.5", false},
		{"1e3", Grams, 1_000_000_000, "1000", false},
		{"-1", Grams, 0, "", true},
		{"heavy", Grams, 0, "", true},
		{"1", WeightUnit("stone"), 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in+string(tc.unit), func(t *testing.T) {
			t.Parallel()
			w, err := ParseWeight(tc.in, tc.unit)
			if tc.err {
				if !errors.Is(err, ErrInvalidWeight) {
					t.Fatalf("ParseWeight(%q, %q) = %v, %v; want ErrInvalidWeight", tc.in, tc.unit, w, err)
				}
				return
			}
			if err != nil || w.Micros != tc.micros || w.Unit != tc.unit || w.Decimal() != tc.decimal {
				t.Fatalf("ParseWeight(%q) = %+v (%s), %v; want %d micros, %s", tc.in, w, w.Decimal(), err, tc.micros, tc.decimal)
			}
		})
	}
}

func TestWeightIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from Weight
		to   WeightUnit
		want string
	}{
		{Weight{1_000_000, Pounds}, Grams, "453.59237"},
		{Weight{16_000_000, Ounces}, Pounds, "1"},
		{Weight{1_000_000, Ounces}, Grams, "28.349523"}, // 28.349523125 rounded to a millionth
		{Weight{1_500_000, Kilograms}, Grams, "1500"},
		{Weight{1, Grams}, Kilograms, "0"},          // below a millionth of a kilogram
		{Weight{500, Grams}, Kilograms, "0.000001"}, // half a millionth rounds up
		{Weight{2_500_000, Grams}, Grams, "2.5"},    // same unit unchanged
		{Weight{453_592_370, Grams}, Pounds, "1"},
	}
	for _, tc := range tests {
		got, err := tc.from.In(tc.to)
		if err != nil || got.Unit != tc.to || got.Decimal() != tc.want {
			t.Errorf("%s in %s = %s, %v; want %s", tc.from, tc.to, got, err, tc.want)
		}
	}
	if _, err := (Weight{1, "stone"}).In(Grams); !errors.Is(err, ErrInvalidWeight) {
		t.Errorf("unknown unit converted: %v", err)
	}
}
