package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/store"
)

func TestSaveKeepsTheKeyAndScopesByAccount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		var a, b int64
		for name, id := range map[string]*int64{"a": &a, "b": &b} {
			if err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, CURRENT_TIMESTAMP) RETURNING id`, name).Scan(id)
			}); err != nil {
				t.Fatal(err)
			}
		}
		svc := store.NewService(db, nil, nil)
		p := store.SaveParams{AccountID: a, Name: "Acme", Platform: store.PlatformShopify, ShopDomain: "Acme.myshopify.com", AccessToken: "t1"}
		first, err := svc.Save(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if first.BaseURL != "https://acme.myshopify.com" || !strings.HasPrefix(first.Key, "store_") {
			t.Errorf("saved %+v", first)
		}
		p.AccessToken, p.Name = "t2", "Acme Co"
		second, err := svc.Save(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID || second.Key != first.Key {
			t.Errorf("saving again made a new store: %d/%s vs %d/%s", second.ID, second.Key, first.ID, first.Key)
		}
		got, err := svc.Get(ctx, a, first.ID)
		if err != nil || got.AccessToken != "t2" || got.Name != "Acme Co" {
			t.Errorf("after update: %+v %v", got, err)
		}
		if _, err := svc.Get(ctx, b, first.ID); !errors.Is(err, database.ErrNotFound) {
			t.Errorf("account b read account a's store: %v", err)
		}
		if l, _ := svc.List(ctx, b); len(l) != 0 {
			t.Errorf("account b lists %d stores", len(l))
		}
		_, err = svc.Save(ctx, store.SaveParams{AccountID: a, Platform: "magento", ShopDomain: "x", BaseURL: "ftp://x"})
		for _, want := range []string{"name", "platform", "shop_domain", "base_url", "access_token"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bad store: error %v does not name %s", err, want)
			}
		}
		if l, _ := svc.List(ctx, a); len(l) != 1 {
			t.Errorf("bad input changed the stores: %d", len(l))
		}
	})
}
