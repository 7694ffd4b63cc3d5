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
)

// Settings are an account's reconciliation settings.
type Settings struct {
	IntervalMinutes int64 // between incremental runs of each of its connections
}

// DefaultSettings are an account's settings until it saves its own.
func DefaultSettings() Settings {
	return Settings{IntervalMinutes: int64(DefaultInterval / time.Minute)}
}

// GetSettings reads the account's settings.
func (s *Service) GetSettings(ctx context.Context, accountID int64) (Settings, error) {
	out := DefaultSettings()
	err := s.cfg.DB.QueryRow(ctx, `SELECT interval_minutes FROM reconciliation_settings WHERE account_id = $1`, accountID).
		Scan(&out.IntervalMinutes)
	if err != nil && !errors.Is(err, database.ErrNoRows) {
		return Settings{}, fmt.Errorf("reading the reconciliation settings: %w", err)
	}
	return out, nil
}

// SaveSettings validates and saves the account's settings; out of bounds nothing is saved and
// the error names the field.
func (s *Service) SaveSettings(ctx context.Context, accountID int64, in Settings) (Settings, error) {
	if in.IntervalMinutes < MinIntervalMinutes || in.IntervalMinutes > MaxIntervalMinutes {
		return Settings{}, &connection.Error{Kind: connection.ErrInvalid, Field: "interval_minutes",
			Message: fmt.Sprintf("interval_minutes must be from %d to %d", MinIntervalMinutes, MaxIntervalMinutes)}
	}
	_, err := s.cfg.DB.Exec(ctx, `INSERT INTO reconciliation_settings (account_id, interval_minutes, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET interval_minutes = excluded.interval_minutes, updated_at = excluded.updated_at`,
		accountID, in.IntervalMinutes, s.now())
	if err != nil {
		return Settings{}, fmt.Errorf("saving the reconciliation settings: %w", err)
	}
	return in, nil
}

// ScheduleArgs is the periodic job that starts the runs that are due.
type ScheduleArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleArgs) Kind() string { return "reconcile.schedule" }

// InsertOpts keep one schedule job waiting or running at a time: a slow tick is not joined by
// the next.
func (ScheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// ScheduleInterval is how often the schedule looks for due runs.
const ScheduleInterval = time.Minute

// PeriodicSchedule is the periodic job of the schedule, for the queue's configuration.
func PeriodicSchedule() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ScheduleInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	s *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	_, err := w.s.Schedule(ctx)
	return err
}

// maxDuePerTick bounds the runs one tick starts; the rest start at the next tick.
const maxDuePerTick = 500

// due is a connection whose run is due.
type due struct {
	accountID, connectionID int64
	full                    bool
}

// Schedule starts a run of every connected connection whose last run (or, before its first,
// its creation) began longer ago than its account's interval and that has none queued or running; a full pass when its last full pass
// is older than FullEvery (or it never had one). It returns how many it started.
func (s *Service) Schedule(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.cfg.DB.Query(ctx, `SELECT d.account_id, c.id, c.created_at, COALESCE(rs.interval_minutes, $1),
			(SELECT MAX(r.id) FROM reconciliations r WHERE r.connection_id = c.id),
			(SELECT MAX(r.id) FROM reconciliations r WHERE r.connection_id = c.id AND r.kind = 'full' AND r.state = 'done')
		FROM connections c JOIN stores d ON d.id = c.destination_store_id
		LEFT JOIN reconciliation_settings rs ON rs.account_id = d.account_id
		WHERE c.state = 'connected'
			AND NOT EXISTS (SELECT 1 FROM reconciliations r WHERE r.connection_id = c.id AND r.state IN ('queued', 'running'))
		ORDER BY c.id`, int64(DefaultInterval/time.Minute))
	if err != nil {
		return 0, fmt.Errorf("reading the connections to reconcile: %w", err)
	}
	type cand struct {
		due
		created        time.Time
		interval       int64
		lastID, fullID *int64
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.accountID, &c.connectionID, &c.created, &c.interval, &c.lastID, &c.fullID); err != nil {
			rows.Close()
			return 0, err
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	started := 0
	for _, c := range cands {
		if started >= maxDuePerTick {
			break
		}
		// A new connection was just read by its import or map: its first run is an interval later.
		last, err := s.createdAt(ctx, c.lastID, c.created)
		if err != nil {
			return started, err
		}
		if now.Sub(last) < time.Duration(c.interval)*time.Minute {
			continue
		}
		full, err := s.createdAt(ctx, c.fullID, time.Time{})
		if err != nil {
			return started, err
		}
		c.full = now.Sub(full) >= s.cfg.FullEvery
		err = s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			_, err := s.startTx(ctx, tx, StartParams{AccountID: c.accountID, ConnectionID: c.connectionID, Full: c.full, Trigger: TriggerSchedule})
			return err
		})
		if err != nil {
			return started, err
		}
		started++
	}
	return started, nil
}

// createdAt is when the run began (none: instead). Read apart: SQLite returns an aggregate of
// timestamps as text.
func (s *Service) createdAt(ctx context.Context, id *int64, instead time.Time) (time.Time, error) {
	if id == nil {
		return instead, nil
	}
	var at time.Time
	if err := s.cfg.DB.QueryRow(ctx, `SELECT created_at FROM reconciliations WHERE id = $1`, *id).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("reading reconciliation %d: %w", *id, err)
	}
	return at, nil
}
