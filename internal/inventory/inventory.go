// Package inventory makes every linked destination's stock follow its source store: the source is
// master. When the source's available quantity of an item changes (a processed webhook, or later
// reconciliation), the quantity each linked destination item must have is decided in that same
// transaction (a target) and one job per destination store is enqueued; the job writes all of its
// store's pending targets in as few calls as the platform allows, compare-and-set against what it
// last wrote, with idempotency keys from the job, and records what it wrote in the transaction
// that completes it. A burst of changes coalesces: the job is unique per store while it waits or
// runs, and it writes once its store's changes have been quiet for Debounce (or waited MaxWait).
//
// The rule: destination quantity = the source's available quantity summed over the connection's
// source locations (every location when it names none), minus the quantity destination orders
// reserve of it (see reserve.go), minus the buffer (the link's own when set, else the
// connection's), never below zero. It is written at the destination store's first
// active location. A change of the rule decides the quantities again (rule.go), and items just
// linked have their source levels read at once, so an import is stocked within seconds.
package inventory

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// DefaultDebounce is how quiet a destination store's targets must be before its job writes them,
// so that a burst of source changes (an import, a busy sale) makes one write per item.
const DefaultDebounce = 500 * time.Millisecond

// DefaultMaxWait bounds how long a change waits for its burst to end: a source that never stops
// changing still reaches its destinations within seconds.
const DefaultMaxWait = 3 * time.Second

// DefaultRateLimitSnooze is how long a job waits after a rate-limited answer that named no wait.
const DefaultRateLimitSnooze = 5 * time.Second

// MaxPerRun bounds the targets one run of a store's job writes; the rest are written by the next
// run, so memory does not grow with the catalog.
const MaxPerRun = 10_000

// Links is what inventory uses of product links (*catalog.LinkStore).
type Links interface {
	// FanOut returns, through q (the deciding transaction), the links of connected connections
	// following the source's items, with each destination's account and connection settings.
	FanOut(ctx context.Context, q database.Querier, p catalog.SourceItemsParams) ([]catalog.FanOutLink, error)
	// ConnectionFanOut returns, through q, a batch of one connection's links that take stock.
	ConnectionFanOut(ctx context.Context, q database.Querier, p catalog.ConnectionLinksParams) ([]catalog.FanOutLink, error)
	// ForDestinationVariants returns, through q, the links following the destination store's
	// variants (what an order's lines reserve).
	ForDestinationVariants(ctx context.Context, q database.Querier, p catalog.DestinationVariantsParams) ([]catalog.Link, error)
	// RecordSynced records, in tx, the quantities read at the source and written at the destination.
	RecordSynced(ctx context.Context, tx database.Tx, p catalog.RecordSyncedParams) error
	// RecordSyncedMany records the same for many links, a few hundred per statement.
	RecordSyncedMany(ctx context.Context, tx database.Tx, p catalog.RecordSyncedManyParams) error
}

// Connections reads a connection as one of its sides' accounts sees it (*connection.Service).
type Connections interface {
	Get(ctx context.Context, p connection.GetParams) (connection.Connection, error)
}

// Stores reads a store and opens its platform client (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// Config tunes a Service. Zero values mean the defaults.
type Config struct {
	Debounce        time.Duration // 0: DefaultDebounce; negative: no wait
	MaxWait         time.Duration // 0: DefaultMaxWait
	RateLimitSnooze time.Duration
	Now             func() time.Time
	Logger          *slog.Logger
}

// Service decides and writes destination inventory.
type Service struct {
	db          *database.DB
	jobs        *jobs.Client
	stores      Stores
	connections Connections
	links       Links
	cfg         Config

	mu        sync.Mutex
	locations map[int64]string // destination store id → the location its quantities are set at
}

// NewService returns a Service.
func NewService(db *database.DB, jobs *jobs.Client, stores Stores, connections Connections, links Links, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Debounce < 0 {
		cfg.Debounce = 0
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.RateLimitSnooze <= 0 {
		cfg.RateLimitSnooze = DefaultRateLimitSnooze
	}
	return &Service{db: db, jobs: jobs, stores: stores, connections: connections, links: links, cfg: cfg,
		locations: map[int64]string{}}
}

// AddWorkers registers the jobs of this package.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &writeWorker{s: s})
	river.AddWorker(w, &readWorker{s: s})
	river.AddWorker(w, &redecideWorker{s: s})
}

// Quantity is the rule: the source's available quantity minus the buffer, never below zero.
func Quantity(sourceAvailable, buffer int64) int64 {
	return max(0, sourceAvailable-max(0, buffer))
}
