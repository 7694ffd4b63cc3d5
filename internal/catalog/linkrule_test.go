package catalog_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// A link's own buffer overrides the connection's; clearing it restores the connection's. A link
// of another connection is not found, a negative buffer names buffer, and neither changes anything.
func TestLinkBufferOverridesTheConnections(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newLinkFixture(t, db)
		f.save(t, f.c1, f.dst1, link("V1", "I1", "D1", "W1"), link("V2", "I2", "D1", "W2"))
		f.save(t, f.c2, f.dst2, link("V1", "I1", "E1", "X1"))
		set := func(connID, linkID int64, b *int64) (catalog.Link, error) {
			var l catalog.Link
			err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				var err error
				l, err = f.links.SetBuffer(ctx, tx, catalog.SetBufferParams{ConnectionID: connID, LinkID: linkID, Buffer: b})
				return err
			})
			return l, err
		}
		fan, err := f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, Limit: 10})
		if err != nil || len(fan) != 2 {
			t.Fatalf("connection one's links: %v %+v", err, fan)
		}
		w1 := fan[0].Link
		five, minus := int64(5), int64(-1)
		if l, err := set(f.c1.ID, w1.ID, &five); err != nil || l.Buffer == nil || *l.Buffer != 5 {
			t.Fatalf("SetBuffer 5: %v %+v", err, l)
		}
		s := catalog.Settings{Buffer: 2}
		fan, _ = f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, Limit: 10})
		if got := []int64{catalog.EffectiveBuffer(fan[0].Link, s), catalog.EffectiveBuffer(fan[1].Link, s)}; !slices.Equal(got, []int64{5, 2}) {
			t.Errorf("effective buffers %v; want [5 2]", got)
		}
		if _, err := set(f.c2.ID, w1.ID, &five); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("another connection's link: %v; want not found", err)
		}
		var ve *catalog.ValidationError
		if _, err := set(f.c1.ID, w1.ID, &minus); !errors.As(err, &ve) || ve.Of("buffer") == "" {
			t.Errorf("a negative buffer: %v; want a validation error naming buffer", err)
		}
		if l, err := set(f.c1.ID, w1.ID, nil); err != nil || l.Buffer != nil {
			t.Fatalf("clearing: %v %+v", err, l)
		}
		fan, _ = f.links.FanOut(ctx, db, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1"}})
		for _, x := range fan {
			if x.Buffer != nil {
				t.Errorf("link %d keeps buffer %d after clearing", x.ID, *x.Buffer)
			}
		}
	})
}

// ConnectionFanOut reads one connection's links in batches after an id, and none while the
// connection does not sync; saving and restoring links tells the hooks which source items.
func TestConnectionFanOutAndLinkedHook(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newLinkFixture(t, db)
		var told []catalog.Linked
		f.links.OnLinked(func(_ context.Context, _ database.Tx, l catalog.Linked) error {
			told = append(told, l)
			return nil
		})
		f.save(t, f.c1, f.dst1, link("V1", "I2", "D1", "W1"), link("V2", "I1", "D1", "W2"), link("V3", "I1", "D2", "W3"))
		if len(told) != 1 || told[0].ConnectionID != f.c1.ID || told[0].SourceStoreID != f.src.ID || !slices.Equal(told[0].SourceInventoryItemIDs, []string{"I1", "I2"}) {
			t.Fatalf("the hook was told %+v; want connection one's items I1, I2 once", told)
		}
		told = nil // saved again unchanged: nothing new is linked; a new variant is
		f.save(t, f.c1, f.dst1, link("V1", "I2", "D1", "W1"), link("V4", "I4", "D1", "W4"))
		if len(told) != 1 || !slices.Equal(told[0].SourceInventoryItemIDs, []string{"I4"}) {
			t.Fatalf("saving again, the hook was told %+v; want only I4", told)
		}
		first, err := f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, Limit: 2})
		if err != nil || len(first) != 2 {
			t.Fatalf("first batch: %v %d", err, len(first))
		}
		rest, err := f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, AfterID: first[1].ID, Limit: 2})
		if err != nil || len(rest) != 2 || rest[0].DestinationVariantID != "W3" || rest[0].DestinationAccountID != f.acc1 {
			t.Fatalf("second batch: %v %+v", err, rest)
		}
		only, err := f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, Limit: 1, LinkIDs: []int64{rest[0].ID}})
		if err != nil || len(only) != 1 || only[0].ID != rest[0].ID {
			t.Fatalf("by id: %v %+v", err, only)
		}

		if _, err := f.conns.Block(ctx, connection.GetParams{AccountID: f.srcAccount, ID: f.c1.ID}); err != nil {
			t.Fatal(err)
		}
		if got, err := f.links.ConnectionFanOut(ctx, db, catalog.ConnectionLinksParams{ConnectionID: f.c1.ID, Limit: 10}); err != nil || len(got) != 0 {
			t.Fatalf("a blocked connection's links: %v %d; want none", err, len(got))
		}

		told = nil
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := f.links.EndLinks(ctx, tx, catalog.EndLinksParams{ConnectionID: f.c2.ID, Reason: "test", At: time.Now()}); err != nil {
				return err
			}
			return f.links.RestoreLinks(ctx, tx, catalog.RestoreLinksParams{ConnectionID: f.c2.ID})
		})
		if err != nil || len(told) != 0 {
			t.Fatalf("restoring nothing: %v, told %+v", err, told)
		}
		f.save(t, f.c2, f.dst2, link("V1", "I1", "E1", "X1"))
		told = nil
		var ids []int64
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := f.links.EndLinks(ctx, tx, catalog.EndLinksParams{ConnectionID: f.c2.ID, Reason: "test", At: time.Now()}); err != nil {
				return err
			}
			ended, err := f.links.EndedLinks(ctx, tx, catalog.EndedLinksParams{ConnectionID: f.c2.ID, DestinationProductIDs: []string{"E1"}})
			if err != nil {
				return err
			}
			for _, l := range ended {
				ids = append(ids, l.ID)
			}
			return f.links.RestoreLinks(ctx, tx, catalog.RestoreLinksParams{ConnectionID: f.c2.ID, LinkIDs: ids})
		})
		if err != nil || len(ids) != 1 || len(told) != 1 || !slices.Equal(told[0].SourceInventoryItemIDs, []string{"I1"}) {
			t.Fatalf("restoring: %v ids %v, told %+v; want I1", err, ids, told)
		}
	})
}

func TestValidateSourceLocations(t *testing.T) {
	t.Parallel()
	s := catalog.Default()
	s.SourceLocationIDs = []string{"L1", "L2"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if !s.CountsLocation("L2") || s.CountsLocation("L3") || !catalog.Default().CountsLocation("L3") {
		t.Error("CountsLocation: want L2 counted, L3 not; every location when none is named")
	}
	for _, ids := range [][]string{{"L1", "L1"}, {" "}, make([]string, catalog.MaxSourceLocations+1)} {
		s.SourceLocationIDs = ids
		var ve *catalog.ValidationError
		if err := s.Validate(); !errors.As(err, &ve) || ve.Of("source_location_ids") == "" {
			t.Errorf("%q: %v; want an error naming source_location_ids", ids, err)
		}
	}
}
