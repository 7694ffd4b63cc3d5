package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// Ended links are history: no reader takes them for links (fan-out, links of a product, the
// sync's record, the linked count), the list keeps them with when and why; restoring makes them
// links again; a new link of an ended link's destination variant replaces it, and saving the same
// source variant again makes its ended link a link again.
func TestEndedLinksAreHistory(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newLinkFixture(t, db)
		f.save(t, f.c1, f.dst1, link("V1", "I1", "D1", "DV1"), link("V2", "I2", "D1", "DV2"))
		tx := func(fn func(ctx context.Context, tx database.Tx) error) {
			t.Helper()
			if err := db.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		tx(func(ctx context.Context, tx database.Tx) error {
			return f.links.EndLinks(ctx, tx, catalog.EndLinksParams{ConnectionID: f.c1.ID, Reason: "disconnected", At: time.Now()})
		})
		fan, err := f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1", "I2"}})
		if err != nil || len(fan) != 0 {
			t.Fatalf("fan-out of ended links: %d, %v", len(fan), err)
		}
		of, err := f.links.LinksOfProducts(ctx, db, catalog.LinksOfProductsParams{ConnectionID: f.c1.ID, Side: "destination", ProductIDs: []string{"D1"}})
		if err != nil || len(of) != 0 {
			t.Fatalf("links of an ended product: %d, %v", len(of), err)
		}
		all, _, err := f.links.ListLinks(ctx, catalog.ListLinksParams{ConnectionID: f.c1.ID, Limit: 10})
		if err != nil || len(all) != 2 || all[0].EndedAt == nil || all[0].EndedReason != "disconnected" {
			t.Fatalf("history: %+v, %v", all, err)
		}
		var recErr error
		_ = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			recErr = f.links.RecordSynced(ctx, tx, catalog.RecordSyncedParams{LinkID: all[0].ID, SourceQuantity: 1, DestinationQuantity: 1, At: time.Now()})
			return nil
		})
		if !errors.Is(recErr, database.ErrNotFound) {
			t.Fatalf("recording a sync of an ended link: %v; want not found", recErr)
		}
		if c, _ := f.conns.Get(ctx, connection.GetParams{AccountID: f.acc1, ID: f.c1.ID}); c.LinkedProducts != 0 {
			t.Fatalf("linked products with every link ended: %d", c.LinkedProducts)
		}

		// restore one; the other's destination variant is linked anew to another source variant
		tx(func(ctx context.Context, tx database.Tx) error {
			return f.links.RestoreLinks(ctx, tx, catalog.RestoreLinksParams{ConnectionID: f.c1.ID, LinkIDs: []int64{all[0].ID}})
		})
		f.save(t, f.c1, f.dst1, link("V9", "I9", "D1", "DV2"))
		all, _, err = f.links.ListLinks(ctx, catalog.ListLinksParams{ConnectionID: f.c1.ID, Limit: 10})
		if err != nil || len(all) != 2 || all[0].SourceVariantID != "V1" || all[0].EndedAt != nil || all[1].SourceVariantID != "V9" || all[1].EndedAt != nil {
			t.Fatalf("after restore and a new link: %+v, %v", all, err)
		}
		// end again, then save V1 again: its ended link is a link again, no duplicate
		tx(func(ctx context.Context, tx database.Tx) error {
			return f.links.EndLinks(ctx, tx, catalog.EndLinksParams{ConnectionID: f.c1.ID, Reason: "disconnected", At: time.Now()})
		})
		f.save(t, f.c1, f.dst1, link("V1", "I1", "D1", "DV1"))
		fan, err = f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1", "I9"}})
		if err != nil || len(fan) != 1 || fan[0].SourceVariantID != "V1" {
			t.Fatalf("fan-out after saving V1 again: %+v, %v", fan, err)
		}
	})
}
