package shopify_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// simShopClient starts a simulator with one shop seeded with products × variants, and returns
// it with a client whose config edit may change (timeouts, HTTP clients).
func simShopClient(tb testing.TB, products, variants int, edit func(*shopify.Config)) (*shopifysim.Sim, *shopify.Client) {
	tb.Helper()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 3})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret, Plan: shopifysim.PlanPlus}); err != nil {
		tb.Fatal(err)
	}
	if err := sim.SeedCatalog(simShop, products, variants); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	cfg := shopify.Config{Shop: simShop, AccessToken: simToken, APISecret: simSecret, BaseURL: srv.URL + "/shops/" + simShop,
		HTTPClient: srv.Client(), BulkPollInterval: 10 * time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	c, err := shopify.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return sim, c
}

func mustWeight(t *testing.T, v string, u platform.WeightUnit) *platform.Weight {
	t.Helper()
	w, err := platform.ParseWeight(v, u)
	if err != nil {
		t.Fatal(err)
	}
	return &w
}

func usd(minor int64) platform.Money { return platform.Money{Amount: minor, Currency: "USD"} }

// exported reads one product through the bulk export.
func exported(t *testing.T, c *shopify.Client, id string) platform.Product {
	t.Helper()
	var found *platform.Product
	if err := c.ExportCatalog(context.Background(), func(p platform.Product) error {
		if p.ID == id {
			found = &p
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if found == nil {
		t.Fatalf("product %s not in the export", id)
	}
	return *found
}

// TestImagesAndWeightRoundTrip writes a product with images and weights through productSet and
// reads them back by id, by page and by bulk export; then a second write keeps one image by id,
// adds one, drops one, changes a weight's unit and ends a compare-at price.
func TestImagesAndWeightRoundTrip(t *testing.T) {
	t.Parallel()
	_, c := simShopClient(t, 2, 1, nil)
	ctx := context.Background()
	compare := usd(2500)
	in := platform.ProductInput{
		Title: "Field Jacket", Status: platform.ProductActive, Vendor: "Northwind", ProductType: "Jacket",
		Tags: []string{"outdoor", "wax"}, DescriptionHTML: "<p>Waxed cotton.</p>", Options: []string{"Size"},
		Images: []platform.ImageInput{
			{URL: "https://supplier.example/img/jacket-front.jpg", AltText: "Front"},
			{URL: "https://supplier.example/img/jacket-back.jpg?width=2000", AltText: "Back"},
		},
		Variants: []platform.VariantInput{
			{SKU: "FJ-M", Price: usd(1999), CompareAtPrice: &compare, Options: []string{"M"}, Tracked: true, Weight: mustWeight(t, "1.25", platform.Kilograms)},
			{SKU: "FJ-L", Price: usd(1999), Options: []string{"L"}, Tracked: true, Weight: mustWeight(t, "44.5", platform.Ounces)},
		},
	}
	set, err := c.SetProduct(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Images) != 2 || set.Images[0].ID == "" || set.Variants[1].Weight == nil || set.Variants[1].Weight.String() != "44.5 oz" {
		t.Fatalf("SetProduct returned %+v", set)
	}
	byID, err := c.Product(ctx, set.ID)
	if err != nil {
		t.Fatal(err)
	}
	bulk := exported(t, c, set.ID)
	for name, p := range map[string]platform.Product{"Product": byID, "ExportCatalog": bulk} {
		if len(p.Images) != 2 || p.Images[0].AltText != "Front" || p.Images[1].AltText != "Back" ||
			p.Images[0].Position != 1 || p.Images[1].Position != 2 || p.Images[0].ID != set.Images[0].ID ||
			!strings.Contains(p.Images[0].URL, "/jacket-front.jpg") || !strings.Contains(p.Images[1].URL, "/jacket-back.jpg") {
			t.Errorf("%s images: %+v", name, p.Images)
		}
		if len(p.Variants) != 2 || *p.Variants[0].Weight != *mustWeight(t, "1.25", platform.Kilograms) ||
			*p.Variants[1].Weight != *mustWeight(t, "44.5", platform.Ounces) {
			t.Errorf("%s weights: %+v", name, p.Variants)
		}
		if p.Variants[0].CompareAtPrice == nil || *p.Variants[0].CompareAtPrice != compare || p.Vendor != "Northwind" ||
			p.ProductType != "Jacket" || p.DescriptionHTML != "<p>Waxed cotton.</p>" || len(p.Tags) != 2 || p.Options[0] != "Size" {
			t.Errorf("%s attributes: %+v", name, p)
		}
	}

	// Second write: keep the back image (new alt) first, add a side image, drop the front;
	// the M variant's weight in grams, its compare-at price gone; L's weight left alone.
	in.ID = set.ID
	in.Images = []platform.ImageInput{
		{ID: set.Images[1].ID, AltText: "Back view"},
		{URL: "https://supplier.example/img/jacket-side.png", AltText: "Side"},
	}
	in.Variants[0].ID, in.Variants[1].ID = set.Variants[0].ID, set.Variants[1].ID
	in.Variants[0].Weight, in.Variants[0].CompareAtPrice = mustWeight(t, "1250", platform.Grams), nil
	in.Variants[1].Weight = nil
	if _, err := c.SetProduct(ctx, in); err != nil {
		t.Fatal(err)
	}
	again, err := c.Product(ctx, set.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Images) != 2 || again.Images[0].ID != set.Images[1].ID || again.Images[0].AltText != "Back view" ||
		!strings.Contains(again.Images[1].URL, "/jacket-side.png") || again.Images[1].Position != 2 {
		t.Errorf("images after update: %+v", again.Images)
	}
	if w := again.Variants[0].Weight; w == nil || w.String() != "1250 g" || again.Variants[0].CompareAtPrice != nil {
		t.Errorf("M after update: weight %v, compare-at %v", w, again.Variants[0].CompareAtPrice)
	}
	if w := again.Variants[1].Weight; w == nil || w.String() != "44.5 oz" {
		t.Errorf("L's weight changed although not given: %v", w)
	}

	// Images left nil are left as they are; an image without id or URL is refused before any call.
	in.Images = nil
	if _, err := c.SetProduct(ctx, in); err != nil {
		t.Fatal(err)
	}
	if p, _ := c.Product(ctx, set.ID); len(p.Images) != 2 {
		t.Errorf("images after a write without images: %+v", p.Images)
	}
	in.Images = []platform.ImageInput{{AltText: "no source"}}
	if _, err := c.SetProduct(ctx, in); platform.KindOf(err) != platform.KindInvalidInput || !strings.Contains(err.Error(), "image 0") {
		t.Errorf("image without source: %v", err)
	}
}

// TestProductImagesPastFirstPage reads a product with more images than one page carries, by id
// and by page: a product written back with part of its images would lose the rest.
func TestProductImagesPastFirstPage(t *testing.T) {
	t.Parallel()
	_, c := simShopClient(t, 0, 1, nil)
	ctx := context.Background()
	var imgs []platform.ImageInput
	for i := range 130 {
		imgs = append(imgs, platform.ImageInput{URL: "https://supplier.example/img/" + strings.Repeat("x", i%7) + ".jpg", AltText: "alt " + string(rune('A'+i%26))})
	}
	set, err := c.SetProduct(ctx, platform.ProductInput{Title: "Gallery", Images: imgs,
		Variants: []platform.VariantInput{{SKU: "G-1", Price: usd(100)}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Product(ctx, set.ID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.ListProducts(ctx, platform.ListParams{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("ListProducts: %+v, %v", page, err)
	}
	for name, got := range map[string][]platform.Image{"Product": p.Images, "ListProducts": page.Items[0].Images, "SetProduct": set.Images} {
		if len(got) != 130 || got[129].Position != 130 || got[129].AltText != "alt "+string(rune('A'+129%26)) {
			t.Errorf("%s: %d images, last %+v", name, len(got), got[len(got)-1])
		}
	}
}
