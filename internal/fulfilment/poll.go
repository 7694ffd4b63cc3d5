package fulfilment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// PollInterval is how often the pushed source orders not yet fully fulfilled are reconciled.
const PollInterval = 5 * time.Minute

// PollRetry is how long a poll waits when the platform answered with a retryable error.
const PollRetry = 30 * time.Second

// PollTickArgs enqueues one poll per source store with pushed orders to read.
type PollTickArgs struct{}

// Kind implements river.JobArgs.
func (PollTickArgs) Kind() string { return "fulfilment_poll_tick" }

// PeriodicPoll is the periodic job of the fulfilment reconciliation: every PollInterval, and once
// at start.
func PeriodicPoll() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PollInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PollTickArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

var waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// PollArgs reads the fulfilments of one source store's pushed orders.
type PollArgs struct {
	SourceStoreID int64 `json:"source_store_id"`
}

// Kind implements river.JobArgs.
func (PollArgs) Kind() string { return "fulfilment_poll" }

// InsertOpts: one poll of a store waiting or running at a time.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}}
}

// ReadArgs reads the fulfilments of one pushed source order now (its update said it shipped).
type ReadArgs struct {
	SourceStoreID int64  `json:"source_store_id"`
	SourceOrderID string `json:"source_order_id"`
}

// Kind implements river.JobArgs.
func (ReadArgs) Kind() string { return "fulfilment_read" }

// InsertOpts: one read of an order waiting or running at a time.
func (ReadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}}
}

type pollTickWorker struct {
	river.WorkerDefaults[PollTickArgs]
	s *Service
}

func (w *pollTickWorker) Work(ctx context.Context, job *river.Job[PollTickArgs]) error {
	return w.s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := w.s.EnqueuePolls(ctx, tx); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// pollable selects the pushes whose source order the poll still reads: pushed, and not fully
// fulfilled or cancelled, or only since less than the tracking window.
const pollable = `FROM order_pushes p LEFT JOIN source_order_fulfilment s
		ON s.source_store_id = p.source_store_id AND s.source_order_id = p.source_order_id
	WHERE p.status = 'pushed' AND p.source_order_id <> '' AND (s.done_at IS NULL OR s.done_at > $1)`

// EnqueuePolls inserts, in tx, a poll of every source store with pushed orders to read.
func (s *Service) EnqueuePolls(ctx context.Context, tx database.Tx) error {
	ids, err := database.Int64s(tx.Query(ctx, `SELECT DISTINCT p.source_store_id `+pollable+` ORDER BY p.source_store_id`,
		s.now().Add(-s.cfg.TrackingWindow)))
	if err != nil {
		return fmt.Errorf("listing source stores to poll: %w", err)
	}
	for _, id := range ids {
		if err := s.jobs.Insert(ctx, tx, PollArgs{SourceStoreID: id}, nil); err != nil {
			return fmt.Errorf("enqueuing the fulfilment poll of store %d: %w", id, err)
		}
	}
	return nil
}

// RequestPoll enqueues a poll of one source store now (a durable job).
func (s *Service) RequestPoll(ctx context.Context, sourceStoreID int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return s.jobs.Insert(ctx, tx, PollArgs{SourceStoreID: sourceStoreID}, nil)
	})
}

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	s *Service
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	return w.s.pollResult(ctx, job.Args.SourceStoreID, w.s.Poll(ctx, job.Args.SourceStoreID))
}

type readWorker struct {
	river.WorkerDefaults[ReadArgs]
	s *Service
}

func (w *readWorker) Work(ctx context.Context, job *river.Job[ReadArgs]) error {
	s := w.s
	src, err := s.storeByID(ctx, job.Args.SourceStoreID)
	if err == nil {
		var client platform.Store
		if client, err = s.stores.Client(src); err == nil {
			var ref pushRef
			var ok bool
			if ref, ok, err = findPush(ctx, s.db, src.ID, job.Args.SourceOrderID); err == nil && ok {
				err = s.read(ctx, src, client, ref)
			}
		}
	}
	return s.pollResult(ctx, job.Args.SourceStoreID, err)
}

// pollResult turns a poll's error into the job's outcome: a busy platform waits, a store a
// person must fix waits for the next tick.
func (s *Service) pollResult(ctx context.Context, storeID int64, err error) error {
	if errors.Is(err, database.ErrNotFound) {
		return nil // the store is gone
	}
	if pe, ok := errors.AsType[*platform.Error](err); ok {
		if pe.Retryable {
			return river.JobSnooze(max(pe.RetryAfter, PollRetry))
		}
		s.cfg.Logger.WarnContext(ctx, "fulfilment poll failed", "store_id", storeID, "error", err)
		return nil
	}
	return err
}

