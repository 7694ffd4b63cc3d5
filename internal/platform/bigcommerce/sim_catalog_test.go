package bigcommerce_test

import (
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

func usd(t *testing.T, s string) platform.Money {
	t.Helper()
	m, err := platform.ParseMoney(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCatalogPagingAndIncremental(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{Seed: 3})
	if err := e.sim.SeedCatalog(testHash, 260, 2); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var all []platform.Product
	cursor, pages := "", 0
	for {
		pg, err := e.c.ListProducts(ctx, platform.ListParams{Cursor: cursor, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, pg.Items...)
		if pg.NextCursor == "" {
			break
		}
		cursor = pg.NextCursor
	}
	if pages != 3 || len(all) != 260 {
		t.Fatalf("pages %d products %d, want 3 and 260", pages, len(all))
	}
	p := all[0]
	if len(p.Variants) != 2 || p.Options[0] != "Size" || p.Variants[0].Options[0] != "XS" || p.Variants[0].Price.Currency != "USD" || p.Variants[0].Quantity == nil {
		t.Fatalf("first product %+v", p)
	}
	// Limit over the API's maximum is capped, not refused.
	pg, err := e.c.ListProducts(ctx, platform.ListParams{Limit: 1000})
	if err != nil || len(pg.Items) != 250 || pg.NextCursor != "2" {
		t.Fatalf("capped page: %d items, next %q, %v", len(pg.Items), pg.NextCursor, err)
	}
	// Incremental: only what changed since.
	since := time.Now().Add(time.Second).Truncate(time.Second)
	time.Sleep(time.Until(since) + 10*time.Millisecond)
	in := platform.ProductInput{ID: p.ID, Title: "Renamed product", Options: p.Options}
	for _, v := range p.Variants {
		in.Variants = append(in.Variants, platform.VariantInput{ID: v.ID, SKU: v.SKU, Price: v.Price, Options: v.Options, Tracked: true})
	}
	if _, err := e.c.SetProduct(ctx, in); err != nil {
		t.Fatal(err)
	}
	pg, err = e.c.ListProducts(ctx, platform.ListParams{UpdatedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Items) != 1 || pg.Items[0].Title != "Renamed product" {
		t.Fatalf("incremental read: %+v", pg.Items)
	}
	n := 0
	if err := e.c.ExportCatalog(ctx, func(platform.Product) error { n++; return nil }); err != nil || n != 260 {
		t.Fatalf("export: %d, %v", n, err)
	}
	h, err := e.c.StartCatalogExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := e.c.ExportStatus(ctx, h); err != nil || !st.Done() {
		t.Fatalf("export status %+v %v", st, err)
	}
	if _, err := e.c.ExportStatus(ctx, platform.ExportHandle{ID: "other"}); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("unknown handle: %v", err)
	}
}

func TestSetProductCreateUpdateAndKey(t *testing.T) {
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{})
	ctx := t.Context()
	cmp := usd(t, "30.00")
	w, _ := platform.ParseWeight("1.5", platform.Pounds)
	in := platform.ProductInput{CreateKey: "push-1", Title: "Trail Jacket", Handle: "trail-jacket", Status: platform.ProductActive,
		Tags: []string{"outdoor"}, DescriptionHTML: "<p>Warm</p>", Options: []string{"Size"},
		Variants: []platform.VariantInput{
			{SKU: "TJ-S", Price: usd(t, "25.50"), CompareAtPrice: &cmp, Options: []string{"S"}, Tracked: true, Weight: &w},
			{SKU: "TJ-M", Price: usd(t, "25.50"), Options: []string{"M"}, Tracked: true},
		},
		Images: []platform.ImageInput{{URL: "https://cdn.example/tj.jpg", AltText: "front"}},
	}
	p, err := e.c.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Trail Jacket" || p.Handle != "trail-jacket" || len(p.Variants) != 2 || p.Variants[0].CompareAtPrice == nil ||
		p.Variants[0].CompareAtPrice.Amount != 3000 || p.Variants[0].Price.Amount != 2550 || len(p.Images) != 1 || p.Images[0].AltText != "front" {
		t.Fatalf("created %+v", p)
	}
	if p.Variants[0].Weight == nil || p.Variants[0].Weight.Decimal() != "1.5" {
		t.Fatalf("weight %v", p.Variants[0].Weight)
	}
	// The same key again adopts the product instead of making a second one.
	again, err := e.c.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != p.ID {
		t.Fatalf("keyed create made %s and %s", p.ID, again.ID)
	}
	// Update: change a price, drop M, add L, keep the image with new alt text.
	up := platform.ProductInput{ID: p.ID, Options: []string{"Size"}, Variants: []platform.VariantInput{
		{ID: p.Variants[0].ID, SKU: "TJ-S", Price: usd(t, "19.99"), Options: []string{"S"}, Tracked: true},
		{SKU: "TJ-L", Price: usd(t, "27.00"), Options: []string{"L"}, Tracked: true},
	}, Images: []platform.ImageInput{{ID: p.Images[0].ID, AltText: "front view"}}}
	p2, err := e.c.SetProduct(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Variants) != 2 || p2.Variants[0].Price.Amount != 1999 || p2.Variants[0].CompareAtPrice != nil || p2.Variants[1].SKU != "TJ-L" ||
		p2.Variants[1].Options[0] != "L" || p2.Title != "Trail Jacket" || p2.Images[0].AltText != "front view" {
		t.Fatalf("updated %+v", p2)
	}
	// A simple product (no options) has one variant: the product itself.
	sp, err := e.c.SetProduct(ctx, platform.ProductInput{Title: "Mug", Variants: []platform.VariantInput{{SKU: "MUG", Barcode: "0123", Price: usd(t, "8")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sp.Variants) != 1 || sp.Variants[0].SKU != "MUG" || sp.Variants[0].Barcode != "0123" || sp.Variants[0].Price.Amount != 800 {
		t.Fatalf("simple %+v", sp)
	}
	// Bad input is refused before any call, naming the field.
	_, err = e.c.SetProduct(ctx, platform.ProductInput{Title: "x", Options: []string{"Size"}, Variants: []platform.VariantInput{{SKU: "a", Price: usd(t, "1")}}})
	if !platform.HasFieldCode(err, "") || platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("bad input: %v", err)
	}
	// The platform's refusal keeps its words: a duplicate name is a conflict.
	_, err = e.c.SetProduct(ctx, platform.ProductInput{Title: "Mug", Variants: []platform.VariantInput{{SKU: "MUG2", Price: usd(t, "8")}}})
	if platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := e.c.DeleteProduct(ctx, sp.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.DeleteProduct(ctx, sp.ID); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if _, err := e.c.Product(ctx, sp.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("deleted product: %v", err)
	}
}
