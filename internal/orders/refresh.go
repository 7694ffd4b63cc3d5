package orders

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// RefreshArgs reads one destination order from its store and keeps what the store says now.
// Apply enqueues it when a delivery has the same stamp as the kept copy but other contents (the
// platforms stamp to the second and deliver out of order). Not unique: one enqueued while
// another runs must still run, and reading twice changes nothing.
type RefreshArgs struct {
	StoreID int64  `json:"store_id"`
	OrderID string `json:"order_id"` // the platform's id
}

// Kind implements river.JobArgs.
func (RefreshArgs) Kind() string { return "orders_refresh" }

// It is available at once (no schedule to wait for): a delivery of the same second still on its
// way that arrives after it enqueues the next one. Other domains that changed an order on its
// store (the fulfilment back) insert it too, so the hub's copy follows at once whatever webhooks
// are lost.

func (s *Service) enqueueRefresh(ctx context.Context, tx database.Tx, st store.Store, orderID string) error {
	if err := s.jobs.Insert(ctx, tx, RefreshArgs{StoreID: st.ID, OrderID: orderID}, nil); err != nil {
		return fmt.Errorf("enqueuing a refresh of order %s of %s: %w", orderID, st.Name, err)
	}
	return nil
}

type refreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	s *Service
}

// Work reads the order and applies it in one transaction with the job's completion, as the poll
// would (the other domains told first through OnPolled).
func (w *refreshWorker) Work(ctx context.Context, job *river.Job[RefreshArgs]) error {
	st, client, err := w.s.storeClient(ctx, job.Args.StoreID)
	if errors.Is(err, database.ErrNotFound) {
		return nil // the store is gone
	}
	if err != nil {
		return err
	}
	o, err := client.Order(ctx, job.Args.OrderID)
	if perr, ok := errors.AsType[*platform.Error](err); ok {
		if perr.Kind == platform.KindNotFound {
			return nil // deleted meanwhile: the hub keeps its copy (history)
		}
		if perr.Retryable {
			return river.JobSnooze(max(perr.RetryAfter, PollRetry))
		}
		w.s.cfg.Logger.WarnContext(ctx, "order refresh failed", "store_id", st.ID, "order_id", job.Args.OrderID, "error", err)
		return nil // a person must fix the store; the poll reads the order again
	}
	if err != nil {
		return fmt.Errorf("reading order %s of %s again: %w", job.Args.OrderID, st.Name, err)
	}
	return w.s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if w.s.cfg.OnPolled != nil {
			if err := w.s.cfg.OnPolled(ctx, tx, st, o); err != nil {
				return err
			}
		}
		if _, err := w.s.apply(ctx, tx, st, o, true); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// storeClient reads a store by id (any account: the jobs are the hub's) and opens its client.
func (s *Service) storeClient(ctx context.Context, storeID int64) (store.Store, platform.Store, error) {
	var accountID int64
	if err := s.db.QueryRow(ctx, `SELECT account_id FROM stores WHERE id = $1`, storeID).Scan(&accountID); err != nil {
		if errors.Is(err, database.ErrNoRows) {
			return store.Store{}, nil, fmt.Errorf("store %d: %w", storeID, database.ErrNotFound)
		}
		return store.Store{}, nil, err
	}
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: storeID})
	if err != nil {
		return store.Store{}, nil, err
	}
	client, err := s.stores.Client(st)
	if err != nil {
		return store.Store{}, nil, err
	}
	return st, client, nil
}
