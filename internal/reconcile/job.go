package reconcile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// The phases of a run, in order. An incremental run reads changed products; a full one starts
// and polls the export, then reads its stream; both then compare every linked item's levels.
const (
	phaseProducts    = "products"
	phaseExport      = "export"
	phaseRead        = "read"
	phaseSource      = "source"
	phaseDestination = "destination"
	phaseDone        = "done"
)

// RunArgs is the job of one run.
type RunArgs struct {
	AccountID int64 `json:"account_id"`
	RunID     int64 `json:"run_id"`
}

// Kind implements river.JobArgs.
func (RunArgs) Kind() string { return "reconcile.run" }

// InsertOpts make one job per run.
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	s *Service
}

// Timeout bounds every attempt by the stream's bound: the batch phases stop well before it
// (AttemptBudget), the reading of an export's stream cannot stop mid-file.
func (w *runWorker) Timeout(*river.Job[RunArgs]) time.Duration { return w.s.cfg.StreamTimeout }

// sides are a run's connection and both stores' clients.
type sides struct {
	c        connection.Connection
	src, dst platform.Store
	srcLocs  []platform.Location // every source location: the rule may count any of them
	dstLoc   string              // the location inventory writes the destination's quantities at
}

// Work advances the run: batch after batch, each committed with its progress, until the attempt's
// budget is spent (it snoozes and goes on) or the run waits for its export (it snoozes for the
// poll interval) or is done. A connection that no longer syncs ends the run failed, saying why.
func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	s := w.s
	p, err := loadProgress(ctx, s.cfg.DB, job.Args.AccountID, job.Args.RunID)
	if errors.Is(err, database.ErrNoRows) || err == nil && (p.State == StateDone || p.State == StateFailed) {
		return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return fmt.Errorf("reconciliation %d: %w", job.Args.RunID, err)
	}
	sd, reason, err := s.open(ctx, p)
	if err != nil {
		return s.failed(ctx, job, &p, err)
	}
	if reason != "" {
		return s.finish(ctx, job, &p, StateFailed, reason)
	}
	if p.State == StateQueued {
		now := s.now()
		p.State, p.StartedAt = StateRunning, &now
		p.Phase = phaseProducts
		if p.Kind == KindFull {
			p.Phase = phaseExport
		}
		if p.since == nil {
			created := sd.c.CreatedAt.UTC()
			p.since = &created
		}
		p.cursor = 0
		if err := s.commit(ctx, &p, nil); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(s.cfg.AttemptBudget)
	for time.Now().Before(deadline) {
		var wait time.Duration
		switch p.Phase {
		case phaseProducts:
			err = s.productsBatch(ctx, &p, sd)
		case phaseExport:
			wait, err = s.pollExport(ctx, &p, sd)
		case phaseRead:
			err = s.readExport(ctx, &p, sd)
		case phaseSource:
			err = s.sourceBatch(ctx, &p, sd)
		case phaseDestination:
			err = s.destinationBatch(ctx, &p, sd)
		default:
			return s.finish(ctx, job, &p, StateDone, "")
		}
		if errors.Is(err, errStreamPaused) {
			return river.JobSnooze(time.Millisecond)
		}
		if err != nil {
			return s.failed(ctx, job, &p, err)
		}
		if wait > 0 {
			return river.JobSnooze(wait)
		}
	}
	return river.JobSnooze(time.Millisecond) // the budget is spent: go on in the next attempt
}

// open reads the run's connection and opens both stores' clients. A connection gone or no longer
// syncing is a reason to end the run, not an error.
func (s *Service) open(ctx context.Context, p progress) (sides, string, error) {
	c, err := s.cfg.Connections.Get(ctx, connection.GetParams{AccountID: p.AccountID, ID: p.ConnectionID})
	if errors.Is(err, connection.ErrNotFound) || errors.Is(err, database.ErrNotFound) {
		return sides{}, "the connection no longer exists", nil
	}
	if err != nil {
		return sides{}, "", err
	}
	if !c.Syncs() {
		return sides{}, fmt.Sprintf("the connection is %s", c.State), nil
	}
	sd := sides{c: c}
	openStore := func(ref connection.StoreRef) (platform.Store, error) {
		st, err := s.cfg.Stores.Get(ctx, store.GetParams{AccountID: ref.AccountID, ID: ref.ID})
		if err != nil {
			return nil, err
		}
		return s.cfg.Stores.Client(st)
	}
	if sd.src, err = openStore(c.Source); err != nil {
		return sides{}, "", fmt.Errorf("opening source store %s: %w", c.Source.Name, err)
	}
	if sd.dst, err = openStore(c.Destination); err != nil {
		return sides{}, "", fmt.Errorf("opening destination store %s: %w", c.Destination.Name, err)
	}
	if sd.srcLocs, err = sd.src.Locations(ctx); err != nil {
		return sides{}, "", fmt.Errorf("reading the locations of source store %s: %w", c.Source.Name, err)
	}
	if sd.dstLoc, err = writeLocation(ctx, sd.dst); err != nil {
		return sides{}, "", fmt.Errorf("destination store %s: %w", c.Destination.Name, err)
	}
	return sd, "", nil
}

// commit runs fn (a batch's effects, returning what it adds to the run) and saves the run's
// progress, in one transaction.
func (s *Service) commit(ctx context.Context, p *progress, fn func(ctx context.Context, tx database.Tx) (step, error)) error {
	return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var st step
		if fn != nil {
			var err error
			if st, err = fn(ctx, tx); err != nil {
				return err
			}
		}
		return save(ctx, tx, p, st, s.now())
	})
}

// failed handles a batch's error: a rate limit snoozes for as long as the platform asks; an
// error a retry cannot mend, or the last attempt's, ends the run failed with it; anything else
// is retried by the queue from the last committed batch.
func (s *Service) failed(ctx context.Context, job *river.Job[RunArgs], p *progress, err error) error {
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Kind == platform.KindRateLimited {
		return river.JobSnooze(max(pe.RetryAfter, time.Second))
	}
	if errors.As(err, &pe) && !pe.Retryable || job.Attempt >= job.MaxAttempts {
		s.cfg.Logger.WarnContext(ctx, "reconciliation failed", "reconciliation", p.ID, "connection", p.ConnectionID, "error", err)
		return s.finish(ctx, job, p, StateFailed, err.Error())
	}
	return fmt.Errorf("reconciliation %d of connection %d: %w", p.ID, p.ConnectionID, err)
}

// finish ends the run and completes its job in one transaction.
func (s *Service) finish(ctx context.Context, job *river.Job[RunArgs], p *progress, state State, reason string) error {
	now := s.now()
	p.State, p.FinishedAt, p.Error = state, &now, reason
	if p.State == StateDone {
		p.Phase = phaseDone
	}
	if p.StartedAt == nil {
		p.StartedAt = &now
	}
	return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := save(ctx, tx, p, step{}, now); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}
