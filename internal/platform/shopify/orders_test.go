package shopify

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// TestCreateOrderOnce creates an order for a push, then runs the same push again: the second
// run finds the first order by its push tag and creates nothing.
func TestCreateOrderOnce(t *testing.T) {
	t.Parallel()
	var created atomic.Bool
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "Orders":
			var nodes []any
			if created.Load() && c.Vars["query"] == "tag:'"+PushTag("push-1")+"'" {
				nodes = append(nodes, orderData("gid://shopify/Order/9"))
			}
			reply(w, map[string]any{"orders": map[string]any{"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": false}}})
		case "Order":
			reply(w, map[string]any{"order": orderData(c.Vars["id"].(string))})
		case "OrderCreate":
			created.Store(true)
			reply(w, map[string]any{"orderCreate": map[string]any{"order": orderData("gid://shopify/Order/9"), "userErrors": []any{}}})
		}
	})
	c, _ := f.client(t)
	restarted, _ := f.client(t)
	price := platform.Money{Amount: 1000, Currency: "USD"}
	in := platform.OrderInput{
		IdempotencyKey: "push-1", Currency: "USD", Email: "ada@example.com", Note: "Dest store order #1001",
		Tags: []string{"dest-store", "#1001"}, Customer: &platform.Customer{FirstName: "Ada", LastName: "Lovelace"},
		ShippingAddress: &platform.Address{FirstName: "Ada", Address1: "1 Loop St", City: "London", CountryCode: "gb", Zip: "N1"},
		Lines:           []platform.OrderLineInput{{VariantID: "gid://shopify/ProductVariant/1", Quantity: 2, UnitPrice: &price}},
		ShippingLines:   []platform.ShippingLine{{Title: "Standard", Price: platform.Money{Amount: 500, Currency: "USD"}}},
		FinancialStatus: platform.FinancialPaid, InventoryBehaviour: platform.InventoryDecrementObeyPolicy,
	}
	// Created; found by the search (a new client remembers nothing); found by id (this client
	// remembers the order it made, which the search may not show yet).
	for _, c := range []*Client{c, restarted, c} {
		o, err := c.CreateOrder(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != "gid://shopify/Order/9" || o.Total != (platform.Money{Amount: 2550, Currency: "USD"}) || o.TotalTax.Amount != 50 ||
			len(o.Lines) != 1 || o.Lines[0].UnitPrice.Amount != 1000 || o.ShippingAddress.CountryCode != "GB" || o.FinancialStatus != platform.FinancialPaid {
			t.Fatalf("order %+v", o)
		}
	}
	creates := f.opCalls("OrderCreate")
	if len(creates) != 1 || len(f.opCalls("Orders")) != 2 || len(f.opCalls("Order")) != 1 {
		t.Fatalf("orderCreate sent %d times, %d searches, %d reads by id", len(creates), len(f.opCalls("Orders")), len(f.opCalls("Order")))
	}
	v := creates[0].Vars
	order, options := v["order"].(map[string]any), v["options"].(map[string]any)
	tags := order["tags"].([]any)
	if len(tags) != 3 || tags[2] != PushTag("push-1") || options["inventoryBehaviour"] != "DECREMENT_OBEYING_POLICY" || order["financialStatus"] != "PAID" {
		t.Fatalf("orderCreate variables: %v", v)
	}
	line := order["lineItems"].([]any)[0].(map[string]any)
	if line["priceSet"].(map[string]any)["shopMoney"].(map[string]any)["amount"] != "10.00" || order["shippingAddress"].(map[string]any)["countryCode"] != "GB" {
		t.Fatalf("line or address: %v", order)
	}
	if cu := order["customer"].(map[string]any)["toUpsert"].(map[string]any); cu["email"] != "ada@example.com" {
		t.Fatalf("customer %v", cu)
	}
}

func TestCancelOrderUserError(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		reply(w, map[string]any{"orderCancel": map[string]any{"job": nil, "orderCancelUserErrors": []any{
			map[string]any{"code": "INVALID", "field": []any{"orderId"}, "message": "Cannot cancel an order that has been fulfilled"}}}})
	})
	c, _ := f.client(t)
	err := c.CancelOrder(context.Background(), platform.CancelOrderParams{OrderID: "gid://shopify/Order/1", Reason: platform.CancelInventory, Restock: true})
	if platform.KindOf(err) != platform.KindInvalidInput || !strings.Contains(err.Error(), "orderId") || !strings.Contains(err.Error(), "fulfilled") {
		t.Fatalf("CancelOrder: %v", err)
	}
	if v := f.opCalls("OrderCancel")[0].Vars; v["reason"] != "INVENTORY" || v["restock"] != true {
		t.Fatalf("variables %v", v)
	}
}

