package inventory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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

// WriteArgs writes a destination store's pending inventory targets.
type WriteArgs struct {
	AccountID int64 `json:"account_id"`
	StoreID   int64 `json:"store_id"`
}

// Kind implements river.JobArgs.
func (WriteArgs) Kind() string { return "inventory_write" }

// InsertOpts makes one job per store while one waits or runs: changes decided meanwhile are
// written by it (or, when they come after its read, by its next run), never by a second job.
func (WriteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

type writeWorker struct {
	river.WorkerDefaults[WriteArgs]
	s *Service
}

// Work waits while its store's targets are still changing (see gather), then writes the store's pending
// targets and records them in the transaction that completes it. Targets decided during the
// write stay pending and the job runs again after Debounce. A rate-limited answer snoozes it; a
// store gone completes it; a connection that no longer syncs drops its targets unwritten.
func (w *writeWorker) Work(ctx context.Context, job *river.Job[WriteArgs]) error {
	s := w.s
	if wait, err := s.gather(ctx, job.Args.StoreID); err != nil {
		return fmt.Errorf("inventory of store %d: %w", job.Args.StoreID, err)
	} else if wait > 0 {
		return river.JobSnooze(wait)
	}
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: job.Args.AccountID, ID: job.Args.StoreID})
	if isNotFound(err) {
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return fmt.Errorf("inventory of store %d: %w", job.Args.StoreID, err)
	}
	targets, err := pendingTargets(ctx, s.db, st.ID, MaxPerRun)
	if err != nil {
		return fmt.Errorf("inventory of store %s: reading its targets: %w", st, err)
	}
	write, drop, err := s.syncing(ctx, targets)
	if err != nil {
		return fmt.Errorf("inventory of store %s: %w", st, err)
	}
	if len(write) > 0 {
		if err := s.write(ctx, job, st, write); err != nil {
			var pe *platform.Error
			if errors.As(err, &pe) && pe.Kind == platform.KindRateLimited {
				s.cfg.Logger.InfoContext(ctx, "inventory write rate limited, waiting", "store", st.String())
				return river.JobSnooze(max(pe.RetryAfter, s.cfg.RateLimitSnooze))
			}
			return fmt.Errorf("inventory of store %s: %w", st, err)
		}
	}
	return s.record(ctx, job, st, write, drop)
}

// syncing splits targets into those of connections that sync and those of connections that no
// longer do (blocked, disconnected, gone), read now, just before any write.
func (s *Service) syncing(ctx context.Context, targets []target) (write, drop []target, err error) {
	syncs := map[int64]bool{}
	for _, t := range targets {
		ok, seen := syncs[t.connectionID]
		if !seen {
			c, err := s.connections.Get(ctx, connection.GetParams{AccountID: t.accountID, ID: t.connectionID})
			if err != nil && !isNotFound(err) {
				return nil, nil, fmt.Errorf("reading connection %d: %w", t.connectionID, err)
			}
			ok = err == nil && c.Syncs()
			syncs[t.connectionID] = ok
		}
		if ok {
			write = append(write, t)
		} else {
			drop = append(drop, t)
		}
	}
	return write, drop, nil
}

// write sets the targets' quantities, compare-and-set against the quantity last written (a
// destination-side change in between is re-read and overwritten: the source is master). The
// idempotency key is the job's id and what it sets, so a run interrupted before it recorded its
// write sends the same keys again and the platform applies them once.
func (s *Service) write(ctx context.Context, job *river.Job[WriteArgs], st store.Store, targets []target) error {
	c, err := s.stores.Client(st)
	if err != nil {
		return err
	}
	loc, err := s.location(ctx, st.ID, c)
	if err != nil {
		return err
	}
	changes := make([]platform.InventoryChange, len(targets))
	for i, t := range targets {
		changes[i] = platform.InventoryChange{InventoryItemID: t.itemID, LocationID: loc, Quantity: t.desired, Expected: t.written}
	}
	key := idempotencyKey(job.ID, changes)
	res, err := c.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: key, Reason: "correction",
		Changes: changes, RereadOnConflict: true})
	if err != nil {
		return err
	}
	if len(res.Skipped) > 0 {
		return fmt.Errorf("setting inventory: %d items were not applied", len(res.Skipped))
	}
	return nil
}

