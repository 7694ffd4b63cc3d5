package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
)

// Deliveries of one resource processed at once are applied one after the other, on both
// databases (PostgreSQL: the job locks the resource's row; SQLite: its single writer runs one
// transaction at a time, which this test states): in the order they were applied, their stamps
// never go back, and the newest is what is left.
func TestConcurrentDeliveriesOfOneResource(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, u, func(c *config.Config) { c.Workers = 16 })
		st := e.addStore(t, "acme.myshopify.com", "hush")
		const n = 24
		base := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		for _, i := range rand.Perm(n) {
			wg.Go(func() {
				at := base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
				if code, body := e.send(t, st, delivery{topic: "inventory_levels/update", eventID: fmt.Sprint("inv-", i), secret: "hush", body: inventoryBody(1, at)}); code != 200 {
					t.Errorf("delivery %d: %d %s", i, code, body)
				}
			})
		}
		wg.Wait()
		e.start(t)
		newest := waitStatus(t, e.a, e.account, fmt.Sprint("inv-", n-1), ingest.StatusProcessed)
		deadline := time.Now().Add(20 * time.Second)
		for {
			var left int
			if err := e.a.DB.QueryRow(ctx, `SELECT count(*) FROM inbound_webhooks WHERE status = 'received'`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d deliveries never processed", left)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rows, err := e.a.DB.Query(ctx, `SELECT resource_version, resource_updated_at FROM inbound_webhooks
			WHERE status = 'processed' ORDER BY resource_version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var prevVersion int64
		var prev time.Time
		for rows.Next() {
			var v int64
			var at time.Time
			if err := rows.Scan(&v, &at); err != nil {
				t.Fatal(err)
			}
			if v != prevVersion+1 || at.Before(prev) {
				t.Fatalf("applied as version %d (after %d) a delivery of %s after one of %s: not one after the other", v, prevVersion, at, prev)
			}
			prevVersion, prev = v, at
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !prev.Equal(*newest.ResourceUpdatedAt) {
			t.Fatalf("last applied %s, want the newest %s", prev, newest.ResourceUpdatedAt)
		}
	})
}

// Received webhooks done with are pruned after the retention period, in batches, by the clock the
// app is given; those still waiting for their job or for a person (failed) are kept.
func TestPruneReceivedWebhooks(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		e := newIngestEnv(t, u, func(c *config.Config) { c.Retention = 30 * 24 * time.Hour }, clock)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		// Old rows in every status, more done ones than one batch.
		if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			for i := range ingest.PruneBatch + 3 {
				var status string
				switch {
				case i == 0:
					status = ingest.StatusReceived
				case i == 1:
					status = ingest.StatusFailed
				case i%2 == 0:
					status = ingest.StatusProcessed
				default:
					status = ingest.StatusStale
				}
				if _, err := tx.Exec(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id, body, status, received_at)
					VALUES ($1, $2, 'order.updated', 'orders/updated', $3, '{}', $4, $5)`,
					st.AccountID, st.ID, fmt.Sprint("old-", i), status, now.Add(-31*24*time.Hour)); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id, body, status, received_at)
				VALUES ($1, $2, 'order.updated', 'orders/updated', 'recent', '{}', 'processed', $3)`, st.AccountID, st.ID, now.Add(-29*24*time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, err := e.a.Ingest.Prune(ctx)
		if err != nil || n != ingest.PruneBatch+1 {
			t.Fatalf("Prune = %d, %v; want %d", n, err, ingest.PruneBatch+1)
		}
		list, _ := e.a.Ingest.List(ctx, ingest.ListParams{AccountID: e.account, Limit: 10})
		kept := map[string]bool{}
		for _, in := range list {
			kept[in.EventID] = true
		}
		if len(list) != 3 || !kept["old-0"] || !kept["old-1"] || !kept["recent"] {
			t.Fatalf("kept %v, want the received, the failed and the recent one", kept)
		}
		// A month later the recent one goes too; running again deletes nothing more.
		mu.Lock()
		now = now.Add(2 * 24 * time.Hour)
		mu.Unlock()
		if n, err := e.a.Ingest.Prune(ctx); err != nil || n != 1 {
			t.Fatalf("Prune later = %d, %v; want 1", n, err)
		}
		if n, err := e.a.Ingest.Prune(ctx); err != nil || n != 0 {
			t.Fatalf("Prune again = %d, %v; want 0", n, err)
		}
	})
}
