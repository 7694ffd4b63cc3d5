package decoration_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/platform"
)

func props(kv ...string) []platform.Property {
	var out []platform.Property
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, platform.Property{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// Each field of a line's decoration comes from the line's logo placement, then the logo, then
// the product; what cannot be resolved is a note, never an error.
func TestResolve(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		crest := f.logo("Crest", "Embroidery", "Stitch & Co") // method and supplier of its own
		word := f.logo("Wordmark", "", "")                    // neither: the product's apply
		f.logo("Sponsor", "DTG", "")                          // a logo of the store no product places
		put := func(id string, p decoration.PutProductParams) {
			t.Helper()
			p.AccountID, p.StoreID, p.ProductID = f.acc, f.st, id
			if _, err := f.svc.PutProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		put("tee", decoration.PutProductParams{Supplier: "SanMar", Method: "Screen print", DecorationSupplier: "InkWorks",
			DesignName: "Team", Location: "Front", Placements: []decoration.PlacementInput{
				{LogoID: crest.ID, Location: "Left chest"}, {LogoID: crest.ID, Location: "Sleeve"}, {LogoID: word.ID, Location: "Back"}}})
		put("cap", decoration.PutProductParams{Supplier: "Flexfit", Placements: []decoration.PlacementInput{{LogoID: word.ID, Location: "Front panel"}}})
		put("mug", decoration.PutProductParams{Supplier: "Etch", Method: "Laser", DesignName: "Mug design"})

		cases := []struct {
			name    string
			product string
			props   []platform.Property
			names   decoration.PropertyNames
			want    decoration.Resolved
			notes   []string // what the notes must contain, in order
		}{
			{name: "placement: logo and location, the logo's method and supplier",
				product: "tee", props: props("Logo", "Crest", "Location", "Sleeve"),
				want: decoration.Resolved{DesignName: "Crest", Location: "Sleeve", Method: "Embroidery", Supplier: "Stitch & Co", ProductSupplier: "SanMar"}},
			{name: "property names and values in any case",
				product: "tee", props: props("  lOGo ", "cREST", "LOCATION", "left CHEST"),
				want: decoration.Resolved{DesignName: "Crest", Location: "Left chest", Method: "Embroidery", Supplier: "Stitch & Co", ProductSupplier: "SanMar"}},
			{name: "placement of a logo without method: the product's method and supplier",
				product: "tee", props: props("Logo", "Wordmark"),
				want: decoration.Resolved{DesignName: "Wordmark", Location: "Back", Method: "Screen print", Supplier: "InkWorks", ProductSupplier: "SanMar"}},
			{name: "logo placed twice, no location named: the first, with a note",
				product: "tee", props: props("Logo", "Crest"),
				want:  decoration.Resolved{DesignName: "Crest", Location: "Left chest", Method: "Embroidery", Supplier: "Stitch & Co", ProductSupplier: "SanMar"},
				notes: []string{`places logo "Crest" at 2 locations`}},
			{name: "a logo of the store the product does not place: the logo at the line's location",
				product: "tee", props: props("Logo", "Sponsor", "Location", "Hem"),
				want: decoration.Resolved{DesignName: "Sponsor", Location: "Hem", Method: "DTG", Supplier: "InkWorks", ProductSupplier: "SanMar"}},
			{name: "a logo of the store, no location anywhere: a note",
				product: "cap", props: props("Logo", "Sponsor"),
				want:  decoration.Resolved{DesignName: "Sponsor", Method: "DTG", ProductSupplier: "Flexfit"},
				notes: []string{`no location for logo "Sponsor"`}},
			{name: "unknown logo: the product's decoration and a note",
				product: "tee", props: props("Logo", "Crest2", "Location", "Back"),
				want:  decoration.Resolved{DesignName: "Team", Location: "Front", Method: "Screen print", Supplier: "InkWorks", ProductSupplier: "SanMar"},
				notes: []string{`logo "Crest2" (at "Back") named by the line is not a logo of the store`}},
			{name: "unknown logo on a product with nothing kept: only the note",
				product: "unknown", props: props("Logo", "Crest2"),
				want:  decoration.Resolved{},
				notes: []string{`logo "Crest2" named by the line is not a logo of the store`}},
			{name: "the product's only placement when the line names nothing",
				product: "cap",
				want:    decoration.Resolved{DesignName: "Wordmark", Location: "Front panel", ProductSupplier: "Flexfit"}},
			{name: "several placements and nothing named: the product's decoration and a note",
				product: "tee",
				want:    decoration.Resolved{DesignName: "Team", Location: "Front", Method: "Screen print", Supplier: "InkWorks", ProductSupplier: "SanMar"},
				notes:   []string{"the product places 3 logos and the line names none"}},
			{name: "a location only, the product's one placement there",
				product: "tee", props: props("location", "BACK"),
				want: decoration.Resolved{DesignName: "Wordmark", Location: "Back", Method: "Screen print", Supplier: "InkWorks", ProductSupplier: "SanMar"}},
			{name: "a location only, placed nowhere: the line's location, the product's design",
				product: "mug", props: props("Location", "Handle"),
				want: decoration.Resolved{DesignName: "Mug design", Location: "Handle", Method: "Laser", ProductSupplier: "Etch"}},
			{name: "the product's decoration when no placement",
				product: "mug",
				want:    decoration.Resolved{DesignName: "Mug design", Method: "Laser", ProductSupplier: "Etch"}},
			{name: "nothing at all: a note",
				product: "nothing", props: props("Engraving", "A.B."),
				want:  decoration.Resolved{},
				notes: []string{"no decoration"}},
			{name: "the store's own property names, in any case",
				product: "tee", props: props("Logo", "Wordmark", "design", "crest", "placement", "sleeve"),
				names: decoration.PropertyNames{Logo: "Design", Location: "Placement"},
				want:  decoration.Resolved{DesignName: "Crest", Location: "Sleeve", Method: "Embroidery", Supplier: "Stitch & Co", ProductSupplier: "SanMar"}},
			{name: "an empty property is none",
				product: "cap", props: props("Logo", "  ", "Logo", "Sponsor"),
				want:  decoration.Resolved{DesignName: "Sponsor", Method: "DTG", ProductSupplier: "Flexfit"},
				notes: []string{`no location for logo "Sponsor"`}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := decoration.Resolve(ctx, db, f.st, c.product, c.props, c.names)
				if err != nil {
					t.Fatal(err)
				}
				notes := got.Notes
				got.Notes = nil
				if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
					t.Errorf("resolved %+v\nwant     %+v", got, c.want)
				}
				if len(notes) != len(c.notes) {
					t.Fatalf("notes %q; want %d containing %q", notes, len(c.notes), c.notes)
				}
				for i, n := range c.notes {
					if !strings.Contains(notes[i], n) {
						t.Errorf("note %q; want it to contain %q", notes[i], n)
					}
				}
			})
		}
		// Another store's logos and products are not the store's.
		got, err := decoration.Resolve(ctx, db, f.altS, "tee", props("Logo", "Crest"), decoration.PropertyNames{})
		if err != nil || got.DesignName != "" || got.ProductSupplier != "" || len(got.Notes) != 1 {
			t.Fatalf("another store's line: %+v %v; want nothing and one note", got, err)
		}
		// Apply sets a sales order line's decoration.
		var line platform.BackOfficeLine
		decoration.Resolved{DesignName: "Crest", Location: "Sleeve", Method: "Embroidery", Supplier: "Stitch & Co"}.Apply(&line)
		if line.DesignName != "Crest" || line.Location != "Sleeve" || line.Method != "Embroidery" || line.Supplier != "Stitch & Co" {
			t.Errorf("applied %+v", line)
		}
	})
}
