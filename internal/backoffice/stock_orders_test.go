package backoffice_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// soLine is a line of a test sales order.
type soLine struct {
	sku string
	qty int64
}

// newOrder creates a job with a sales order of lines through CreateOrderJob, the path store
// orders take.
func (f *fixture) newOrder(t *testing.T, ref string, lines ...soLine) backoffice.OrderJob {
	t.Helper()
	var in []backoffice.LineInput
	for _, l := range lines {
		in = append(in, backoffice.LineInput{SKU: l.sku, Description: "Tee", Quantity: l.qty, UnitPrice: 1500})
	}
	oj, err := f.svc.CreateOrderJob(t.Context(), backoffice.CreateOrderJobParams{
		Job: backoffice.CreateJobParams{AccountID: f.account, Kind: backoffice.KindDropship, ExternalRef: ref,
			Input: backoffice.JobInput{Description: "Order " + ref, ContactID: f.contact.ID, PrimaryRep: f.rep()}},
		SalesOrder: backoffice.SalesOrderInput{Currency: "USD"}, Lines: in})
	if err != nil {
		t.Fatal(err)
	}
	return oj
}

func TestSalesOrderStock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		tee := f.newItem(t, "TEE", 5)
		mug := f.newItem(t, "MUG", 1)

		// Creating the order commits its lines: one by SKU in another case, one with no item.
		oj := f.newOrder(t, "web 1001", soLine{"tee", 2}, soLine{"NOT-STOCKED", 1}, soLine{"MUG", 3})
		wantStock(t, f.item(t, tee.ID), 5, 2)
		wantStock(t, f.item(t, mug.ID), 1, 3) // oversold: available −2, shown
		p := backoffice.SalesOrderStockParams{AccountID: f.account, SalesOrderID: oj.SalesOrder.ID}
		r, err := f.svc.CommitSalesOrder(ctx, p)
		if err != nil || len(r.Moves) != 0 {
			t.Fatalf("second commit moved %+v, %v", r, err)
		}
		wantStock(t, f.item(t, tee.ID), 5, 2)

		// Relieve: the goods left. Twice changes nothing the second time.
		r, err = f.svc.RelieveSalesOrder(ctx, p)
		if err != nil || len(r.Moves) != 2 {
			t.Fatalf("relieve = %+v, %v", r, err)
		}
		if len(r.Oversold) != 1 || r.Oversold[0].SKU != "MUG" || r.Oversold[0].OnHand != -2 {
			t.Fatalf("relieve reported oversold %+v", r.Oversold)
		}
		for range 2 {
			if _, err := f.svc.RelieveSalesOrder(ctx, p); err != nil {
				t.Fatal(err)
			}
			wantStock(t, f.item(t, tee.ID), 3, 0)
			wantStock(t, f.item(t, mug.ID), -2, 0)
		}
		// Commit after relieve does not take the stock again.
		if r, err := f.svc.CommitSalesOrder(ctx, p); err != nil || len(r.Moves) != 0 {
			t.Fatalf("commit after relieve = %+v, %v", r, err)
		}

		// Release after relieve brings the goods back on hand, once.
		for range 2 {
			if _, err := f.svc.ReleaseSalesOrder(ctx, p); err != nil {
				t.Fatal(err)
			}
			wantStock(t, f.item(t, tee.ID), 5, 0)
			wantStock(t, f.item(t, mug.ID), 1, 0)
		}
		h, err := f.svc.History(ctx, backoffice.HistoryParams{AccountID: f.account, ItemID: tee.ID})
		if err != nil || h.Total != 4 || h.Items[0].Kind != backoffice.HistoryReleased || h.Items[1].Kind != backoffice.HistoryRelieved ||
			h.Items[2].Kind != backoffice.HistoryCommitted || h.Items[2].Actor != "sales order "+itoa(oj.SalesOrder.ID) {
			t.Fatalf("history = %+v, %v", h.Items, err)
		}

		// Cancelling a job releases what its order committed; release again changes nothing.
		oj2 := f.newOrder(t, "web 1002", soLine{"TEE", 4})
		wantStock(t, f.item(t, tee.ID), 5, 4)
		// A line added later takes its stock; the first line is not committed twice.
		if _, err := f.svc.CreateLine(ctx, backoffice.CreateLineParams{Order: backoffice.OrderRef{AccountID: f.account, JobID: oj2.Job.ID,
			Kind: backoffice.SalesOrderKind, OrderID: oj2.SalesOrder.ID}, Input: backoffice.LineInput{SKU: "TEE", Description: "Tee", Quantity: 1, UnitPrice: 1500}}); err != nil {
			t.Fatal(err)
		}
		wantStock(t, f.item(t, tee.ID), 5, 5)
		if _, err := f.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: f.account, ID: oj2.Job.ID,
			Change: func(in *backoffice.JobInput) { in.Status = backoffice.JobCancelled }}); err != nil {
			t.Fatal(err)
		}
		wantStock(t, f.item(t, tee.ID), 5, 0)
		p2 := backoffice.SalesOrderStockParams{AccountID: f.account, SalesOrderID: oj2.SalesOrder.ID}
		for _, call := range []func(context.Context, backoffice.SalesOrderStockParams) (backoffice.SalesOrderStockResult, error){
			f.svc.ReleaseSalesOrder, f.svc.CommitSalesOrder, f.svc.RelieveSalesOrder} {
			if r, err := call(ctx, p2); err != nil || len(r.Moves) != 0 {
				t.Fatalf("after release = %+v, %v", r, err)
			}
		}
		wantStock(t, f.item(t, tee.ID), 5, 0)

		// Another account cannot move this account's orders.
		b := newFixture(t, db, "bolt")
		if _, err := b.svc.RelieveSalesOrder(ctx, backoffice.SalesOrderStockParams{AccountID: b.account, SalesOrderID: oj.SalesOrder.ID}); !isNotFound(err) {
			t.Fatalf("account B relieved A's order: %v", err)
		}
	})
}

