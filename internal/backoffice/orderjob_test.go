package backoffice_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestCreateOrderJob(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db, "acme")
		p := backoffice.CreateOrderJobParams{
			Job: backoffice.CreateJobParams{AccountID: f.account, Kind: backoffice.KindStore, ExternalRef: "store 3 / order 1001",
				Input: backoffice.JobInput{Description: "Acme Store #1001", ContactID: f.contact.ID, PrimaryRep: f.rep(), StoreID: "S-1"}},
			SalesOrder: backoffice.SalesOrderInput{Currency: "USD", CustomerInstructions: "https://shop.example.com/orders/1001"},
			Lines:      []backoffice.LineInput{{Description: "Tee", Quantity: 2, UnitPrice: 1500}},
			Payments:   []backoffice.PaymentInput{{Amount: 3000, PaymentType: "card", CardType: "visa"}},
		}
		first, err := f.svc.CreateOrderJob(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if first.Existed || first.Job.Status != backoffice.JobPending || first.SalesOrder.Subtotal != 3000 || first.SalesOrder.Balance != 0 {
			t.Fatalf("first push = %+v", first)
		}
		again, err := f.svc.CreateOrderJob(ctx, p)
		if err != nil || !again.Existed || again.Job.ID != first.Job.ID || again.SalesOrder.ID != first.SalesOrder.ID {
			t.Fatalf("second push = %+v, %v; want the first job back", again, err)
		}

		bad := p
		bad.Job.ExternalRef = "store 3 / order 1002"
		bad.Job.Input.PrimaryRep = "left@acme.test"
		_, err = f.svc.CreateOrderJob(ctx, bad)
		wantField(t, err, "primary_rep")
		bad.Job.Input.PrimaryRep = f.rep()
		bad.Lines = []backoffice.LineInput{{Description: "Tee", Quantity: 1, UnitPrice: -1}}
		_, err = f.svc.CreateOrderJob(ctx, bad)
		wantField(t, err, "lines[0].unit_price")
		var jobs, orders int
		if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM bo_jobs), (SELECT count(*) FROM bo_sales_orders)`).Scan(&jobs, &orders); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 || orders != 1 {
			t.Fatalf("%d jobs and %d sales orders after refused pushes; want 1 and 1", jobs, orders)
		}
		// The refused pushes took no job number.
		next := f.newJob(ctx, t, "next")
		if next.Number != 2 {
			t.Fatalf("next job number %d, want 2", next.Number)
		}
	})
}
