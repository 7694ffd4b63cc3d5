package orders_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/orders"
)

// The pushed-orders report reads every push of the range once, oldest first, across pages (with
// pushes of the same instant on a page's edge), sums them per currency, and is the destination's
// and the source's only; a range whose from is after its to is refused naming from.
func TestPushedReportPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		n := orders.ReportPage + 7
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			for i := range n + 2 { // two outside the range
				at := base.Add(time.Duration(i/3) * time.Second) // three pushes an instant
				if i >= n {
					at = base.Add(-time.Hour)
				}
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO orders (account_id, store_id, platform_order_id, name, currency, version, received_at, updated_at)
					VALUES ($1, $2, $3, $4, 'USD', 1, $5, $5) RETURNING id`, f.reseller, f.dst.ID, fmt.Sprint("r", i), fmt.Sprint("#", 1000+i), at).Scan(&id); err != nil {
					return err
				}
				sent := `{"currency":"USD","lines":[{"sku":"A","title":"Mug","quantity":2,"unit_price":1000}],"shipping":300,"discount":100,"total":2200}`
				if _, err := tx.Exec(ctx, `INSERT INTO order_pushes (order_id, source_store_id, connection_id, account_id, eligible, status,
					source_order_name, pushed_at, sent, decided_at, updated_at) VALUES ($1, $2, $3, $4, TRUE, 'pushed', $5, $6, $7, $6, $6)`,
					id, f.srcA.ID, f.cA.ID, f.reseller, fmt.Sprint("#S", i), at, sent); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		p := orders.ReportParams{AccountID: f.reseller, ConnectionID: f.cA.ID, From: base, To: base.AddDate(0, 0, 1)}
		if _, err := f.svc.ReportHeadOf(ctx, p); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var last time.Time
		totals, err := f.svc.PushedReport(ctx, p, func(r orders.ReportPush) error {
			if seen[r.DestinationOrder] || r.PushedAt.Before(last) || len(r.Lines) != 1 || r.Lines[0].Total != 2000 {
				return fmt.Errorf("push %+v: repeated, out of order or wrong", r)
			}
			seen[r.DestinationOrder], last = true, r.PushedAt
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := orders.ReportTotal{Currency: "USD", Pushes: int64(n), Units: int64(2 * n), Lines: int64(2000 * n), Shipping: int64(300 * n),
			Discount: int64(100 * n), Total: int64(2200 * n)}
		if len(seen) != n || len(totals) != 1 || totals[0] != want {
			t.Fatalf("%d pushes, totals %+v; want %d and %+v", len(seen), totals, n, want)
		}
		p.AccountID = f.supplierA // the source's account reads it too
		if _, err := f.svc.ReportHeadOf(ctx, p); err != nil {
			t.Fatalf("the source's report: %v", err)
		}
		var e *orders.Error
		p.ConnectionID = f.cB.ID // supplier A is not in connection B
		if _, err := f.svc.ReportHeadOf(ctx, p); !errors.As(err, &e) || e.Field != "connection_id" {
			t.Fatalf("another connection: %v; want an error naming connection_id", err)
		}
		p = orders.ReportParams{AccountID: f.reseller, ConnectionID: f.cA.ID, From: base.AddDate(0, 0, 2), To: base}
		if _, err := f.svc.ReportHeadOf(ctx, p); !errors.As(err, &e) || e.Field != "from" {
			t.Fatalf("from after to: %v; want an error naming from", err)
		}
	})
}
