package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Deciding again. A destination quantity is decided when its source changes, and also when the
// rule itself changes: the connection's buffer or source locations (OnSettings), a link's own
// buffer (RedecideLink), the connection syncing again (OnTransit), or source items just linked,
// whose current levels are read from the source first (OnLinked, then the read job). Each goes
// through apply, hence decide, and enqueues the write jobs as a source change does.

// RedecideBatch bounds the links one transaction decides again; a connection with more is
// decided by a durable job, a batch a step.
const RedecideBatch = 200

// RedecideArgs is a step of deciding a connection's destination quantities again: the links
// after AfterLinkID, a batch of them, then the next step.
type RedecideArgs struct {
	AccountID    int64 `json:"account_id"` // the destination's account
	ConnectionID int64 `json:"connection_id"`
	Version      int64 `json:"version"` // the connection's version that asked: a later change makes its own steps
	AfterLinkID  int64 `json:"after_link_id"`
}

// Kind implements river.JobArgs.
func (RedecideArgs) Kind() string { return "inventory_redecide" }

// InsertOpts makes one job per step of a change.
func (RedecideArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// RedecideParams name a connection whose quantities to decide again.
type RedecideParams struct {
	AccountID    int64 // the destination's account
	ConnectionID int64
	Version      int64
}

// Redecide decides again, in tx, the destination quantities of the connection's links from the
// source levels known: the first RedecideBatch links at once, the rest by a durable job.
func (s *Service) Redecide(ctx context.Context, tx database.Tx, p RedecideParams) error {
	return s.redecideFrom(ctx, tx, RedecideArgs{AccountID: p.AccountID, ConnectionID: p.ConnectionID, Version: p.Version})
}

func (s *Service) redecideFrom(ctx context.Context, tx database.Tx, a RedecideArgs) error {
	fs, err := s.links.ConnectionFanOut(ctx, tx, catalog.ConnectionLinksParams{ConnectionID: a.ConnectionID, AfterID: a.AfterLinkID, Limit: RedecideBatch})
	if err != nil {
		return err
	}
	if err := s.apply(ctx, tx, fs); err != nil {
		return err
	}
	if len(fs) < RedecideBatch {
		return nil
	}
	next := a
	next.AfterLinkID = fs[len(fs)-1].ID
	if err := s.jobs.Insert(ctx, tx, next, nil); err != nil {
		return fmt.Errorf("enqueueing the next links of connection %d: %w", a.ConnectionID, err)
	}
	return nil
}

// RedecideLink decides again, in tx, the destination quantity of one link (its own buffer changed).
func (s *Service) RedecideLink(ctx context.Context, tx database.Tx, l catalog.Link) error {
	fs, err := s.links.ConnectionFanOut(ctx, tx, catalog.ConnectionLinksParams{ConnectionID: l.ConnectionID, Limit: 1, LinkIDs: []int64{l.ID}})
	if err != nil {
		return err
	}
	return s.apply(ctx, tx, fs)
}

// OnSettings is the connection service's settings hook: a change of the buffer or of the source
// locations decides the connection's quantities again in the same transaction.
func (s *Service) OnSettings(ctx context.Context, tx database.Tx, before, after connection.Connection) error {
	b, a := before.Settings, after.Settings
	if b.Buffer == a.Buffer && slices.Equal(b.SourceLocationIDs, a.SourceLocationIDs) {
		return nil
	}
	return s.Redecide(ctx, tx, RedecideParams{AccountID: after.Destination.AccountID, ConnectionID: after.ID, Version: after.Version})
}

// OnTransit is the connection service's transit hook: a connection that syncs again (reconnected,
// unblocked) has its quantities decided again from the source levels known, which kept being
// recorded while it synced nothing. Links a reconnect restores later are read by OnLinked.
func (s *Service) OnTransit(ctx context.Context, tx database.Tx, c connection.Connection, a connection.Action) error {
	if (a != connection.ActReconnect && a != connection.ActUnblock) || !c.Syncs() {
		return nil
	}
	return s.Redecide(ctx, tx, RedecideParams{AccountID: c.Destination.AccountID, ConnectionID: c.ID, Version: c.Version})
}

// ReadArgs reads a source store's current levels of the items just linked (inventory_source_reads),
// at each of its active locations, and decides their destinations' quantities (SourceRead).
type ReadArgs struct {
	AccountID int64 `json:"account_id"` // the source store's account
	StoreID   int64 `json:"store_id"`
}

// Kind implements river.JobArgs.
func (ReadArgs) Kind() string { return "inventory_read_source" }

// InsertOpts makes one job per source store while one waits or runs: items linked meanwhile are
// read by it, or by its next run, so an import of many products makes few reads.
func (ReadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

// ReadBatch is how many items one run of a read job reads: the most one platform call carries.
const ReadBatch = 250

// OnLinked is the link store's hook: items just linked are recorded to be read, and their source
// store's read job enqueued, in the transaction that linked them.
func (s *Service) OnLinked(ctx context.Context, tx database.Tx, l catalog.Linked) error {
	var accountID int64
	if err := tx.QueryRow(ctx, `SELECT account_id FROM stores WHERE id = $1`, l.SourceStoreID).Scan(&accountID); err != nil {
		return fmt.Errorf("reading source store %d: %w", l.SourceStoreID, err)
	}
	now := s.cfg.Now().UTC()
	for _, item := range l.SourceInventoryItemIDs {
		if err := askRead(ctx, tx, l.SourceStoreID, item, now); err != nil {
			return fmt.Errorf("asking for the inventory of source item %s: %w", item, err)
		}
	}
	if err := lockStore(ctx, tx, l.SourceStoreID); err != nil {
		return err
	}
	if err := s.jobs.Insert(ctx, tx, ReadArgs{AccountID: accountID, StoreID: l.SourceStoreID}, nil); err != nil {
		return fmt.Errorf("enqueueing the read of source store %d's inventory: %w", l.SourceStoreID, err)
	}
	return nil
}

type readWorker struct {
	river.WorkerDefaults[ReadArgs]
	s *Service
}

// Work reads a batch of the store's items asked for, at every active location (one call per
// location), and records them with SourceRead in a transaction that also settles what it read;
// it runs again while items are left (asked for meanwhile), and completes in the transaction
// that finds none. Run again after a crash, it reads again: recording a known level changes nothing.
func (w *readWorker) Work(ctx context.Context, job *river.Job[ReadArgs]) error {
	s, a := w.s, job.Args
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: a.AccountID, ID: a.StoreID})
	if isNotFound(err) {
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return fmt.Errorf("reading the inventory of source store %d: %w", a.StoreID, err)
	}
	asked, err := askedReads(ctx, s.db, st.ID, ReadBatch)
	if err != nil {
		return fmt.Errorf("reading the inventory of source store %s: %w", st, err)
	}
	items := make([]string, len(asked))
	for i, r := range asked {
		items[i] = r.item
	}
	var levels []SourceLevel
	if len(items) > 0 {
		if levels, err = s.readLevels(ctx, st, items); err != nil {
			var pe *platform.Error
			if errors.As(err, &pe) && pe.Kind == platform.KindRateLimited {
				return river.JobSnooze(max(pe.RetryAfter, s.cfg.RateLimitSnooze))
			}
			return fmt.Errorf("reading the inventory of source store %s: %w", st, err)
		}
	}
	var left int64
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if len(items) > 0 {
			if err := s.SourceRead(ctx, tx, SourceReadParams{StoreID: st.ID, InventoryItemIDs: items, Levels: levels}); err != nil {
				return err
			}
		}
		for _, r := range asked {
			if err := settleRead(ctx, tx, st.ID, r); err != nil {
				return fmt.Errorf("settling the read of item %s: %w", r.item, err)
			}
		}
		if err := lockStore(ctx, tx, st.ID); err != nil {
			return err
		}
		var err error
		if left, err = countAsked(ctx, tx, st.ID); err != nil || left > 0 {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return fmt.Errorf("recording the inventory of source store %s: %w", st, err)
	}
	if left > 0 {
		return river.JobSnooze(time.Millisecond)
	}
	return nil
}