// Two processes relieving (or committing) the same orders at once move each line once.
func TestSalesOrderStockConcurrently(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db, "acme")
		tee := f.newItem(t, "TEE", 50)
		mug := f.newItem(t, "MUG", 50)
		var orders []int64
		for i := range 4 {
			// Lines name the items in both orders, so locks taken in line order would deadlock.
			oj := f.newOrder(t, "web "+itoa(int64(i)), soLine{"MUG", 1}, soLine{"TEE", 2})
			if i%2 == 0 {
				oj = f.newOrder(t, "web x"+itoa(int64(i)), soLine{"TEE", 2}, soLine{"MUG", 1})
			}
			orders = append(orders, oj.SalesOrder.ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(orders))
		for range 2 {
			for _, so := range orders {
				wg.Go(func() {
					_, err := f.svc.RelieveSalesOrder(context.Background(), backoffice.SalesOrderStockParams{AccountID: f.account, SalesOrderID: so})
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Six orders were created (two per even i), four relieved: 2 committed orders remain.
		wantStock(t, f.item(t, tee.ID), 50-8, 4)
		wantStock(t, f.item(t, mug.ID), 50-4, 2)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Cancelling one sales order (not its job) gives back what it committed, once.
func TestCancellingASalesOrderReleasesItsStock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		tee := f.newItem(t, "TEE", 5)
		oj := f.newOrder(t, "web 2001", soLine{"TEE", 3})
		wantStock(t, f.item(t, tee.ID), 5, 3)
		so, err := f.svc.UpdateSalesOrder(ctx, backoffice.UpdateSalesOrderParams{AccountID: f.account, JobID: oj.Job.ID, ID: oj.SalesOrder.ID,
			Change: func(in *backoffice.SalesOrderInput) { in.Status = backoffice.SOCancelled }})
		if err != nil || so.Status != backoffice.SOCancelled {
			t.Fatalf("cancel = %+v, %v", so, err)
		}
		wantStock(t, f.item(t, tee.ID), 5, 0)
		h, err := f.svc.History(ctx, backoffice.HistoryParams{AccountID: f.account, ItemID: tee.ID})
		if err != nil || h.Items[0].Kind != backoffice.HistoryReleased || h.Items[0].Actor != "sales order "+itoa(oj.SalesOrder.ID)+" cancelled" {
			t.Fatalf("history = %+v, %v", h.Items, err)
		}
		if r, err := f.svc.CommitSalesOrder(ctx, backoffice.SalesOrderStockParams{AccountID: f.account, SalesOrderID: oj.SalesOrder.ID}); err != nil || len(r.Moves) != 0 {
			t.Fatalf("commit after cancel = %+v, %v", r, err)
		}
	})
}

// A line's commitment follows its edits: a new quantity commits the difference, a new SKU gives
// the old item's stock back and takes the new one's, a SKU that is no item commits nothing.
func TestEditingALineMovesItsCommitment(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		f := newFixture(t, db, "acme")
		tee, mug := f.newItem(t, "TEE", 5), f.newItem(t, "MUG", 5)
		oj := f.newOrder(t, "web 3001", soLine{"TEE", 2})
		ref := backoffice.OrderRef{AccountID: f.account, JobID: oj.Job.ID, Kind: backoffice.SalesOrderKind, OrderID: oj.SalesOrder.ID}
		lines, err := f.svc.ListLines(ctx, backoffice.ListOrderItemsParams{Order: ref})
		if err != nil || len(lines.Items) != 1 {
			t.Fatalf("lines = %+v, %v", lines, err)
		}
		edit := func(change func(*backoffice.LineInput)) {
			t.Helper()
			if _, err := f.svc.UpdateLine(ctx, backoffice.UpdateLineParams{Order: ref, ID: lines.Items[0].ID, Change: change}); err != nil {
				t.Fatal(err)
			}
		}
		edit(func(in *backoffice.LineInput) { in.Quantity = 4 })
		wantStock(t, f.item(t, tee.ID), 5, 4)
		edit(func(in *backoffice.LineInput) { in.SKU = "mug" })
		wantStock(t, f.item(t, tee.ID), 5, 0)
		wantStock(t, f.item(t, mug.ID), 5, 4)
		edit(func(in *backoffice.LineInput) { in.SKU = "NOT-STOCKED" })
		wantStock(t, f.item(t, mug.ID), 5, 0)
		edit(func(in *backoffice.LineInput) { in.SKU = "TEE"; in.Quantity = 1 })
		wantStock(t, f.item(t, tee.ID), 5, 1)
		// Relieved goods no longer follow the line.
		if _, err := f.svc.RelieveSalesOrder(ctx, backoffice.SalesOrderStockParams{AccountID: f.account, SalesOrderID: oj.SalesOrder.ID}); err != nil {
			t.Fatal(err)
		}
		edit(func(in *backoffice.LineInput) { in.Quantity = 3 })
		wantStock(t, f.item(t, tee.ID), 4, 0)
	})
}
