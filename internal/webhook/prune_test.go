package webhook_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/webhook"
)

// Pruning deletes deliveries done with and older than the retention period, in batches, then the
// events left without deliveries; a pending delivery, and so its event, is kept however old.
func TestPruneOutgoingWebhooks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		old, recent := now.Add(-31*24*time.Hour), now.Add(-29*24*time.Hour)
		exec := func(q string, args ...any) int64 {
			t.Helper()
			var id int64
			if err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				return tx.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id)
			}); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return id
		}
		acc := exec(`INSERT INTO accounts (name, created_at) VALUES ('acme', $1)`, old)
		ep := exec(`INSERT INTO webhook_endpoints (account_id, url, secret, created_at) VALUES ($1, 'https://example.com/h', 's', $2)`, acc, old)
		event := func(i int, at time.Time) int64 {
			return exec(`INSERT INTO events (account_id, public_id, type, payload, created_at) VALUES ($1, $2, 'store.saved', '{}', $3)`,
				acc, fmt.Sprintf("evt_%d", i), at)
		}
		deliver := func(ev int64, status string, at time.Time) int64 {
			return exec(`INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id, status, created_at) VALUES ($1, $2, $3, $4, $5)`,
				acc, ep, ev, status, at)
		}
		// More old, done deliveries than one batch holds, each with its own event.
		n := webhook.PruneBatch + 7
		for i := range n {
			deliver(event(i, old), []string{webhook.StatusDelivered, webhook.StatusFailed}[i%2], old)
		}
		pendingEvent := event(n, old)
		pending := deliver(pendingEvent, webhook.StatusPending, old)
		recentEvent := event(n+1, recent)
		recentDelivery := deliver(recentEvent, webhook.StatusDelivered, recent)
		bareOld := event(n+2, old) // fanned out to no endpoint

		p := webhook.NewPruner(db, 30*24*time.Hour, func() time.Time { return now }, nil)
		res, err := p.Prune(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Deliveries != int64(n) || res.Events != int64(n+1) {
			t.Fatalf("pruned %+v, want %d deliveries and %d events", res, n, n+1)
		}
		count := func(q string, args ...any) int {
			var c int
			if err := db.QueryRow(ctx, q, args...).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := count(`SELECT count(*) FROM webhook_deliveries WHERE id IN ($1, $2)`, pending, recentDelivery); c != 2 {
			t.Errorf("%d of the pending and the recent delivery kept, want 2", c)
		}
		if c := count(`SELECT count(*) FROM events WHERE id IN ($1, $2)`, pendingEvent, recentEvent); c != 2 {
			t.Errorf("%d of the events still needed kept, want 2", c)
		}
		if c := count(`SELECT count(*) FROM events WHERE id = $1`, bareOld); c != 0 {
			t.Errorf("an old event without deliveries was kept")
		}
		// Safe to run again: nothing more goes.
		if res, err := p.Prune(ctx); err != nil || res != (webhook.PruneResult{}) {
			t.Fatalf("second prune = %+v, %v", res, err)
		}
	})
}
