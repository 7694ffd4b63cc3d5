package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
)

// PollInterval is how often every destination store's orders are reconciled.
const PollInterval = 5 * time.Minute

// PollOverlap is how far before its cursor a poll reads again: orders updated in the same
// instant as the last one read, or committed late by the platform, are not missed (reading one
// twice changes nothing).
const PollOverlap = 2 * time.Minute

// PollRetry is how long a poll waits when the platform answered with a retryable error.
const PollRetry = 30 * time.Second

// PollTickArgs enqueues one poll per destination store of a connected connection.
type PollTickArgs struct{}

// Kind implements river.JobArgs.
func (PollTickArgs) Kind() string { return "orders_poll_tick" }

// PeriodicPoll is the periodic job that reconciles destination orders: every PollInterval, and
// once at start (River's schedule lives in the leader's memory).
func PeriodicPoll() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PollInterval),
		func() (river.JobArgs, *river.InsertOpts) { return PollTickArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// PollArgs reconciles one destination store's orders: those updated since its cursor.
type PollArgs struct {
	StoreID int64 `json:"store_id"`
}

// Kind implements river.JobArgs.
func (PollArgs) Kind() string { return "orders_poll" }

// InsertOpts: one poll of a store waiting or running at a time.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
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

// EnqueuePolls inserts, in tx, a poll of every store that is the destination of a connected
// connection.
func (s *Service) EnqueuePolls(ctx context.Context, tx database.Tx) error {
	ids, err := database.Int64s(tx.Query(ctx, `SELECT DISTINCT destination_store_id FROM connections WHERE state = 'connected' ORDER BY destination_store_id`))
	if err != nil {
		return fmt.Errorf("listing destination stores to poll: %w", err)
	}
	if s.cfg.Keeper != nil {
		more, err := s.cfg.Keeper.StoresKeepingOrders(ctx, tx)
		if err != nil {
			return fmt.Errorf("listing stores whose orders are kept: %w", err)
		}
		for _, id := range more {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		if err := s.jobs.Insert(ctx, tx, PollArgs{StoreID: id}, nil); err != nil {
			return fmt.Errorf("enqueuing the order poll of store %d: %w", id, err)
		}
	}
	return nil
}

// Rewind makes the store's next poll read the orders updated from that time on (when its cursor is
// later) and enqueues that poll, in tx: for a domain that now wants older orders of the store
// (a back-office link's earlier start).
func (s *Service) Rewind(ctx context.Context, tx database.Tx, storeID int64, since time.Time) error {
	at := since.UTC().Add(PollOverlap) // the poll reads from PollOverlap before the cursor
	if _, err := tx.Exec(ctx, `UPDATE order_poll_state SET cursor_at = $2 WHERE store_id = $1 AND (cursor_at IS NULL OR cursor_at > $2)`,
		storeID, at); err != nil {
		return fmt.Errorf("rewinding the order poll of store %d: %w", storeID, err)
	}
	return s.jobs.Insert(ctx, tx, PollArgs{StoreID: storeID}, nil)
}

// RequestPoll enqueues a poll of one destination store now (a durable job).
func (s *Service) RequestPoll(ctx context.Context, storeID int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return s.jobs.Insert(ctx, tx, PollArgs{StoreID: storeID}, nil)
	})
}

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	s *Service
}

// Work reads the store's orders updated since its cursor, page by page; each page's orders and
// the cursor they advance commit together, so a poll cut short resumes after the last page it
// committed, and reading a page twice changes nothing (Apply ignores what it already has).
func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	err := w.s.Poll(ctx, job.Args.StoreID)
	if errors.Is(err, database.ErrNotFound) {
		return nil // the store is gone
	}
	var perr *platform.Error
	if err != nil && errors.As(err, &perr) {
		w.s.recordPollError(ctx, job.Args.StoreID, err)
		if perr.Retryable { // the platform is busy or down: try again later, not an error of the job
			return river.JobSnooze(max(perr.RetryAfter, PollRetry))
		}
		w.s.cfg.Logger.WarnContext(ctx, "order poll failed", "store_id", job.Args.StoreID, "error", err)
		return nil // a person must fix the store; the next tick tries again
	}
	return err
}

