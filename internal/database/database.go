// Package database opens storesync's one database — embedded SQLite by default or PostgreSQL by URL —
// and gives the domain packages a single way to query it, so that one set of SQL runs on both.
//
// Queries use PostgreSQL-style positional parameters ($1, $2, ...), which SQLite understands too.
// Times are stored in UTC with microsecond precision on both databases, so values round-trip exactly.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dialect names the database kind behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned (wrapped) by storage methods when the row asked for does not exist in the
// caller's account. Callers test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// Querier runs SQL. Both *DB and Tx are Queriers, so storage functions can run inside or outside a
// transaction.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query that returns rows. The caller must Close them.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row. Scan reports
	// ErrNoRows (which also matches sql.ErrNoRows) when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a database transaction. Raw returns the driver's own transaction (pgx.Tx or *sql.Tx), which
// the job queue needs to enqueue jobs in the same transaction.
type Tx interface {
	Querier
	Dialect() Dialect
	Raw() any
}

// ErrNoRows is what Row.Scan returns when no row matched. It is sql.ErrNoRows on both databases.
var ErrNoRows = sql.ErrNoRows

// DB is an open database. For SQLite it holds one writer connection (shared with the job queue,
// because SQLite allows one writer at a time) and a pool of read-only connections; for PostgreSQL a
// pgx pool.
type DB struct {
	dialect Dialect
	logger  *slog.Logger

	// SQLite
	path  string
	write *sql.DB
	read  *sql.DB

	// PostgreSQL
	pool *pgxpool.Pool
}

// Options configure Open.
type Options struct {
	// URL is "sqlite:PATH" or "postgres://..." (also "postgresql://...").
	URL string
	// MaxConns bounds the PostgreSQL pool and the SQLite read pool. Zero means a sensible default.
	MaxConns int
	Logger   *slog.Logger
}

// Open connects to the database named by opts.URL and checks that it answers. It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u, err := ParseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	switch u.Dialect {
	case SQLite:
		return openSQLite(ctx, u.Path, opts)
	default:
		return openPostgres(ctx, u.Raw, opts)
	}
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// PgxPool returns the PostgreSQL pool, or nil on SQLite.
func (db *DB) PgxPool() *pgxpool.Pool { return db.pool }

// SQLiteWriter returns the single SQLite writer connection, or nil on PostgreSQL. The job queue
// shares it so that all writes of one process go through one connection.
func (db *DB) SQLiteWriter() *sql.DB { return db.write }

// Close closes every connection.
func (db *DB) Close() error {
	if db.pool != nil {
		db.pool.Close()
		return nil
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.pool != nil {
		return db.pool.Ping(ctx)
	}
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Exec runs a statement outside a transaction (on SQLite, on the writer connection).
func (db *DB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if db.pool != nil {
		return pgxExec(ctx, db.pool, query, args)
	}
	return sqlExec(ctx, db.write, query, args)
}

// Query runs a read-only query (on SQLite, on the read pool). Statements that write, including
// INSERT ... RETURNING, belong in InTx.
func (db *DB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if db.pool != nil {
		return pgxQuery(ctx, db.pool, query, args)
	}
	return sqlQuery(ctx, db.read, query, args)
}

// QueryRow runs a read-only query returning at most one row (on SQLite, on the read pool).
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) Row {
	if db.pool != nil {
		return pgxRow{db.pool.QueryRow(ctx, query, convertArgs(args)...)}
	}
	return sqlRow{db.read.QueryRowContext(ctx, query, convertArgs(args)...)}
}

// InTx runs fn in a transaction, committing if fn returns nil and rolling back otherwise. A
// transaction that fails only because the database was momentarily busy (SQLite) or because of a
// serialization failure or deadlock (PostgreSQL) is retried a few times, so fn must not have
// effects outside the database: effects on the outside world go through jobs enqueued in tx.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	const attempts = 4
	var err error
	for i := range attempts {
		err = db.inTxOnce(ctx, fn)
		if err == nil || !db.retryable(err) || ctx.Err() != nil {
			return err
		}
		db.logger.DebugContext(ctx, "retrying transaction", "attempt", i+1, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(10*(i+1)*(i+1)) * time.Millisecond):
		}
	}
	return err
}

func (db *DB) inTxOnce(ctx context.Context, fn func(ctx context.Context, tx Tx) error) (err error) {
	if db.pool != nil {
		ptx, berr := db.pool.BeginTx(ctx, pgx.TxOptions{})
		if berr != nil {
			return fmt.Errorf("beginning transaction: %w", berr)
		}
		defer func() {
			if err != nil {
				_ = ptx.Rollback(context.WithoutCancel(ctx))
			}
		}()
		if err := fn(ctx, pgxTx{ptx}); err != nil {
			return err
		}
		if err := ptx.Commit(ctx); err != nil {
			return fmt.Errorf("committing transaction: %w", err)
		}
		return nil
	}
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err := fn(ctx, sqlTx{stx}); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// Int64s reads a query's one int64 column, all rows, and closes them; pass the query's results
// straight in: ids, err := database.Int64s(q.Query(ctx, `SELECT id …`)).
func Int64s(rows Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
