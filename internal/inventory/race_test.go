package inventory

import (
	"context"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// TestAReadNeverDecidesAfterANewerChange: a level read from the source (kept, since one is
// known) decided while a webhook's newer level is being recorded in another transaction must not
// leave the older decision last. The webhook's transaction records 50 and decides, then holds
// its transaction open; the read of the older 10 runs meanwhile and, on PostgreSQL, must wait
// for it and then decide from the 50.
func TestAReadNeverDecidesAfterANewerChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newReserveFixture(t, db)
		ctx := context.Background()
		t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		f.level(t, 10, t0)
		f.wantDesired(t, "before the change", 10, 9)

		recorded, release, changed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			first := true
			changed <- db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				err := f.svc.SourceChanged(ctx, tx, []SourceLevel{{AccountID: f.srcAcc, StoreID: f.src.ID, InventoryItemID: "si",
					LocationID: "loc", Available: 50, UpdatedAt: t0.Add(time.Minute)}})
				if first {
					first = false
					close(recorded)
					<-release
				}
				return err
			})
		}()
		<-recorded
		read := make(chan error, 1)
		go func() {
			read <- db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				return f.svc.SourceRead(ctx, tx, SourceReadParams{StoreID: f.src.ID, InventoryItemIDs: []string{"si"},
					Levels: []SourceLevel{{AccountID: f.srcAcc, StoreID: f.src.ID, InventoryItemID: "si", LocationID: "loc", Available: 10}}})
			})
		}()
		select {
		case err := <-read:
			// SQLite cannot run it alongside (one writer); PostgreSQL must wait for the lock.
			if db.Dialect() == database.Postgres {
				t.Fatalf("the read finished (%v) while the newer level's transaction was open; want it to wait", err)
			}
			read <- err
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := <-changed; err != nil {
			t.Fatal(err)
		}
		if err := <-read; err != nil {
			t.Fatal(err)
		}
		f.wantDesired(t, "the read decided while the newer level was being recorded", 50, 49)
	})
}
