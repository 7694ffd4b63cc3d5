package platformtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

func (s *suite) testCatalog(t *testing.T) {
	t.Run("ListProductsPages", s.testListProductsPages)
	t.Run("UpdatedSince", s.testUpdatedSince)
	t.Run("ProductByID", s.testProductByID)
	t.Run("SetProduct", s.testSetProduct)
	t.Run("DeleteProduct", s.testDeleteProduct)
	t.Run("ExportCatalog", s.testExportCatalog)
}

// checkSeeded fails t unless got has the seed's title and each seeded variant's SKU and price,
// to the minor unit.
func checkSeeded(t *testing.T, what string, got platform.Product, want seeded) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Seed.Title {
		t.Errorf("%s: product %s %q, want %s %q", what, got.ID, got.Title, want.ID, want.Seed.Title)
	}
	if len(got.Variants) != len(want.Seed.Variants) {
		t.Errorf("%s: %s has %d variants, want %d", what, got.ID, len(got.Variants), len(want.Seed.Variants))
	}
	for _, sv := range want.Seed.Variants {
		v, ok := variantBySKU(got, sv.SKU)
		switch {
		case !ok:
			t.Errorf("%s: %s has no variant %s", what, got.ID, sv.SKU)
		case v.Price != sv.Price:
			t.Errorf("%s: %s price %v, want %v", what, sv.SKU, v.Price, sv.Price)
		case v.ID == "" || v.InventoryItemID == "":
			t.Errorf("%s: %s without a variant or inventory item id: %+v", what, sv.SKU, v)
		}
	}
}

func (s *suite) testListProductsPages(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	want := map[string]seeded{}
	for i := range 5 {
		p := e.seed(t, fmt.Sprintf("Paged product %d", i+1), fmt.Sprintf("PAGE%d", i+1), 2, 1)
		want[p.ID] = p
	}
	items, pages := e.allProducts(t, platform.ListParams{Limit: 2})
	if pages < 3 {
		t.Errorf("5 products read in %d pages of at most 2", pages)
	}
	seen := map[string]int{}
	for _, p := range items {
		seen[p.ID]++
		if w, ok := want[p.ID]; ok && seen[p.ID] == 1 {
			checkSeeded(t, "ListProducts", p, w)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("ListProducts: product %s listed %d times", id, n)
		}
	}
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("ListProducts: seeded product %s not listed", id)
		}
	}
	// The platform's default page size lists them too.
	items, _ = e.allProducts(t, platform.ListParams{})
	n := 0
	for _, p := range items {
		if _, ok := want[p.ID]; ok {
			n++
		}
	}
	if n != len(want) {
		t.Errorf("ListProducts with the default page size: %d of the %d seeded products", n, len(want))
	}
}

func (s *suite) testUpdatedSince(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	var ps []seeded
	for i := range 3 {
		ps = append(ps, e.seed(t, fmt.Sprintf("Dated product %d", i+1), fmt.Sprintf("DATE%d", i+1), 1, 1))
	}
	// Platforms filter by whole seconds, at or after: leave a second between the seeds and the cut.
	time.Sleep(1100 * time.Millisecond)
	cut := time.Now()
	in := inputOf(ps[0].Product)
	in.Title = "Dated product 1, renamed"
	if _, err := e.st.SetProduct(e.ctx, in); err != nil {
		t.Fatalf("SetProduct: %v", err)
	}
	items, _ := e.allProducts(t, platform.ListParams{UpdatedSince: cut, Limit: 2})
	found := false
	for _, p := range items {
		switch p.ID {
		case ps[0].ID:
			found = true
			if p.Title != in.Title {
				t.Errorf("UpdatedSince: %s titled %q, want %q", p.ID, p.Title, in.Title)
			}
		case ps[1].ID, ps[2].ID:
			t.Errorf("UpdatedSince %s: lists %s, unchanged since before it", cut.Format(time.RFC3339Nano), p.ID)
		}
	}
	if !found {
		t.Errorf("UpdatedSince %s: the product updated after it is not listed", cut.Format(time.RFC3339Nano))
	}
}

// inputOf is the ProductInput that sets p as it is.
func inputOf(p platform.Product) platform.ProductInput {
	in := platform.ProductInput{ID: p.ID, Title: p.Title, Status: p.Status, Options: p.Options}
	for _, v := range p.Variants {
		in.Variants = append(in.Variants, platform.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Price: v.Price,
			CompareAtPrice: v.CompareAtPrice, Options: v.Options, Tracked: v.Tracked, AllowBackorder: v.AllowBackorder})
	}
	return in
}

func (s *suite) testProductByID(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Product by id", "BYID", 3, 4)
	got, err := e.st.Product(e.ctx, p.ID)
	if err != nil {
		t.Fatalf("Product(%s): %v", p.ID, err)
	}
	checkSeeded(t, "Product", got, p)
	for _, v := range got.Variants {
		if v.ProductID != "" && v.ProductID != p.ID {
			t.Errorf("Product: variant %s names product %s, want %s", v.ID, v.ProductID, p.ID)
		}
	}
}

