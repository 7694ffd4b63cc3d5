package orders_test

import (
	"context"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/orders"
)

// TestLinkedLaterDecidesAgain: an order whose only line for source B was not linked when it
// arrived becomes eligible for B once the line's variant is linked; an order already pushed is
// not decided again.
func TestLinkedLaterDecidesAgain(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		links := catalog.NewLinkStore(db)
		links.OnLinked(func(ctx context.Context, tx database.Tx, l catalog.Linked) error {
			return f.svc.OnLinked(ctx, tx, l.ConnectionID, l.DestinationVariantIDs)
		})
		o := order("700", time.Now()) // dv-a (source A) and dv-own (no source yet)
		f.apply(t, o)
		kept := f.only(t)
		if p := push(t, kept, f.srcB); p.Eligible || len(p.Reasons) == 0 {
			t.Fatalf("before the link: push to B %+v; want not eligible", p)
		}
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: f.cB.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: f.srcB.ID, SourceProductID: "sp-own", SourceVariantID: "sv-own", SourceInventoryItemID: "si-own",
				DestinationStoreID: f.dst.ID, DestinationProductID: "dp-own", DestinationVariantID: "dv-own", DestinationInventoryItemID: "di-own"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		kept = f.only(t)
		if p := push(t, kept, f.srcB); !p.Eligible || p.Status != orders.PushNotPushed {
			t.Fatalf("after the link: push to B %+v; want eligible, not pushed", p)
		}
		if p := push(t, kept, f.srcA); !p.Eligible {
			t.Fatalf("after the link: push to A %+v; want still eligible", p)
		}
		var events int
		for _, e := range kept.Timeline {
			if e.Kind == orders.EventEligible && e.SourceStoreID == f.srcB.ID {
				events++
			}
		}
		if events != 1 {
			t.Fatalf("timeline %v: %d eligible-for-B entries; want 1", kinds(kept), events)
		}
		// linking the same variant again (an import run again) decides nothing more
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return f.svc.OnLinked(ctx, tx, f.cB.ID, []string{"dv-own", "dv-none"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if again := f.only(t); len(again.Timeline) != len(kept.Timeline) {
			t.Fatalf("deciding again with nothing changed added %v", kinds(again)[len(kept.Timeline):])
		}
	})
}
