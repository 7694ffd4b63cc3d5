package linking

import (
	"fmt"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
)

// planned is a product input with, for each of its variants, the source variant it follows ("" for
// a destination variant that follows none) and the destination price it was given.
type planned struct {
	in      platform.ProductInput
	sources []string
	prices  []platform.Money
}

// plan builds the destination product of source product p. cur is the destination product it is
// already linked to (nil: create it), prior the destination variant of each linked source variant.
//
// A new product takes the title, options and variants whatever the settings (a product needs
// them), the other attributes the settings follow, and prices from the price rule. An existing
// one changes only in what the settings follow; the rest stays as the destination edited it.
// Images are set on create only: re-sending them would upload them again on every import.
func plan(set catalog.Settings, p platform.Product, cur *platform.Product, prior map[string]string) (planned, error) {
	a := set.Attributes
	var pl planned
	in := &pl.in
	if cur == nil {
		in.Handle, in.Title, in.Status, in.Options = p.Handle, p.Title, p.Status, p.Options
		if a.Images {
			in.Images = make([]platform.ImageInput, 0, len(p.Images))
			for _, im := range p.Images {
				in.Images = append(in.Images, platform.ImageInput{URL: im.URL, AltText: im.AltText})
			}
		}
	} else {
		in.ID, in.Options = cur.ID, cur.Options
		if a.Title {
			in.Title = p.Title
		}
		if a.Variants { // option names change with the variants that carry their values
			in.Options = p.Options
		}
	}
	if a.Description {
		in.DescriptionHTML = p.DescriptionHTML
	}
	if a.Vendor {
		in.Vendor = p.Vendor
	}
	if a.ProductType {
		in.ProductType = p.ProductType
	}
	if a.Tags {
		in.Tags = append([]string{}, p.Tags...)
	}
	curVariants := map[string]platform.Variant{}
	if cur != nil {
		for _, v := range cur.Variants {
			curVariants[v.ID] = v
		}
	}
	if cur == nil || a.Variants {
		for _, sv := range p.Variants {
			var dv *platform.Variant
			if id, ok := prior[sv.ID]; ok {
				if v, ok := curVariants[id]; ok {
					dv = &v
				}
			}
			vi, price, err := variantFrom(set, sv, dv)
			if err != nil {
				return planned{}, err
			}
			in.Variants = append(in.Variants, vi)
			pl.sources = append(pl.sources, sv.ID)
			pl.prices = append(pl.prices, price)
		}
		return pl, nil
	}
	// Variants do not follow: the destination keeps its variants; those linked follow the rest.
	byDest := map[string]platform.Variant{}
	for _, sv := range p.Variants {
		if id, ok := prior[sv.ID]; ok {
			byDest[id] = sv
		}
	}
	for _, dv := range cur.Variants {
		vi := platform.VariantInput{ID: dv.ID, SKU: dv.SKU, Barcode: dv.Barcode, Price: dv.Price, CompareAtPrice: dv.CompareAtPrice,
			Options: dv.Options, Tracked: dv.Tracked, AllowBackorder: dv.AllowBackorder}
		source, price := "", dv.Price
		if sv, ok := byDest[dv.ID]; ok {
			d := dv
			v, pr, err := variantFrom(set, sv, &d)
			if err != nil {
				return planned{}, err
			}
			v.Options = dv.Options
			vi, source, price = v, sv.ID, pr
		}
		in.Variants = append(in.Variants, vi)
		pl.sources = append(pl.sources, source)
		pl.prices = append(pl.prices, price)
	}
	return pl, nil
}

// variantFrom is the destination variant following source variant sv; dv is the destination
// variant it already is (nil: a new one), whose price stays when prices do not follow.
func variantFrom(set catalog.Settings, sv platform.Variant, dv *platform.Variant) (platform.VariantInput, platform.Money, error) {
	a := set.Attributes
	vi := platform.VariantInput{SKU: sv.SKU, Barcode: sv.Barcode, Options: sv.Options, Tracked: true, AllowBackorder: sv.AllowBackorder}
	if a.Weight && sv.Weight != nil {
		w := *sv.Weight
		vi.Weight = &w
	}
	price, cmp, err := catalog.Apply(set, sv.Price, sv.CompareAtPrice)
	if err != nil {
		return platform.VariantInput{}, platform.Money{}, fmt.Errorf("pricing variant %s (%s): %w", sv.ID, sv.SKU, err)
	}
	if dv == nil {
		vi.Price = price
		if a.CompareAtPrice {
			vi.CompareAtPrice = cmp
		}
		return vi, price, nil
	}
	vi.ID = dv.ID
	vi.Price, vi.CompareAtPrice = dv.Price, dv.CompareAtPrice
	if a.Price {
		vi.Price = price
	}
	if a.CompareAtPrice {
		vi.CompareAtPrice = cmp
	}
	return vi, vi.Price, nil
}
