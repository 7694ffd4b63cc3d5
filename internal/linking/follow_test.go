package linking

import (
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// differs decides whether a follow writes at all: a run again, or a change of nothing followed,
// must write nothing, and every followed difference must be written.
func TestDiffers(t *testing.T) {
	t.Parallel()
	usd := func(n int64) platform.Money { return platform.Money{Amount: n, Currency: "USD"} }
	kg := func(n int64) *platform.Weight { return &platform.Weight{Micros: n, Unit: platform.Kilograms} }
	cmp := usd(1500)
	cur := platform.Product{ID: "p", Title: "Mug", Vendor: "Acme", Status: platform.ProductActive, Tags: []string{"b", "a"}, Options: []string{"Size"},
		Variants: []platform.Variant{{ID: "v1", SKU: "M", Price: usd(1000), CompareAtPrice: &cmp, Options: []string{"S"}, Tracked: true, Weight: kg(500000)}}}
	same := func() platform.ProductInput {
		c := cmp
		return platform.ProductInput{ID: "p", Title: "Mug", Tags: []string{"a", "b"}, Options: []string{"Size"},
			Variants: []platform.VariantInput{{ID: "v1", SKU: "M", Price: usd(1000), CompareAtPrice: &c, Options: []string{"S"}, Tracked: true, Weight: kg(500000)}}}
	}
	for _, tc := range []struct {
		name string
		edit func(*platform.ProductInput)
		want bool
	}{
		{"the same (tags in another order)", func(*platform.ProductInput) {}, false},
		{"empty fields leave the destination's", func(in *platform.ProductInput) { in.Title, in.Vendor = "", "" }, false},
		{"nil weight leaves it", func(in *platform.ProductInput) { in.Variants[0].Weight = nil }, false},
		{"title", func(in *platform.ProductInput) { in.Title = "Mug v2" }, true},
		{"vendor", func(in *platform.ProductInput) { in.Vendor = "Other" }, true},
		{"status", func(in *platform.ProductInput) { in.Status = platform.ProductDraft }, true},
		{"tags", func(in *platform.ProductInput) { in.Tags = []string{"a"} }, true},
		{"images given", func(in *platform.ProductInput) { in.Images = []platform.ImageInput{} }, true},
		{"price", func(in *platform.ProductInput) { in.Variants[0].Price = usd(1001) }, true},
		{"compare-at dropped", func(in *platform.ProductInput) { in.Variants[0].CompareAtPrice = nil }, true},
		{"weight", func(in *platform.ProductInput) { in.Variants[0].Weight = kg(600000) }, true},
		{"sku", func(in *platform.ProductInput) { in.Variants[0].SKU = "M2" }, true},
		{"option value", func(in *platform.ProductInput) { in.Variants[0].Options = []string{"L"} }, true},
		{"a new variant", func(in *platform.ProductInput) {
			in.Variants = append(in.Variants, platform.VariantInput{SKU: "L", Price: usd(1), Options: []string{"L"}, Tracked: true})
		}, true},
		{"a variant removed", func(in *platform.ProductInput) { in.Variants = nil }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := same()
			tc.edit(&in)
			if got := differs(in, cur); got != tc.want {
				t.Errorf("differs = %v; want %v", got, tc.want)
			}
		})
	}
}
