// Package jobs runs storesync's durable work on River, on whichever database storesync was opened
// with, so that domain code enqueues a job in its own transaction and never cares whether that is
// SQLite or PostgreSQL.
//
// Every effect on the outside world is a job: enqueued in the transaction that decided it (so it
// exists exactly when the decision was committed), retried with backoff when it fails, and rescued
// and run again when the process that was running it died. Workers must therefore be safe to run
// twice.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
)

// Defaults for Config. They suit production; tests shorten them.
const (
	// DefaultMaxWorkers allows 100 jobs at once: most jobs wait on a remote API, and River fetches
	// at most MaxWorkers jobs per 100 ms, so this also caps a process near 1,000 jobs/s.
	DefaultMaxWorkers        = 100
	DefaultJobTimeout        = time.Minute
	DefaultFetchPollInterval = time.Second
	DefaultMaxAttempts       = 25
	// DefaultRescueStuckJobsAfter is how long a job may stay running before it is taken for the
	// job of a dead process and run again. It is well above DefaultJobTimeout (a live process
	// cancels its jobs then) so that live jobs are not run twice, and far below River's own hour
	// so that work left by a crash resumes within minutes.
	DefaultRescueStuckJobsAfter = 5 * time.Minute
)

// Config tunes the job client. The zero value of each field means its default.
type Config struct {
	// MaxWorkers bounds how many jobs this process runs at once.
	MaxWorkers int
	// JobTimeout cancels a job's context after this long.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before it is considered abandoned by
	// a dead process and retried. It must exceed JobTimeout.
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is how often the queue is polled for jobs inserted by other processes
	// (SQLite has no notifications, and PostgreSQL notifications can be missed).
	FetchPollInterval time.Duration
	// MaxAttempts bounds the attempts of a job whose insert options do not say otherwise.
	MaxAttempts int
	// Retry is the backoff between attempts. Zero means DefaultRetryMin doubling to DefaultRetryMax.
	Retry Backoff
	// ID names this process among the queue's clients; empty means a random name. It must be
	// unique among processes running at the same time.
	ID string
	// PeriodicJobs are enqueued on schedule by whichever process is the leader. They need workers.
	PeriodicJobs []*river.PeriodicJob
	// Logger receives the queue's warnings and errors; River's routine information (a producer's
	// job counts every few seconds, maintenance rounds) is lowered to debug, so that normal
	// operation is quiet.
	Logger *slog.Logger
	// Now is the clock of the retry backoff and of River itself; nil means the real clock, and
	// River then takes "now" from the database, so that processes sharing PostgreSQL agree.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MaxWorkers == 0 {
		c.MaxWorkers = DefaultMaxWorkers
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueStuckJobsAfter == 0 {
		c.RescueStuckJobsAfter = max(DefaultRescueStuckJobsAfter, 2*c.JobTimeout)
	}
	if c.FetchPollInterval == 0 {
		c.FetchPollInterval = DefaultFetchPollInterval
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Retry.Min == 0 && c.Retry.Max == 0 {
		c.Retry = Backoff{Min: DefaultRetryMin, Max: DefaultRetryMax}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Retry.Now == nil {
		c.Retry.Now = c.Now
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.MaxWorkers < 1 || c.MaxWorkers > river.QueueNumWorkersMax:
		return fmt.Errorf("jobs: MaxWorkers %d is outside 1..%d", c.MaxWorkers, river.QueueNumWorkersMax)
	case c.JobTimeout < 0:
		return fmt.Errorf("jobs: JobTimeout %s is negative", c.JobTimeout)
	case c.RescueStuckJobsAfter <= c.JobTimeout:
		return fmt.Errorf("jobs: RescueStuckJobsAfter %s must exceed JobTimeout %s, or live jobs would run twice",
			c.RescueStuckJobsAfter, c.JobTimeout)
	case c.FetchPollInterval < time.Millisecond:
		return fmt.Errorf("jobs: FetchPollInterval %s is below 1ms", c.FetchPollInterval)
	case c.MaxAttempts < 1:
		return fmt.Errorf("jobs: MaxAttempts %d is below 1", c.MaxAttempts)
	case c.Retry.Min <= 0 || c.Retry.Max < c.Retry.Min:
		return fmt.Errorf("jobs: Retry backoff %s..%s is not a positive range", c.Retry.Min, c.Retry.Max)
	}
	return nil
}

// Client enqueues jobs and, unless it is insert-only, works them.
type Client struct {
	db         *database.DB
	b          backend
	insertOnly bool
	logger     *slog.Logger
}

// New makes a client on db's own connections (on SQLite its single writer, so the queue and the
// application never compete for the write lock). With workers nil the client is insert-only: for
// CLI commands that enqueue work beside a running server. Workers may still be added to workers
// after New, until Start.
func New(db *database.DB, workers *river.Workers, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	rc := &river.Config{
		ID:                   cfg.ID,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        min(river.FetchCooldownDefault, cfg.FetchPollInterval),
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          cfg.Retry,
		Logger:               slog.New(quietHandler{cfg.Logger.Handler()}),
		ErrorHandler:         errorLogger{cfg.Logger},
	}
	if cfg.Now != nil {
		rc.Test.Time = clock(cfg.Now)
	}
	if workers != nil {
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
		rc.PeriodicJobs = cfg.PeriodicJobs
	} else if len(cfg.PeriodicJobs) > 0 {
		return nil, errors.New("jobs: periodic jobs need workers; an insert-only client cannot run them")
	}
	var (
		b   backend
		err error
	)
	switch db.Dialect() {
	case database.SQLite:
		b, err = newBackend(riversqlite.New(db.SQLiteWriter()), rc)
	case database.Postgres:
		b, err = newBackend(riverpgxv5.New(db.PgxPool()), rc)
	default:
		err = fmt.Errorf("unknown dialect %q", db.Dialect())
	}
	if err != nil {
		return nil, fmt.Errorf("creating the job client: %w", err)
	}
	return &Client{db: db, b: b, insertOnly: workers == nil, logger: cfg.Logger}, nil
}

// Start begins working jobs in the background until Stop or until ctx ends.
func (c *Client) Start(ctx context.Context) error {
	if c.insertOnly {
		return errors.New("starting the job client: it is insert-only (created without workers)")
	}
	if err := c.b.start(ctx); err != nil {
		return fmt.Errorf("starting the job client: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish. If ctx ends first, running jobs
// are cancelled and go back to the queue, to be run again by this or another process, so nothing
// is lost either way.
func (c *Client) Stop(ctx context.Context) error {
	if c.insertOnly {
		return nil
	}
	err := c.b.stop(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stopping the job client: %w", err)
	}
	c.logger.WarnContext(ctx, "jobs still running at shutdown deadline; cancelling them for a later retry")
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := c.b.stopAndCancel(hard); err != nil {
		return fmt.Errorf("stopping the job client: cancelling running jobs: %w", err)
	}
	return nil
}

// Insert enqueues a job in the caller's transaction: it exists exactly if tx commits. Jobs whose
// duplicates would be harmful set river.UniqueOpts in their InsertOpts; a duplicate insert is then
// silently skipped.
func (c *Client) Insert(ctx context.Context, tx database.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if err := c.b.insert(ctx, tx.Raw(), args, opts); err != nil {
		return fmt.Errorf("enqueuing %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertMany enqueues several jobs in the caller's transaction with one round trip.
func (c *Client) InsertMany(ctx context.Context, tx database.Tx, params []river.InsertManyParams) error {
	if len(params) == 0 {
		return nil
	}
	if err := c.b.insertMany(ctx, tx.Raw(), params); err != nil {
		return fmt.Errorf("enqueuing %d jobs: %w", len(params), err)
	}
	return nil
}

// Ping reports whether the queue's tables answer, for readiness checks.
func (c *Client) Ping(ctx context.Context) error {
	var id int64
	err := c.db.QueryRow(ctx, `SELECT id FROM river_job ORDER BY id LIMIT 1`).Scan(&id)
	if err != nil && !errors.Is(err, database.ErrNoRows) {
		return fmt.Errorf("pinging the job queue: %w", err)
	}
	return nil
}

// CountByState returns how many jobs are in each state, every state present (zero if none), for
// metrics and the dashboard.
func (c *Client) CountByState(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(rivertype.JobStates()))
	for _, s := range rivertype.JobStates() {
		out[string(s)] = 0
	}
	rows, err := c.db.Query(ctx, `SELECT CAST(state AS TEXT), count(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("counting jobs by state: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("counting jobs by state: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting jobs by state: %w", err)
	}
	return out, nil
}

// CompleteTx marks the running job completed in tx, from inside its worker, so that the job's
// effect on storesync's own tables and its completion commit together: if the process dies before
// the commit, neither happened and the job runs again; after it, the job never runs again.
func CompleteTx[T river.JobArgs](ctx context.Context, tx database.Tx, job *river.Job[T]) error {
	var err error
	switch raw := tx.Raw().(type) {
	case *sql.Tx:
		_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, raw, job)
	case pgx.Tx:
		_, err = river.JobCompleteTx[*riverpgxv5.Driver](ctx, raw, job)
	default:
		err = fmt.Errorf("unsupported transaction type %T", raw)
	}
	if err != nil {
		return fmt.Errorf("completing job %d: %w", job.ID, err)
	}
	return nil
}
