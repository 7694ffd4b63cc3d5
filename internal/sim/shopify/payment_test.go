package shopifysim

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const orderPayments = `query($id: ID!) { order(id: $id) {
  displayFinancialStatus paymentGatewayNames totalPriceSet { shopMoney { amount } }
  lineItems(first: 5) { nodes { variantTitle customAttributes { key value } variant { selectedOptions { name value } } } }
  transactions { id kind status gateway amountSet { shopMoney { amount currencyCode } } parentTransaction { id }
    paymentDetails { ... on CardPaymentDetails { company number } } }
  capturable: transactions(capturable: true) { id }
} }`

func (h *harness) placeOrder(t *testing.T, variant string, pay Payment) string {
	t.Helper()
	id, err := h.sim.PlaceOrder(context.Background(), testDomain, map[string]any{"email": "cy@example.com",
		"lineItems": []any{map[string]any{"variantId": variant, "quantity": 2,
			"properties": []any{map[string]any{"name": "Logo", "value": "Crest"}, map[string]any{"name": "Location", "value": "Sleeve"}}}}}, pay)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func compact(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOrderPaymentsGraphQL reads what helpers' payments become over GraphQL: the card's company
// and masked number, split payments, an authorisation then its capture, and the line's custom
// attributes, variant title and options.
func TestOrderPaymentsGraphQL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 2)
	d := h.ok(`{ products(first: 1) { nodes { variants(first: 2) { nodes { id title } } } } }`, nil)
	variant := get(d, "products", "nodes", 0, "variants", "nodes", 1, "id").(string)
	title := get(d, "products", "nodes", 0, "variants", "nodes", 1, "title").(string)

	id := h.placeOrder(t, variant, Payment{Parts: []PaymentPart{{Gateway: "gift_card", Amount: 500}, {}}})
	o := get(h.ok(orderPayments, map[string]any{"id": id}), "order")
	if get(o, "displayFinancialStatus") != "PAID" || compact(t, get(o, "paymentGatewayNames")) != `["gift_card","shopify_payments"]` {
		t.Errorf("split: %v %v", get(o, "displayFinancialStatus"), get(o, "paymentGatewayNames"))
	}
	if got := compact(t, get(o, "transactions", 0, "paymentDetails")); got != "null" {
		t.Errorf("gift card payment details %s", got)
	}
	if got := compact(t, get(o, "transactions", 1, "paymentDetails")); got != `{"company":"Visa","number":"•••• •••• •••• 4242"}` {
		t.Errorf("card payment details %s", got)
	}
	if a, b := get(o, "transactions", 0, "amountSet", "shopMoney", "amount"), get(o, "transactions", 1, "amountSet", "shopMoney", "amount"); a != "5.0" || b == nil {
		t.Errorf("split amounts %v + %v of %v", a, b, get(o, "totalPriceSet"))
	}
	line := get(o, "lineItems", "nodes", 0)
	if got := compact(t, get(line, "customAttributes")); got != `[{"key":"Logo","value":"Crest"},{"key":"Location","value":"Sleeve"}]` {
		t.Errorf("custom attributes %s", got)
	}
	if get(line, "variantTitle") != title || len(get(line, "variant", "selectedOptions").([]any)) != 2 {
		t.Errorf("variant title %v (want %s), options %v", get(line, "variantTitle"), title, get(line, "variant", "selectedOptions"))
	}

	auth := h.placeOrder(t, variant, Payment{AuthorizeOnly: true})
	o = get(h.ok(orderPayments, map[string]any{"id": auth}), "order")
	if get(o, "displayFinancialStatus") != "AUTHORIZED" || get(o, "transactions", 0, "kind") != "AUTHORIZATION" || len(get(o, "capturable").([]any)) != 1 {
		t.Fatalf("authorised: %s", compact(t, o))
	}
	if err := h.shop.CaptureOrder(auth); err != nil {
		t.Fatal(err)
	}
	o = get(h.ok(orderPayments, map[string]any{"id": auth}), "order")
	if get(o, "displayFinancialStatus") != "PAID" || get(o, "transactions", 1, "kind") != "CAPTURE" ||
		get(o, "transactions", 1, "parentTransaction", "id") != get(o, "transactions", 0, "id") || len(get(o, "capturable").([]any)) != 0 {
		t.Errorf("captured: %s", compact(t, o))
	}
	if err := h.shop.CaptureOrder(id); err == nil {
		t.Error("captured an order with no open authorisation")
	}

	// Cancelling an authorised order voids the authorisation.
	voided := h.placeOrder(t, variant, Payment{AuthorizeOnly: true})
	h.ok(`mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true) { orderCancelUserErrors { message } } }`, map[string]any{"id": voided})
	o = get(h.ok(orderPayments, map[string]any{"id": voided}), "order")
	if get(o, "displayFinancialStatus") != "VOIDED" || get(o, "transactions", 1, "kind") != "VOID" {
		t.Errorf("cancelled authorisation: %s", compact(t, o))
	}

	// A part larger than the total is refused, and nothing is created.
	before := len(h.shop.AllOrders())
	if _, err := h.sim.PlaceOrder(context.Background(), testDomain, map[string]any{"lineItems": []any{map[string]any{"variantId": variant, "quantity": 1}}},
		Payment{Parts: []PaymentPart{{Amount: 1 << 40}}}); err == nil || len(h.shop.AllOrders()) != before {
		t.Errorf("oversized payment: %v, %d orders (was %d)", err, len(h.shop.AllOrders()), before)
	}
}

