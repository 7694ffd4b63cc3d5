package ingest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// tieEnv is one store with received inventory webhooks, processed by applyTx as a job does,
// recording what domains were given in the order they were given it.
type tieEnv struct {
	db      *database.DB
	s       *Service
	st      store.Store
	applied []int64 // available quantities handed to the domains
	next    int
}

func newTieEnv(t *testing.T, db *database.DB) *tieEnv {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	e := &tieEnv{db: db, s: NewService(db, nil, nil, Config{})}
	var accountID, storeID int64
	err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ('ties', $1) RETURNING id`, now).Scan(&accountID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, address, base_url, store_key, credentials, created_at, updated_at)
			VALUES ($1, 'source', 'shopify', 'source.myshopify.com', 'https://source.myshopify.com', 'store_ties', '', $2, $2) RETURNING id`,
			accountID, now).Scan(&storeID)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.st = store.Store{ID: storeID, AccountID: accountID, Name: "source"}
	e.s.OnEvent(func(_ context.Context, _ database.Tx, p EventParams) error {
		e.applied = append(e.applied, p.Event.Inventory.Available)
		return nil
	})
	return e
}

// receive keeps one inventory webhook and returns it with its event as decoding gives it.
func (e *tieEnv) receive(t *testing.T, updated, triggered time.Time, available int64) (int64, kept, platform.WebhookEvent) {
	t.Helper()
	e.next++
	var id int64
	if err := e.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id, triggered_at, body, received_at)
			VALUES ($1, $2, $3, 'inventory_levels/update', $4, $5, '{}', $6) RETURNING id`, e.st.AccountID, e.st.ID,
			string(platform.TopicInventoryUpdated), fmt.Sprintf("ev-%d", e.next), nullTime(triggered), time.Now().UTC()).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	k := kept{accountID: e.st.AccountID, storeID: e.st.ID, status: StatusReceived}
	ev := platform.WebhookEvent{Topic: platform.TopicInventoryUpdated, TriggeredAt: triggered, UpdatedAt: updated,
		ResourceID: platform.InventoryLevelResource("item-1", "loc-1"),
		Inventory:  &platform.InventoryLevel{InventoryItemID: "item-1", LocationID: "loc-1", Available: available, UpdatedAt: updated}}
	return id, k, ev
}

func (e *tieEnv) process(t *testing.T, id int64, k kept, ev platform.WebhookEvent, read bool) error {
	t.Helper()
	return e.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		_, err := e.s.applyTx(ctx, tx, id, k, e.st, ev, read)
		return err
	})
}

func (e *tieEnv) status(t *testing.T, id int64) string {
	t.Helper()
	var st string
	if err := e.db.QueryRow(context.Background(), `SELECT status FROM inbound_webhooks WHERE id = $1`, id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// Two changes of one inventory level within one second carry the same updated_at; processed
// newest first (as parallel workers may), the older one is stale on its trigger time and the
// newest quantity stays.
func TestSameSecondNewestFirst(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newTieEnv(t, db)
		second := time.Date(2026, 3, 4, 10, 0, 5, 0, time.UTC)
		oldID, oldK, oldEv := e.receive(t, second, second.Add(120*time.Millisecond), 5)
		newID, newK, newEv := e.receive(t, second, second.Add(730*time.Millisecond), 9)
		if err := e.process(t, newID, newK, newEv, false); err != nil {
			t.Fatal(err)
		}
		if err := e.process(t, oldID, oldK, oldEv, false); err != nil {
			t.Fatal(err)
		}
		if got := e.applied; len(got) == 0 || got[len(got)-1] != 9 {
			t.Fatalf("quantities applied %v, want the newest (9) last", got)
		}
		if st := e.status(t, oldID); st != StatusStale {
			t.Errorf("older same-second webhook is %s, want %s", st, StatusStale)
		}
		// A third change in the same second, triggered later, is applied.
		id, k, ev := e.receive(t, second, second.Add(900*time.Millisecond), 11)
		if err := e.process(t, id, k, ev, false); err != nil {
			t.Fatal(err)
		}
		if got := e.applied[len(e.applied)-1]; got != 11 {
			t.Errorf("later trigger in the same second: applied %d, want 11", got)
		}
	})
}

// When updated_at and the trigger time both tie (or the trigger time is unknown), an event saying
// the same as what was applied is applied, and one saying something else is not guessed at: it
// asks for the resource to be read again (errReread, nothing changed), and the platform's answer
// is applied.
func TestFullTieRereads(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newTieEnv(t, db)
		second := time.Date(2026, 3, 4, 10, 0, 5, 0, time.UTC)
		id1, k1, ev1 := e.receive(t, second, time.Time{}, 5)
		if err := e.process(t, id1, k1, ev1, false); err != nil {
			t.Fatal(err)
		}
		id2, k2, ev2 := e.receive(t, second, time.Time{}, 5)
		if err := e.process(t, id2, k2, ev2, false); err != nil {
			t.Fatalf("same content: %v, want applied", err)
		}
		id3, k3, ev3 := e.receive(t, second, time.Time{}, 7)
		if err := e.process(t, id3, k3, ev3, false); !errors.Is(err, errReread) {
			t.Fatalf("differing content in a full tie: %v, want errReread", err)
		}
		if st := e.status(t, id3); st != StatusReceived || len(e.applied) != 2 {
			t.Fatalf("after errReread: status %s, %d applied; want received, 2", st, len(e.applied))
		}
		ev3.Inventory.Available = 6 // what the platform says now
		if err := e.process(t, id3, k3, ev3, true); err != nil {
			t.Fatal(err)
		}
		if got := e.applied[len(e.applied)-1]; got != 6 || e.status(t, id3) != StatusProcessed {
			t.Errorf("read again: applied %d (%s), want 6 processed", got, e.status(t, id3))
		}
	})
}
