package platformtest

import (
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func (s *suite) testOrders(t *testing.T) {
	t.Run("ReadPlaced", s.testReadPlacedOrder)
	t.Run("CreateOnceAndCancel", s.testCreateOrderOnce)
}

// placed seeds a product of two variants and places an order of 2 × the first and 1 × the second.
func (e *env) placed(t *testing.T, prefix string) (seeded, string) {
	t.Helper()
	p := e.seed(t, "Ordered product "+prefix, prefix, 2, 10)
	id := e.ctl.PlaceOrder(t, []OrderLine{{VariantID: p.Variants[0].ID, Quantity: 2}, {VariantID: p.Variants[1].ID, Quantity: 1}})
	if id == "" {
		t.Fatal("PlaceOrder: no id")
	}
	return p, id
}

func (s *suite) testReadPlacedOrder(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p, id := e.placed(t, "READ")
	o, err := e.st.Order(e.ctx, id)
	if err != nil {
		t.Fatalf("Order(%s): %v", id, err)
	}
	if o.ID != id || o.Cancelled() {
		t.Errorf("Order(%s): id %s, cancelled %v", id, o.ID, o.Cancelled())
	}
	checkLines(t, "Order", o, map[string]int64{p.Variants[0].SKU: 2, p.Variants[1].SKU: 1}, p)
	if o.Total.Currency != e.currency || o.Total.Amount <= 0 {
		t.Errorf("Order: total %v, want a positive amount in %s", o.Total, e.currency)
	}
	found := 0
	for _, l := range e.allOrders(t, platform.ListParams{Limit: 5}) {
		if l.ID == id {
			found++
			checkLines(t, "ListOrders", l, map[string]int64{p.Variants[0].SKU: 2, p.Variants[1].SKU: 1}, p)
		}
	}
	if found != 1 {
		t.Errorf("ListOrders lists the placed order %d times, want once", found)
	}
}

// checkLines fails t unless o's lines are the SKUs and quantities of want, of p's variants.
func checkLines(t *testing.T, what string, o platform.Order, want map[string]int64, p seeded) {
	t.Helper()
	if len(o.Lines) != len(want) {
		t.Errorf("%s: %d lines, want %d: %+v", what, len(o.Lines), len(want), o.Lines)
	}
	for _, l := range o.Lines {
		q, ok := want[l.SKU]
		if !ok || l.Quantity != q || l.ID == "" {
			t.Errorf("%s: line %+v, want one of %v with an id", what, l, want)
		}
		if l.VariantID != "" && !slices.ContainsFunc(p.Variants, func(v platform.Variant) bool { return v.ID == l.VariantID }) {
			t.Errorf("%s: line %s names variant %s, not one of the product's", what, l.SKU, l.VariantID)
		}
	}
}

func (s *suite) testCreateOrderOnce(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p, placedID := e.placed(t, "PUSH")
	addr := &platform.Address{FirstName: "Bo", LastName: "Ray", Address1: "2 Side Street", City: "Ottawa",
		ProvinceCode: "ON", Zip: "K1A 0B1", Country: "Canada", CountryCode: "CA"}
	in := platform.OrderInput{IdempotencyKey: "contract-push-1", Currency: e.currency, Email: "bo@example.com",
		ShippingAddress: addr, BillingAddress: addr, InventoryBehaviour: platform.InventoryDecrementIgnorePolicy,
		Lines: []platform.OrderLineInput{{VariantID: p.Variants[0].ID, SKU: p.Variants[0].SKU, Quantity: 1}}}
	ordersBefore := len(e.allOrders(t, platform.ListParams{}))
	first, err := e.st.CreateOrder(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	again, err := e.st.CreateOrder(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateOrder again with the same key: %v", err)
	}
	if first.ID == "" || again.ID != first.ID {
		t.Errorf("CreateOrder twice with one key: orders %q and %q, want one", first.ID, again.ID)
	}
	all := e.allOrders(t, platform.ListParams{})
	var ids []string
	for _, o := range all {
		ids = append(ids, o.ID)
	}
	if len(all) != ordersBefore+1 || !slices.Contains(ids, placedID) || !slices.Contains(ids, first.ID) {
		t.Errorf("one key pushed twice: the store went from %d orders to %v, want one more, %s", ordersBefore, ids, first.ID)
	}
	o, err := e.st.Order(e.ctx, first.ID)
	if err != nil {
		t.Fatalf("Order(%s): %v", first.ID, err)
	}
	checkLines(t, "created order", o, map[string]int64{p.Variants[0].SKU: 1}, p)

	if err := e.st.CancelOrder(e.ctx, platform.CancelOrderParams{OrderID: first.ID, Reason: platform.CancelCustomer, Restock: true}); err != nil {
		t.Fatalf("CancelOrder: %v", err)
	}
	o, err = e.st.Order(e.ctx, first.ID)
	if err != nil {
		t.Fatalf("Order(%s) after cancelling: %v", first.ID, err)
	}
	if !o.Cancelled() {
		t.Errorf("Order(%s) after CancelOrder is not cancelled", first.ID)
	}
	if o, err := e.st.Order(e.ctx, placedID); err != nil || o.Cancelled() {
		t.Errorf("the other order: cancelled %v, %v", o.Cancelled(), err)
	}
}

func (s *suite) testFulfillments(t *testing.T) {
	t.Run("CreateWithTwoNumbers", s.testCreateFulfillment)
	t.Run("ShippedByStore", s.testShippedByStore)
}

func (s *suite) testCreateFulfillment(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	_, id := e.placed(t, "SHIP")
	in := platform.FulfillmentInput{OrderID: id, Tracking: platform.Tracking{Company: "UPS", Number: "1ZCONTRACT0001"},
		MoreTracking: []platform.Tracking{{Number: "1ZCONTRACT0002"}}}
	made, err := e.st.CreateFulfillment(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateFulfillment: %v", err)
	}
	if len(made) == 0 {
		t.Fatal("CreateFulfillment: no fulfilment")
	}
	want := []string{"1ZCONTRACT0001", "1ZCONTRACT0002"}
	fs, err := e.st.Fulfillments(e.ctx, id)
	if err != nil {
		t.Fatalf("Fulfillments: %v", err)
	}
	if got := trackingNumbers(fs); !slices.Equal(got, want) {
		t.Errorf("Fulfillments: tracking numbers %v, want %v", got, want)
	}
	if got := trackingNumbers(made); !slices.Equal(got, want) {
		t.Errorf("CreateFulfillment returned tracking numbers %v, want %v", got, want)
	}
	again, err := e.st.CreateFulfillment(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateFulfillment re-run: %v", err)
	}
	fs2, err := e.st.Fulfillments(e.ctx, id)
	if err != nil {
		t.Fatalf("Fulfillments: %v", err)
	}
	if len(fs2) != len(fs) || len(again) != len(made) {
		t.Errorf("CreateFulfillment re-run: %d fulfilments returned, order has %d; want %d as before", len(again), len(fs2), len(fs))
	}
	for i := range min(len(again), len(made)) {
		if again[i].ID != made[i].ID {
			t.Errorf("CreateFulfillment re-run returned %s, want %s", again[i].ID, made[i].ID)
		}
	}
}

func (s *suite) testShippedByStore(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	_, id := e.placed(t, "SHIPPED")
	want := []string{"1ZSTORE0001", "1ZSTORE0002"}
	e.ctl.Ship(t, id, want)
	fs, err := e.st.Fulfillments(e.ctx, id)
	if err != nil {
		t.Fatalf("Fulfillments: %v", err)
	}
	if got := trackingNumbers(fs); !slices.Equal(got, want) {
		t.Errorf("Fulfillments of an order the store shipped: tracking numbers %v, want %v", got, want)
	}
	var lines []platform.FulfillmentLine
	total := int64(0)
	for _, f := range fs {
		lines = append(lines, f.Lines...)
		for _, l := range f.Lines {
			total += l.Quantity
		}
	}
	if len(lines) > 0 && total != 3 {
		t.Errorf("Fulfillments ship %+v, want the order's 3 units", lines)
	}
}
