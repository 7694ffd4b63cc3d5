package backofficeapi_test

import (
	"fmt"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/platform"
)

// The stock cases of the contract (contract_test.go lists them): both back offices read and
// adjust the same items in the same terms.

func (e *env) stock() platform.BackOfficeStock {
	e.t.Helper()
	st, ok := e.bo.(platform.BackOfficeStock)
	if !ok {
		e.t.Fatalf("%s does not implement platform.BackOfficeStock", e.impl)
	}
	return st
}

func (e *env) newItem(sku string, onHand int64) backoffice.Item {
	e.t.Helper()
	it, err := e.a.BackOffice.CreateItem(e.t.Context(), backoffice.CreateItemParams{AccountID: e.account, OnHand: onHand,
		Actor: "user test", Input: backoffice.ItemInput{SKU: sku, Barcode: "B" + sku, Description: "Item " + sku,
			Currency: "USD", Cost: 725, Price: 1500}})
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

func testStockRead(t *testing.T, e *env) {
	ctx := t.Context()
	var want []string
	for i := range 23 {
		want = append(want, e.newItem(fmt.Sprintf("SKU-%02d", i), int64(i)).SKU)
	}
	st := e.stock()
	for _, limit := range []int{7, 10, 23, 50} {
		var got []string
		cursor, pages := "", 0
		for {
			p, err := st.StockItems(ctx, cursor, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(p.Items))
			}
			pages++
			for _, it := range p.Items {
				got = append(got, it.SKU)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || pages != (len(want)+limit-1)/limit {
			t.Fatalf("limit %d: read %v in %d pages", limit, got, pages)
		}
	}
	it, ok, err := st.StockItem(ctx, "sku-05")
	want5 := platform.BackOfficeStockItem{SKU: "SKU-05", Barcode: "BSKU-05", Description: "Item SKU-05", OnHand: 5, Available: 5,
		Price: platform.Money{Amount: 1500, Currency: "USD"}, Cost: platform.Money{Amount: 725, Currency: "USD"}}
	if err != nil || !ok || it != want5 {
		t.Fatalf("StockItem = %+v, %v, %v; want %+v", it, ok, err, want5)
	}
	if _, ok, err := st.StockItem(ctx, "NOPE"); ok || err != nil {
		t.Fatalf("StockItem of no item = %v, %v", ok, err)
	}
	if _, err := st.StockItems(ctx, "", 0); !hasField(wantKind(t, err, platform.KindInvalidInput), "limit") {
		t.Fatalf("limit 0: %v", err)
	}
}

func testStockAdjust(t *testing.T, e *env) {
	ctx := t.Context()
	e.newItem("TEE", 10)
	st := e.stock()
	d := int64(-3)
	it, err := st.AdjustStock(ctx, "adj/1", platform.BackOfficeStockAdjustment{SKU: "tee", Delta: &d, Reason: "damaged", Actor: "sync run 1"})
	if err != nil || it.OnHand != 7 || it.Available != 7 {
		t.Fatalf("AdjustStock = %+v, %v", it, err)
	}
	// The same key again changes nothing, also after the API forgot its kept answers.
	if e.impl == external {
		e.forgetKeys()
	}
	again, err := st.AdjustStock(ctx, "adj/1", platform.BackOfficeStockAdjustment{SKU: "TEE", Delta: &d, Reason: "damaged", Actor: "sync run 1"})
	if err != nil || again.OnHand != 7 {
		t.Fatalf("AdjustStock again = %+v, %v; want on hand 7", again, err)
	}
	n := int64(2)
	if it, err = st.AdjustStock(ctx, "adj/2", platform.BackOfficeStockAdjustment{SKU: "TEE", Set: &n}); err != nil || it.OnHand != 2 {
		t.Fatalf("AdjustStock set = %+v, %v", it, err)
	}
	_, err = st.AdjustStock(ctx, "adj/3", platform.BackOfficeStockAdjustment{SKU: "TEE", Delta: &d, Set: &n})
	if !hasField(wantKind(t, err, platform.KindInvalidInput), "set") {
		t.Fatalf("delta and set: %v", err)
	}
	neg := int64(-1)
	_, err = st.AdjustStock(ctx, "adj/4", platform.BackOfficeStockAdjustment{SKU: "TEE", Set: &neg})
	if !hasField(wantKind(t, err, platform.KindInvalidInput), "set") {
		t.Fatalf("negative set: %v", err)
	}
	_, err = st.AdjustStock(ctx, "adj/5", platform.BackOfficeStockAdjustment{SKU: "NOPE", Delta: &d})
	_ = wantKind(t, err, platform.KindNotFound)
	items, err := e.a.BackOffice.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: e.account, SKUs: []string{"TEE"}})
	if err != nil || len(items) != 1 || items[0].OnHand != 2 {
		t.Fatalf("the back office holds %+v, %v; want on hand 2", items, err)
	}
	hist, err := e.a.BackOffice.History(ctx, backoffice.HistoryParams{AccountID: e.account, ItemID: items[0].ID})
	if err != nil || hist.Total != 3 {
		t.Fatalf("history = %+v, %v; want created and two adjustments", hist.Items, err)
	}
	wantActor := "sync run 1"
	if e.impl == external {
		wantActor = "api key "
	}
	if a := hist.Items[1].Actor; len(a) < len(wantActor) || a[:len(wantActor)] != wantActor {
		t.Fatalf("the adjustment's actor is %q, want %q…", a, wantActor)
	}
}
