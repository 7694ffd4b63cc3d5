package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestThrottledDestinationSnoozes: a destination answering 429 to everything makes its inventory
// job wait (snoozed, no failed attempt), and the quantities arrive once the shop answers again.
func TestThrottledDestinationSnoozes(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dialect database.Dialect, dbURL string) {
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "supplier", 3)
		dst, items := e.shop(t, "busy", 3)
		e.connect(t, dst, src, items, srcItems, 1)
		// Linking reads the source's levels and stocks the destination: let that settle first.
		waitIdle(t, e, dst)
		e.sim.SetFaults("busy.myshopify.com", shopifysim.Faults{ThrottleShare: 1})
		locs, err := e.client(t, src).Locations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		levels := make([]inventory.SourceLevel, len(srcItems))
		want := map[string]int64{}
		for i, it := range srcItems {
			levels[i] = inventory.SourceLevel{AccountID: src.AccountID, StoreID: src.ID, InventoryItemID: it,
				LocationID: locs[0].ID, Available: int64(10 + i)}
			want[items[i]] = int64(9 + i)
		}
		err = e.a.DB.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
			return e.a.Inventory.SourceChanged(ctx, tx, levels)
		})
		if err != nil {
			t.Fatal(err)
		}
		// The job's first wait gathers the burst; once its throttled run ended, it must be waiting
		// again (snoozed a second time), not failing (a retry with an error).
		meta := "CAST(metadata AS TEXT)"
		if dialect == database.SQLite {
			meta = "json(metadata)" // River keeps it as a JSONB blob there
		}
		var state, metadata string
		var attempt int
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the throttled job never waited: state %q, attempt %d, metadata %s", state, attempt, metadata)
			}
			if err := e.a.DB.QueryRow(context.Background(), `SELECT state, attempt, `+meta+` FROM river_job
				WHERE kind = 'inventory_write' ORDER BY id DESC LIMIT 1`).Scan(&state, &attempt, &metadata); err != nil {
				t.Fatal(err)
			}
			var m struct {
				Snoozes int `json:"snoozes"`
			}
			_ = json.Unmarshal([]byte(metadata), &m)
			if state == "retryable" || attempt > 1 {
				t.Fatalf("the throttled job failed an attempt (state %s, attempt %d); want it snoozed", state, attempt)
			}
			if m.Snoozes >= 2 && state != "running" {
				break
			}
		}
		if e.written(t, dst, want) {
			t.Fatal("written while every answer was 429")
		}
		e.sim.SetFaults("busy.myshopify.com", shopifysim.Faults{})
		e.waitLevels(t, dst, want, 60*time.Second)
	})
}
