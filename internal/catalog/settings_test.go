package catalog_test

import (
	"errors"
	"testing"

	"github.com/storesync/storesync/internal/catalog"
)

func TestDefaultIsValidAndMirrorsTheSource(t *testing.T) {
	t.Parallel()
	d := catalog.Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	a := d.Attributes
	all := a.Title && a.Description && a.Images && a.Vendor && a.ProductType && a.Tags && a.Price && a.CompareAtPrice &&
		a.Weight && a.Options && a.Variants
	if d.Identifier != catalog.IdentifierSKU || d.Buffer != 0 || !all {
		t.Errorf("default = %+v", d)
	}
}

// Every wrong value is named by its path, all at once.
func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tier := func(from, to, pct string) catalog.Tier {
		return catalog.Tier{From: from, To: to, Kind: catalog.MarkupPercent, Percent: pct}
	}
	cases := []struct {
		name  string
		mut   func(s *catalog.Settings)
		field string
	}{
		{"identifier", func(s *catalog.Settings) { s.Identifier = "handle" }, "identifier"},
		{"negative buffer", func(s *catalog.Settings) { s.Buffer = -1 }, "buffer"},
		{"huge buffer", func(s *catalog.Settings) { s.Buffer = catalog.MaxBuffer + 1 }, "buffer"},
		{"markup below -100 %", func(s *catalog.Settings) { s.Price.Markup.Percent = "-100.01" }, "price.markup.percent"},
		{"percent not a number", func(s *catalog.Settings) { s.Price.Markup.Percent = "1e3" }, "price.markup.percent"},
		{"fixed without amount", func(s *catalog.Settings) { s.Price.Markup = catalog.Markup{Kind: catalog.MarkupFixed} }, "price.markup.amount"},
		{"unknown kind", func(s *catalog.Settings) { s.Price.Markup.Kind = "double" }, "price.markup.kind"},
		{"no tiers", func(s *catalog.Settings) { s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers} }, "price.markup.tiers"},
		{"tiers not from 0", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("1", "", "10")}}
		}, "price.markup.tiers[0].from"},
		{"tiers with a gap", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("0", "10", "10"), tier("11", "", "5")}}
		}, "price.markup.tiers[1].from"},
		{"tiers overlapping", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("0", "10", "10"), tier("5", "", "5")}}
		}, "price.markup.tiers[1].from"},
		{"tiers out of order", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("0", "10", "10"), tier("10", "5", "5"), tier("5", "", "1")}}
		}, "price.markup.tiers[1].to"},
		{"last tier closed", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("0", "10", "10")}}
		}, "price.markup.tiers[0].to"},
		{"tier markup below -100 %", func(s *catalog.Settings) {
			s.Price.Markup = catalog.Markup{Kind: catalog.MarkupTiers, Tiers: []catalog.Tier{tier("0", "", "-101")}}
		}, "price.markup.tiers[0].percent"},
		{"rounding", func(s *catalog.Settings) { s.Price.Rounding = "0.90" }, "price.rounding"},
		{"rounding mode", func(s *catalog.Settings) { s.Price.RoundingMode = "down" }, "price.rounding_mode"},
		{"rate zero", func(s *catalog.Settings) { s.Price.Exchange = &catalog.Exchange{From: "USD", To: "CAD", Rate: "0"} }, "price.exchange.rate"},
		{"rate not a decimal", func(s *catalog.Settings) { s.Price.Exchange = &catalog.Exchange{From: "USD", To: "CAD", Rate: "1/3"} }, "price.exchange.rate"},
		{"unknown currency", func(s *catalog.Settings) { s.Price.Exchange = &catalog.Exchange{From: "USD", To: "XYZ", Rate: "1"} }, "price.exchange.to"},
		{"same currency", func(s *catalog.Settings) { s.Price.Exchange = &catalog.Exchange{From: "USD", To: "USD", Rate: "1"} }, "price.exchange.to"},
		{".99 in yen", func(s *catalog.Settings) {
			s.Price.Exchange, s.Price.Rounding = &catalog.Exchange{From: "USD", To: "JPY", Rate: "150"}, catalog.Round99
		}, "price.rounding"},
		{"compare-at rule", func(s *catalog.Settings) { s.Price.CompareAt.Rule = "double" }, "price.compare_at.rule"},
		{"compare-at factor 1", func(s *catalog.Settings) {
			s.Price.CompareAt = catalog.CompareAtRule{Rule: catalog.CompareFactor, Factor: "1"}
		}, "price.compare_at.factor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := catalog.Default()
			c.mut(&s)
			err := s.Validate()
			var ve *catalog.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, catalog.ErrInvalid) {
				t.Fatalf("Validate = %v, want a ValidationError", err)
			}
			if ve.Of(c.field) == "" {
				t.Errorf("error %v does not name %s", err, c.field)
			}
		})
	}
}
