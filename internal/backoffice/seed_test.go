package backoffice_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestSeedDemo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db, "demo")
		counts := func() map[string]int {
			out := map[string]int{}
			for _, table := range []string{"bo_jobs", "bo_contacts", "bo_sales_orders", "bo_purchase_orders", "bo_line_items", "bo_payments", "bo_list_items"} {
				var n int
				if err := db.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE account_id = $1", f.account).Scan(&n); err != nil {
					t.Fatal(err)
				}
				out[table] = n
			}
			return out
		}
		if err := backoffice.SeedDemo(ctx, db, f.account, f.clock.Now); err != nil {
			t.Fatal(err)
		}
		first := counts()
		if err := backoffice.SeedDemo(ctx, db, f.account, f.clock.Now); err != nil {
			t.Fatal(err)
		}
		if again := counts(); again["bo_jobs"] != first["bo_jobs"] || again["bo_line_items"] != first["bo_line_items"] ||
			again["bo_contacts"] != first["bo_contacts"] || again["bo_payments"] != first["bo_payments"] {
			t.Fatalf("second seed changed the data: %v then %v", first, again)
		}
		if first["bo_purchase_orders"] < 10 || first["bo_payments"] < 10 || first["bo_line_items"] < 40 || first["bo_contacts"] < 8 {
			t.Fatalf("thin sample: %v", first)
		}
		visible, err := f.svc.SearchJobs(ctx, backoffice.SearchJobsParams{AccountID: f.account})
		if err != nil {
			t.Fatal(err)
		}
		all, err := f.svc.SearchJobs(ctx, backoffice.SearchJobsParams{AccountID: f.account, IncludeOld: true})
		if err != nil {
			t.Fatal(err)
		}
		if visible.Total < 25 || all.Total-visible.Total < 3 {
			t.Fatalf("%d visible and %d hidden jobs; want at least 25 and 3", visible.Total, all.Total-visible.Total)
		}
		statuses := map[backoffice.JobStatus]bool{}
		for p := 1; ; p++ {
			page, err := f.svc.SearchJobs(ctx, backoffice.SearchJobsParams{AccountID: f.account, Page: p})
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range page.Items {
				statuses[j.Status] = true
				sos, err := f.svc.ListSalesOrders(ctx, backoffice.ListOrdersParams{AccountID: f.account, JobID: j.ID})
				if err != nil || sos.Total != 1 || sos.Items[0].Subtotal <= 0 {
					t.Fatalf("job %d: sales orders %+v, %v", j.Number, sos, err)
				}
			}
			if !page.HasNext() {
				break
			}
		}
		if len(statuses) < 4 {
			t.Fatalf("statuses %v: want a spread", statuses)
		}
	})
}
