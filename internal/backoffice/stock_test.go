package backoffice_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func (f *fixture) newItem(t *testing.T, sku string, onHand int64) backoffice.Item {
	t.Helper()
	it, err := f.svc.CreateItem(t.Context(), backoffice.CreateItemParams{AccountID: f.account, OnHand: onHand, Actor: "user ann@example.com",
		Input: backoffice.ItemInput{SKU: sku, Barcode: "BC-" + sku, Description: "Item " + sku, Currency: "usd", Cost: 700, Price: 1500}})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func (f *fixture) item(t *testing.T, id int64) backoffice.Item {
	t.Helper()
	it, err := f.svc.GetItem(t.Context(), backoffice.GetItemParams{AccountID: f.account, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func wantStock(t *testing.T, it backoffice.Item, onHand, committed int64) {
	t.Helper()
	if it.OnHand != onHand || it.Committed != committed || it.Available != onHand-committed {
		t.Fatalf("%s: on hand %d committed %d available %d, want %d/%d/%d", it.SKU, it.OnHand, it.Committed, it.Available,
			onHand, committed, onHand-committed)
	}
}

func TestItemsCreateUpdateSearch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		a := f.newItem(t, "TEE-RED-M", 5)
		if a.Currency != "USD" || a.OnHand != 5 || a.Available != 5 || a.Version != 1 {
			t.Fatalf("created %+v", a)
		}
		f.newItem(t, "TEE-BLUE-M", 0)
		f.newItem(t, "MUG-1", 2)

		_, err := f.svc.CreateItem(ctx, backoffice.CreateItemParams{AccountID: f.account, Actor: "x",
			Input: backoffice.ItemInput{SKU: "tee-red-m", Currency: "USD"}})
		wantField(t, err, "sku")
		for field, in := range map[string]backoffice.ItemInput{
			"sku":      {Currency: "USD"},
			"currency": {SKU: "X", Currency: "ZZZ"},
			"price":    {SKU: "X", Currency: "USD", Price: -1},
		} {
			_, err := f.svc.CreateItem(ctx, backoffice.CreateItemParams{AccountID: f.account, Actor: "x", Input: in})
			wantField(t, err, field)
		}
		_, err = f.svc.CreateItem(ctx, backoffice.CreateItemParams{AccountID: f.account, Input: backoffice.ItemInput{SKU: "Y", Currency: "USD"}})
		wantField(t, err, "actor")

		up, err := f.svc.UpdateItem(ctx, backoffice.UpdateItemParams{AccountID: f.account, ID: a.ID, IfVersion: a.Version,
			Change: func(in *backoffice.ItemInput) { in.Price = 1800 }})
		if err != nil || up.Price != 1800 || up.Version != 2 || up.OnHand != 5 {
			t.Fatalf("update = %+v, %v", up, err)
		}
		_, err = f.svc.UpdateItem(ctx, backoffice.UpdateItemParams{AccountID: f.account, ID: a.ID, IfVersion: a.Version,
			Change: func(in *backoffice.ItemInput) { in.Price = 1 }})
		wantErr(t, err, backoffice.ErrStale)
		_, err = f.svc.UpdateItem(ctx, backoffice.UpdateItemParams{AccountID: f.account, ID: a.ID,
			Change: func(in *backoffice.ItemInput) { in.SKU = "MUG-1" }})
		wantField(t, err, "sku")

		for _, c := range []struct {
			p    backoffice.SearchItemsParams
			want []string
		}{
			{backoffice.SearchItemsParams{Q: "tee"}, []string{"TEE-BLUE-M", "TEE-RED-M"}},
			{backoffice.SearchItemsParams{SKU: "mug-1"}, []string{"MUG-1"}},
			{backoffice.SearchItemsParams{Barcode: "BC-TEE-RED-M"}, []string{"TEE-RED-M"}},
			{backoffice.SearchItemsParams{AfterSKU: "MUG-1"}, []string{"TEE-BLUE-M", "TEE-RED-M"}},
			{backoffice.SearchItemsParams{Q: "50%_off"}, nil},
		} {
			c.p.AccountID = f.account
			page, err := f.svc.SearchItems(ctx, c.p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.SKU)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) || page.Total != int64(len(c.want)) {
				t.Errorf("search %+v = %v (total %d), want %v", c.p, got, page.Total, c.want)
			}
		}

		// Another account sees none of it, and may use the same SKU.
		b := newFixture(t, db, "bolt")
		if _, err := b.svc.GetItem(ctx, backoffice.GetItemParams{AccountID: b.account, ID: a.ID}); !isNotFound(err) {
			t.Fatalf("account B read A's item: %v", err)
		}
		if page, _ := b.svc.SearchItems(ctx, backoffice.SearchItemsParams{AccountID: b.account}); page.Total != 0 {
			t.Fatalf("account B found %d items", page.Total)
		}
		if _, err := b.svc.AdjustStock(ctx, backoffice.AdjustStockParams{AccountID: b.account, ItemID: a.ID, Delta: new(int64(1)), Actor: "x"}); !isNotFound(err) {
			t.Fatalf("account B adjusted A's item: %v", err)
		}
		if got, _ := b.svc.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: b.account, SKUs: []string{"TEE-RED-M"}}); len(got) != 0 {
			t.Fatalf("account B found A's items by SKU: %+v", got)
		}
		b.newItem(t, "TEE-RED-M", 1)
		wantStock(t, f.item(t, a.ID), 5, 0)
	})
}

