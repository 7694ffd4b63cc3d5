package shopifysim

import (
	"strings"
	"testing"
)

// TestUserErrors checks that invalid mutations answer with Shopify's userErrors (field, message
// and, where the type has one, code) and change nothing.
func TestUserErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 1)
	variant, _, _ := h.firstVariant()
	d := h.ok(`mutation($v: ID!) { orderCreate(order: {lineItems: [{variantId: $v, quantity: 1}]}) { order { id fulfillmentOrders(first: 1) { nodes { id lineItems(first: 1) { nodes { id } } } } } userErrors { message } } }`,
		map[string]any{"v": variant})
	orderID := get(d, "orderCreate", "order", "id")
	fo := get(d, "orderCreate", "order", "fulfillmentOrders", "nodes", 0)
	h.ok(`mutation($id: ID!) { orderCancel(orderId: $id, reason: OTHER, restock: false) { orderCancelUserErrors { message } } }`, map[string]any{"id": orderID})
	_, _, ordersBefore := h.shop.Counts()
	tests := []struct {
		name, query, path string
		vars              map[string]any
		code, message     string
	}{
		{"order with an unknown variant", `mutation { orderCreate(order: {lineItems: [{variantId: "gid://shopify/ProductVariant/1", quantity: 1}]}) { userErrors { field message code } } }`,
			"orderCreate", nil, "INVALID", "Variant does not exist"},
		{"order without lines", `mutation { orderCreate(order: {email: "a@example.com"}) { userErrors { field message code } } }`,
			"orderCreate", nil, "INVALID", "at least one line item"},
		{"cancel twice", `mutation($id: ID!) { orderCancel(orderId: $id, reason: OTHER, restock: false) { orderCancelUserErrors { field message code } } }`,
			"orderCancel", map[string]any{"id": orderID}, "INVALID", "already been cancelled"},
		{"cancel unknown order", `mutation { orderCancel(orderId: "gid://shopify/Order/1", reason: OTHER, restock: false) { orderCancelUserErrors { field message code } } }`,
			"orderCancel", nil, "NOT_FOUND", "does not exist"},
		{"fulfil a cancelled order", `mutation($fo: ID!) { fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder: [{fulfillmentOrderId: $fo}]}) { userErrors { field message } } }`,
			"fulfillmentCreate", map[string]any{"fo": get(fo, "id")}, "", "unfulfillable status"},
		{"product that does not exist", `mutation { productSet(identifier: {id: "gid://shopify/Product/1"}, input: {title: "x"}) { userErrors { field message code } } }`,
			"productSet", nil, "PRODUCT_DOES_NOT_EXIST", "does not exist"},
		{"product without a title", `mutation { productSet(input: {vendor: "x"}) { userErrors { field message code } } }`,
			"productSet", nil, "MISSING_FIELD_REQUIRED", "Title"},
		{"webhook to a bad address", `mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: {uri: "ftp://x"}) { userErrors { field message } } }`,
			"webhookSubscriptionCreate", nil, "", "invalid"},
		{"bulk query that is not a query", `mutation { bulkOperationRunQuery(query: "mutation { x }") { userErrors { field message code } } }`,
			"bulkOperationRunQuery", nil, "INVALID", "invalid bulk query"},
	}
	for _, tt := range tests {
		d := h.ok(tt.query, tt.vars)
		key := "userErrors"
		if tt.path == "orderCancel" {
			key = "orderCancelUserErrors"
		}
		ue := get(d, tt.path, key, 0)
		msg, _ := get(ue, "message").(string)
		code, _ := get(ue, "code").(string)
		if ue == nil || code != tt.code || !strings.Contains(msg, tt.message) || get(ue, "field") == nil {
			t.Errorf("%s: user error %v, want code %q and %q in the message", tt.name, ue, tt.code, tt.message)
		}
	}
	if _, _, after := h.shop.Counts(); after != ordersBefore {
		t.Errorf("invalid orders were created: %d -> %d", ordersBefore, after)
	}
}
