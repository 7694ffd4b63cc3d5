// Package syncsched keeps an account's sync schedules and starts their runs when they are due.
//
// A schedule is an expression as the person wrote it ("every 30 minutes", "daily at 02:00",
// "weekdays at 07:30", a 5-field cron line), the IANA time zone its wall-clock slots are in, and
// the steps of the sync cycle its runs do. Its next slot is kept in next_at; a tick (a periodic
// job, every 30 seconds) claims each due schedule by compare-and-set on next_at and starts its run
// through a Starter in the same transaction, so several processes sharing one PostgreSQL start
// each slot once. After downtime the missed slots are not replayed one by one: the first tick
// starts one catch-up run (for the earliest missed slot) and moves next_at to the first slot after
// now. An account whose run is still queued or running when a slot comes skips that slot, and the
// schedule says so in last_result.
//
// The package knows runs only through Starter, which the sync run package implements.
package syncsched

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones resolve on machines without a zoneinfo database

	"github.com/storesync/storesync/internal/database"
)

// StartParams say which schedule's slot a run is started for.
type StartParams struct {
	AccountID, ScheduleID int64
	Slot                  time.Time // the slot the run stands for (UTC)
	Steps                 []int     // the cycle's steps, ascending: 1 orders web → hub, 2 hub → back office, 3 back office → hub, 4 hub → web
}

// Starter starts runs for the schedules. StartScheduled runs in the tick's transaction tx, so the
// run and the schedule's claimed slot commit together or not at all. When the account already
// has a run queued or running it starts nothing and returns that run's ID as running.
type Starter interface {
	StartScheduled(ctx context.Context, tx database.Tx, p StartParams) (runID int64, running int64, err error)
}

// The default schedule EnsureDefault gives an account.
const (
	DefaultExpression = "daily at 02:00"
	DefaultTimeZone   = "UTC"
)

// DefaultSteps are the default schedule's steps: the whole cycle.
var DefaultSteps = []int{1, 2, 3, 4}

// Schedule is one of an account's sync schedules.
type Schedule struct {
	ID         int64
	AccountID  int64
	Expression string // as written
	TimeZone   string // IANA name
	Steps      []int  // ascending
	Enabled    bool
	NextAt     *time.Time // the next slot, UTC; nil while disabled
	LastSlotAt *time.Time // the last slot a tick claimed
	LastRunID  *int64     // the run that slot started, if it started one
	LastResult string     // "started run 12", "skipped: run 9 still running", "failed: ..."
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Location is the schedule's zone (UTC if it no longer loads).
func (s Schedule) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CreateParams describe a new schedule.
type CreateParams struct {
	AccountID  int64
	Expression string
	TimeZone   string // empty: UTC
	Steps      []int  // a non-empty subset of 1..4, in any order
	Enabled    bool
}

// UpdateParams replace a schedule's settings. IfVersion, when not 0, is the version the caller
// read: a schedule changed since is not updated (ErrStale).
type UpdateParams struct {
	AccountID, ID, IfVersion int64
	Expression               string
	TimeZone                 string
	Steps                    []int
	Enabled                  bool
}

// ErrStale means the schedule was changed since the caller read it.
var ErrStale = errors.New("the schedule was changed by someone else")

// FieldError is one input field that broke a rule, by its API name.
type FieldError struct {
	Field   string // expression, time_zone, steps
	Message string
	Value   any
}

// ValidationError lists every field of the input that broke a rule; nothing was changed.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid sync schedule: " + strings.Join(parts, "; ")
}

// Config holds a Service's collaborators beside the database and the starter.
type Config struct {
	Now        func() time.Time
	Logger     *slog.Logger
	MaxPerTick int // schedules one tick claims at most (default 500); the rest wait for the next tick
}

// Service keeps schedules and starts their runs.
type Service struct {
	db      *database.DB
	starter Starter
	cfg     Config
}

// NewService makes the service. starter may be nil in a process that only edits schedules; its
// Tick then fails.
func NewService(db *database.DB, starter Starter, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxPerTick <= 0 {
		cfg.MaxPerTick = 500
	}
	return &Service{db: db, starter: starter, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// settings are validated input, ready to store.
type settings struct {
	expression, zone, steps string
	expr                    Expression
	loc                     *time.Location
}

// validate checks the input fields and normalises them: the expression trimmed, the steps sorted.
func validate(expression, zone string, steps []int) (settings, error) {
	var errs []FieldError
	out := settings{expression: strings.TrimSpace(expression), zone: strings.TrimSpace(zone)}
	if len(out.expression) > 200 {
		errs = append(errs, FieldError{Field: "expression", Message: "is longer than 200 characters", Value: expression})
	} else if e, err := ParseExpression(out.expression); err != nil {
		errs = append(errs, FieldError{Field: "expression", Message: err.Error(), Value: expression})
	} else {
		out.expr = e
	}
	if out.zone == "" {
		out.zone = DefaultTimeZone
	}
	if loc, err := loadZone(out.zone); err != nil {
		errs = append(errs, FieldError{Field: "time_zone", Message: err.Error(), Value: zone})
	} else {
		out.loc = loc
	}
	if st, err := formatSteps(steps); err != nil {
		errs = append(errs, FieldError{Field: "steps", Message: err.Error(), Value: fmt.Sprint(steps)})
	} else {
		out.steps = st
	}
	if len(errs) > 0 {
		return settings{}, &ValidationError{Fields: errs}
	}
	return out, nil
}

// loadZone accepts IANA names only: "Local" would be whatever the server's zone happens to be.
func loadZone(name string) (*time.Location, error) {
	if name == "Local" || len(name) > 100 {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as Europe/Paris or UTC", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as Europe/Paris or UTC", name)
	}
	return loc, nil
}

// formatSteps checks a set of steps and writes it sorted: "1,2,3,4".
func formatSteps(steps []int) (string, error) {
	if len(steps) == 0 {
		return "", errors.New("name at least one step of 1 to 4")
	}
	var seen [5]bool
	for _, st := range steps {
		if st < 1 || st > 4 {
			return "", fmt.Errorf("%d is not a step: the steps are 1 (orders web → hub), 2 (orders hub → back office), "+
				"3 (data back office → hub) and 4 (data hub → web)", st)
		}
		if seen[st] {
			return "", fmt.Errorf("step %d is named twice", st)
		}
		seen[st] = true
	}
	parts := make([]string, 0, len(steps))
	for st := 1; st <= 4; st++ {
		if seen[st] {
			parts = append(parts, strconv.Itoa(st))
		}
	}
	return strings.Join(parts, ","), nil
}

// parseSteps reads stored steps.
func parseSteps(s string) []int {
	var out []int
	for p := range strings.SplitSeq(s, ",") {
		if len(p) == 1 && p[0] >= '1' && p[0] <= '4' {
			out = append(out, int(p[0]-'0'))
		}
	}
	return out
}
