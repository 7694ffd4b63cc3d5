// Package fulfilment carries fulfilments with tracking back from source stores to the destination
// orders they were pushed from. A source store's fulfilment of a pushed order arrives by webhook
// (fulfillment.created/updated, and the source order's own updates, which make the hub read its
// fulfilments) and by a reconciliation poll of every pushed source order not yet fully fulfilled;
// the same code records it, once per (source store, source fulfilment id), and a durable job
// applies it to the destination order: one destination fulfilment of the matching lines (mapped
// through the push's lines and the connection's product links) with the carrier and every
// tracking number and URL, and later tracking as an update of that fulfilment. Each source
// fulfilment is applied once: the destination fulfilment's id is recorded in the transaction that
// completes the job, and a re-run after a crash sends the same create, which the platform answers
// with what the first run made (platform.FulfillmentWriter's contract). A fulfilment the source
// cancels is recorded and flagged on the order's timeline; the destination's is left to a person.
//
// Platform-neutral: only internal/platform's types and interfaces.
package fulfilment

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// States of a source fulfilment in the hub.
const (
	StatePending   = "pending"   // to apply (or waiting for the source to complete it)
	StateApplied   = "applied"   // the destination has its fulfilment
	StateFailed    = "failed"    // the destination refused it: Error says why
	StateCancelled = "cancelled" // cancelled at the source before it was applied: nothing sent
	StateSkipped   = "skipped"   // none of its lines is a line of the destination order
)

// Source statuses in the platforms' words (platform.Fulfillment.Status).
const (
	sourceSuccess   = "success"
	sourceCancelled = "cancelled"
)

// Destination order fulfilment statuses (the orders API's words).
const (
	statusFulfilled   = "fulfilled"
	statusPartial     = "partially_fulfilled"
	statusUnfulfilled = "unfulfilled"
)

// Stores reads a store and opens its platform client (*store.Service).
type Stores interface {
	Get(ctx context.Context, p store.GetParams) (store.Store, error)
	Client(st store.Store) (platform.Store, error)
}

// SourceOrderParams is a pushed source order as the reconciliation poll read it.
type SourceOrderParams struct {
	Source        store.Store    // the source store
	OrderID       int64          // the hub's destination order the source order was pushed from
	SourceOrderID string         // the source order's platform id
	Order         platform.Order // as the source has it now
}

// SourceOrderFunc acts on a source order the poll read, in the transaction that records what the
// poll found of it (its fulfilments): an error rolls that back and the poll is retried.
type SourceOrderFunc func(ctx context.Context, tx database.Tx, p SourceOrderParams) error

// Config tunes a Service. Zero values mean the defaults.
type Config struct {
	Now    func() time.Time
	Logger *slog.Logger
	// PollBatch bounds how many source orders one poll of a source store reads (0: 200), the ones
	// read longest ago first.
	PollBatch int
	// TrackingWindow is how long after a source order is fully fulfilled (or cancelled) the poll
	// still reads it, for tracking added late (0: 72 h).
	TrackingWindow time.Duration
	// NotifyCustomer tells the destination's customer of each fulfilment and tracking update
	// (the platform's shipping emails). Nil: true.
	NotifyCustomer *bool
	// OnApplied, when set, is told in the recording transaction that a destination order got a
	// fulfilment (the wiring has the hub's copy of the order read again: orders' refresh).
	OnApplied func(ctx context.Context, tx database.Tx, destinationStoreID int64, orderID string) error
}

// Service records source fulfilments and applies them to destination orders.
type Service struct {
	db            *database.DB
	jobs          *jobs.Client
	stores        Stores
	cfg           Config
	onSourceOrder []SourceOrderFunc
	// afterCall, in tests, runs after a platform call of the apply job and before its result is
	// recorded: an error there is a crash between the call and the commit.
	afterCall func() error
}

// NewService returns a Service.
func NewService(db *database.DB, jc *jobs.Client, stores Stores, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollBatch <= 0 {
		cfg.PollBatch = 200
	}
	if cfg.TrackingWindow <= 0 {
		cfg.TrackingWindow = 72 * time.Hour
	}
	if cfg.NotifyCustomer == nil {
		t := true
		cfg.NotifyCustomer = &t
	}
	return &Service{db: db, jobs: jc, stores: stores, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// OnSourceOrder adds fn to the functions called with each pushed source order the reconciliation
// poll reads (so other domains, such as the source-cancel detection, ride on the same poll). Call
// it while wiring, before the job queue starts.
func (s *Service) OnSourceOrder(fn SourceOrderFunc) { s.onSourceOrder = append(s.onSourceOrder, fn) }

// AddWorkers registers the jobs of this package.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &applyWorker{s: s})
	river.AddWorker(w, &pollTickWorker{s: s})
	river.AddWorker(w, &pollWorker{s: s})
	river.AddWorker(w, &readWorker{s: s})
}

// OnEvent acts on a processed webhook of a store, in the transaction that processes it
// (internal/ingest's EventFunc, without its import): a fulfilment of an order pushed to the store
// is recorded (and its apply queued); an update of such an order that says it is fulfilled, in
// part or whole, queues a read of its fulfilments (a dropped fulfilment webhook is found then).
// Everything else is ignored.
func (s *Service) OnEvent(ctx context.Context, tx database.Tx, st store.Store, ev platform.WebhookEvent) error {
	switch {
	case ev.Fulfillment != nil && (ev.Topic == platform.TopicFulfillmentCreated || ev.Topic == platform.TopicFulfillmentUpdated):
		ref, ok, err := findPush(ctx, tx, st.ID, ev.Fulfillment.OrderID)
		if err != nil || !ok {
			return err
		}
		return s.Record(ctx, tx, ref, *ev.Fulfillment)
	case ev.Order != nil && (ev.Topic == platform.TopicOrderUpdated || ev.Topic == platform.TopicOrderFulfilled):
		if ev.Order.FulfillmentStatus == "" || ev.Order.FulfillmentStatus == "unfulfilled" {
			return nil
		}
		ref, ok, err := findPush(ctx, tx, st.ID, ev.Order.ID)
		if err != nil || !ok {
			return err
		}
		return s.jobs.Insert(ctx, tx, ReadArgs{SourceStoreID: ref.sourceStoreID, SourceOrderID: ref.sourceOrderID}, nil)
	}
	return nil
}