// Poll reconciles one destination store's orders now: it reads the orders updated since a little
// before the store's cursor and applies each, as a webhook would.
func (s *Service) Poll(ctx context.Context, storeID int64) error {
	_, err := s.PollNow(ctx, storeID)
	return err
}

// PollNow is Poll, returning how many orders it read from the store (each applied; one already
// known at its version changes nothing).
func (s *Service) PollNow(ctx context.Context, storeID int64) (int, error) {
	st, client, err := s.storeClient(ctx, storeID)
	if err != nil {
		return 0, err
	}
	read := 0
	var cursorAt *time.Time
	err = s.db.QueryRow(ctx, `SELECT cursor_at FROM order_poll_state WHERE store_id = $1`, storeID).Scan(&cursorAt)
	if err != nil && !errors.Is(err, database.ErrNoRows) {
		return 0, err
	}
	var since time.Time
	if cursorAt != nil {
		since = cursorAt.Add(-PollOverlap)
	} else if first, err := s.firstKept(ctx, storeID); err != nil {
		return 0, err
	} else {
		since = first.Add(-PollOverlap) // nothing placed before the first connection is ever pushed
	}
	page := ""
	for {
		p, err := client.ListOrders(ctx, platform.ListParams{UpdatedSince: since, Cursor: page, Limit: s.cfg.PollPageSize})
		if err != nil {
			return read, fmt.Errorf("polling the orders of %s: %w", st.Name, err)
		}
		err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			next := cursorAt
			for _, o := range p.Items {
				if s.cfg.OnPolled != nil {
					if err := s.cfg.OnPolled(ctx, tx, st, o); err != nil {
						return err
					}
				}
				if _, err := s.Apply(ctx, tx, st, o); err != nil {
					return err
				}
				if u := utc(&o.UpdatedAt); !o.UpdatedAt.IsZero() && (next == nil || u.After(*next)) {
					next = u
				}
			}
			cursorAt = next
			_, err := tx.Exec(ctx, `INSERT INTO order_poll_state (store_id, cursor_at, polled_at, error) VALUES ($1, $2, $3, '')
				ON CONFLICT (store_id) DO UPDATE SET cursor_at = excluded.cursor_at, polled_at = excluded.polled_at, error = ''`,
				storeID, next, s.now())
			return err
		})
		if err != nil {
			return read, fmt.Errorf("applying polled orders of %s: %w", st.Name, err)
		}
		read += len(p.Items)
		if p.NextCursor == "" || ctx.Err() != nil {
			return read, ctx.Err()
		}
		page = p.NextCursor
	}
}

// firstKept is when the store's orders start to matter: its first connection, or the Keeper's
// time when earlier (or the store has no connection).
func (s *Service) firstKept(ctx context.Context, storeID int64) (time.Time, error) {
	first, err := firstConnected(ctx, s.db, storeID)
	if err != nil || s.cfg.Keeper == nil {
		return first, err
	}
	since, ok, err := s.cfg.Keeper.KeepsOrders(ctx, s.db, storeID)
	if err != nil {
		return time.Time{}, err
	}
	if ok && (first.IsZero() || since.Before(first)) {
		return since, nil
	}
	return first, nil
}

func firstConnected(ctx context.Context, q database.Querier, storeID int64) (time.Time, error) {
	var t time.Time
	err := q.QueryRow(ctx, `SELECT created_at FROM connections WHERE destination_store_id = $1 ORDER BY created_at LIMIT 1`, storeID).Scan(&t)
	if errors.Is(err, database.ErrNoRows) {
		return time.Time{}, nil
	}
	return t, err
}

func (s *Service) recordPollError(ctx context.Context, storeID int64, cause error) {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_, _ = s.db.Exec(ctx, `INSERT INTO order_poll_state (store_id, polled_at, error) VALUES ($1, $2, $3)
		ON CONFLICT (store_id) DO UPDATE SET polled_at = excluded.polled_at, error = excluded.error`, storeID, s.now(), msg)
}
