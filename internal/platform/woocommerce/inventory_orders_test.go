package woocommerce_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

func TestSetInventoryBatchesAtTheLimit(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	var changes []platform.InventoryChange
	for i := range 250 {
		id := e.seedSimple(t, fmt.Sprintf("S-%d", i), 1)
		changes = append(changes, platform.InventoryChange{InventoryItemID: strconv.FormatInt(id, 10), LocationID: "default", Quantity: int64(i)})
	}
	pid, vids, err := e.store.Seed(woocommercesim.SeedProduct{Name: "Tee", Options: []string{"Size"}, Variants: []woocommercesim.SeedVariant{
		{SKU: "T-S", Price: "1.00", Options: []string{"S"}}, {SKU: "T-M", Price: "1.00", Options: []string{"M"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vids {
		changes = append(changes, platform.InventoryChange{InventoryItemID: fmt.Sprintf("%d:%d", pid, v), LocationID: "default", Quantity: int64(70 + i)})
	}
	before := e.store.Calls()
	res, err := e.client.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "k", Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	// 250 simple products: 3 calls of /products/batch; 2 variations: 1 call.
	if res.Applied != 252 || res.Calls != 4 || e.store.Calls()-before != 4 || res.Conflicts != 0 {
		t.Fatalf("result %+v, store calls %d", res, e.store.Calls()-before)
	}
	ids := []string{changes[0].InventoryItemID, changes[249].InventoryItemID, changes[251].InventoryItemID}
	levels, err := e.client.InventoryLevels(ctx, "default", ids)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, l := range levels {
		got[l.InventoryItemID] = l.Available
	}
	if got[ids[0]] != 0 || got[ids[1]] != 249 || got[ids[2]] != 71 || len(levels) != 3 {
		t.Fatalf("levels %+v", levels)
	}
	// A 5xx on a batch is retried: the write sets, so repeating it is harmless.
	e.store.FailNext(1, http.StatusServiceUnavailable)
	if _, err := e.client.SetInventory(ctx, platform.SetInventoryParams{Changes: changes[:1]}); err != nil {
		t.Fatalf("retry after 503: %v", err)
	}
	if _, err := e.client.InventoryLevels(ctx, "elsewhere", ids); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown location: %v", err)
	}
}

func TestBatchLimitRefusalIsInvalidInput(t *testing.T) {
	e := newEnv(t, envOpts{batch: 10})
	var changes []platform.InventoryChange
	for i := range 11 {
		id := e.seedSimple(t, fmt.Sprintf("S-%d", i), 1)
		changes = append(changes, platform.InventoryChange{InventoryItemID: strconv.FormatInt(id, 10), LocationID: "default", Quantity: 1})
	}
	_, err := e.client.SetInventory(context.Background(), platform.SetInventoryParams{Changes: changes})
	if platform.KindOf(err) != platform.KindInvalidInput || !platform.HasFieldCode(err, "woocommerce_rest_request_entity_too_large") {
		t.Fatalf("over the store's limit: %v", err)
	}
	cfg := e.cfg
	cfg.BatchLimit = 10
	e.cfg = cfg
	res, err := e.newClient(t).SetInventory(context.Background(), platform.SetInventoryParams{Changes: changes})
	if err != nil || res.Calls != 2 {
		t.Fatalf("with the store's limit: %+v %v", res, err)
	}
}

func placeInput(key, variantID string) platform.OrderInput {
	return platform.OrderInput{IdempotencyKey: key, Currency: "USD", Email: "buyer@example.com", Tags: []string{"storesync"},
		ShippingAddress: &platform.Address{FirstName: "Grace", LastName: "Hopper", Address1: "1 Navy Way", City: "Arlington", CountryCode: "US", ProvinceCode: "VA", Zip: "22201"},
		Lines:           []platform.OrderLineInput{{VariantID: variantID, Quantity: 2, UnitPrice: &platform.Money{Amount: 750, Currency: "USD"}}},
		ShippingLines:   []platform.ShippingLine{{Title: "Ground", Code: "flat_rate", Price: platform.Money{Amount: 500, Currency: "USD"}}},
		Discounts:       []platform.Discount{{Code: "TEN", Amount: platform.Money{Amount: 100, Currency: "USD"}}},
		FinancialStatus: platform.FinancialPaid}
}

func TestCreateOrderIsIdempotentByKey(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	pid := e.seedSimple(t, "MUG", 10)
	o, err := e.client.CreateOrder(ctx, placeInput("push-1", strconv.FormatInt(pid, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != (platform.Money{Amount: 1900, Currency: "USD"}) || o.FinancialStatus != platform.FinancialPaid || len(o.Lines) != 1 ||
		o.Lines[0].UnitPrice.Amount != 750 || o.ShippingAddress.City != "Arlington" || len(o.Discounts) != 1 || o.Discounts[0].Code != "TEN" ||
		len(o.Tags) != 1 || o.Lines[0].VariantID != strconv.FormatInt(pid, 10) {
		t.Fatalf("created %+v", o)
	}
	again, err := e.client.CreateOrder(ctx, placeInput("push-1", strconv.FormatInt(pid, 10)))
	if err != nil || again.ID != o.ID {
		t.Fatalf("same client, same key: %s %v", again.ID, err)
	}
	// A create whose answer is lost: KindOutcomeUnknown, and the retry finds the order.
	e.store.SetFaults(woocommercesim.Faults{Hook: func(r *http.Request) int {
		if r.Method == http.MethodPost && r.URL.Path == "/stores/acme/wp-json/wc/v3/orders" {
			return http.StatusBadGateway
		}
		return 0
	}})
	_, err = e.client.CreateOrder(ctx, placeInput("push-2", strconv.FormatInt(pid, 10)))
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Kind != platform.KindOutcomeUnknown || !pe.Retryable || pe.RetryAfter <= 0 {
		t.Fatalf("lost answer: %v", err)
	}
	e.store.SetFaults(woocommercesim.Faults{})
	// The simulator made no order (it failed before acting); place one as if the 502 hid a create.
	in := placeInput("push-3", strconv.FormatInt(pid, 10))
	first, err := e.client.CreateOrder(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.UncertainSince = e.clock.Now()
	fresh := e.newClient(t)
	found, err := fresh.CreateOrder(ctx, in)
	if err != nil || found.ID != first.ID {
		t.Fatalf("new client after an uncertain attempt: %s %v, want %s", found.ID, err, first.ID)
	}
	page, err := e.client.ListOrders(ctx, platform.ListParams{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("orders: %d %v", len(page.Items), err)
	}
	// Stock: two paid orders of 2 each.
	levels, err := e.client.InventoryLevels(ctx, "default", []string{strconv.FormatInt(pid, 10)})
	if err != nil || levels[0].Available != 6 {
		t.Fatalf("stock after orders: %+v %v", levels, err)
	}
	if err := e.client.CancelOrder(ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelCustomer, Refund: true, StaffNote: "customer asked"}); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.Order(ctx, o.ID)
	if err != nil || !got.Cancelled() || len(got.Transactions) != 2 || got.Transactions[1].Kind != platform.TransactionRefund {
		t.Fatalf("cancelled order: %+v %v", got, err)
	}
	levels, _ = e.client.InventoryLevels(ctx, "default", []string{strconv.FormatInt(pid, 10)})
	if levels[0].Available != 8 {
		t.Fatalf("stock after cancel: %d, want 8 (restocked)", levels[0].Available)
	}
}

func TestErrorKinds(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	bad := e.cfg
	bad.ConsumerSecret = "cs_wrong"
	e.cfg = bad
	if _, err := e.newClient(t).Shop(ctx); platform.KindOf(err) != platform.KindAuth {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := e.client.Order(ctx, "999999"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("missing order: %v", err)
	}
	if _, err := e.client.Order(ctx, "abc"); platform.KindOf(err) != platform.KindInvalidInput {
		t.Errorf("bad id: %v", err)
	}
	e.store.FailNext(2, http.StatusTooManyRequests)
	if _, err := e.client.Shop(ctx); err != nil {
		t.Errorf("429s retried: %v", err)
	}
	e.store.FailNext(10, http.StatusInternalServerError)
	_, err := e.client.Product(ctx, "1")
	if pe := (*platform.Error)(nil); !errors.As(err, &pe) || pe.Kind != platform.KindUnavailable || !pe.Retryable || pe.StatusCode != http.StatusInternalServerError {
		t.Errorf("5xx: %v", err)
	}
	e.store.FailNext(0, 0)
	e.store.SetFaults(woocommercesim.Faults{})
}