func (s *suite) testSetProduct(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	in := platform.ProductInput{Title: "Contract mug", Status: platform.ProductActive, Options: []string{"Colour"},
		Variants: []platform.VariantInput{
			{SKU: "MUG-RED", Price: e.money(1999), Options: []string{"Red"}, Tracked: true},
			{SKU: "MUG-BLUE", Price: e.money(2001), Options: []string{"Blue"}, Tracked: true},
		}}
	created, err := e.st.SetProduct(e.ctx, in)
	if err != nil {
		t.Fatalf("SetProduct create: %v", err)
	}
	if created.ID == "" {
		t.Fatalf("SetProduct create: no id: %+v", created)
	}
	read := checkProduct(t, e, "created", created.ID, in.Title, map[string]int64{"MUG-RED": 1999, "MUG-BLUE": 2001})
	red, _ := variantBySKU(read, "MUG-RED")
	blue, _ := variantBySKU(read, "MUG-BLUE")

	up := platform.ProductInput{ID: created.ID, Title: "Contract mug, glazed", Options: []string{"Colour"},
		Variants: []platform.VariantInput{
			{ID: red.ID, SKU: "MUG-RED", Price: e.money(2105), Options: []string{"Red"}, Tracked: true},
			{ID: blue.ID, SKU: "MUG-BLUE", Price: e.money(2001), Options: []string{"Blue"}, Tracked: true},
			{SKU: "MUG-GREEN", Price: e.money(10), Options: []string{"Green"}, Tracked: true},
		}}
	updated, err := e.st.SetProduct(e.ctx, up)
	if err != nil {
		t.Fatalf("SetProduct update: %v", err)
	}
	if updated.ID != created.ID {
		t.Fatalf("SetProduct update made product %s, want %s updated", updated.ID, created.ID)
	}
	read = checkProduct(t, e, "updated", created.ID, up.Title, map[string]int64{"MUG-RED": 2105, "MUG-BLUE": 2001, "MUG-GREEN": 10})
	if v, _ := variantBySKU(read, "MUG-RED"); v.ID != red.ID {
		t.Errorf("SetProduct update: MUG-RED is variant %s now, want %s kept", v.ID, red.ID)
	}
}

// checkProduct reads a product by id and checks its title and its variants' SKUs and prices.
func checkProduct(t *testing.T, e *env, what, id, title string, prices map[string]int64) platform.Product {
	t.Helper()
	p, err := e.st.Product(e.ctx, id)
	if err != nil {
		t.Fatalf("Product(%s) %s: %v", id, what, err)
	}
	if p.Title != title {
		t.Errorf("%s product titled %q, want %q", what, p.Title, title)
	}
	if len(p.Variants) != len(prices) {
		t.Errorf("%s product has %d variants, want %d: %+v", what, len(p.Variants), len(prices), p.Variants)
	}
	for sku, minor := range prices {
		v, ok := variantBySKU(p, sku)
		if !ok {
			t.Errorf("%s product has no variant %s", what, sku)
			continue
		}
		if v.Price != e.money(minor) {
			t.Errorf("%s product: %s price %v, want %v", what, sku, v.Price, e.money(minor))
		}
	}
	return p
}

func (s *suite) testDeleteProduct(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Deleted product", "DEL", 2, 1)
	keep := e.seed(t, "Kept product", "KEEP", 1, 1)
	if err := e.st.DeleteProduct(e.ctx, p.ID); err != nil {
		t.Fatalf("DeleteProduct: %v", err)
	}
	_, err := e.st.Product(e.ctx, p.ID)
	_ = wantKind(t, "Product of a deleted product", err, platform.KindNotFound)
	if err := e.st.DeleteProduct(e.ctx, p.ID); err != nil {
		t.Errorf("DeleteProduct again: %v, want nil (deleted already)", err)
	}
	if _, err := e.st.Product(e.ctx, keep.ID); err != nil {
		t.Errorf("Product of the product not deleted: %v", err)
	}
}

func (s *suite) testExportCatalog(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	want := map[string]seeded{}
	for i := range 4 {
		p := e.seed(t, fmt.Sprintf("Exported product %d", i+1), fmt.Sprintf("EXP%d", i+1), i+1, 1)
		want[p.ID] = p
	}
	seen := map[string]int{}
	err := e.st.ExportCatalog(e.ctx, func(p platform.Product) error {
		seen[p.ID]++
		if w, ok := want[p.ID]; ok && seen[p.ID] == 1 {
			checkSeeded(t, "ExportCatalog", p, w)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ExportCatalog: %v", err)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("ExportCatalog: product %s streamed %d times", id, n)
		}
	}
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("ExportCatalog: seeded product %s not streamed", id)
		}
	}
	// fn's error stops the export and comes back.
	stop := errors.New("enough")
	calls := 0
	err = e.st.ExportCatalog(e.ctx, func(platform.Product) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ExportCatalog with fn failing: %d calls, error %v; want 1 call and fn's error", calls, err)
	}
}