func TestAdjustStock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		it := f.newItem(t, "TEE", 10)
		adj := func(p backoffice.AdjustStockParams) (backoffice.AdjustResult, error) {
			p.AccountID, p.ItemID = f.account, it.ID
			if p.Actor == "" {
				p.Actor = "user ann@example.com"
			}
			return f.svc.AdjustStock(ctx, p)
		}
		r, err := adj(backoffice.AdjustStockParams{Delta: new(int64(-3)), Reason: "damaged", Key: "k1"})
		if err != nil || r.Replayed {
			t.Fatal(r, err)
		}
		wantStock(t, r.Item, 7, 0)
		r, err = adj(backoffice.AdjustStockParams{Delta: new(int64(-3)), Reason: "damaged", Key: "k1"})
		if err != nil || !r.Replayed {
			t.Fatalf("replay = %+v, %v", r, err)
		}
		wantStock(t, f.item(t, it.ID), 7, 0)
		_, err = adj(backoffice.AdjustStockParams{Delta: new(int64(-4)), Key: "k1"})
		wantField(t, err, "key")
		r, err = adj(backoffice.AdjustStockParams{Set: new(int64(20)), Reason: "stock take"})
		if err != nil {
			t.Fatal(err)
		}
		wantStock(t, r.Item, 20, 0)

		_, err = adj(backoffice.AdjustStockParams{Delta: new(int64(1)), Set: new(int64(2))})
		wantField(t, err, "set")
		_, err = adj(backoffice.AdjustStockParams{})
		wantField(t, err, "delta")
		_, err = adj(backoffice.AdjustStockParams{Set: new(int64(-1))})
		wantField(t, err, "set")
		_, err = adj(backoffice.AdjustStockParams{Delta: new(int64(0))})
		wantField(t, err, "delta")
		_, err = adj(backoffice.AdjustStockParams{Delta: new(int64(1)), Actor: " "})
		wantField(t, err, "actor")

		// A delta may take on hand below zero: it is shown, not refused.
		r, err = adj(backoffice.AdjustStockParams{Delta: new(int64(-25))})
		if err != nil || !r.Item.Oversold() {
			t.Fatalf("below zero = %+v, %v", r, err)
		}

		h, err := f.svc.History(ctx, backoffice.HistoryParams{AccountID: f.account, ItemID: it.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range h.Items {
			got = append(got, fmt.Sprintf("%s %d>%d %s %q", e.Kind, e.OnHandBefore, e.OnHandAfter, e.Actor, e.Note))
		}
		want := []string{`adjusted 20>-5 user ann@example.com ""`, `set 7>20 user ann@example.com "stock take"`,
			`adjusted 10>7 user ann@example.com "damaged"`, `created 0>10 user ann@example.com ""`}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("history =\n%q\nwant\n%q", got, want)
		}
	})
}

func TestAdjustStockConcurrently(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db, "acme")
		it := f.newItem(t, "TEE", 100)
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range 2 * n {
			wg.Go(func() {
				d := int64(-1)
				if i%2 == 0 {
					d = -2
				}
				_, err := f.svc.AdjustStock(context.Background(), backoffice.AdjustStockParams{AccountID: f.account, ItemID: it.ID,
					Delta: &d, Actor: "user ann@example.com", Key: fmt.Sprintf("key-%d", i)})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		wantStock(t, f.item(t, it.ID), 100-3*n, 0)
		h, err := f.svc.History(t.Context(), backoffice.HistoryParams{AccountID: f.account, ItemID: it.ID})
		if err != nil || h.Total != 2*n+1 {
			t.Fatalf("history rows = %d, %v; want %d", h.Total, err, 2*n+1)
		}
		// Each row starts where the one before it ended: no adjustment read a stale count.
		var rows []backoffice.HistoryEntry
		for page := 1; ; page++ {
			h, err := f.svc.History(t.Context(), backoffice.HistoryParams{AccountID: f.account, ItemID: it.ID, Page: page})
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, h.Items...)
			if !h.HasNext() {
				break
			}
		}
		for i := 0; i+1 < len(rows); i++ {
			if rows[i].OnHandBefore != rows[i+1].OnHandAfter {
				t.Fatalf("history row %d starts at %d, the one before ended at %d", rows[i].ID, rows[i].OnHandBefore, rows[i+1].OnHandAfter)
			}
		}
	})
}

