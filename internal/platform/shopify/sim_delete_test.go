package shopify_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// TestDeleteProduct deletes a product through productDelete against the simulator: it is gone
// with its variants, and deleting it again (a job run twice) is done, not an error.
func TestDeleteProduct(t *testing.T) {
	t.Parallel()
	sim, c := simShopClient(t, 2, 3, nil)
	ctx := context.Background()
	page, err := c.ListProducts(ctx, platform.ListParams{Limit: 10})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("products: %d, %v", len(page.Items), err)
	}
	gone := page.Items[0].ID
	for i := range 2 {
		if err := c.DeleteProduct(ctx, gone); err != nil {
			t.Fatalf("delete %d: %v", i+1, err)
		}
	}
	if _, err := c.Product(ctx, gone); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("read after delete: %v, want not found", err)
	}
	sh, err := sim.Shop(simShop)
	if err != nil {
		t.Fatal(err)
	}
	products, variants, _ := sh.Counts()
	if products != 1 || variants != 3 {
		t.Fatalf("left %d products, %d variants; want 1 and 3", products, variants)
	}
	if _, err := c.Product(ctx, page.Items[1].ID); err != nil {
		t.Fatalf("the other product: %v", err)
	}
}
