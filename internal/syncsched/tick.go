package syncsched

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
)

// TickInterval is how often the periodic job looks for due schedules: a slot starts at most
// this late.
const TickInterval = 30 * time.Second

// due is a schedule whose slot has come, as the tick read it.
type due struct {
	id, accountID    int64
	expression, zone string
	steps            string
	slot             time.Time
	version          int64
}

// Tick starts a run for every enabled schedule whose next slot has come, and returns how many
// it started. Each schedule is claimed in its own transaction by compare-and-set on next_at (and
// its version): of several processes ticking at once, one claims the slot and the others find
// next_at moved on and leave it. The claim, the run (Starter.StartScheduled, in the same
// transaction) and the outcome commit together. The new next_at is the first slot after now,
// so a schedule that missed slots while no process ran gets one catch-up run, not one per
// missed slot. A slot whose account still has a run queued or running is skipped ("skipped: run
// 9 still running"). A run that could not be started is recorded as failed for that slot (its
// cause in the log) and the schedule moves on; an error is returned only when the schedules
// could not be read or claimed.
func (s *Service) Tick(ctx context.Context) (int, error) {
	if s.starter == nil {
		return 0, errors.New("ticking sync schedules: no run starter was configured")
	}
	now := s.now()
	list, err := s.dueAt(ctx, now)
	if err != nil {
		return 0, err
	}
	started := 0
	var errs []error
	for _, d := range list {
		ok, err := s.fire(ctx, d, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			started++
		}
	}
	return started, errors.Join(errs...)
}

func (s *Service) dueAt(ctx context.Context, now time.Time) ([]due, error) {
	rows, err := s.db.Query(ctx, sqlSelectDue, now, s.cfg.MaxPerTick)
	if err != nil {
		return nil, fmt.Errorf("reading the due sync schedules: %w", err)
	}
	defer rows.Close()
	var out []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.accountID, &d.expression, &d.zone, &d.steps, &d.slot, &d.version); err != nil {
			return nil, fmt.Errorf("reading the due sync schedules: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the due sync schedules: %w", err)
	}
	return out, nil
}

// fire claims d's slot and starts its run; it reports whether a run started. A slot another
// process claimed first is not an error.
func (s *Service) fire(ctx context.Context, d due, now time.Time) (bool, error) {
	var next *time.Time
	in, verr := validate(d.expression, d.zone, parseSteps(d.steps))
	if verr == nil {
		next = nextSlot(in, true, now)
	}
	started := false
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		started = false
		n, err := tx.Exec(ctx, sqlClaimSlot, d.accountID, d.id, d.slot, d.version, next)
		if err != nil || n == 0 {
			return err
		}
		if verr != nil { // a stored setting no longer valid (a zone withdrawn): the schedule stops
			s.cfg.Logger.WarnContext(ctx, "sync schedule stopped", "account_id", d.accountID, "schedule_id", d.id, "error", verr)
			_, err := tx.Exec(ctx, sqlRecordResult, d.accountID, d.id, nil, "failed: "+verr.Error())
			return err
		}
		runID, running, err := s.starter.StartScheduled(ctx, tx, StartParams{AccountID: d.accountID, ScheduleID: d.id,
			Slot: d.slot, Steps: parseSteps(in.steps)})
		if err != nil {
			return &startError{err: err}
		}
		var result string
		var last *int64
		if running != 0 {
			result = fmt.Sprintf("skipped: run %d still running", running)
		} else {
			result, last, started = fmt.Sprintf("started run %d", runID), &runID, true
		}
		_, err = tx.Exec(ctx, sqlRecordResult, d.accountID, d.id, last, result)
		return err
	})
	if se, ok := errors.AsType[*startError](err); ok {
		return false, s.recordFailure(ctx, d, next, se.err)
	}
	if err != nil {
		return false, fmt.Errorf("starting sync schedule %d of account %d: %w", d.id, d.accountID, err)
	}
	return started, nil
}

// startError is the Starter's refusal, told apart from a failure of the claim.
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// recordFailure claims the slot in a transaction of its own and records that its run could
// not be started: the schedule goes on with its next slot rather than failing every tick.
func (s *Service) recordFailure(ctx context.Context, d due, next *time.Time, cause error) error {
	s.cfg.Logger.ErrorContext(ctx, "starting a scheduled sync run failed", "account_id", d.accountID, "schedule_id", d.id,
		"slot", d.slot, "error", cause)
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, sqlClaimSlot, d.accountID, d.id, d.slot, d.version, next)
		if err != nil || n == 0 {
			return err
		}
		_, err = tx.Exec(ctx, sqlRecordResult, d.accountID, d.id, nil, "failed: the run could not be started; see the log")
		return err
	})
	if err != nil {
		return fmt.Errorf("recording the failed start of sync schedule %d of account %d: %w", d.id, d.accountID, err)
	}
	return nil
}

// TickArgs is the periodic job that starts the due schedules' runs.
type TickArgs struct{}

// Kind implements river.JobArgs.
func (TickArgs) Kind() string { return "sync_schedule_tick" }

// InsertOpts keep one tick waiting or running at a time: a slow tick is not joined by the next.
func (TickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// PeriodicTick is the tick's periodic job, for the queue's configuration. It runs on start too:
// the periodic scheduler keeps its state in memory, and a tick is safe to run at any time.
func PeriodicTick() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(TickInterval),
		func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	s *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	if err := w.s.EnsureDefaults(ctx); err != nil {
		return err
	}
	_, err := w.s.Tick(ctx)
	return err
}

// EnsureDefaults gives the default schedule to every account that has a store and was never
// given one (up to 100 accounts a tick; the rest at the next), so that every merchant syncs at
// least once a business day without setting anything up.
func (s *Service) EnsureDefaults(ctx context.Context) error {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT st.account_id FROM stores st
		WHERE NOT EXISTS (SELECT 1 FROM sync_schedule_defaults d WHERE d.account_id = st.account_id)
		ORDER BY st.account_id LIMIT 100`)
	if err != nil {
		return fmt.Errorf("listing the accounts without a default sync schedule: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.EnsureDefault(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// AddWorkers registers the tick's worker. Call it before the job client starts.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &tickWorker{s: s})
}
