package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
)

// RunArgs is the job of one run. It is unique while it waits or runs.
type RunArgs struct {
	AccountID int64 `json:"account_id"`
	RunID     int64 `json:"run_id"`
}

// Kind implements river.JobArgs.
func (RunArgs) Kind() string { return "sync_run" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per run; attempts are for crashes
// and the database's trouble (a step's own failures are recorded, not retried).
func (RunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// Step is one step of the cycle. Run does the step's work for the account, reporting counts,
// progress and errors through r; it is called again after a crash with r.Cursor() as the step
// last saved it, and must then resume without doing again what it did (idempotency keys for
// effects on the outside world, or a plan saved with the cursor before it is carried out). An
// error returned fails the step (recorded, shown, not retried by the run); the run goes on with
// the next step.
type Step interface {
	Run(ctx context.Context, r *StepRun) error
}

// StepFunc is a Step of a function.
type StepFunc func(ctx context.Context, r *StepRun) error

// Run implements Step.
func (f StepFunc) Run(ctx context.Context, r *StepRun) error { return f(ctx, r) }

// StepRun is a step's handle on its run: what it reports is saved with Save (and when the step
// ends), so a crash loses at most what was reported since the last Save.
type StepRun struct {
	RunID     int64
	AccountID int64
	Step      int
	StartedAt time.Time // when the run started (a step's "since the run began")

	s      *Service
	mu     sync.Mutex
	counts map[string]int64
	done   int64
	total  int64
	cursor string
	errs   []StepError
}

// Cursor is what the step saved last ("" on its first attempt).
func (r *StepRun) Cursor() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cursor
}

// Add adds n to the named count.
func (r *StepRun) Add(name string, n int64) {
	r.mu.Lock()
	r.counts[name] += n
	r.mu.Unlock()
}

// SetCount sets the named count.
func (r *StepRun) SetCount(name string, n int64) {
	r.mu.Lock()
	r.counts[name] = n
	r.mu.Unlock()
}

// Count returns the named count.
func (r *StepRun) Count(name string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[name]
}

// Progress sets done of total.
func (r *StepRun) Progress(done, total int64) {
	r.mu.Lock()
	r.done, r.total = done, total
	r.mu.Unlock()
}

// Fail records an error about an object (kind and id, and its dashboard page) without failing
// the step: the rest goes on.
func (r *StepRun) Fail(kind, id, link, message string) {
	r.mu.Lock()
	r.errs = append(r.errs, StepError{ObjectKind: kind, ObjectID: id, Link: link, Message: message})
	r.mu.Unlock()
}

// Save saves the counts, the progress, the errors reported since the last save and the cursor,
// in one transaction; fn, when not nil, runs in it (a step records its own state with the
// cursor that says it is done).
func (r *StepRun) Save(ctx context.Context, cursor string, fn func(ctx context.Context, tx database.Tx) error) error {
	return r.s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if fn != nil {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		return r.saveTx(ctx, tx, cursor, "", "")
	})
}

func (r *StepRun) saveTx(ctx context.Context, tx database.Tx, cursor, status, stepErr string) error {
	r.mu.Lock()
	counts, err := json.Marshal(r.counts)
	done, total := r.done, r.total
	errs := r.errs
	r.mu.Unlock()
	if err != nil {
		return err
	}
	now := r.s.now()
	for _, e := range errs {
		msg := e.Message
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sync_run_errors (run_id, step, object_kind, object_id, link, message, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.RunID, r.Step, e.ObjectKind, e.ObjectID, e.Link, msg, now); err != nil {
			return fmt.Errorf("recording an error of sync run %d: %w", r.RunID, err)
		}
	}
	q := `UPDATE sync_run_steps SET counts = $3, done = $4, total = $5, cursor = $6`
	args := []any{r.RunID, r.Step, string(counts), done, total, cursor}
	if status != "" {
		q += `, status = $7, error = $8, finished_at = $9`
		args = append(args, status, stepErr, now)
	}
	if _, err := tx.Exec(ctx, q+` WHERE run_id = $1 AND step = $2`, args...); err != nil {
		return fmt.Errorf("saving step %d of sync run %d: %w", r.Step, r.RunID, err)
	}
	r.mu.Lock()
	r.cursor = cursor
	r.errs = r.errs[len(errs):]
	r.mu.Unlock()
	return nil
}

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	s *Service
}

// Timeout bounds one attempt: a run works in slices of SliceTimeout (see Work), so that the
// rescuer, which waits for a job's own timeout, picks up a run whose process died within that.
func (w *runWorker) Timeout(*river.Job[RunArgs]) time.Duration { return w.s.cfg.SliceTimeout }

// errSliceOver ends an attempt's slice: the run saved its place and goes on in the next attempt.
var errSliceOver = errors.New("the sync run's slice of time is over")

