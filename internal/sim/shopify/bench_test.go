package shopifysim

import (
	"testing"
)

// BenchmarkProductsPage measures the simulator's own cost of one GraphQL request over HTTP (a
// page of 10 products with 20 variants each), so benchmarks of the client can tell it apart.
func BenchmarkProductsPage(b *testing.B) {
	h := newHarness(b, ShopConfig{BucketSize: 1e12, RestoreRate: 1e12}, 200, 5)
	q := `{ products(first: 10) { nodes { id title variants(first: 20) { nodes { id sku price inventoryQuantity inventoryItem { id } } } } } }`
	for b.Loop() {
		if res := h.do(q, nil); len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
	}
}
