// Package connectiontest makes stores for tests of connections, without a platform to verify
// their credentials: rows as internal/store keeps them, with sealed empty credentials, so that
// store.Service reads them like any other.
package connectiontest

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/store"
)

// Store adds a store named name to the account and returns it as stores reads it. stores must
// seal with sealer.
func Store(t testing.TB, db *database.DB, stores *store.Service, sealer store.Sealer, accountID int64, name string) store.Store {
	t.Helper()
	ctx := context.Background()
	creds, err := sealer.Seal([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var id int64
	err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, address, base_url, store_key, credentials, created_at, updated_at)
			VALUES ($1, $2, 'shopify', $3, $4, $5, $6, $7, $7) RETURNING id`,
			accountID, name, name+".myshopify.com", "https://"+name+".myshopify.com", "store_"+strings.ToLower(rand.Text()[:20]), creds, now).Scan(&id)
	})
	if err != nil {
		t.Fatalf("adding store %s: %v", name, err)
	}
	st, err := stores.Get(ctx, store.GetParams{AccountID: accountID, ID: id})
	if err != nil {
		t.Fatalf("reading store %s: %v", name, err)
	}
	return st
}
