package database

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultPostgresConns bounds the pool when neither Options nor the URL (pool_max_conns) say.
const defaultPostgresConns = 25

func openPostgres(ctx context.Context, raw string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", Redact(raw), redactErr(err, raw))
	}
	switch {
	case opts.MaxConns > math.MaxInt32:
		cfg.MaxConns = math.MaxInt32
	case opts.MaxConns > 0:
		cfg.MaxConns = int32(opts.MaxConns)
	case !strings.Contains(raw, "pool_max_conns"):
		// pgx's default (max(4, CPUs)) starves a job queue of many workers, which also keeps one
		// connection for notifications.
		cfg.MaxConns = defaultPostgresConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", Redact(raw), redactErr(err, raw))
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", Redact(raw), redactErr(err, raw))
	}
	return &DB{dialect: Postgres, logger: opts.Logger, pool: pool}, nil
}

type pgxConn interface {
	Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func pgxExec(ctx context.Context, c pgxConn, query string, args []any) (int64, error) {
	tag, err := c.Exec(ctx, query, convertArgs(args)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func pgxQuery(ctx context.Context, c pgxConn, query string, args []any) (Rows, error) {
	rows, err := c.Query(ctx, query, convertArgs(args)...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Scan(dest ...any) error {
	if err := r.Rows.Scan(dest...); err != nil {
		return err
	}
	fixScanned(dest)
	return nil
}

type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	if err := r.Row.Scan(dest...); err != nil {
		return err
	}
	fixScanned(dest)
	return nil
}

type pgxTx struct{ tx pgx.Tx }

func (t pgxTx) Dialect() Dialect { return Postgres }
func (t pgxTx) Raw() any         { return t.tx }

func (t pgxTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return pgxExec(ctx, t.tx, query, args)
}

func (t pgxTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	return pgxQuery(ctx, t.tx, query, args)
}

func (t pgxTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return pgxRow{t.tx.QueryRow(ctx, query, convertArgs(args)...)}
}
