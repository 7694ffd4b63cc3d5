package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
)

// linkFixture is a source store followed by two destinations in two other accounts.
type linkFixture struct {
	db         *database.DB
	conns      *connection.Service
	links      *catalog.LinkStore
	src        store.Store
	dst1, dst2 store.Store
	c1, c2     connection.Connection
	acc1, acc2 int64
	srcAccount int64
}

func newLinkFixture(t *testing.T, db *database.DB) linkFixture {
	t.Helper()
	ctx := context.Background()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(k)
	stores := store.NewService(db, nil, box, nil)
	accounts := account.NewService(db, nil)
	mk := func(name string) int64 {
		a, err := accounts.CreateAccount(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	f := linkFixture{db: db, links: catalog.NewLinkStore(db), conns: connection.NewService(db, stores, nil, nil)}
	f.srcAccount, f.acc1, f.acc2 = mk("supplier"), mk("reseller-one"), mk("reseller-two")
	f.src = connectiontest.Store(t, db, stores, box, f.srcAccount, "supplier")
	f.dst1 = connectiontest.Store(t, db, stores, box, f.acc1, "one")
	f.dst2 = connectiontest.Store(t, db, stores, box, f.acc2, "two")
	connect := func(acc int64, d store.Store) connection.Connection {
		c, err := f.conns.Connect(ctx, connection.ConnectParams{AccountID: acc, DestinationStoreID: d.ID, SourceStoreKey: f.src.Key})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.c1, f.c2 = connect(f.acc1, f.dst1), connect(f.acc2, f.dst2)
	return f
}

func (f linkFixture) save(t *testing.T, c connection.Connection, dst store.Store, links ...catalog.LinkInput) {
	t.Helper()
	for i := range links {
		links[i].SourceStoreID, links[i].DestinationStoreID = f.src.ID, dst.ID
	}
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return f.links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// link is a variant of the source product P1 linked to a destination variant.
func link(sv, si, dp, dv string) catalog.LinkInput {
	return catalog.LinkInput{SourceProductID: "P1", SourceVariantID: sv, SourceInventoryItemID: si,
		DestinationProductID: dp, DestinationVariantID: dv, DestinationInventoryItemID: "i" + dv, Identifier: "SKU-" + sv}
}

func TestLinksFanOutOnlyToConnectedConnections(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newLinkFixture(t, db)
		f.save(t, f.c1, f.dst1, link("V1", "I1", "D1", "W1"), link("V2", "I2", "D1", "W2"))
		f.save(t, f.c2, f.dst2, link("V1", "I1", "E1", "X1"))
		// Saving the same source variant again updates its link: no second row.
		f.save(t, f.c1, f.dst1, link("V1", "I1", "D1", "W1"))

		got, err := f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].DestinationVariantID != "W1" || got[1].DestinationVariantID != "X1" {
			t.Fatalf("links of I1 = %+v; want W1 (connection one) and X1 (connection two)", got)
		}
		c, err := f.conns.Get(ctx, connection.GetParams{AccountID: f.acc1, ID: f.c1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c.LinkedProducts != 1 {
			t.Errorf("linked_products = %d; want 1 (one destination product with two variants)", c.LinkedProducts)
		}

		if _, err := f.conns.Block(ctx, connection.GetParams{AccountID: f.srcAccount, ID: f.c2.ID}); err != nil {
			t.Fatal(err)
		}
		got, err = f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1", "I2", "nope"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ConnectionID != f.c1.ID || got[1].ConnectionID != f.c1.ID {
			t.Fatalf("after blocking connection two, links = %+v; want only connection one's two", got)
		}

		at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return f.links.RecordSynced(ctx, tx, catalog.RecordSyncedParams{LinkID: got[0].ID, SourceQuantity: 12, DestinationQuantity: 10, At: at})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1"}})
		if err != nil {
			t.Fatal(err)
		}
		l := got[0]
		if l.SourceQuantity == nil || *l.SourceQuantity != 12 || l.DestinationQuantity == nil || *l.DestinationQuantity != 10 || l.SyncedAt == nil || !l.SyncedAt.Equal(at) {
			t.Fatalf("after RecordSynced, link = %+v; want 12 read, 10 written at %v", l, at)
		}
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return f.links.RecordSynced(ctx, tx, catalog.RecordSyncedParams{LinkID: 999999, At: at})
		})
		if err == nil {
			t.Fatal("RecordSynced of an unknown link succeeded")
		}

		// Many at once, over more than one statement; an unknown link is left out, not an error.
		later := at.Add(time.Hour)
		many := []catalog.LinkSynced{{LinkID: 999999, SourceQuantity: 1, DestinationQuantity: 1}}
		for range 600 {
			many = append(many, catalog.LinkSynced{LinkID: 999998, SourceQuantity: 2, DestinationQuantity: 2})
		}
		many = append(many, catalog.LinkSynced{LinkID: l.ID, SourceQuantity: 30, DestinationQuantity: 28})
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return f.links.RecordSyncedMany(ctx, tx, catalog.RecordSyncedManyParams{Links: many, At: later})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = f.links.LinksForSourceItems(ctx, catalog.SourceItemsParams{SourceStoreID: f.src.ID, InventoryItemIDs: []string{"I1"}})
		if err != nil {
			t.Fatal(err)
		}
		if l := got[0]; *l.SourceQuantity != 30 || *l.DestinationQuantity != 28 || !l.SyncedAt.Equal(later) {
			t.Fatalf("after RecordSyncedMany, link = %+v; want 30 read, 28 written at %v", l, later)
		}
	})
}
