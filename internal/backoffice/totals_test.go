package backoffice_test

import (
	"context"
	"sync"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// Lines and payments that would take an order's totals out of int64 are refused, also when they
// arrive at once: the order stays readable, with totals that add up.
func TestTotalsStayInRange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db, "acme")
		job := f.newJob(ctx, t, "big job")
		so, err := f.svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: f.account, JobID: job.ID,
			Input: backoffice.SalesOrderInput{Currency: "USD"}})
		if err != nil {
			t.Fatal(err)
		}
		ref := backoffice.OrderRef{AccountID: f.account, JobID: job.ID, Kind: backoffice.SalesOrderKind, OrderID: so.ID}
		// Each line alone fits (4e18 minor units); any three together do not.
		big := backoffice.LineInput{Description: "Gold", Quantity: 1_000_000, UnitPrice: 4_000_000_000_000}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { _, errs[i] = f.svc.CreateLine(ctx, backoffice.CreateLineParams{Order: ref, Input: big}) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			wantField(t, err, "unit_price")
		}
		if ok != 2 {
			t.Errorf("%d of 4 big lines were taken, want 2", ok)
		}
		got, err := f.svc.GetSalesOrder(ctx, backoffice.GetOrderParams{AccountID: f.account, JobID: job.ID, ID: so.ID})
		if err != nil || got.Subtotal != 8_000_000_000_000_000_000 {
			t.Fatalf("the order reads %+v, %v", got, err)
		}
		// A payment that would take the balance out of range is refused too.
		_, err = f.svc.CreatePayment(ctx, backoffice.CreatePaymentParams{Order: ref,
			Input: backoffice.PaymentInput{Amount: -2_000_000_000_000_000_000, PaymentType: "card"}})
		wantField(t, err, "amount")
	})
}