func TestSetOnHandAndIdentifiers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		var skus []string
		for i := range 12 {
			skus = append(skus, f.newItem(t, fmt.Sprintf("SKU-%02d", i), 1).SKU)
		}
		entries := []backoffice.OnHandEntry{{SKU: "sku-00", OnHand: 9}, {SKU: "SKU-01", OnHand: 1}, {SKU: "NOPE", OnHand: 3}}
		r, err := f.svc.SetOnHand(ctx, backoffice.SetOnHandParams{AccountID: f.account, Entries: entries, Actor: "sync run 12", Reference: "feed"})
		if err != nil || r.Changed != 1 || r.Unchanged != 1 || fmt.Sprint(r.Missing) != "[NOPE]" {
			t.Fatalf("set on hand = %+v, %v", r, err)
		}
		_, err = f.svc.SetOnHand(ctx, backoffice.SetOnHandParams{AccountID: f.account, Actor: "x",
			Entries: []backoffice.OnHandEntry{{SKU: "SKU-02", OnHand: 5}, {SKU: "SKU-03", OnHand: -1}}})
		wantField(t, err, "entries[1].on_hand")
		got, err := f.svc.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: f.account,
			SKUs: []string{"sku-00", "SKU-02"}, Barcodes: []string{"BC-SKU-02", "BC-SKU-05"}})
		if err != nil || len(got) != 3 || got[0].OnHand != 9 || got[1].SKU != "SKU-02" || got[1].OnHand != 1 || got[2].SKU != "SKU-05" {
			t.Fatalf("by identifiers = %+v, %v", got, err)
		}
		h, _ := f.svc.History(ctx, backoffice.HistoryParams{AccountID: f.account, ItemID: got[0].ID})
		if h.Items[0].Kind != backoffice.HistoryImported || h.Items[0].Actor != "sync run 12" || h.Items[0].OnHandAfter != 9 {
			t.Fatalf("import history = %+v", h.Items[0])
		}
		var all []string
		for after := ""; ; {
			page, err := f.svc.ItemsAfter(ctx, backoffice.ItemsAfterParams{AccountID: f.account, AfterSKU: after, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, it := range page {
				all = append(all, it.SKU)
			}
			after = page[len(page)-1].SKU
		}
		if fmt.Sprint(all) != fmt.Sprint(skus) {
			t.Fatalf("items after = %v", all)
		}
	})
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, database.ErrNotFound) }

// A feed's title, price and cost replace the item's own; a price in another currency than the
// item's is refused for that item alone, and a row without a count leaves its on hand.
func TestSetOnHandAppliesDetails(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		a, b, c := f.newItem(t, "A", 4), f.newItem(t, "B", 4), f.newItem(t, "C", 4)
		price, cost := int64(1999), int64(820)
		r, err := f.svc.SetOnHand(ctx, backoffice.SetOnHandParams{AccountID: f.account, Actor: "sync run 3", Entries: []backoffice.OnHandEntry{
			{SKU: "A", OnHand: 6, Details: backoffice.ItemDetails{Description: "  Blue mug ", Currency: "USD", Price: &price, Cost: &cost}},
			{SKU: "B", Uncounted: true, Details: backoffice.ItemDetails{Currency: "EUR", Price: &price, Description: "Red mug"}},
			{SKU: "C", OnHand: 4, Details: backoffice.ItemDetails{Currency: "USD", Price: new(int64(1500)), Cost: new(int64(700))}},
		}})
		if err != nil || r.Changed != 1 || r.Unchanged != 2 || r.Updated != 2 || fmt.Sprint(r.CurrencyRefused) != "[B]" {
			t.Fatalf("set on hand = %+v, %v", r, err)
		}
		if got := f.item(t, a.ID); got.OnHand != 6 || got.Description != "Blue mug" || got.Price != 1999 || got.Cost != 820 || got.Currency != "USD" {
			t.Fatalf("A = %+v", got)
		}
		if got := f.item(t, b.ID); got.OnHand != 4 || got.Description != "Red mug" || got.Price != 1500 || got.Currency != "USD" {
			t.Fatalf("B = %+v", got)
		}
		if got := f.item(t, c.ID); got.Version != c.Version {
			t.Fatalf("C changed with nothing new: version %d → %d", c.Version, got.Version)
		}
		_, err = f.svc.SetOnHand(ctx, backoffice.SetOnHandParams{AccountID: f.account, Actor: "x",
			Entries: []backoffice.OnHandEntry{{SKU: "A", OnHand: 1}, {SKU: "B", Uncounted: true, Details: backoffice.ItemDetails{Currency: "USD", Price: new(int64(-1))}}}})
		wantField(t, err, "entries[1].price")
		if got := f.item(t, a.ID); got.OnHand != 6 {
			t.Fatalf("a refused batch changed A's on hand to %d", got.OnHand)
		}
	})
}
