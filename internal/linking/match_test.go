package linking

import (
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
)

func mp(id string, idents ...string) *mapProduct {
	p := &mapProduct{id: id, title: id}
	for i, s := range idents {
		p.variants = append(p.variants, mapVariant{id: id + "-v" + string(rune('0'+i)), ident: s})
	}
	return p
}

// match links only what is certain and names each conflict with the products at fault.
func TestMatch(t *testing.T) {
	t.Parallel()
	type conflict struct {
		kind     string
		src, dst []string
	}
	for _, tc := range []struct {
		name      string
		src, dst  []*mapProduct
		pairs     [][2]string
		conflicts []conflict
	}{
		{name: "one for one, in another order", src: []*mapProduct{mp("s1", "A", "B")}, dst: []*mapProduct{mp("d1", "B", "A")}, pairs: [][2]string{{"s1", "d1"}}},
		{name: "not at the destination", src: []*mapProduct{mp("s1", "A")}, dst: []*mapProduct{mp("d1", "Z")}},
		{name: "missing at the source", src: []*mapProduct{mp("s1", "A", "")}, dst: []*mapProduct{mp("d1", "A", "B")},
			conflicts: []conflict{{ConflictMissingIdentifier, []string{"s1"}, nil}}},
		{name: "missing at the destination", src: []*mapProduct{mp("s1", "A")}, dst: []*mapProduct{mp("d1", "")},
			conflicts: []conflict{{ConflictMissingIdentifier, nil, []string{"d1"}}}},
		{name: "twice at the source", src: []*mapProduct{mp("s1", "A"), mp("s2", "A")}, dst: []*mapProduct{mp("d1", "A")},
			conflicts: []conflict{{ConflictDuplicateIdentifier, []string{"s1", "s2"}, nil}}},
		{name: "twice in one destination product", src: []*mapProduct{mp("s1", "A")}, dst: []*mapProduct{mp("d1", "A", "A")},
			conflicts: []conflict{{ConflictDuplicateIdentifier, nil, []string{"d1"}}}},
		{name: "fewer variants at the destination", src: []*mapProduct{mp("s1", "A", "B")}, dst: []*mapProduct{mp("d1", "A")},
			conflicts: []conflict{{ConflictVariantCount, []string{"s1"}, []string{"d1"}}}},
		{name: "more variants at the destination", src: []*mapProduct{mp("s1", "A")}, dst: []*mapProduct{mp("d1", "A", "B")},
			conflicts: []conflict{{ConflictVariantCount, []string{"s1"}, []string{"d1"}}}},
		{name: "spread over two destination products", src: []*mapProduct{mp("s1", "A", "B")}, dst: []*mapProduct{mp("d1", "A"), mp("d2", "B")},
			conflicts: []conflict{{ConflictVariantCount, []string{"s1"}, []string{"d1", "d2"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := match(catalog.IdentifierSKU, tc.src, tc.dst)
			var pairs [][2]string
			for _, p := range m.pairs {
				pairs = append(pairs, [2]string{p.src.id, p.dst.id})
				for i, v := range p.src.variants {
					if p.dst.variants[p.order[i]].ident != v.ident {
						t.Errorf("variant %s paired with %s", v.ident, p.dst.variants[p.order[i]].ident)
					}
				}
			}
			if !slices.Equal(pairs, tc.pairs) {
				t.Errorf("pairs %v; want %v", pairs, tc.pairs)
			}
			var got []conflict
			for _, c := range m.conflicts {
				if c.reason == "" {
					t.Errorf("conflict %+v has no reason", c)
				}
				got = append(got, conflict{c.kind, c.sourceIDs, c.destIDs})
			}
			if !slices.EqualFunc(got, tc.conflicts, func(a, b conflict) bool {
				return a.kind == b.kind && slices.Equal(a.src, b.src) && slices.Equal(a.dst, b.dst)
			}) {
				t.Errorf("conflicts %v; want %v", got, tc.conflicts)
			}
		})
	}
}

// plan changes an existing destination product only in what the settings follow.
func TestPlanKeepsWhatDoesNotFollow(t *testing.T) {
	t.Parallel()
	set := catalog.Default()
	set.Attributes.Title, set.Attributes.Price, set.Attributes.Variants = false, false, false
	src := platform.Product{ID: "s", Title: "Source title", Vendor: "V", Options: []string{"Size"},
		Variants: []platform.Variant{{ID: "sv", SKU: "A", Price: platform.Money{Amount: 1000, Currency: "USD"}, Options: []string{"S"}}}}
	cur := platform.Product{ID: "d", Title: "My title", Options: []string{"Size"},
		Variants: []platform.Variant{{ID: "dv", SKU: "A", Price: platform.Money{Amount: 1500, Currency: "USD"}, Options: []string{"S"}},
			{ID: "own", SKU: "MINE", Price: platform.Money{Amount: 200, Currency: "USD"}, Options: []string{"M"}}}}
	pl, err := plan(set, src, &cur, map[string]string{"sv": "dv"})
	if err != nil {
		t.Fatal(err)
	}
	if pl.in.ID != "d" || pl.in.Title != "" || pl.in.Vendor != "V" || pl.in.Images != nil {
		t.Errorf("product input %+v; want the id, title left as is, vendor followed, images left", pl.in)
	}
	if len(pl.in.Variants) != 2 || pl.in.Variants[0].ID != "dv" || pl.in.Variants[0].Price.Amount != 1500 || pl.in.Variants[1].ID != "own" {
		t.Errorf("variants %+v; want the destination's two, its price kept", pl.in.Variants)
	}
	if !slices.Equal(pl.sources, []string{"sv", ""}) {
		t.Errorf("sources %v", pl.sources)
	}
}