// Poll reads the fulfilments of a source store's pushed orders that are not yet done (the ones
// read longest ago first, PollBatch of them) and records each, as a webhook would; every source
// order read is also handed to the OnSourceOrder functions.
func (s *Service) Poll(ctx context.Context, sourceStoreID int64) error {
	src, err := s.storeByID(ctx, sourceStoreID)
	if err != nil {
		return err
	}
	client, err := s.stores.Client(src)
	if err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT p.order_id, p.account_id, p.connection_id, p.source_order_id `+pollable+`
		AND p.source_store_id = $2 ORDER BY s.polled_at IS NOT NULL, s.polled_at, p.order_id LIMIT $3`,
		s.now().Add(-s.cfg.TrackingWindow), sourceStoreID, s.cfg.PollBatch)
	if err != nil {
		return fmt.Errorf("listing the pushed orders of %s: %w", src.Name, err)
	}
	var refs []pushRef
	for rows.Next() {
		r := pushRef{sourceStoreID: sourceStoreID, sourceName: src.Name}
		if err := rows.Scan(&r.orderID, &r.accountID, &r.connectionID, &r.sourceOrderID); err != nil {
			rows.Close()
			return err
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range refs {
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < pollMargin {
			// What was read is recorded; the next poll goes on with the orders read longest
			// ago, so a batch slowed by a busy platform is never read again from its start.
			return nil
		}
		if err := s.read(ctx, src, client, r); err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// pollMargin is the time a poll keeps before its job's deadline: it stops reading then rather
// than fail the job halfway through an order.
const pollMargin = 10 * time.Second

// read reads one pushed source order and its fulfilments and records them in one transaction.
func (s *Service) read(ctx context.Context, src store.Store, client platform.Store, r pushRef) error {
	now := s.now()
	o, err := client.Order(ctx, r.sourceOrderID)
	if platform.KindOf(err) == platform.KindNotFound {
		return s.recordOrder(ctx, r, "", false, now, "the source no longer has the order")
	}
	if err != nil {
		return fmt.Errorf("reading source order %s of %s: %w", r.sourceOrderID, src.Name, err)
	}
	fs, err := client.Fulfillments(ctx, r.sourceOrderID)
	if err != nil {
		return fmt.Errorf("reading the fulfilments of source order %s of %s: %w", r.sourceOrderID, src.Name, err)
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		for _, fn := range s.onSourceOrder {
			if err := fn(ctx, tx, SourceOrderParams{Source: src, OrderID: r.orderID, SourceOrderID: r.sourceOrderID, Order: o}); err != nil {
				return err
			}
		}
		for _, f := range fs {
			if f.OrderID == "" {
				f.OrderID = r.sourceOrderID
			}
			if err := s.Record(ctx, tx, r, f); err != nil {
				return err
			}
		}
		status := strings.ToLower(o.FulfillmentStatus)
		return recordOrderTx(ctx, tx, r, status, o.Cancelled(), now, "")
	})
}

func (s *Service) recordOrder(ctx context.Context, r pushRef, status string, cancelled bool, now time.Time, msg string) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return recordOrderTx(ctx, tx, r, status, cancelled, now, msg)
	})
}

// recordOrderTx keeps what the poll read of a source order; fulfilled, cancelled or gone (msg)
// starts its tracking window.
func recordOrderTx(ctx context.Context, tx database.Tx, r pushRef, status string, cancelled bool, now time.Time, msg string) error {
	var doneAt *time.Time
	if status == "fulfilled" || cancelled || msg != "" {
		doneAt = &now
	}
	_, err := tx.Exec(ctx, `INSERT INTO source_order_fulfilment (source_store_id, source_order_id, order_id, fulfillment_status,
			cancelled, done_at, polled_at, error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (source_store_id, source_order_id) DO UPDATE SET fulfillment_status = excluded.fulfillment_status,
			cancelled = excluded.cancelled, polled_at = excluded.polled_at, error = excluded.error,
			done_at = CASE WHEN excluded.done_at IS NULL THEN NULL ELSE COALESCE(source_order_fulfilment.done_at, excluded.done_at) END`,
		r.sourceStoreID, r.sourceOrderID, r.orderID, status, cancelled, doneAt, now, msg)
	if err != nil {
		return fmt.Errorf("recording the poll of source order %s: %w", r.sourceOrderID, err)
	}
	return nil
}
