package shopifysim

import "testing"

func TestProductSetReplacesVariants(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 1)
	const set = `mutation($id: ProductSetIdentifiers, $in: ProductSetInput!, $sync: Boolean!) {
  productSet(identifier: $id, input: $in, synchronous: $sync) {
    product { id handle title variants(first: 10) { nodes { id sku price title inventoryPolicy inventoryQuantity selectedOptions { name value } } } }
    productSetOperation { status product { id } }
    userErrors { code field message }
  }
}`
	variant := func(sku, size, price string, qty int) map[string]any {
		return map[string]any{"sku": sku, "price": price, "optionValues": []any{map[string]any{"optionName": "Size", "name": size}},
			"inventoryQuantities": []any{map[string]any{"locationId": h.shop.LocationID(), "name": "available", "quantity": qty}}}
	}
	d := h.ok(set, map[string]any{"sync": true, "in": map[string]any{"title": "Rain Jacket",
		"variants": []any{variant("RJ-S", "S", "80", 3), variant("RJ-M", "M", "80.5", 4), variant("RJ-L", "L", "81.25", 5)}}})
	p := get(d, "productSet", "product")
	if get(p, "handle") != "rain-jacket" || len(get(p, "variants", "nodes").([]any)) != 3 {
		t.Fatalf("created %v", p)
	}
	if v := get(p, "variants", "nodes", 1); get(v, "price") != "80.50" || get(v, "inventoryQuantity") != float64(4) ||
		get(v, "title") != "M" || get(v, "selectedOptions", 0, "name") != "Size" || get(v, "inventoryPolicy") != "DENY" {
		t.Errorf("variant M: %v", v)
	}
	keep := get(p, "variants", "nodes", 0, "id")
	// Update by handle: keep S by id with a new SKU, drop M and L, add XL.
	d = h.ok(set, map[string]any{"sync": true, "id": map[string]any{"handle": "rain-jacket"}, "in": map[string]any{
		"variants": []any{
			map[string]any{"id": keep, "sku": "RJ-S2", "optionValues": []any{map[string]any{"optionName": "Size", "name": "S"}}},
			variant("RJ-XL", "XL", "82", 1),
		}}})
	p = get(d, "productSet", "product")
	nodes := get(p, "variants", "nodes").([]any)
	if get(p, "title") != "Rain Jacket" || len(nodes) != 2 || get(nodes, 0, "id") != keep || get(nodes, 0, "sku") != "RJ-S2" || get(nodes, 0, "price") != "80.00" {
		t.Errorf("updated %v", p)
	}
	if _, v, _ := h.shop.Counts(); v != 3 { // 1 seeded + 2
		t.Errorf("%d variants in the shop, want 3", v)
	}
	// Asynchronous: an operation, complete at once, instead of the product.
	d = h.ok(set, map[string]any{"sync": false, "in": map[string]any{"title": "Umbrella"}})
	if get(d, "productSet", "product") != nil || get(d, "productSet", "productSetOperation", "status") != "COMPLETE" ||
		get(d, "productSet", "productSetOperation", "product", "id") == nil {
		t.Errorf("asynchronous productSet: %v", d)
	}
	// A variant of another product is refused and nothing changes.
	d = h.ok(set, map[string]any{"sync": true, "id": map[string]any{"handle": "umbrella"}, "in": map[string]any{"title": "Changed",
		"variants": []any{map[string]any{"id": keep, "optionValues": []any{map[string]any{"optionName": "Title", "name": "x"}}}}}})
	if get(d, "productSet", "userErrors", 0, "code") != "PRODUCT_VARIANT_DOES_NOT_EXIST" {
		t.Errorf("foreign variant: %v", d)
	}
	if d := h.ok(`{ products(first: 5, query: "title:Changed") { nodes { id } } }`, nil); len(get(d, "products", "nodes").([]any)) != 0 {
		t.Error("a refused productSet changed the title")
	}
}
