package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
)

// backend hides River's transaction type parameter (*sql.Tx for SQLite, pgx.Tx for PostgreSQL)
// behind one interface, so Client has a single code path for both databases.
type backend interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	insert(ctx context.Context, rawTx any, args river.JobArgs, opts *river.InsertOpts) error
	insertMany(ctx context.Context, rawTx any, params []river.InsertManyParams) error
}

type riverBackend[TTx any] struct {
	c *river.Client[TTx]
}

func newBackend[TTx any](driver riverdriver.Driver[TTx], cfg *river.Config) (backend, error) {
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, err
	}
	return riverBackend[TTx]{c: c}, nil
}

func (b riverBackend[TTx]) start(ctx context.Context) error         { return b.c.Start(ctx) }
func (b riverBackend[TTx]) stop(ctx context.Context) error          { return b.c.Stop(ctx) }
func (b riverBackend[TTx]) stopAndCancel(ctx context.Context) error { return b.c.StopAndCancel(ctx) }

func (b riverBackend[TTx]) tx(rawTx any) (TTx, error) {
	tx, ok := rawTx.(TTx)
	if !ok {
		var zero TTx
		return zero, fmt.Errorf("transaction is a %T, the job client needs a %T: was it opened on another database?", rawTx, zero)
	}
	return tx, nil
}

func (b riverBackend[TTx]) insert(ctx context.Context, rawTx any, args river.JobArgs, opts *river.InsertOpts) error {
	tx, err := b.tx(rawTx)
	if err != nil {
		return err
	}
	_, err = b.c.InsertTx(ctx, tx, args, opts)
	return err
}

func (b riverBackend[TTx]) insertMany(ctx context.Context, rawTx any, params []river.InsertManyParams) error {
	tx, err := b.tx(rawTx)
	if err != nil {
		return err
	}
	_, err = b.c.InsertManyTx(ctx, tx, params)
	return err
}
