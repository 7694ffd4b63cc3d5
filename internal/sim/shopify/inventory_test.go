package shopifysim

import (
	"testing"
)

const setQuantities = `mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}`

const readLevel = `query Level($item: ID!, $loc: ID!) {
  inventoryItem(id: $item) { inventoryLevel(locationId: $loc) { quantities(names: ["available", "on_hand", "committed"]) { name quantity } } }
}`

// firstVariant returns the inventory item id and SKU of the shop's first variant.
func (h *harness) firstVariant() (variantID, itemID, sku string) {
	h.t.Helper()
	d := h.ok(`{ productVariants(first: 1) { nodes { id sku inventoryItem { id } } } }`, nil)
	v := get(d, "productVariants", "nodes", 0)
	return get(v, "id").(string), get(v, "inventoryItem", "id").(string), get(v, "sku").(string)
}

func (h *harness) available(itemID string) (available, onHand, committed int) {
	h.t.Helper()
	d := h.ok(readLevel, map[string]any{"item": itemID, "loc": h.shop.LocationID()})
	qs := get(d, "inventoryItem", "inventoryLevel", "quantities").([]any)
	return int(get(qs, 0, "quantity").(float64)), int(get(qs, 1, "quantity").(float64)), int(get(qs, 2, "quantity").(float64))
}

func TestInventorySetQuantitiesCompareAndSet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 2, 2)
	_, item, sku := h.firstVariant()
	start, _, _ := h.available(item)
	input := func(qty int, from any) map[string]any {
		return map[string]any{"name": "available", "reason": "correction", "quantities": []any{
			map[string]any{"inventoryItemId": item, "locationId": h.shop.LocationID(), "quantity": qty, "changeFromQuantity": from}}}
	}
	tests := []struct {
		name      string
		key       string
		input     map[string]any
		wantCode  string // user error code, "" for success
		wantAvail int
		topError  bool
	}{
		{name: "set with the current quantity", key: "k1", input: input(start+5, start), wantAvail: start + 5},
		{name: "same key replays, not applied twice", key: "k1", input: input(start+5, start), wantAvail: start + 5},
		{name: "stale compare quantity", key: "k2", input: input(1, start), wantCode: "CHANGE_FROM_QUANTITY_STALE", wantAvail: start + 5},
		{name: "same key other arguments", key: "k1", input: input(3, start+5), wantCode: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", wantAvail: start + 5},
		{name: "no compare quantity", key: "k3", input: input(2, nil), wantAvail: 2},
		{name: "blank key refused", key: " ", input: input(9, nil), topError: true, wantAvail: 2},
		{name: "changeFromQuantity left out", key: "k5", topError: true, wantAvail: 2, input: map[string]any{"name": "available", "reason": "correction",
			"quantities": []any{map[string]any{"inventoryItemId": item, "locationId": h.shop.LocationID(), "quantity": 9}}}},
		{name: "unknown reason", key: "k4", input: map[string]any{"name": "available", "reason": "because", "quantities": []any{}}, wantCode: "INVALID_REASON", wantAvail: 2},
	}
	for _, tt := range tests { // sequential: each step builds on the previous quantity
		res := h.do(setQuantities, map[string]any{"input": tt.input, "key": tt.key})
		switch {
		case tt.topError:
			if len(res.Errors) == 0 || get(res.Errors[0], "extensions", "code") != "BAD_REQUEST" {
				t.Errorf("%s: want a top-level BAD_REQUEST error, got %v", tt.name, res.Errors)
			}
		case len(res.Errors) > 0:
			t.Fatalf("%s: errors %v", tt.name, res.Errors)
		default:
			ue, _ := get(res.Data, "inventorySetQuantities", "userErrors").([]any)
			code, _ := get(ue, 0, "code").(string)
			if code != tt.wantCode {
				t.Errorf("%s: user error %q, want %q (%v)", tt.name, code, tt.wantCode, ue)
			}
		}
		if got, _, _ := h.available(item); got != tt.wantAvail {
			t.Errorf("%s: available %d, want %d", tt.name, got, tt.wantAvail)
		}
	}
	if got, ok := h.shop.Available(sku); !ok || got != 2 {
		t.Errorf("Shop.Available(%s) = %d, %v", sku, got, ok)
	}
	res := h.do(`mutation { orderCreate(order: {lineItems: [{title: "x", quantity: 1, priceSet: {shopMoney: {amount: "1.00", currencyCode: USD}}}]}) @idempotent(key: "a") { userErrors { message } } }`, nil)
	if len(res.Errors) == 0 {
		t.Error("@idempotent on orderCreate: want an error, Shopify does not support it there")
	}
}

func TestOrderInventoryBehaviour(t *testing.T) {
	t.Parallel()
	const create = `mutation Create($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) { order { id totalPriceSet { shopMoney { amount } } } userErrors { code field message } }
}`
	tests := []struct {
		behaviour     string
		qty           int
		wantCode      string
		wantAvailable func(start int) int
		wantCommitted int
	}{
		{"BYPASS", 2, "", func(s int) int { return s }, 0},
		{"DECREMENT_OBEYING_POLICY", 2, "", func(s int) int { return s - 2 }, 2},
		{"DECREMENT_OBEYING_POLICY", 1000, "INVENTORY_CLAIM_FAILED", func(s int) int { return s }, 0},
		{"DECREMENT_IGNORING_POLICY", 1000, "", func(s int) int { return s - 1000 }, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, ShopConfig{}, 1, 1)
			variant, item, _ := h.firstVariant()
			start, _, _ := h.available(item)
			d := h.ok(create, map[string]any{
				"order":   map[string]any{"lineItems": []any{map[string]any{"variantId": variant, "quantity": tt.qty}}},
				"options": map[string]any{"inventoryBehaviour": tt.behaviour}})
			code, _ := get(d, "orderCreate", "userErrors", 0, "code").(string)
			if code != tt.wantCode {
				t.Fatalf("user error %q, want %q", code, tt.wantCode)
			}
			avail, onHand, committed := h.available(item)
			if avail != tt.wantAvailable(start) || committed != tt.wantCommitted || onHand != avail+committed {
				t.Errorf("available %d on_hand %d committed %d; want available %d committed %d",
					avail, onHand, committed, tt.wantAvailable(start), tt.wantCommitted)
			}
		})
	}
}
