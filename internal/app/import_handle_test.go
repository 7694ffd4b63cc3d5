package app_test

import (
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// An import creating a product whose handle the destination already gives to an unrelated
// product of its own creates a new product: the destination's product keeps its title, SKU and
// price, and is linked to nothing. An import run again updates the imported product, by its id.
func TestImportNeverTakesOverAProductByHandle(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		mine := product(t, dstC, "Mug", variant("OWN-MUG", 500, "One"))
		theirs := product(t, srcC, "Mug", variant("MUG-S", 1000, "S"), variant("MUG-L", 1200, "L"))
		if mine.Handle == "" || mine.Handle != theirs.Handle {
			t.Fatalf("handles %q and %q; the test needs the same handle on both sides", mine.Handle, theirs.Handle)
		}
		conn := e.connect(t, dst, src)
		for round := range 2 {
			if r := e.run(t, conn, "imports", map[string]any{"all": true}); r.State != "completed" || r.Done != 1 || r.Failed != 0 {
				t.Fatalf("import %d: %+v", round, r)
			}
			got := catalogOf(t, dstC)
			if len(got) != 2 {
				t.Fatalf("import %d: destination has %d products; want its own and the imported one", round, len(got))
			}
			var imported string
			for _, p := range got {
				if p.ID == mine.ID {
					if p.Title != "Mug" || len(p.Variants) != 1 || p.Variants[0].SKU != "OWN-MUG" || p.Variants[0].Price != usdOf(500) {
						t.Errorf("import %d changed the destination's own product: %+v", round, p)
					}
					continue
				}
				imported = p.ID
				if p.Handle == mine.Handle {
					t.Errorf("import %d: two products share the handle %q", round, p.Handle)
				}
			}
			for _, l := range e.links(t, conn) {
				if l.Destination.ProductID != imported {
					t.Errorf("import %d: link %s to destination product %s; want %s", round, l.Identifier, l.Destination.ProductID, imported)
				}
			}
			if n := len(e.links(t, conn)); n != 2 {
				t.Errorf("import %d: %d links; want 2", round, n)
			}
		}
	})
}
