package database_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestTimesRoundTripExactly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		loc := time.FixedZone("X", 5*3600+1800)
		in := time.Date(2026, 3, 4, 5, 6, 7, 891234567, loc)
		var id int64
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`, "t", in).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		var out time.Time
		var nullable *time.Time
		if err := db.QueryRow(ctx, `SELECT created_at, NULL FROM accounts WHERE id = $1`, id).Scan(&out, &nullable); err != nil {
			t.Fatal(err)
		}
		want := in.UTC().Truncate(time.Microsecond)
		if !out.Equal(want) || out.Location() != time.UTC || nullable != nil {
			t.Fatalf("got %v (%v), %v; want %v in UTC, nil", out, out.Location(), nullable, want)
		}
		// Range comparisons on times must order them as times, not as text.
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE created_at > $1 AND created_at < $2`,
			want.Add(-time.Microsecond), want.Add(time.Microsecond)).Scan(&n); err != nil || n != 1 {
			t.Fatalf("range count = %d, %v; want 1", n, err)
		}
	})
}

func TestNoRowsAndUniqueViolation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		var id int64
		err := db.QueryRow(ctx, `SELECT id FROM accounts WHERE name = $1`, "nobody").Scan(&id)
		if !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("got %v, want sql.ErrNoRows", err)
		}
		insert := func() error {
			return db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2)`, "dup", time.Now())
				return err
			})
		}
		if err := insert(); err != nil {
			t.Fatal(err)
		}
		if err := insert(); !database.IsUniqueViolation(err) {
			t.Fatalf("second insert: got %v, want a unique violation", err)
		}
	})
}

func TestTransactionRollsBackOnError(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2)`, "gone", time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("accounts = %d, %v; want 0 after rollback", n, err)
		}
	})
}

// A migration that fails half-way leaves the schema exactly as it was before it.
func TestFailedMigrationChangesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{
			"00001_one.sql": {Data: []byte("-- +goose Up\nCREATE TABLE mig_one (id INTEGER PRIMARY KEY);\n")},
			"00002_two.sql": {Data: []byte("-- +goose Up\nCREATE TABLE mig_two (id INTEGER PRIMARY KEY);\nINSERT INTO mig_two (id) VALUES (1);\nINSERT INTO no_such_table (id) VALUES (1);\n")},
		}
		res, err := database.MigrateFS(ctx, db, fsys, "goose_test_version")
		if err == nil {
			t.Fatal("migration with an error succeeded")
		}
		if !strings.Contains(err.Error(), "00002_two.sql") || !strings.Contains(err.Error(), "version 1") {
			t.Fatalf("error %q does not name the failed migration and the version kept", err)
		}
		if res.Version != 1 {
			t.Fatalf("version = %d, want 1", res.Version)
		}
		if _, err := db.Exec(ctx, `SELECT count(*) FROM mig_one`); err != nil {
			t.Fatalf("first migration lost: %v", err)
		}
		if _, err := db.Exec(ctx, `SELECT count(*) FROM mig_two`); err == nil {
			t.Fatal("table of the failed migration exists")
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		res, err := db.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) != 0 || len(res.RiverApplied) != 0 || res.Version < 1 {
			t.Fatalf("second migrate applied %v %v at version %d; want nothing new", res.Applied, res.RiverApplied, res.Version)
		}
	})
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, wantErr string
		dialect     database.Dialect
	}{
		{in: "sqlite:data/x.db", dialect: database.SQLite},
		{in: "sqlite:///tmp/x.db", dialect: database.SQLite},
		{in: "postgres://u:secret@localhost:5432/db", dialect: database.Postgres},
		{in: "", wantErr: "empty"},
		{in: "sqlite:", wantErr: "names no file"},
		{in: "mysql://u:secret@h/db", wantErr: "unknown kind"},
		{in: "postgres:///db", wantErr: "names no host"},
	} {
		u, err := database.ParseURL(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURL(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) error leaks the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil || u.Dialect != tc.dialect {
			t.Errorf("ParseURL(%q) = %v, %v; want %s", tc.in, u.Dialect, err, tc.dialect)
		}
	}
	if got := database.Redact("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("Redact left the password: %s", got)
	}
}

func TestOpenUnreachablePostgresSaysWhere(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := database.Open(ctx, database.Options{URL: "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if !strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %q should name the host and hide the password", err)
	}
}

// The WAL file SQLite keeps after a checkpoint is capped, on the writer and on the read pool, so
// the job queue's steady stream of small writes cannot grow it without bound.
func TestSQLiteJournalSizeIsLimited(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, database.SQLite)
	var limit int64
	if err := db.SQLiteWriter().QueryRowContext(context.Background(), "PRAGMA journal_size_limit").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit <= 0 || limit > 256<<20 {
		t.Fatalf("journal_size_limit on the writer = %d, want a positive cap of at most 256 MiB", limit)
	}
	if err := db.QueryRow(context.Background(), "PRAGMA journal_size_limit").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit <= 0 || limit > 256<<20 {
		t.Fatalf("journal_size_limit on the read pool = %d, want a positive cap of at most 256 MiB", limit)
	}
}

// RewriteColumn rewrites each row's value once, counts only the rows that changed, and leaves
// everything as it was when the rewrite fails (the caller's transaction rolls back).
func TestRewriteColumn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		for _, name := range []string{"a", "keep", "b"} {
			if _, err := db.Exec(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2)`, name, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		upper := func(v string) (string, bool, error) {
			if v == "keep" {
				return v, false, nil
			}
			return strings.ToUpper(v), true, nil
		}
		var n int
		err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			var err error
			n, err = database.RewriteColumn(ctx, tx, database.RewriteParams{Table: "accounts", Column: "name", Rewrite: upper})
			return err
		})
		if err != nil || n != 2 {
			t.Fatalf("rewrote %d rows, %v; want 2", n, err)
		}
		boom := errors.New("boom")
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			_, err := database.RewriteColumn(ctx, tx, database.RewriteParams{Table: "accounts", Column: "name",
				Rewrite: func(v string) (string, bool, error) {
					if v == "B" {
						return "", false, boom
					}
					return v + "!", true, nil
				}})
			return err
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing rewrite: %v", err)
		}
		rows, err := db.Query(ctx, `SELECT name FROM accounts ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if strings.Join(got, ",") != "A,keep,B" {
			t.Fatalf("names = %v, want A,keep,B", got)
		}
	})
}
