package backoffice_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestOrders(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db, "acme")
		other := newFixture(t, db, "globex")
		job := f.newJob(ctx, t, "order job")
		tee := backoffice.LineInput{Description: "Tee", Quantity: 12, UnitPrice: 895,
			Decoration: backoffice.Decoration{DesignName: "Crest", Location: "Left chest", Method: "Embroidery", Supplier: "Stitch"}}

		so, err := f.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: f.account, JobID: job.ID,
			Input:    backoffice.SalesOrderInput{Currency: "usd"},
			Lines:    []backoffice.LineInput{tee, {Description: "Cap", Quantity: 2, UnitPrice: 1650}},
			Payments: []backoffice.PaymentInput{{Amount: 5000, PaymentType: "card", CardType: "visa"}}})
		if err != nil {
			t.Fatal(err)
		}
		if so.Currency != "USD" || so.Subtotal != 14040 || so.Paid != 5000 || so.Balance != 9040 || so.Status != backoffice.SODraft ||
			so.SoldTo.Name != "Ada Lovelace" || so.SoldTo.City != "Austin" {
			t.Fatalf("sales order = %+v", so)
		}
		soRef := backoffice.OrderRef{AccountID: f.account, JobID: job.ID, Kind: backoffice.SalesOrderKind, OrderID: so.ID}

		t.Run("an order is stored whole or not at all", func(t *testing.T) {
			_, err := f.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: f.account, JobID: job.ID,
				Input: backoffice.SalesOrderInput{Currency: "USD"}, Lines: []backoffice.LineInput{tee, {Description: "Bad", Quantity: 0}}})
			wantField(t, err, "lines[1].quantity")
			_, err = f.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: f.account, JobID: job.ID,
				Input: backoffice.SalesOrderInput{Currency: "USD"}, Payments: []backoffice.PaymentInput{{Amount: 1, PaymentType: "wampum"}}})
			wantField(t, err, "payments[0].payment_type")
			page, err := f.svc.ListSalesOrders(ctx, backoffice.ListOrdersParams{AccountID: f.account, JobID: job.ID})
			if err != nil || page.Total != 1 {
				t.Fatalf("sales orders after refused creates: %d, %v", page.Total, err)
			}
			var lines int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM bo_line_items`).Scan(&lines); err != nil || lines != 2 {
				t.Fatalf("line items after refused creates: %d, %v", lines, err)
			}
		})

		t.Run("lines and payments belong to their order alone", func(t *testing.T) {
			so2, err := f.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: f.account, JobID: job.ID,
				Input: backoffice.SalesOrderInput{Currency: "USD"}})
			if err != nil {
				t.Fatal(err)
			}
			lines, err := f.svc.ListLines(ctx, backoffice.ListOrderItemsParams{Order: soRef})
			if err != nil || lines.Total != 2 || lines.Items[0].Total != 10740 || lines.Items[0].Decoration.Location != "Left chest" {
				t.Fatalf("lines = %+v, %v", lines, err)
			}
			ref2 := soRef
			ref2.OrderID = so2.ID
			_, err = f.svc.GetLine(ctx, backoffice.GetLineParams{Order: ref2, ID: lines.Items[0].ID})
			wantErr(t, err, database.ErrNotFound)
			_, err = f.svc.UpdateLine(ctx, backoffice.UpdateLineParams{Order: ref2, ID: lines.Items[0].ID})
			wantErr(t, err, database.ErrNotFound)
			foreign := soRef
			foreign.AccountID = other.account
			_, err = other.svc.ListPayments(ctx, backoffice.ListOrderItemsParams{Order: foreign})
			wantErr(t, err, database.ErrNotFound)
			_, err = other.svc.CreatePayment(ctx, backoffice.CreatePaymentParams{Order: foreign, Input: backoffice.PaymentInput{Amount: 1, PaymentType: "card"}})
			wantErr(t, err, database.ErrNotFound)
		})

		t.Run("update rules", func(t *testing.T) {
			_, err := f.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID,
				Change: func(in *backoffice.SalesOrderInput) { in.Currency = "EUR" }})
			wantField(t, err, "currency")
			_, err = f.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID,
				Change: func(in *backoffice.SalesOrderInput) { in.Status = backoffice.SOClosed }})
			wantField(t, err, "status")
			got, err := f.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID, IfVersion: 1,
				Change: func(in *backoffice.SalesOrderInput) { in.Status = backoffice.SOConfirmed }})
			if err != nil || got.Status != backoffice.SOConfirmed || got.Version != 2 {
				t.Fatalf("update = %+v, %v", got, err)
			}
			_, err = f.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID, IfVersion: 1})
			wantErr(t, err, backoffice.ErrStale)
		})

		t.Run("purchase orders", func(t *testing.T) {
			po, err := f.svc.CreatePurchaseOrder(ctx, backoffice.CreatePurchaseOrderParams{AccountID: f.account, JobID: job.ID,
				Input: backoffice.PurchaseOrderInput{Supplier: "sanmar", Currency: "USD"}, Lines: []backoffice.LineInput{tee}})
			if err != nil || po.Subtotal != 10740 || po.Status != backoffice.PODraft {
				t.Fatalf("purchase order = %+v, %v", po, err)
			}
			poRef := backoffice.OrderRef{AccountID: f.account, JobID: job.ID, Kind: backoffice.PurchaseOrderKind, OrderID: po.ID}
			_, err = f.svc.CreateLine(ctx, backoffice.CreateLineParams{Order: poRef, Input: tee})
			wantErr(t, err, backoffice.ErrConflict)
			_, err = f.svc.CreatePurchaseOrder(ctx, backoffice.CreatePurchaseOrderParams{AccountID: f.account, JobID: job.ID,
				Input: backoffice.PurchaseOrderInput{Supplier: "nobody", Currency: "USD"}})
			wantField(t, err, "supplier")
			// A sales order ID is not a purchase order ID.
			_, err = f.svc.GetPurchaseOrder(ctx, backoffice.GetOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID + 100})
			wantErr(t, err, database.ErrNotFound)
		})
	})
}

// Concurrent creates in one account never share a job number.
func TestJobNumbersUnderConcurrency(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db, "acme")
		const n = 20
		var wg sync.WaitGroup
		numbers := make(chan int64, n)
		for range n {
			wg.Go(func() {
				j, err := f.svc.CreateJob(context.Background(), backoffice.CreateJobParams{AccountID: f.account, Kind: backoffice.KindDropship,
					Input: backoffice.JobInput{ContactID: f.contact.ID, PrimaryRep: f.rep()}})
				if err != nil {
					t.Error(err)
					return
				}
				numbers <- j.Number
			})
		}
		wg.Wait()
		close(numbers)
		seen := map[int64]bool{}
		for num := range numbers {
			if seen[num] || num < 1 || num > n {
				t.Fatalf("number %d repeated or out of 1..%d", num, n)
			}
			seen[num] = true
		}
		if len(seen) != n {
			t.Fatalf("%d jobs created, want %d", len(seen), n)
		}
	})
}

func TestContacts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db, "acme")
		other := newFixture(t, db, "globex")
		store := f.newContact(t, backoffice.KindStore, "Shop", "g2")
		if store.StoreID != "S-1" || store.Type != backoffice.ContactClient || store.Version != 1 {
			t.Fatalf("store contact = %+v", store)
		}
		_, err := f.svc.CreateContact(ctx, backoffice.CreateContactParams{AccountID: f.account, Kind: backoffice.KindStore,
			Input: backoffice.ContactInput{Name: "No store"}})
		wantField(t, err, "store_id")
		_, err = f.svc.UpdateContact(ctx, backoffice.UpdateContactParams{AccountID: f.account, ID: store.ID,
			Change: func(in *backoffice.ContactInput) { in.PaymentTerms = "net999" }})
		wantField(t, err, "payment_terms")
		got, err := f.svc.UpdateContact(ctx, backoffice.UpdateContactParams{AccountID: f.account, ID: store.ID, IfVersion: 1,
			Change: func(in *backoffice.ContactInput) { in.Email = " Shop@Example.COM "; in.PaymentTerms = "net30" }})
		if err != nil || got.Email != "shop@example.com" || got.Version != 2 {
			t.Fatalf("update = %+v, %v", got, err)
		}
		_, err = other.svc.GetContact(ctx, backoffice.GetContactParams{AccountID: other.account, ID: store.ID})
		wantErr(t, err, database.ErrNotFound)
		_, err = other.svc.UpdateContact(ctx, backoffice.UpdateContactParams{AccountID: other.account, ID: store.ID})
		wantErr(t, err, database.ErrNotFound)
		for _, tc := range []struct {
			p     backoffice.SearchContactsParams
			total int64
		}{
			{backoffice.SearchContactsParams{}, 2},
			{backoffice.SearchContactsParams{Kind: backoffice.KindStore}, 1},
			{backoffice.SearchContactsParams{Email: "SHOP@example.com"}, 1},
			{backoffice.SearchContactsParams{State: "TX", ClientGroupID: "g1"}, 1},
			{backoffice.SearchContactsParams{Type: backoffice.ContactProspect}, 0},
			{backoffice.SearchContactsParams{CreatedFrom: start.Add(time.Microsecond)}, 0},
		} {
			tc.p.AccountID = f.account
			page, err := f.svc.SearchContacts(ctx, tc.p)
			if err != nil || page.Total != tc.total {
				t.Errorf("search %+v: total %d, %v; want %d", tc.p, page.Total, err, tc.total)
			}
		}
	})
}