// TestOrderCreateTransactionsInput gives orderCreate transactions as the real input carries them
// (no card details): the financial status follows them unless named, and a non-positive amount
// is a user error.
func TestOrderCreateTransactionsInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 1, 1)
	d := h.ok(`{ products(first: 1) { nodes { variants(first: 1) { nodes { id price } } } } }`, nil)
	variant := get(d, "products", "nodes", 0, "variants", "nodes", 0, "id")
	create := func(txs ...any) map[string]any {
		return h.ok(`mutation($o: OrderCreateOrderInput!) { orderCreate(order: $o) { order { id } userErrors { field message } } }`,
			map[string]any{"o": map[string]any{"lineItems": []any{map[string]any{"variantId": variant, "quantity": 1}}, "transactions": txs}})
	}
	tx := func(kind, amount string) map[string]any {
		return map[string]any{"kind": kind, "gateway": "paypal", "amountSet": map[string]any{"shopMoney": map[string]any{"amount": amount, "currencyCode": "USD"}}}
	}
	for _, c := range []struct {
		txs  []any
		want string
	}{
		{[]any{tx("SALE", "0.01")}, "PARTIALLY_PAID"},
		{[]any{tx("AUTHORIZATION", "1.00")}, "AUTHORIZED"},
		{[]any{tx("SALE", "100000.00")}, "PAID"},
	} {
		id := get(create(c.txs...), "orderCreate", "order", "id")
		o := get(h.ok(orderPayments, map[string]any{"id": id}), "order")
		if get(o, "displayFinancialStatus") != c.want || get(o, "transactions", 0, "gateway") != "paypal" ||
			compact(t, get(o, "transactions", 0, "paymentDetails")) != "null" {
			t.Errorf("%v: %s", c.txs, compact(t, o))
		}
	}
	ue := compact(t, get(create(tx("SALE", "0")), "orderCreate", "userErrors"))
	if !strings.Contains(ue, `"transactions","0","amountSet"`) {
		t.Errorf("zero amount: %s", ue)
	}
}

// TestGeneratorPayments pays generated orders in the mix given, with line properties.
func TestGeneratorPayments(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ShopConfig{}, 3, 2)
	err := h.sim.GenerateOrders(context.Background(), testDomain, OrderGenerator{Count: 20, Paid: 1, Unpaid: 0, Cancelled: 0,
		Payments:       []Payment{{Parts: []PaymentPart{{Gateway: "manual"}}}, {AuthorizeOnly: true}},
		LineProperties: [][]Property{{{Name: "Logo", Value: "Star"}}}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, o := range h.shop.AllOrders() {
		d := get(h.ok(orderPayments, map[string]any{"id": o.ID}), "order")
		seen[get(d, "displayFinancialStatus").(string)+"/"+get(d, "transactions", 0, "gateway").(string)]++
		if got := compact(t, get(d, "lineItems", "nodes", 0, "customAttributes")); got != `[{"key":"Logo","value":"Star"}]` {
			t.Errorf("generated line attributes %s", got)
		}
	}
	if seen["PAID/manual"] == 0 || seen["AUTHORIZED/shopify_payments"] == 0 || seen["PAID/manual"]+seen["AUTHORIZED/shopify_payments"] != 20 {
		t.Errorf("payment mix %v", seen)
	}
}
