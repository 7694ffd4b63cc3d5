package app_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
)

// migrationsUpTo returns the dialect's migrations numbered at most last, as files on disk.
func migrationsUpTo(t *testing.T, d database.Dialect, last string) fs.FS {
	t.Helper()
	dir := filepath.Join("..", "database", "migrations", string(d))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, e := range entries {
		if e.Name()[:5] <= last {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	return m
}

// A store kept before stores were platform-neutral (Shopify columns, credentials in plain text)
// comes through migration 00006 and the first start: its credentials are in the blob, sealed,
// still right, and the webhooks it had sent are all still there.
func TestStoresMigrateToSealedCredentials(t *testing.T) {
	t.Parallel()
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			u := dbtest.NewURL(t, d)
			db, err := database.Open(ctx, database.Options{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := database.MigrateFS(ctx, db, migrationsUpTo(t, d, "00004"), "storesync_schema_version"); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			var accountID, storeID int64
			err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ('old', $1) RETURNING id`, now).Scan(&accountID); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, shop_domain, base_url, store_key, access_token, api_secret, created_at, updated_at)
					VALUES ($1, 'Old', 'shopify', 'old.myshopify.com', 'https://old.myshopify.com', 'store_old', 'shpat_plain_old', 'shpss_plain_old', $2, $2) RETURNING id`,
					accountID, now).Scan(&storeID); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id, body, received_at)
					VALUES ($1, $2, 'order.updated', 'orders/updated', 'e1', '{}', $3)`, accountID, storeID, now)
				return err
			})
			_ = db.Close()
			if err != nil {
				t.Fatal(err)
			}
			cfg := config.Config{DataDir: t.TempDir(), DB: u, LogLevel: "info", LogFormat: "json", SecretKey: secret.NewKeyText()}
			a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := a.Close(); err != nil {
					t.Error(err)
				}
			}()
			var raw string
			var hooks int
			if err := a.DB.QueryRow(ctx, `SELECT credentials FROM stores WHERE id = $1`, storeID).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM inbound_webhooks WHERE store_id = $1`, storeID).Scan(&hooks); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(raw, "ss1:") || strings.Contains(raw, "plain_old") || hooks != 1 {
				t.Errorf("after migration: credentials %q, %d webhooks", raw, hooks)
			}
			if d == database.SQLite {
				files, _ := filepath.Glob(strings.TrimPrefix(u, "sqlite:") + "*")
				for _, f := range files {
					if b, _ := os.ReadFile(f); bytes.Contains(b, []byte("plain_old")) {
						t.Errorf("%s still holds the plain-text credentials", filepath.Base(f))
					}
				}
			}
			st, err := a.Stores.Get(ctx, store.GetParams{AccountID: accountID, ID: storeID})
			if err != nil {
				t.Fatal(err)
			}
			c, err := shopify.ParseCredentials(st.Credentials)
			if err != nil || c.AccessToken != "shpat_plain_old" || c.APISecret != "shpss_plain_old" || st.Address != "old.myshopify.com" {
				t.Errorf("migrated store %+v %+v %v", st, c, err)
			}
		})
	}
}