func (s *Service) readLevels(ctx context.Context, st store.Store, items []string) ([]SourceLevel, error) {
	c, err := s.stores.Client(st)
	if err != nil {
		return nil, err
	}
	locs, err := c.Locations(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the store's locations: %w", err)
	}
	var out []SourceLevel
	for _, loc := range locs {
		if !loc.Active {
			continue
		}
		ls, err := c.InventoryLevels(ctx, loc.ID, items)
		if err != nil {
			return nil, fmt.Errorf("reading inventory at location %s: %w", loc.ID, err)
		}
		for _, l := range ls {
			out = append(out, SourceLevel{AccountID: st.AccountID, StoreID: st.ID, InventoryItemID: l.InventoryItemID,
				LocationID: loc.ID, Available: l.Available})
		}
	}
	return out, nil
}

// readTimeout lets a read job read a batch at a source with many locations.
const readTimeout = 5 * time.Minute

// Timeout implements river.Worker.
func (w *readWorker) Timeout(*river.Job[ReadArgs]) time.Duration { return readTimeout }

type redecideWorker struct {
	river.WorkerDefaults[RedecideArgs]
	s *Service
}

// Work decides a batch of the connection's links again and enqueues the next step, in the
// transaction that completes it.
func (w *redecideWorker) Work(ctx context.Context, job *river.Job[RedecideArgs]) error {
	return w.s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := w.s.redecideFrom(ctx, tx, job.Args); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}