func fulfillmentOrdersData(shipped bool) map[string]any {
	status, remaining := "OPEN", 1
	if shipped {
		status, remaining = "CLOSED", 0
	}
	fo := func(id, loc, line string, total int) map[string]any {
		return map[string]any{"id": id, "status": status, "requestStatus": "UNSUBMITTED", "updatedAt": "2026-11-23T10:00:00Z",
			"assignedLocation": map[string]any{"name": loc, "location": map[string]any{"id": loc}},
			"lineItems": map[string]any{"nodes": []any{map[string]any{"id": id + "-li", "sku": "S", "totalQuantity": total, "remainingQuantity": total * remaining,
				"lineItem": map[string]any{"id": line}, "variant": map[string]any{"id": "v"}}}}}
	}
	var fs []any
	if shipped {
		for i, line := range []string{"gid://shopify/LineItem/11", "gid://shopify/LineItem/12"} {
			fs = append(fs, fulfillmentData(i+1, line, 2-i))
		}
	}
	return map[string]any{"order": map[string]any{"id": "gid://shopify/Order/1", "updatedAt": "2026-11-23T10:00:00Z",
		"fulfillmentOrders": map[string]any{"nodes": []any{
			fo("gid://shopify/FulfillmentOrder/1", "gid://shopify/Location/1", "gid://shopify/LineItem/11", 2),
			fo("gid://shopify/FulfillmentOrder/2", "gid://shopify/Location/2", "gid://shopify/LineItem/12", 1),
		}}, "fulfillments": fs}}
}

// fulfillmentData is the n-th fulfilment of order #1001, shipping qty of line with tracking 1Z999.
func fulfillmentData(n int, line string, qty int) map[string]any {
	return map[string]any{"id": fmt.Sprintf("gid://shopify/Fulfillment/%d", n), "name": fmt.Sprintf("#1001-F%d", n), "status": "SUCCESS",
		"createdAt": "2026-11-23T10:00:00Z", "updatedAt": "2026-11-23T10:00:00Z",
		"trackingInfo":         []any{map[string]any{"company": "UPS", "number": "1Z999", "url": "https://ups.test/1Z999"}},
		"fulfillmentLineItems": map[string]any{"nodes": []any{map[string]any{"id": fmt.Sprintf("fli%d", n), "quantity": qty, "lineItem": map[string]any{"id": line, "sku": "S"}}}}}
}

// TestCreateFulfillment ships lines at two locations (two fulfilments, as Shopify requires)
// with tracking, then re-runs the same job: the tracking number already shipped is found and
// nothing is shipped twice.
func TestCreateFulfillment(t *testing.T) {
	t.Parallel()
	var shipped atomic.Bool
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "FulfillmentOrders":
			reply(w, fulfillmentOrdersData(shipped.Load()))
		case "FulfillmentCreate":
			if n == 1 {
				shipped.Store(true) // both locations shipped
			}
			reply(w, map[string]any{"fulfillmentCreate": map[string]any{"userErrors": []any{},
				"fulfillment": fulfillmentData(n+1, fmt.Sprintf("gid://shopify/LineItem/%d", 11+n), 2-n)}})
		}
	})
	c, _ := f.client(t)
	in := platform.FulfillmentInput{
		OrderID:  "gid://shopify/Order/1",
		Lines:    []platform.FulfillmentLine{{OrderLineID: "gid://shopify/LineItem/11", Quantity: 2}, {OrderLineID: "gid://shopify/LineItem/12", Quantity: 1}},
		Tracking: platform.Tracking{Company: "UPS", Number: "1Z999", URL: "https://ups.test/1Z999"},
	}
	fs, err := c.CreateFulfillment(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	creates := f.opCalls("FulfillmentCreate")
	if len(fs) != 2 || len(creates) != 2 {
		t.Fatalf("%d fulfilments from %d calls", len(fs), len(creates))
	}
	ful := creates[0].Vars["fulfillment"].(map[string]any)
	tr := ful["trackingInfo"].(map[string]any)
	group := ful["lineItemsByFulfillmentOrder"].([]any)
	if tr["number"] != "1Z999" || tr["company"] != "UPS" || len(group) != 1 || group[0].(map[string]any)["fulfillmentOrderId"] != "gid://shopify/FulfillmentOrder/1" {
		t.Fatalf("fulfillmentCreate variables: %v", ful)
	}
	again, err := c.CreateFulfillment(context.Background(), in)
	if err != nil || len(again) != 2 || again[0].Tracking[0].Number != "1Z999" || len(f.opCalls("FulfillmentCreate")) != 2 {
		t.Fatalf("re-run shipped again: %+v, %v", again, err)
	}
	read, err := c.Fulfillments(context.Background(), "gid://shopify/Order/1")
	if err != nil || len(read) != 2 || read[0].Lines[0].Quantity != 2 || read[1].Lines[0].Quantity != 1 || read[0].Status != "success" {
		t.Fatalf("Fulfillments: %+v, %v", read, err)
	}
	in.Lines[0].Quantity = 5
	shipped.Store(false)
	in.Tracking.Number = "other"
	if _, err := c.CreateFulfillment(context.Background(), in); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("over-fulfilment accepted: %v", err)
	}
}
