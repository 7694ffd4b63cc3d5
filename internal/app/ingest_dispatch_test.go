package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform"
)

// TestProcessedEventsReachTheDomains: a processed webhook is handed to the functions given to
// OnEvent, with its store and decoded event, in the processing transaction; a stale one is not.
func TestProcessedEventsReachTheDomains(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newIngestEnv(t, dbURL, nil)
		var mu sync.Mutex
		var got []ingest.EventParams
		e.a.Ingest.OnEvent(func(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, p)
			return nil
		})
		st := e.addStore(t, "dispatch.myshopify.com", "shpss_dispatch")
		e.start(t)
		send := func(id, updatedAt string) {
			if code, body := e.send(t, st, delivery{topic: "inventory_levels/update", eventID: id, secret: "shpss_dispatch",
				body: inventoryBody(5, updatedAt)}); code != 200 {
				t.Fatalf("delivery %s: %d %s", id, code, body)
			}
		}
		send("new", "2026-01-02T00:00:00Z")
		waitStatus(t, e.a, e.account, "new", ingest.StatusProcessed)
		send("old", "2026-01-01T00:00:00Z")
		waitStatus(t, e.a, e.account, "old", ingest.StatusStale)
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("domains saw %d events; want 1 (the stale one is not theirs)", len(got))
		}
		p := got[0]
		if p.Store.ID != st.ID || p.Event.Topic != platform.TopicInventoryUpdated || p.Event.Inventory == nil || p.Event.Inventory.Available != 4 {
			t.Errorf("event = store %d %+v; want store %d's inventory level of 4", p.Store.ID, p.Event, st.ID)
		}
	})
}
