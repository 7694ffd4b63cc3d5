package database

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteDSN sets, in this order, the busy timeout (so that WAL can be switched on while another
// process holds the file), WAL, foreign keys and NORMAL sync (safe with WAL), immediate transactions
// (a transaction takes the write lock at BEGIN, so it never fails half-way with SQLITE_BUSY), and
// a time format that SQLite's own date functions read, and a 64 MiB cap on the WAL file kept after a
// checkpoint (journal_size_limit), so the job queue's steady writes cannot grow it without bound.
func sqliteDSN(path string, readOnly bool) string {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit(67108864)&_txlock=immediate&_time_format=sqlite"
	if readOnly {
		dsn += "&_pragma=query_only(1)"
	}
	return dsn
}

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("creating the directory of SQLite database %s: %w", path, err)
		}
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	// One writer: SQLite allows one write transaction at a time, so a pool of writers would only
	// trade waiting for SQLITE_BUSY errors.
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = max(4, runtime.NumCPU())
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)

	db := &DB{dialect: SQLite, logger: opts.Logger, path: path, write: write, read: read}
	if err := db.write.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	var mode string
	if err := db.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: reading its journal mode: %w", path, err)
	}
	if mode != "wal" {
		_ = db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: journal mode is %q, want wal", path, mode)
	}
	return db, nil
}

type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func sqlExec(ctx context.Context, c sqlConn, query string, args []any) (int64, error) {
	res, err := c.ExecContext(ctx, query, convertArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func sqlQuery(ctx context.Context, c sqlConn, query string, args []any) (Rows, error) {
	rows, err := c.QueryContext(ctx, query, convertArgs(args)...) //nolint:rowserrcheck // the caller iterates the returned Rows and checks its Err
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Scan(dest ...any) error {
	if err := r.Rows.Scan(dest...); err != nil {
		return err
	}
	fixScanned(dest)
	return nil
}

func (r sqlRows) Close() { _ = r.Rows.Close() }

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	if err := r.Row.Scan(dest...); err != nil {
		return err
	}
	fixScanned(dest)
	return nil
}

type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Dialect() Dialect { return SQLite }
func (t sqlTx) Raw() any         { return t.tx }

func (t sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return sqlExec(ctx, t.tx, query, args)
}

func (t sqlTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return sqlQuery(ctx, t.tx, query, args)
}

func (t sqlTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return sqlRow{t.tx.QueryRowContext(ctx, query, convertArgs(args)...)}
}
