package shopify

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func variantNode(id int, sku string) map[string]any {
	return map[string]any{
		"id": fmt.Sprintf("gid://shopify/ProductVariant/%d", id), "title": sku, "sku": sku, "barcode": nil,
		"price": "19.99", "compareAtPrice": nil, "position": 1, "inventoryPolicy": "DENY", "inventoryQuantity": 3,
		"updatedAt": "2026-11-01T00:00:00Z", "selectedOptions": []any{map[string]any{"name": "Size", "value": sku}},
		"inventoryItem": map[string]any{"id": fmt.Sprintf("gid://shopify/InventoryItem/%d", id), "tracked": true},
	}
}

// TestListProductsPaginates walks three pages of products, one of whose variants spill over
// its first page, and checks cursors, the incremental filter and that every product is whole.
func TestListProductsPaginates(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "Shop":
			reply(w, shopData())
		case "Products":
			after, _ := c.Vars["after"].(string)
			page := map[string]int{"": 0, "c1": 1, "c2": 2}[after]
			var nodes []any
			for i := range 2 {
				id := page*2 + i
				vs := map[string]any{"nodes": []any{variantNode(id*10, fmt.Sprintf("SKU-%d-A", id))}, "pageInfo": map[string]any{"hasNextPage": id == 3, "endCursor": "v1"}}
				nodes = append(nodes, map[string]any{"id": fmt.Sprintf("gid://shopify/Product/%d", id), "title": fmt.Sprintf("P%d", id), "handle": "p", "status": "ACTIVE",
					"vendor": "V", "productType": "T", "tags": []any{"a"}, "descriptionHtml": "", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-11-01T00:00:00Z", "variants": vs})
			}
			reply(w, map[string]any{"products": map[string]any{"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": page < 2, "endCursor": fmt.Sprintf("c%d", page+1)}}})
		case "Product":
			if c.Vars["id"] != "gid://shopify/Product/3" || c.Vars["variantsAfter"] != "v1" {
				t.Errorf("unexpected Product call %v", c.Vars)
			}
			reply(w, map[string]any{"product": map[string]any{"id": "gid://shopify/Product/3", "variants": map[string]any{
				"nodes": []any{variantNode(31, "SKU-3-B")}, "pageInfo": map[string]any{"hasNextPage": false}}}})
		}
	})
	c, _ := f.client(t)
	since := mustTime(t, "2026-10-01T00:00:00Z")
	var all []platform.Product
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		page, err := c.ListProducts(context.Background(), platform.ListParams{UpdatedSince: since, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(all) != 6 {
		t.Fatalf("got %d products", len(all))
	}
	if p3 := all[3]; len(p3.Variants) != 2 || p3.Variants[1].SKU != "SKU-3-B" || p3.Variants[0].Price != (platform.Money{Amount: 1999, Currency: "USD"}) {
		t.Fatalf("product 3 variants: %+v", p3.Variants)
	}
	calls := f.opCalls("Products")
	if len(calls) != 3 || calls[0].Vars["query"] != "updated_at:>='2026-10-01T00:00:00Z'" || calls[0].Vars["after"] != nil || calls[2].Vars["after"] != "c2" {
		t.Fatalf("products calls: %+v", calls)
	}
	if n := len(f.opCalls("Shop")); n != 1 {
		t.Fatalf("shop currency read %d times, want once", n)
	}
}

// TestExportCatalogStreams serves a bulk result of many products from a generator and checks
// that every product arrives whole and that the heap does not grow with the catalog. Not
// parallel: it measures the whole process's heap, which tests running beside it would grow.
func TestExportCatalogStreams(t *testing.T) {
	const products = 2500 // × 4 KB descriptions: a 10 MB catalog
	f := newFake(t, nil)
	f.handle = func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "Shop":
			reply(w, shopData())
		case "BulkOperationsInProgress":
			reply(w, map[string]any{"running": map[string]any{"nodes": []any{}}, "created": map[string]any{"nodes": []any{}}})
		case "BulkOperationRunQuery":
			if q, _ := c.Vars["query"].(string); !strings.Contains(q, "products") {
				t.Errorf("bulk query %q", q)
			}
			reply(w, map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "CREATED"}, "userErrors": []any{}}})
		case "BulkOperation":
			status := map[bool]string{true: "RUNNING", false: "COMPLETED"}[n < 2]
			reply(w, map[string]any{"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/1", "status": status, "url": f.srv.URL + "/bulk.jsonl", "objectCount": "3"}})
		}
	}
	f.extra = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Shopify-Access-Token") != "" {
			t.Error("access token sent to the bulk download URL")
		}
		bw := bufio.NewWriter(w)
		for i := range products {
			fmt.Fprintf(bw, `{"id":"gid://shopify/Product/%d","title":"Product %d","status":"ACTIVE","descriptionHtml":"%s","updatedAt":"2026-11-01T00:00:00Z"}`+"\n", i, i, strings.Repeat("x", 4096))
			for v := range 2 {
				fmt.Fprintf(bw, `{"id":"gid://shopify/ProductVariant/%d%d","sku":"S%d-%d","price":"5.00","inventoryItem":{"id":"gid://shopify/InventoryItem/%d%d","tracked":true},"__parentId":"gid://shopify/Product/%d"}`+"\n", i, v, i, v, i, v, i)
			}
		}
		_ = bw.Flush()
	})
	c, sl := f.client(t)
	var count, variants int
	var heapStart, heapMax uint64
	var ms runtime.MemStats
	err := c.ExportCatalog(context.Background(), func(p platform.Product) error {
		if len(p.Variants) != 2 || p.Variants[1].ProductID != p.ID || p.Variants[0].Price.Amount != 500 {
			return fmt.Errorf("product %s incomplete: %+v", p.ID, p.Variants)
		}
		count++
		variants += len(p.Variants)
		if count == 200 || count%1000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if count == 200 {
				heapStart = ms.HeapAlloc
			}
			heapMax = max(heapMax, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != products || variants != 2*products {
		t.Fatalf("got %d products, %d variants", count, variants)
	}
	if growth := int64(heapMax) - int64(heapStart); growth > 4<<20 {
		t.Fatalf("heap grew by %d bytes while streaming", growth)
	}
	// Three polls until COMPLETED, then one more by ReadExport for the file's URL.
	if polls := len(f.opCalls("BulkOperation")); polls != 4 || len(sl.all()) < 2 {
		t.Fatalf("polled %d times with sleeps %v", polls, sl.all())
	}
}

func TestSetProductUserErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		reply(w, map[string]any{"productSet": map[string]any{"product": nil, "userErrors": []any{
			map[string]any{"code": "INVALID_VARIANT", "field": []any{"input", "variants", "0", "price"}, "message": "Price must be greater than or equal to 0"},
		}}})
	})
	c, _ := f.client(t)
	_, err := c.SetProduct(context.Background(), platform.ProductInput{Handle: "mug", Title: "Mug", Variants: []platform.VariantInput{{SKU: "MUG", Price: platform.Money{Amount: -1, Currency: "USD"}}}})
	var pe *platform.Error
	if !asError(err, &pe) || pe.Kind != platform.KindInvalidInput || len(pe.Fields) != 1 || pe.Fields[0].Field != "input.variants.0.price" || pe.Fields[0].Code != "INVALID_VARIANT" {
		t.Fatalf("SetProduct error: %+v", err)
	}
	if !strings.Contains(err.Error(), "input.variants.0.price") || !strings.Contains(err.Error(), testShop) {
		t.Fatalf("message does not name field and store: %v", err)
	}
	in := f.opCalls("ProductSet")[0].Vars
	input := in["input"].(map[string]any)
	// The handle is the new product's slug, never its identifier (it may be another product's).
	if in["identifier"] != nil || input["handle"] != "mug" || input["productOptions"].([]any)[0].(map[string]any)["name"] != "Title" {
		t.Fatalf("productSet variables: %v", in)
	}
}
