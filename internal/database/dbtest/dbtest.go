// Package dbtest gives tests a fresh, migrated database of each kind, so that one test suite runs on
// SQLite always and on PostgreSQL when STORESYNC_TEST_POSTGRES holds a URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/storesync/storesync/internal/database"
)

// PostgresEnv names the variable that holds the PostgreSQL URL tests use.
const PostgresEnv = "STORESYNC_TEST_POSTGRES"

// Each runs fn once per available database, as subtests named "sqlite" and "postgres". Without
// STORESYNC_TEST_POSTGRES the PostgreSQL subtest is skipped, and says so.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range []database.Dialect{database.SQLite, database.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, New(t, d))
		})
	}
}

// EachURL is Each for tests that open the database themselves (for example in a child process):
// fn gets the URL of a fresh, migrated database.
func EachURL(t *testing.T, fn func(t *testing.T, dialect database.Dialect, url string)) {
	t.Helper()
	for _, d := range []database.Dialect{database.SQLite, database.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			u := NewURL(t, d)
			fn(t, d, u)
		})
	}
}

// New opens a fresh, migrated database of the given kind for t, closed when t ends.
func New(t testing.TB, d database.Dialect) *database.DB {
	t.Helper()
	return Open(t, NewURL(t, d))
}

// Open opens and migrates the database at u, closed when t ends.
func Open(t testing.TB, u string) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{URL: u})
	if err != nil {
		t.Fatalf("opening test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrating test database: %v", err)
	}
	return db
}

// NewURL makes an empty database of the given kind and returns its URL: a file in t's temporary
// directory for SQLite, a new schema (dropped when t ends) for PostgreSQL.
func NewURL(t testing.TB, d database.Dialect) string {
	t.Helper()
	if d == database.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "storesync.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a PostgreSQL URL to run them", PostgresEnv)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", PostgresEnv, err)
	}
	defer func() { _ = conn.Close(ctx) }() // only a setup connection: its close cannot fail the test
	schema := "test_" + strings.ToLower(rand.Text()[:16])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
			return
		}
		defer func() { _ = c.Close(ctx) }() // the drop has run, or been reported, by then
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s is not a URL: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Dialects lists the kinds Each runs, for table-driven tests and benchmarks.
func Dialects() []database.Dialect {
	return []database.Dialect{database.SQLite, database.Postgres}
}

// Name returns a name unique within the test run, for rows whose names must not collide.
func Name(prefix string) string {
	return fmt.Sprintf("%s-%s", prefix, strings.ToLower(rand.Text()[:10]))
}