// Work takes the run's steps in order: a finished step is skipped, the running one resumes from
// its cursor (a crash stopped it), a pending one starts. The run ends succeeded when every step
// did, failed otherwise, in the transaction that completes the job.
func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	s, a := w.s, job.Args
	run, steps, err := s.load(ctx, a.AccountID, a.RunID)
	if errors.Is(err, ErrNotFound) {
		return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return err
	}
	if run.Status == StatusSucceeded || run.Status == StatusFailed {
		return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	started := s.now()
	if run.StartedAt != nil {
		started = *run.StartedAt
	} else if _, err := s.cfg.DB.Exec(ctx, `UPDATE sync_runs SET status = 'running', started_at = $2 WHERE id = $1 AND started_at IS NULL`,
		run.ID, started); err != nil {
		return fmt.Errorf("starting sync run %d: %w", run.ID, err)
	}
	// The steps stop a little before the attempt's timeout, at a point they saved, and the run
	// goes on at once in a new attempt (a snooze counts no attempt).
	slice, cancel := context.WithTimeoutCause(ctx, s.cfg.SliceTimeout*9/10, errSliceOver)
	defer cancel()
	for _, st := range steps {
		if st.status == StepSucceeded || st.status == StepFailed {
			continue
		}
		if err := s.runStep(slice, run, started, st); err != nil {
			if ctx.Err() == nil && errors.Is(context.Cause(slice), errSliceOver) {
				return river.JobSnooze(0)
			}
			return err // the database's trouble: the job retries and resumes
		}
	}
	return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var failed int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sync_run_steps WHERE run_id = $1 AND status <> 'succeeded'`, run.ID).
			Scan(&failed); err != nil {
			return err
		}
		status := StatusSucceeded
		if failed > 0 {
			status = StatusFailed
		}
		if _, err := tx.Exec(ctx, `UPDATE sync_runs SET status = $2, finished_at = $3 WHERE id = $1`, run.ID, status, s.now()); err != nil {
			return fmt.Errorf("finishing sync run %d: %w", run.ID, err)
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

type stepRow struct {
	step   int
	status string
	counts string
	cursor string
	done   int64
	total  int64
}

func (s *Service) load(ctx context.Context, accountID, runID int64) (Run, []stepRow, error) {
	run, err := scanRun(s.cfg.DB.QueryRow(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE id = $1 AND account_id = $2`, runID, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return Run{}, nil, &Error{Kind: ErrNotFound, Message: fmt.Sprintf("sync run %d not found", runID)}
	}
	if err != nil {
		return Run{}, nil, fmt.Errorf("reading sync run %d: %w", runID, err)
	}
	rows, err := s.cfg.DB.Query(ctx, `SELECT step, status, counts, cursor, done, total FROM sync_run_steps WHERE run_id = $1 ORDER BY step`, runID)
	if err != nil {
		return Run{}, nil, fmt.Errorf("reading the steps of sync run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []stepRow
	for rows.Next() {
		var r stepRow
		if err := rows.Scan(&r.step, &r.status, &r.counts, &r.cursor, &r.done, &r.total); err != nil {
			return Run{}, nil, err
		}
		out = append(out, r)
	}
	return run, out, rows.Err()
}

// runStep runs one step to its end and records how it ended. It returns an error only for the
// database's trouble (the run resumes); the step's own failure is recorded as the step's.
func (s *Service) runStep(ctx context.Context, run Run, started time.Time, row stepRow) error {
	r := &StepRun{RunID: run.ID, AccountID: run.AccountID, Step: row.step, StartedAt: started, s: s, counts: map[string]int64{},
		cursor: row.cursor, done: row.done, total: row.total}
	_ = json.Unmarshal([]byte(row.counts), &r.counts)
	if row.status == StepPending {
		if _, err := s.cfg.DB.Exec(ctx, `UPDATE sync_run_steps SET status = 'running', started_at = $3 WHERE run_id = $1 AND step = $2`,
			run.ID, row.step, s.now()); err != nil {
			return fmt.Errorf("starting step %d of sync run %d: %w", row.step, run.ID, err)
		}
	}
	impl := s.cfg.Steps[row.step]
	var stepErr error
	if impl == nil {
		stepErr = fmt.Errorf("step %d is not available in this server", row.step)
	} else {
		stepErr = runSafely(ctx, impl, r)
	}
	if stepErr != nil && ctx.Err() != nil {
		return ctx.Err() // stopped (shutdown): resume later, do not fail the step
	}
	if dbErr, ok := errors.AsType[*databaseError](stepErr); ok {
		return dbErr.err
	}
	status, msg := StepSucceeded, ""
	if stepErr != nil {
		status, msg = StepFailed, stepErr.Error()
		s.cfg.Logger.WarnContext(ctx, "sync run step failed", "run_id", run.ID, "step", row.step, "error", stepErr)
	}
	return s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return r.saveTx(ctx, tx, r.Cursor(), status, msg)
	})
}

func runSafely(ctx context.Context, impl Step, r *StepRun) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("step %d stopped on an internal error: %v", r.Step, p)
		}
	}()
	return impl.Run(ctx, r)
}

// databaseError marks a step's error as the hub database's own trouble: the run resumes the step
// later rather than failing it.
type databaseError struct{ err error }

func (e *databaseError) Error() string { return e.err.Error() }
func (e *databaseError) Unwrap() error { return e.err }

// Retry wraps an error a step should be resumed after, not failed for (the hub's database was
// unavailable, or the step was interrupted mid-save).
func Retry(err error) error {
	if err == nil {
		return nil
	}
	return &databaseError{err: err}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimSpace(err.Error())
}
