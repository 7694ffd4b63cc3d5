package account_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// Keys made before names were required get one from migration 00008: "key N" after their ID.
func TestMigrationNamesUnnamedKeys(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, d database.Dialect, u string) {
		ctx := context.Background()
		db, err := database.Open(ctx, database.Options{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		dir := filepath.Join("..", "database", "migrations", string(d))
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		before, all := fstest.MapFS{}, fstest.MapFS{}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			all[e.Name()] = &fstest.MapFile{Data: b}
			if e.Name() < "00008" {
				before[e.Name()] = &fstest.MapFile{Data: b}
			}
		}
		if _, err := database.MigrateFS(ctx, db, before, "storesync_schema_version"); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		var named, unnamed int64
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			var acc int64
			if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ('acme', $1) RETURNING id`, now).Scan(&acc); err != nil {
				return err
			}
			for i, name := range []string{"ci", "", "  "} {
				var id int64
				if err := tx.QueryRow(ctx, `INSERT INTO api_keys (account_id, name, prefix, key_hash, permission, created_at)
					VALUES ($1, $2, 'ssk_x', $3, 'read', $4) RETURNING id`, acc, name, strings.Repeat("h", i+1), now).Scan(&id); err != nil {
					return err
				}
				if i == 0 {
					named = id
				} else {
					unnamed = id
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := database.MigrateFS(ctx, db, all, "storesync_schema_version"); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, `SELECT id, name FROM api_keys ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[int64]string{}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			got[id] = name
		}
		if got[named] != "ci" || got[unnamed] != "key "+itoa(unnamed) || got[unnamed-1] != "key "+itoa(unnamed-1) {
			t.Errorf("names after migrating: %v", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
