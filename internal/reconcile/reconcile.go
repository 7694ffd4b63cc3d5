// Package reconcile finds and fixes what webhooks missed. Webhooks are at least once and can be
// dropped, and a person may edit a destination's stock by hand, so a periodic reconciliation run
// per connection reads both sides and fixes every drift it finds, recording what it fixed:
//
//   - products of the source changed since the last run's cursor (incremental), or the whole
//     source catalog streamed through the platform's export (full, daily or on demand), are
//     handed to the follower, which writes only what differs;
//   - the source's inventory levels of every linked item are compared with the levels the hub
//     recorded: a difference (a dropped webhook) is a source change for inventory;
//   - the destination's levels of every linked item are compared with what the hub last wrote:
//     a difference (an edit, a lost write) re-marks the item pending, and its store's inventory
//     job writes the decided quantity again.
//
// A run is one durable job that works in bounded batches (one transaction each, the run's cursor
// saved with the batch's effects) and snoozes between them and between polls of an export, so it
// never waits inside a job, a crash resumes at the last batch, and memory does not grow with the
// catalog.
package reconcile

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/linking"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Defaults of a Config.
const (
	DefaultInterval      = 15 * time.Minute // between incremental runs of a connection
	DefaultFullEvery     = 24 * time.Hour   // between full passes of a connection
	DefaultBatch         = 500              // links or exported variants per transaction
	DefaultPollInterval  = 5 * time.Second  // between polls of a running export
	DefaultAttemptBudget = 20 * time.Second // work of one attempt before it snoozes to go on
	DefaultStreamTimeout = 4 * time.Minute  // longest attempt reading an export's stream
	MinIntervalMinutes   = 5
	MaxIntervalMinutes   = 1440
)

// Kind is what a run reads.
type Kind string

// The kinds of run.
const (
	KindIncremental Kind = "incremental" // products changed since the last run, every linked item's levels
	KindFull        Kind = "full"        // the whole source catalog through its export, every linked item's levels
)

// Trigger is what started a run.
type Trigger string

// The triggers.
const (
	TriggerSchedule Trigger = "schedule"
	TriggerDemand   Trigger = "demand"
)

// State is where a run is.
type State string

// The states of a run.
const (
	StateQueued  State = "queued"
	StateRunning State = "running"
	StateDone    State = "done"
	StateFailed  State = "failed"
)

// Run is one reconciliation of one connection.
type Run struct {
	ID           int64
	AccountID    int64
	ConnectionID int64
	Kind         Kind
	Trigger      Trigger
	State        State
	Phase        string
	ProductsRead int64
	VariantsRead int64
	LevelsRead   int64
	DriftsFixed  int64
	Error        string
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

// Side is the store a drift was found on.
type Side string

// The sides.
const (
	SideSource      Side = "source"
	SideDestination Side = "destination"
)

// Drift is one thing a run found wrong and fixed: expected is what the hub held, found what the
// store held. FixedAt is when the fix was decided in the run's transaction (the write to a
// store is its job's, right after).
type Drift struct {
	ID           int64
	RunID        int64
	ConnectionID int64
	LinkID       *int64
	Side         Side
	Attribute    string // quantity, price, product
	ItemID       string // the inventory item, variant or product the drift is of
	Expected     string
	Found        string
	FixedAt      time.Time
}

// Inventory is what a run uses of inventory (*inventory.Service).
type Inventory interface {
	SourceChanged(ctx context.Context, tx database.Tx, levels []inventory.SourceLevel) error
	RecordedLevels(ctx context.Context, q database.Querier, storeID int64, items []string) (map[string]map[string]inventory.RecordedLevel, error)
	LockSourceLevels(ctx context.Context, tx database.Tx, storeID int64, items []string) error
	DecideRecorded(ctx context.Context, tx database.Tx, storeID int64, items []string) error
	TargetsOf(ctx context.Context, q database.Querier, storeID int64, items []string) (map[string]inventory.Target, error)
	Rewrite(ctx context.Context, tx database.Tx, p inventory.RewriteParams) ([]string, error)
}

// Follower carries source product changes to destinations (*linking.Follower).
type Follower interface {
	SourceChanged(ctx context.Context, tx database.Tx, p linking.SourceChangedParams) error
}

// Links reads a connection's product links (*catalog.LinkStore).
type Links interface {
	LinksPage(ctx context.Context, q database.Querier, p catalog.LinksPageParams) ([]catalog.Link, error)
	LinksOfSourceVariants(ctx context.Context, q database.Querier, p catalog.LinksOfSourceVariantsParams) ([]catalog.Link, error)
}

// Connections reads a connection as one of its accounts sees it (*connection.Service).
type Connections interface {
	Get(ctx context.Context, p connection.GetParams) (connection.Connection, error)
}

// Stores reads a store and opens its platform client (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// Config builds a Service. Zero durations and sizes mean the defaults.
type Config struct {
	DB          *database.DB
	Jobs        *jobs.Client
	Connections Connections
	Stores      Stores
	Links       Links
	Inventory   Inventory
	Follower    Follower
	Announcer   Announcer
	Batch       int
	// PollInterval is the snooze between polls of a running export.
	PollInterval time.Duration
	// AttemptBudget is how long one attempt works batches before it snoozes to go on: within
	// the job timeout, so no attempt is cut off.
	AttemptBudget time.Duration
	// StreamTimeout bounds the attempt reading an export's stream (which cannot stop and
	// resume mid-file): shorter than the queue's rescue time, so no second attempt runs beside it.
	StreamTimeout time.Duration
	FullEvery     time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
}

// Service starts, runs and lists reconciliations.
type Service struct{ cfg Config }

// NewService returns a Service.
func NewService(c Config) *Service {
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.AttemptBudget <= 0 {
		c.AttemptBudget = DefaultAttemptBudget
	}
	if c.StreamTimeout <= 0 {
		c.StreamTimeout = DefaultStreamTimeout
	}
	if c.FullEvery <= 0 {
		c.FullEvery = DefaultFullEvery
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: c}
}

// AddWorkers registers the run and schedule jobs.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &runWorker{s: s})
	river.AddWorker(w, &scheduleWorker{s: s})
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }
