// Package syncrun runs the sync cycle of an account: (1) orders web → hub, (2) orders hub → back
// office, (3) data back office → hub, (4) data hub → web, in that order (or a chosen subset), so
// that the back office's inventory position stays right: steps 1–2 bring what sold online into
// the back office, steps 3–4 move its quantities back to the stores. storesync reacts to webhooks
// in seconds; a run is the guaranteed catch-up, fixing whatever a dropped webhook missed.
//
// A run is a row and a durable job. One run per account is queued or running at a time (a
// second asks get 409 with the running one's id). Each step records its status, counts, progress
// and errors as it goes; after a crash the job runs again, skips the steps that finished and
// resumes the running one from its cursor, so nothing is done twice.
package syncrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
)

// The steps of the cycle, in the order a run takes them.
const (
	StepOrdersIn  = 1 // orders web → hub: every store whose orders the hub keeps is read
	StepOrdersOut = 2 // orders hub → back office: every kept order is a job; fulfilled ones relieve stock
	StepDataIn    = 3 // data back office → hub: supplier feeds set the back office's items
	StepDataOut   = 4 // data hub → web: stores mastered by the back office get its quantities
)

// AllSteps is the whole cycle.
var AllSteps = []int{StepOrdersIn, StepOrdersOut, StepDataIn, StepDataOut}

// StepNames name the steps for people.
var StepNames = map[int]string{
	StepOrdersIn:  "Orders from the stores",
	StepOrdersOut: "Orders to the back office",
	StepDataIn:    "Data from the back office",
	StepDataOut:   "Data to the stores",
}

// Trigger says who started a run.
type Trigger string

// The triggers.
const (
	TriggerManual   Trigger = "manual"   // Sync All or a step's button on the dashboard
	TriggerSchedule Trigger = "schedule" // a sync schedule's slot
	TriggerAPI      Trigger = "api"
	TriggerCLI      Trigger = "cli"
)

// Run statuses.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed" // a step failed; the steps after it still ran
)

// Step statuses.
const (
	StepPending   = "pending"
	StepRunning   = "running"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
)

// Run is one run of the cycle.
type Run struct {
	ID          int64
	AccountID   int64
	Trigger     Trigger
	Steps       []StepState
	Status      string
	ScheduleID  *int64
	RequestedBy string
	Error       string
	CreatedAt   time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
}

// StepState is what a step of a run did.
type StepState struct {
	Step       int
	Name       string
	Status     string
	Done       int64 // progress: done of total (total 0 while unknown)
	Total      int64
	Counts     map[string]int64
	Errors     []StepError // the first 100
	ErrorCount int64
	Error      string // why the step failed
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// StepError is one thing that went wrong in a step, with the object it concerns.
type StepError struct {
	ObjectKind string // order, store, feed, item
	ObjectID   string
	Link       string // the dashboard page of the object
	Message    string
	At         time.Time
}

// Error is a refusal naming what is wrong: Field for invalid input, RunID for a run already
// under way (ErrRunning).
type Error struct {
	Kind    error
	Field   string
	Message string
	RunID   int64
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func (e *Error) Is(target error) bool { return target == e.Kind }

// The kinds of Error.
var (
	ErrInvalid  = errors.New("invalid")
	ErrRunning  = errors.New("a sync run of the account is already queued or running")
	ErrNotFound = errors.New("not found")
)

// Config wires a Service.
type Config struct {
	DB     *database.DB
	Jobs   *jobs.Client
	Steps  map[int]Step // the step implementations; a step without one fails saying so
	Logger *slog.Logger
	Now    func() time.Time

	// Supplier feeds: the sealer of their auth headers, the client fetching them (the guarded
	// one, refusing private addresses), the early check of their URLs, and whether plain-HTTP
	// URLs are allowed (the demo's and tests' local feeds only).
	Sealer        Sealer
	FeedClient    *http.Client
	FeedURLCheck  URLCheck
	FeedAllowHTTP bool

	// SliceTimeout is how long one attempt of a run's job works (0: 5 minutes). A run longer
	// than that saves its place and goes on in the next attempt; a run whose process died is
	// rescued once its attempt is that old, so it should be just under the jobs' rescue delay.
	SliceTimeout time.Duration
}

// Service starts, runs and lists sync runs.
type Service struct {
	cfg Config
}

// NewService returns a Service.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SliceTimeout <= 0 {
		cfg.SliceTimeout = 5 * time.Minute
	}
	return &Service{cfg: cfg}
}

// UseSteps sets the step implementations (made after the Service, since step 3 uses it).
func (s *Service) UseSteps(steps map[int]Step) { s.cfg.Steps = steps }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// AddWorkers registers the run job.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &runWorker{s: s})
}

// StartParams ask for a run.
type StartParams struct {
	AccountID   int64
	Trigger     Trigger
	Steps       []int // nil: all four
	RequestedBy string
	ScheduleID  int64     // a schedule's run: with its slot, started once per slot
	Slot        time.Time // the schedule's slot
}

// NormalizeSteps checks a choice of steps (a non-empty subset of 1–4, each once) and returns it
// in the cycle's order; nil or empty means all four.
func NormalizeSteps(steps []int) ([]int, error) {
	if len(steps) == 0 {
		return slices.Clone(AllSteps), nil
	}
	seen := map[int]bool{}
	for _, st := range steps {
		if st < StepOrdersIn || st > StepDataOut {
			return nil, &Error{Kind: ErrInvalid, Field: "steps", Message: fmt.Sprintf("step %d does not exist: the steps are 1 to 4", st)}
		}
		if seen[st] {
			return nil, &Error{Kind: ErrInvalid, Field: "steps", Message: fmt.Sprintf("step %d is given twice", st)}
		}
		seen[st] = true
	}
	out := slices.Clone(steps)
	slices.Sort(out)
	return out, nil
}

// ParseSteps reads "1,2,4" (the CLI's and the dashboard's form).
func ParseSteps(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, &Error{Kind: ErrInvalid, Field: "steps", Message: fmt.Sprintf("%q is not a step number (1 to 4)", strings.TrimSpace(f))}
		}
		out = append(out, n)
	}
	return NormalizeSteps(out)
}

func formatSteps(steps []int) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ",")
}

// Start records a run with its steps pending and enqueues its job, in one transaction. An
// account with a run queued or running gets ErrRunning naming it, and nothing changes.
func (s *Service) Start(ctx context.Context, p StartParams) (Run, error) {
	var id int64
	err := s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		id, err = s.StartTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return Run{}, err
	}
	return s.Get(ctx, p.AccountID, id)
}

// StartTx is Start in tx (a schedule's tick starts runs so, once per slot).
func (s *Service) StartTx(ctx context.Context, tx database.Tx, p StartParams) (int64, error) {
	steps, err := NormalizeSteps(p.Steps)
	if err != nil {
		return 0, err
	}
	switch p.Trigger {
	case TriggerManual, TriggerSchedule, TriggerAPI, TriggerCLI:
	case "":
		p.Trigger = TriggerAPI
	default:
		return 0, &Error{Kind: ErrInvalid, Field: "trigger", Message: fmt.Sprintf("unknown trigger %q", p.Trigger)}
	}
	if running, err := s.active(ctx, tx, p.AccountID); err != nil {
		return 0, err
	} else if running != 0 {
		return 0, &Error{Kind: ErrRunning, RunID: running, Message: fmt.Sprintf("sync run %d of the account is still %s", running, "under way")}
	}
	now := s.now()
	var schedule, slot any
	if p.ScheduleID != 0 {
		schedule, slot = p.ScheduleID, p.Slot.UTC()
	}
	var id int64
	// ON CONFLICT DO NOTHING: another start that won the race (the one-active-run index), or a
	// slot already taken, leaves no row and the transaction usable (a failed statement would
	// abort it on PostgreSQL).
	err = tx.QueryRow(ctx, `INSERT INTO sync_runs (account_id, trigger, steps, status, schedule_id, slot_at, requested_by, created_at)
		VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`, p.AccountID, string(p.Trigger),
		formatSteps(steps), schedule, slot, p.RequestedBy, now).Scan(&id)
	if errors.Is(err, database.ErrNoRows) {
		if running, aerr := s.active(ctx, tx, p.AccountID); aerr != nil {
			return 0, aerr
		} else if running != 0 {
			return 0, &Error{Kind: ErrRunning, RunID: running, Message: fmt.Sprintf("sync run %d of the account is still under way", running)}
		}
		return 0, &Error{Kind: ErrRunning, Message: "the schedule's slot has its run already"}
	}
	if err != nil {
		return 0, fmt.Errorf("recording a sync run: %w", err)
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, `INSERT INTO sync_run_steps (run_id, step, status) VALUES ($1, $2, 'pending')`, id, st); err != nil {
			return 0, fmt.Errorf("recording step %d of sync run %d: %w", st, id, err)
		}
	}
	if err := s.cfg.Jobs.Insert(ctx, tx, RunArgs{AccountID: p.AccountID, RunID: id}, nil); err != nil {
		return 0, fmt.Errorf("enqueueing sync run %d: %w", id, err)
	}
	return id, nil
}

// active is the account's run queued or running, 0 when none.
func (s *Service) active(ctx context.Context, q database.Querier, accountID int64) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM sync_runs WHERE account_id = $1 AND status IN ('queued', 'running') ORDER BY id LIMIT 1`,
		accountID).Scan(&id)
	if errors.Is(err, database.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the account's sync run under way: %w", err)
	}
	return id, nil
}

// Active returns the account's run queued or running, ok false when none.
func (s *Service) Active(ctx context.Context, accountID int64) (Run, bool, error) {
	id, err := s.active(ctx, s.cfg.DB, accountID)
	if err != nil || id == 0 {
		return Run{}, false, err
	}
	r, err := s.Get(ctx, accountID, id)
	return r, err == nil, err
}

const runColumns = `id, account_id, trigger, steps, status, schedule_id, requested_by, error, created_at, started_at, finished_at`

func scanRun(row interface{ Scan(dest ...any) error }) (Run, error) {
	var r Run
	var trigger, steps string
	err := row.Scan(&r.ID, &r.AccountID, &trigger, &steps, &r.Status, &r.ScheduleID, &r.RequestedBy, &r.Error, &r.CreatedAt,
		&r.StartedAt, &r.FinishedAt)
	r.Trigger = Trigger(trigger)
	return r, err
}

// Get returns the account's run with its steps, their counts and first errors.
func (s *Service) Get(ctx context.Context, accountID, id int64) (Run, error) {
	r, err := scanRun(s.cfg.DB.QueryRow(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE id = $1 AND account_id = $2`, id, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return Run{}, &Error{Kind: ErrNotFound, Message: fmt.Sprintf("sync run %d not found", id)}
	}
	if err != nil {
		return Run{}, fmt.Errorf("reading sync run %d: %w", id, err)
	}
	if r.Steps, err = s.steps(ctx, id, true); err != nil {
		return Run{}, err
	}
	return r, nil
}

func (s *Service) steps(ctx context.Context, runID int64, withErrors bool) ([]StepState, error) {
	rows, err := s.cfg.DB.Query(ctx, `SELECT step, status, done, total, counts, error, started_at, finished_at,
			(SELECT COUNT(*) FROM sync_run_errors e WHERE e.run_id = s.run_id AND e.step = s.step)
		FROM sync_run_steps s WHERE run_id = $1 ORDER BY step`, runID)
	if err != nil {
		return nil, fmt.Errorf("reading the steps of sync run %d: %w", runID, err)
	}
	var out []StepState
	for rows.Next() {
		var st StepState
		var counts string
		if err := rows.Scan(&st.Step, &st.Status, &st.Done, &st.Total, &counts, &st.Error, &st.StartedAt, &st.FinishedAt, &st.ErrorCount); err != nil {
			rows.Close()
			return nil, err
		}
		st.Name = StepNames[st.Step]
		st.Counts = map[string]int64{}
		_ = json.Unmarshal([]byte(counts), &st.Counts)
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !withErrors {
		return out, nil
	}
	for i := range out {
		if out[i].ErrorCount == 0 {
			continue
		}
		if out[i].Errors, err = s.stepErrors(ctx, runID, out[i].Step, 100); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) stepErrors(ctx context.Context, runID int64, step, limit int) ([]StepError, error) {
	rows, err := s.cfg.DB.Query(ctx, `SELECT object_kind, object_id, link, message, created_at FROM sync_run_errors
		WHERE run_id = $1 AND step = $2 ORDER BY id LIMIT $3`, runID, step, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the errors of sync run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []StepError
	for rows.Next() {
		var e StepError
		if err := rows.Scan(&e.ObjectKind, &e.ObjectID, &e.Link, &e.Message, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ListParams page an account's runs, newest first.
type ListParams struct {
	AccountID int64
	BeforeID  int64 // 0: the newest
	Limit     int   // 0: 20; at most 100
}

// List returns the account's runs, newest first, with their steps (without errors).
func (s *Service) List(ctx context.Context, p ListParams) ([]Run, error) {
	if p.Limit <= 0 {
		p.Limit = 20
	}
	p.Limit = min(p.Limit, 100)
	rows, err := s.cfg.DB.Query(ctx, `SELECT `+runColumns+` FROM sync_runs WHERE account_id = $1 AND ($2 = 0 OR id < $2)
		ORDER BY id DESC LIMIT $3`, p.AccountID, p.BeforeID, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("listing sync runs: %w", err)
	}
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Steps, err = s.steps(ctx, out[i].ID, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}
