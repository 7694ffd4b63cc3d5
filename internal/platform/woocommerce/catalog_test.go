package woocommerce_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

func TestListProductsPagesAndReadsIncrementally(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	for i := range 230 {
		e.seedSimple(t, fmt.Sprintf("SKU-%03d", i), 5)
	}
	_, vids, err := e.store.Seed(woocommercesim.SeedProduct{Name: "Tee", Options: []string{"Size"}, Variants: []woocommercesim.SeedVariant{
		{SKU: "TEE-S", Price: "20.00", Quantity: 3, Options: []string{"S"}}, {SKU: "TEE-M", Price: "21.50", Quantity: 4, Options: []string{"M"}}}})
	if err != nil {
		t.Fatal(err)
	}
	before := e.store.Calls()
	var all []platform.Product
	cursor, pages := "", 0
	for {
		page, err := e.client.ListProducts(ctx, platform.ListParams{Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(all) != 231 || pages != 3 {
		t.Fatalf("got %d products in %d pages, want 231 in 3 (per_page capped at 100)", len(all), pages)
	}
	// 2 settings reads, 3 pages, 1 variations read of the variable product.
	if got := e.store.Calls() - before; got != 6 {
		t.Errorf("calls = %d, want 6", got)
	}
	tee := all[230]
	if len(tee.Variants) != 2 || tee.Options[0] != "Size" || tee.Variants[1].SKU != "TEE-M" ||
		tee.Variants[1].Price != (platform.Money{Amount: 2150, Currency: "USD"}) || *tee.Variants[1].Quantity != 4 ||
		tee.Variants[1].ID != fmt.Sprintf("%s:%d", tee.ID, vids[1]) || tee.Variants[1].Options[0] != "M" {
		t.Errorf("variable product read as %+v", tee)
	}
	// WooCommerce keeps whole seconds: the cut is seconds after the seeds, the change in its second.
	e.clock.Add(2 * time.Second)
	since := e.clock.Now()
	if _, err := e.client.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{
		{InventoryItemID: all[7].Variants[0].InventoryItemID, LocationID: "default", Quantity: 99}}}); err != nil {
		t.Fatal(err)
	}
	page, err := e.client.ListProducts(ctx, platform.ListParams{UpdatedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != all[7].ID || *page.Items[0].Variants[0].Quantity != 99 || page.NextCursor != "" {
		t.Fatalf("incremental read = %+v", page)
	}
	n := 0
	if err := e.client.ExportCatalog(ctx, func(platform.Product) error { n++; return nil }); err != nil || n != 231 {
		t.Fatalf("export: %d products, %v", n, err)
	}
	if _, err := e.client.ListProducts(ctx, platform.ListParams{Cursor: "garbage"}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestSetProductCreatesAndUpdatesVariations(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	usd := func(c int64) platform.Money { return platform.Money{Amount: c, Currency: "USD"} }
	cmp := usd(3000)
	w := platform.Weight{Micros: 1_500_000, Unit: platform.Kilograms}
	in := platform.ProductInput{Title: "Hoodie", Handle: "hoodie", Status: platform.ProductActive, Tags: []string{"winter", "cotton"},
		Options: []string{"Size", "Color"},
		Images:  []platform.ImageInput{{URL: "https://img.example/h.jpg", AltText: "front"}},
		Variants: []platform.VariantInput{
			{SKU: "H-S-R", Price: usd(2500), CompareAtPrice: &cmp, Options: []string{"S", "Red"}, Tracked: true, Weight: &w},
			{SKU: "H-M-R", Price: usd(2500), Options: []string{"M", "Red"}, Tracked: true},
			{SKU: "H-L-B", Price: usd(2600), Options: []string{"L", "Blue"}, Tracked: true, AllowBackorder: true},
		}}
	p, err := e.client.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Hoodie" || p.Handle != "hoodie" || len(p.Variants) != 3 || len(p.Tags) != 2 || len(p.Images) != 1 ||
		p.Variants[0].Price != usd(2500) || p.Variants[0].CompareAtPrice == nil || *p.Variants[0].CompareAtPrice != cmp ||
		p.Variants[0].Weight == nil || *p.Variants[0].Weight != w || !p.Variants[2].AllowBackorder || p.Variants[1].CompareAtPrice != nil {
		t.Fatalf("created %+v", p)
	}
	// Update: keep the first two variants, drop the third, add one; keep the image.
	in.ID = p.ID
	in.Images = []platform.ImageInput{{ID: p.Images[0].ID, AltText: "front view"}}
	in.Variants = []platform.VariantInput{
		{ID: p.Variants[0].ID, SKU: "H-S-R", Price: usd(2400), Options: []string{"S", "Red"}, Tracked: true},
		{ID: p.Variants[1].ID, SKU: "H-M-R", Price: usd(2500), Options: []string{"M", "Red"}, Tracked: true},
		{SKU: "H-XL-B", Price: usd(2700), Options: []string{"XL", "Blue"}, Tracked: true},
	}
	u, err := e.client.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Variants) != 3 || u.Variants[0].ID != p.Variants[0].ID || u.Variants[0].CompareAtPrice != nil || u.Variants[0].Price != usd(2400) ||
		u.Variants[2].SKU != "H-XL-B" || u.Images[0].AltText != "front view" || u.Images[0].ID != p.Images[0].ID {
		t.Fatalf("updated %+v", u)
	}
	// A duplicated SKU is the platform's refusal, with its code.
	_, err = e.client.SetProduct(ctx, platform.ProductInput{Title: "Dup", Variants: []platform.VariantInput{{SKU: "H-S-R", Price: usd(100)}}})
	if platform.KindOf(err) != platform.KindInvalidInput || !platform.HasFieldCode(err, "product_invalid_sku") {
		t.Fatalf("duplicate SKU: %v", err)
	}
	if err := e.client.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteProduct(ctx, p.ID); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if _, err := e.client.Product(ctx, p.ID); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("deleted product read: %v", err)
	}
}

func TestSetProductCreateKeyAdoptsAfterUncertainCreate(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	in := platform.ProductInput{CreateKey: "k-1", Title: "Mug", Variants: []platform.VariantInput{{SKU: "MUG", Price: platform.Money{Amount: 900, Currency: "USD"}}}}
	p, err := e.client.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// A new process, after an attempt that may have made it.
	in.UncertainSince = e.clock.Now()
	again, err := e.newClient(t).SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != p.ID {
		t.Fatalf("second create made %s, want %s adopted", again.ID, p.ID)
	}
}
