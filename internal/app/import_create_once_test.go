package app_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// An import whose productSet ran on the destination but whose answer was lost (a 502 after the
// call, a connection cut) is retried by its job and makes exactly one destination product, the
// one the first attempt made, adopted by the key it carries; the destination's own product with
// the same handle is never touched.
func TestImportCreateIsExactlyOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newLinkEnv(t, u)
		src, srcC := e.shop(t, e.supplier, "supplier.myshopify.com")
		dst, dstC := e.shop(t, e.account, "reseller.myshopify.com")
		mug := product(t, srcC, "Mug", variant("MUG-S", 1000, "S"), variant("MUG-L", 799, "L"))
		own := product(t, dstC, "Mug", variant("OWN-MUG", 4200, "One")) // the destination's own, same handle
		if own.Handle != mug.Handle {
			t.Fatalf("handles %q and %q; want the same", own.Handle, mug.Handle)
		}
		conn := e.connect(t, dst, src)
		for _, mode := range []shopifysim.CallFaultMode{shopifysim.LoseResponse, shopifysim.ResetAfter} {
			e.sim.ClearCallFaults(dst.Address)
			e.sim.AddCallFault(dst.Address, shopifysim.CallFault{Field: "productSet", Calls: []int{1}, Mode: mode})
			r := e.run(t, conn, "imports", map[string]any{"source_product_ids": []string{mug.ID}})
			if r.State != "completed" || r.Done != 1 || r.Failed != 0 {
				t.Fatalf("mode %d: import: %+v", mode, r)
			}
			var ours []platform.Product
			for _, p := range catalogOf(t, dstC) {
				switch p.ID {
				case own.ID:
					if p.Title != "Mug" || len(p.Variants) != 1 || p.Variants[0].SKU != "OWN-MUG" || p.Variants[0].Price != usdOf(4200) {
						t.Errorf("mode %d: the destination's own product was changed: %+v", mode, p)
					}
				default:
					ours = append(ours, p)
				}
			}
			if len(ours) != 1 || len(ours[0].Variants) != 2 {
				t.Fatalf("mode %d: %d imported products on the destination (%+v); want exactly one with 2 variants", mode, len(ours), ours)
			}
			links := e.links(t, conn)
			if len(links) != 2 || links[0].Destination.ProductID != ours[0].ID {
				t.Fatalf("mode %d: links %+v; want both variants linked to %s", mode, links, ours[0].ID)
			}
			// The next round starts from nothing: the imported product deleted at the destination
			// is created again (once) by the next import.
			if err := dstC.DeleteProduct(context.Background(), ours[0].ID); err != nil {
				t.Fatal(err)
			}
		}
	})
}
