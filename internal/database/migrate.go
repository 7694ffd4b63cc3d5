package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations
var migrations embed.FS

// migrationLockID is the PostgreSQL advisory lock that serialises migrations of several processes.
const migrationLockID = 7_171_550_001

// MigrationResult says what Migrate did.
type MigrationResult struct {
	// Applied lists the storesync migrations applied by this call.
	Applied []string
	// Version is the storesync schema version after the call.
	Version int64
	// RiverApplied lists the job queue's migrations applied by this call.
	RiverApplied []int
}

// Migrate brings the schema up to date: storesync's own migrations, each in its own transaction,
// then the job queue's. Safe to run concurrently from several processes and on every start.
func (db *DB) Migrate(ctx context.Context) (MigrationResult, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return MigrationResult{}, err
	}
	return db.migrate(ctx, sub)
}

func (db *DB) migrate(ctx context.Context, fsys fs.FS) (res MigrationResult, err error) {
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, unlock()) }()
	if res, err = db.migrateGoose(ctx, fsys, "storesync_schema_version"); err != nil {
		return res, err
	}
	res.RiverApplied, err = db.migrateRiver(ctx)
	return res, err
}

// lockMigrations serialises migrations of several processes on PostgreSQL. SQLite needs no lock:
// each migration takes the database's write lock.
func (db *DB) lockMigrations(ctx context.Context) (func() error, error) {
	if db.pool == nil {
		return func() error { return nil }, nil
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		conn.Release()
		return nil, fmt.Errorf("migrating: taking the migration lock: %w", err)
	}
	return func() error {
		defer conn.Release()
		_, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
		return err
	}, nil
}

// sqlDB returns a database/sql handle for migration tools, and a function that releases it.
func (db *DB) sqlDB() (*sql.DB, func()) {
	if db.pool == nil {
		return db.write, func() {}
	}
	s := stdlib.OpenDBFromPool(db.pool)
	return s, func() { _ = s.Close() }
}

func (db *DB) migrateGoose(ctx context.Context, fsys fs.FS, table string) (res MigrationResult, err error) {
	sqlDB, release := db.sqlDB()
	defer release()
	dialect := goose.DialectSQLite3
	if db.pool != nil {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, goose.WithDisableGlobalRegistry(true), goose.WithTableName(table))
	if err != nil {
		return res, fmt.Errorf("migrating: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil && !r.Empty {
			res.Applied = append(res.Applied, r.Source.Path)
		}
	}
	res.Version, _ = p.GetDBVersion(ctx)
	if err != nil {
		var perr *goose.PartialError
		if errors.As(err, &perr) && perr.Failed != nil {
			return res, fmt.Errorf("migration %s failed and was rolled back; the schema stays at version %d: %w",
				perr.Failed.Source.Path, res.Version, perr.Failed.Error)
		}
		return res, fmt.Errorf("migrating: %w", err)
	}
	return res, nil
}

func (db *DB) migrateRiver(ctx context.Context) ([]int, error) {
	var (
		r   *rivermigrate.MigrateResult
		err error
	)
	if db.pool != nil {
		m, merr := rivermigrate.New(riverpgxv5.New(db.pool), nil)
		if merr != nil {
			return nil, fmt.Errorf("migrating the job queue: %w", merr)
		}
		r, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	} else {
		m, merr := rivermigrate.New(riversqlite.New(db.write), nil)
		if merr != nil {
			return nil, fmt.Errorf("migrating the job queue: %w", merr)
		}
		r, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("migrating the job queue: %w", err)
	}
	var applied []int
	for _, v := range r.Versions {
		applied = append(applied, v.Version)
	}
	return applied, nil
}

// MigrateFS applies the goose migrations in fsys, recording versions in table. It exists for tests
// of the migration machinery; the application uses Migrate.
func MigrateFS(ctx context.Context, db *DB, fsys fs.FS, table string) (MigrationResult, error) {
	return db.migrateGoose(ctx, fsys, table)
}
