package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// The inventory item pages list the account's items with on hand, committed and available, mark
// an oversold one, search by SKU, barcode or description, and show an item's history; another
// account sees none of it.
func TestBackOfficeItemPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		bo, site := newBOSite(t, db)
		ra, racc, _ := site.person(t, "harbor")
		xa, _, _ := site.person(t, "lonely")
		bo.acc = racc.ID
		bo.seed(ctx, t, "harbor@example.com") // a sales order of 3 TEE-RED-M, made before the item existed

		item := func(sku, barcode, desc string, onHand int64) backoffice.Item {
			it, err := bo.svc.CreateItem(ctx, backoffice.CreateItemParams{AccountID: bo.acc, OnHand: onHand, Actor: "user harbor@example.com",
				Input: backoffice.ItemInput{SKU: sku, Barcode: barcode, Description: desc, Currency: "USD", Cost: 700, Price: 1500}})
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		tee := item("TEE-RED-M", "0001", "Red tee", 2)
		item("MUG-1", "0002", "Harbor mug", 9)
		d := int64(-1)
		if _, err := bo.svc.AdjustStock(ctx, backoffice.AdjustStockParams{AccountID: bo.acc, ItemID: tee.ID, Delta: &d,
			Reason: "damaged in the shop", Actor: "user harbor@example.com"}); err != nil {
			t.Fatal(err)
		}
		// A new order of four tees: more is committed than is on hand.
		j, err := bo.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: bo.acc, Kind: backoffice.KindDropship,
			Input: backoffice.JobInput{Description: "More shirts", ContactID: bo.ada.ID, PrimaryRep: "harbor@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		so, err := bo.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: bo.acc, JobID: j.ID,
			Input: backoffice.SalesOrderInput{Currency: "USD"}, Lines: []backoffice.LineInput{{SKU: "tee-red-m", Description: "Red tee", Quantity: 4, UnitPrice: 1500}}})
		if err != nil {
			t.Fatal(err)
		}

		a := ra.do("GET", "/back-office/items", nil)
		if a.status != 200 || !strings.Contains(a.body, "2 items") || !before(a.body, "MUG-1", "TEE-RED-M") {
			t.Fatalf("items page: %d %.3000s", a.status, a.body)
		}
		_, row, _ := strings.Cut(a.body, ">TEE-RED-M<")
		row, _, _ = strings.Cut(row, "</tr>")
		if !strings.Contains(row, "<td>1</td><td>4</td>") || !strings.Contains(row, `class="err"`) || !strings.Contains(row, "-3 oversold") ||
			!strings.Contains(row, "15.00 USD") {
			t.Errorf("the tee's row does not show on hand 1, committed 4, available -3 marked oversold: %s", row)
		}
		if strings.Count(a.body, `class="item oversold"`) != 1 {
			t.Errorf("want one oversold row: %.3000s", a.body)
		}
		for q, want := range map[string]string{"q=mug": "MUG-1", "q=0001": "TEE-RED-M", "q=RED+TEE": "TEE-RED-M"} {
			a := ra.do("GET", "/back-office/items?"+q, nil)
			if a.status != 200 || !strings.Contains(a.body, "1 item<") || !strings.Contains(a.body, want) {
				t.Errorf("%s: %d %.2000s", q, a.status, a.body)
			}
		}
		if a := ra.do("GET", "/back-office/items?page=0", nil); a.status != 422 || !strings.Contains(a.body, "page: give a page number") {
			t.Errorf("bad page: %d; want 422", a.status)
		}

		path := fmt.Sprintf("/back-office/items/%d", tee.ID)
		a = ra.do("GET", path, nil)
		if a.status != 200 || !strings.Contains(a.body, `id="oversold"`) {
			t.Fatalf("item page: %d %.3000s", a.status, a.body)
		}
		for _, want := range []string{"3 changes", "committed", fmt.Sprintf("sales order %d", so.ID), "adjusted", "damaged in the shop",
			"user harbor@example.com", "created", "0 → 4"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("item page lacks %q", want)
			}
		}
		if !before(a.body, "committed</td>", "adjusted</td>") || !before(a.body, "adjusted</td>", "created</td>") {
			t.Errorf("history is not newest first: %.4000s", a.body)
		}
		if a := ra.do("GET", "/back-office/items/999999", nil); a.status != 404 {
			t.Errorf("no such item: %d; want 404", a.status)
		}
		if a := xa.do("GET", path, nil); a.status != 404 || strings.Contains(a.body, "Red tee") {
			t.Errorf("another account reads the item: %d; want 404", a.status)
		}
		if a := xa.do("GET", "/back-office/items", nil); a.status != 200 || strings.Contains(a.body, "TEE-RED-M") || !strings.Contains(a.body, "0 items") {
			t.Errorf("another account lists the items: %d", a.status)
		}
	})
}
