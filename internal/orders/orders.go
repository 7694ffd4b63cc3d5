// Package orders keeps the hub's copy of the orders of destination stores (stores that follow a
// source through a connection) and decides, per (order, source store), whether the order may be
// pushed to that source, with the reasons when not. Orders arrive from order webhooks (through
// internal/ingest, in the transaction that processes them) and from a reconciliation poll per
// destination store (a durable job reading the orders updated since its cursor), and are kept
// once per (store, platform order id), updated in order: a delivery older than what is kept
// changes nothing. Every change re-decides the eligibility of each of the order's pushes and
// records the decision on the order's timeline when it changed. The push itself (creating the
// order at the source) is later work: it records pushed or failed on the push rows kept here.
//
// Platform-neutral: only internal/platform's types and interfaces.
package orders

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Push statuses of one order push (one source's part of an order).
const (
	PushNotPushed = "not_pushed"
	PushPushed    = "pushed"
	PushFailed    = "failed"
	PushCancelled = "cancelled"
)

// Order-level push statuses, computed from the order's pushes.
const (
	OrderNotPushed       = "not_pushed"
	OrderPartiallyPushed = "partially_pushed"
	OrderPushed          = "pushed"
	OrderCancelled       = "cancelled"
)

// Fulfilment statuses, in the API's words.
const (
	Fulfilled          = "fulfilled"
	Unfulfilled        = "unfulfilled"
	PartiallyFulfilled = "partially_fulfilled"
)

// Timeline entry kinds.
const (
	EventReceived    = "received"
	EventUpdated     = "updated"
	EventEligible    = "eligible"
	EventNotEligible = "not_eligible"
	EventCancelled   = "cancelled"
	EventPushQueued  = "push_queued"
	EventPushed      = "pushed"
	EventPushFailed  = "push_failed"
	EventRetried     = "retried"
	EventNotPushed   = "not_pushed"
)

// Stores reads a store and opens its platform client (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// Config tunes a Service. Zero values mean the defaults.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// PollPageSize is how many orders one page of the poll asks for (0: 100).
	PollPageSize int
	// OnPolled, when set, is told each order the poll read, in the transaction that applies it and
	// before it is applied (the order a webhook's domains see it in), so that what other domains
	// keep of orders (the inventory's reservations) also recovers from a dropped webhook.
	OnPolled func(ctx context.Context, tx database.Tx, st store.Store, o platform.Order) error
	// Reservations, when set, is told in the push's completing transaction which lines were
	// pushed, and which lines' reservations end because the order was cancelled before its push.
	Reservations Reservations
	// Fulfillments, when set, gives Get each order's source fulfilments (ShowFulfillments).
	Fulfillments FulfillmentLister
	// Keeper, when set, names the stores whose orders are kept though they are no connection's
	// destination (a store's back-office link): Apply keeps them and the poll reads them.
	Keeper Keeper
	// OnKept, when set, is told each order kept new or changed (not a duplicate or stale
	// delivery), in the transaction that keeps it, with the order's id in the hub.
	OnKept func(ctx context.Context, tx database.Tx, st store.Store, orderID int64, o platform.Order, outcome Outcome) error
}

// Keeper is a domain that wants the orders of some stores kept whether or not they are a
// connection's destination.
type Keeper interface {
	// KeepsOrders says whether the store's orders are to be kept, and the earliest time its
	// orders matter from (where the store's first poll starts).
	KeepsOrders(ctx context.Context, q database.Querier, storeID int64) (since time.Time, ok bool, err error)
	// StoresKeepingOrders lists the stores KeepsOrders says yes to, for the poll.
	StoresKeepingOrders(ctx context.Context, q database.Querier) ([]int64, error)
}

// Reservations are the inventory's reservations of a destination order's lines (the wiring
// adapts internal/inventory's, which this package does not import).
type Reservations interface {
	MarkPushed(ctx context.Context, tx database.Tx, p ReservedLines) error
	Release(ctx context.Context, tx database.Tx, p ReservedLines) error
}

// ReservedLines name lines of a destination order: AccountID is the destination store's
// account, OrderID the order's platform id; At (MarkPushed) is when the source order was made,
// as the source stamps it; Reason (Release) says why the reservations end.
type ReservedLines struct {
	AccountID          int64
	DestinationStoreID int64
	OrderID            string
	LineIDs            []string
	At                 time.Time
	Reason             string
}

// ReleaseCancelled is why the reservations of an order cancelled before its push end.
const ReleaseCancelled = "the order was cancelled before its push"

// Service keeps destination orders and their eligibility.
type Service struct {
	db     *database.DB
	jobs   *jobs.Client
	stores Stores
	cfg    Config
}

// NewService returns a Service.
func NewService(db *database.DB, jobs *jobs.Client, stores Stores, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollPageSize <= 0 {
		cfg.PollPageSize = 100
	}
	return &Service{db: db, jobs: jobs, stores: stores, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// AddWorkers registers the jobs of this package.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &pollTickWorker{s: s})
	river.AddWorker(w, &pollWorker{s: s})
	river.AddWorker(w, &refreshWorker{s: s})
	river.AddWorker(w, &pushWorker{s: s})
	river.AddWorker(w, &cancelSourceWorker{s: s})
	river.AddWorker(w, &cancelDestinationWorker{s: s})
}

// OnEvent keeps the order of an order webhook of a destination store, in the transaction that
// processes the webhook (internal/ingest's EventFunc, without its import). Other topics, and
// stores that are no connection's destination, are ignored.
func (s *Service) OnEvent(ctx context.Context, tx database.Tx, st store.Store, ev platform.WebhookEvent) error {
	if ev.Order == nil || !orderTopic(ev.Topic) {
		return nil
	}
	if _, err := s.Apply(ctx, tx, st, *ev.Order); err != nil {
		return err
	}
	return s.SourceOrderChanged(ctx, tx, st, *ev.Order) // the store as a push's source (cancel.go)
}

// orderTopics are the topics whose order is kept; a deleted order keeps its hub copy (history).
var orderTopics = []platform.Topic{platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid,
	platform.TopicOrderCancelled, platform.TopicOrderFulfilled}

func orderTopic(t platform.Topic) bool { return slices.Contains(orderTopics, t) }

// ErrInvalid is what every *Error of bad input matches with errors.Is.
var ErrInvalid = errors.New("invalid")

// Error is bad input: Field names it (its JSON path), Message says what to give.
type Error struct {
	Field   string
	Message string
	Value   any
}

func (e *Error) Error() string { return e.Field + ": " + e.Message }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }
