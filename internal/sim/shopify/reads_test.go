package shopifysim

import (
	"testing"
)

func TestPaginationVisitsEveryItemOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 7, 3)
	for _, tt := range []struct {
		name, query, field string
		want               int
	}{
		{"products by id", `query($a: String) { products(first: 2, after: $a) { nodes { id } pageInfo { hasNextPage endCursor } } }`, "products", 7},
		{"products newest first", `query($a: String) { products(first: 3, after: $a, reverse: true, sortKey: UPDATED_AT) { nodes { id } pageInfo { hasNextPage endCursor } } }`, "products", 7},
		{"variants by sku", `query($a: String) { productVariants(first: 4, after: $a, sortKey: SKU) { nodes { id } pageInfo { hasNextPage endCursor } } }`, "productVariants", 21},
		{"variants filtered", `query($a: String) { productVariants(first: 2, after: $a, query: "sku:SKU-*") { nodes { id } pageInfo { hasNextPage endCursor } } }`, "productVariants", 21},
	} {
		seen := map[any]bool{}
		var after any
		for pages := 0; ; pages++ {
			if pages > 30 {
				t.Fatalf("%s: pagination does not end", tt.name)
			}
			d := h.ok(tt.query, map[string]any{"a": after})
			for _, n := range get(d, tt.field, "nodes").([]any) {
				if seen[get(n, "id")] {
					t.Fatalf("%s: %v twice", tt.name, get(n, "id"))
				}
				seen[get(n, "id")] = true
			}
			if get(d, tt.field, "pageInfo", "hasNextPage") != true {
				break
			}
			after = get(d, tt.field, "pageInfo", "endCursor")
		}
		if len(seen) != tt.want {
			t.Errorf("%s: %d items, want %d", tt.name, len(seen), tt.want)
		}
	}
}

func TestLookups(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 2, 2)
	variant, item, sku := h.firstVariant()
	d := h.ok(`query($v: ID!, $i: ID!, $l: ID!) {
  productVariant(id: $v) { sku product { id } inventoryItem { inventoryLevels(first: 5) { nodes { id location { id } } } } }
  inventoryItem(id: $i) { sku variant { id } inventoryLevel(locationId: $l) { id } }
  location(id: $l) { name isActive inventoryLevel(inventoryItemId: $i) { id } }
}`, map[string]any{"v": variant, "i": item, "l": h.shop.LocationID()})
	levelID := get(d, "inventoryItem", "inventoryLevel", "id")
	productID := get(d, "productVariant", "product", "id")
	if get(d, "productVariant", "sku") != sku || get(d, "inventoryItem", "variant", "id") != variant ||
		get(d, "location", "inventoryLevel", "id") != levelID || levelID == nil {
		t.Fatalf("lookups disagree: %v", d)
	}
	n := h.ok(`query($ids: [ID!]!, $l: ID!) { nodes(ids: $ids) { id __typename } inventoryLevel(id: $l) { item { id } } }`,
		map[string]any{"ids": []any{productID, variant, item, levelID, "gid://shopify/Product/1", "not-a-gid"}, "l": levelID})
	types := []any{"Product", "ProductVariant", "InventoryItem", "InventoryLevel", nil, nil}
	for i, want := range types {
		if got := get(n, "nodes", i, "__typename"); got != want {
			t.Errorf("nodes[%d] is %v, want %v", i, got, want)
		}
	}
	if get(n, "inventoryLevel", "item", "id") != item {
		t.Errorf("inventoryLevel(id:) = %v", n["inventoryLevel"])
	}
	if d := h.ok(`{ product(id: "gid://shopify/Product/1") { id } }`, nil); d["product"] != nil {
		t.Errorf("unknown product: %v", d)
	}
}

func TestSeveralLocations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{Locations: 3}, 1, 1)
	d := h.ok(`{ locations(first: 10) { nodes { id name isActive address { city countryCode } } } }`, nil)
	locs := get(d, "locations", "nodes").([]any)
	if len(locs) != 3 {
		t.Fatalf("%d locations, want 3", len(locs))
	}
	_, item, _ := h.firstVariant()
	var other any
	for _, l := range locs {
		if get(l, "id") != h.shop.LocationID() {
			other = get(l, "id")
		}
	}
	d = h.ok(setQuantities, map[string]any{"key": "loc", "input": map[string]any{"name": "available", "reason": "correction",
		"quantities": []any{map[string]any{"inventoryItemId": item, "locationId": other, "quantity": 1, "changeFromQuantity": nil}}}})
	if code := get(d, "inventorySetQuantities", "userErrors", 0, "code"); code != "ITEM_NOT_STOCKED_AT_LOCATION" {
		t.Errorf("set at a location without the item: %v", d)
	}
}