// idempotencyKey is the job's id and a digest of what it sets: a run of the same job that
// crashed before recording its write sends the same key for the same changes (the platform
// applies them once), while targets decided since make a different set, hence a new key (a
// platform refuses a key reused with other input).
func idempotencyKey(jobID int64, changes []platform.InventoryChange) string {
	h := sha256.New()
	for _, ch := range changes {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", ch.InventoryItemID, ch.LocationID, ch.Quantity)
		if ch.Expected != nil {
			fmt.Fprintf(h, "%d", *ch.Expected)
		}
		h.Write([]byte{0})
	}
	return "inventory-" + strconv.FormatInt(jobID, 10) + "-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// location is the destination store's first active location, read once per process.
func (s *Service) location(ctx context.Context, storeID int64, c platform.ShopReader) (string, error) {
	s.mu.Lock()
	loc, ok := s.locations[storeID]
	s.mu.Unlock()
	if ok {
		return loc, nil
	}
	locs, err := c.Locations(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the store's locations: %w", err)
	}
	for _, l := range locs {
		if l.Active {
			s.mu.Lock()
			s.locations[storeID] = l.ID
			s.mu.Unlock()
			return l.ID, nil
		}
	}
	return "", errors.New("the store has no active location to set quantities at")
}

// record keeps what was written (and what was dropped) and, when nothing is left pending,
// completes the job in the same transaction; otherwise the job runs again after Debounce.
func (s *Service) record(ctx context.Context, job *river.Job[WriteArgs], st store.Store, written, dropped []target) error {
	now := s.cfg.Now().UTC()
	var left int64
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := settleWritten(ctx, tx, st.ID, written, now); err != nil {
			return err
		}
		synced := make([]catalog.LinkSynced, len(written))
		for i, t := range written {
			synced[i] = catalog.LinkSynced{LinkID: t.linkID, SourceQuantity: t.sourceQuantity, DestinationQuantity: t.desired}
		}
		// A link ended or removed meanwhile has nothing to record.
		if err := s.links.RecordSyncedMany(ctx, tx, catalog.RecordSyncedManyParams{Links: synced, At: now}); err != nil {
			return err
		}
		for _, t := range dropped {
			if err := settle(ctx, tx, st.ID, t, false, now); err != nil {
				return fmt.Errorf("dropping inventory of item %s: %w", t.itemID, err)
			}
		}
		if err := lockStore(ctx, tx, st.ID); err != nil {
			return err
		}
		var err error
		if left, err = countPending(ctx, tx, st.ID); err != nil {
			return fmt.Errorf("counting pending inventory: %w", err)
		}
		if left > 0 {
			return nil
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return fmt.Errorf("inventory of store %s: %w", st, err)
	}
	if left > 0 {
		return river.JobSnooze(s.cfg.Debounce)
	}
	return nil
}

// gather says how long to wait before writing, so that a burst gathers into few writes: while the
// last change is younger than Debounce, wait, unless the oldest pending one is already MaxWait old.
func (s *Service) gather(ctx context.Context, storeID int64) (time.Duration, error) {
	if s.cfg.Debounce <= 0 {
		return 0, nil
	}
	oldest, newest, err := pendingSpan(ctx, s.db, storeID)
	if err != nil || oldest == nil || newest == nil {
		return 0, err
	}
	now := s.cfg.Now()
	if now.Sub(*newest) >= s.cfg.Debounce || now.Sub(*oldest) >= s.cfg.MaxWait {
		return 0, nil
	}
	return min(s.cfg.Debounce-now.Sub(*newest), s.cfg.MaxWait-now.Sub(*oldest)), nil
}
