// Package ingest takes in what stores' platforms send: it subscribes a store's webhooks (a durable
// job, since it changes the platform), and receives deliveries: signature checked before anything
// is parsed, kept once per event id, answered at once, then processed by a durable job that
// ignores a delivery older than one already processed for the same resource.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Statuses of a received webhook.
const (
	StatusReceived  = "received"
	StatusProcessed = "processed"
	StatusStale     = "stale"
)

// Topics are what storesync subscribes every store to.
var Topics = []platform.Topic{
	platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled,
	platform.TopicProductCreated, platform.TopicProductUpdated, platform.TopicProductDeleted,
	platform.TopicInventoryUpdated, platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated,
	platform.TopicAppUninstalled,
}

// Inbound is one received webhook event.
type Inbound struct {
	ID                int64
	StoreID           int64
	Topic             string
	PlatformTopic     string
	EventID           string
	ResourceKind      string
	ResourceID        string
	ResourceUpdatedAt *time.Time
	Status            string
	Deliveries        int
	ReceivedAt        time.Time
	ProcessedAt       *time.Time
}

// Service receives, keeps and processes webhooks, and subscribes stores to them.
type Service struct {
	db     *database.DB
	jobs   *jobs.Client
	stores *store.Service
	now    func() time.Time
	logger *slog.Logger
}

// NewService returns a Service.
func NewService(db *database.DB, jobs *jobs.Client, stores *store.Service, now func() time.Time, logger *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, jobs: jobs, stores: stores, now: now, logger: logger}
}

// Received says what Receive did with a delivery.
type Received struct {
	Store     store.Store
	Event     platform.WebhookEvent
	Duplicate bool // the event was already kept: nothing new was done
}

// Receive verifies a delivery addressed to the store with key storeKey, and keeps it with its
// processing job in one transaction. A repeated event only counts one more delivery. Errors:
// database.ErrNotFound for an unknown store key; a *platform.Error of KindAuth for a bad
// signature (nothing is kept).
func (s *Service) Receive(ctx context.Context, storeKey string, r *http.Request) (Received, error) {
	st, err := s.stores.ByKey(ctx, storeKey)
	if err != nil {
		return Received{}, err
	}
	c, err := s.stores.Client(st)
	if err != nil {
		return Received{}, err
	}
	ev, err := c.ReceiveWebhook(r)
	if err != nil {
		return Received{Store: st}, err
	}
	if ev.EventID == "" {
		return Received{Store: st}, fmt.Errorf("webhook %s from %s has no event id", ev.PlatformTopic, st)
	}
	res := Received{Store: st, Event: ev}
	kind, _, _ := strings.Cut(string(ev.Topic), ".")
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO inbound_webhooks (account_id, store_id, topic, platform_topic, event_id,
				resource_kind, resource_id, resource_updated_at, triggered_at, body, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (store_id, event_id) DO NOTHING RETURNING id`,
			st.AccountID, st.ID, string(ev.Topic), ev.PlatformTopic, ev.EventID, kind, ev.ResourceID,
			nullTime(ev.UpdatedAt), nullTime(ev.TriggeredAt), string(ev.Body), s.now()).Scan(&id)
		if errors.Is(err, database.ErrNoRows) {
			res.Duplicate = true
			_, err = tx.Exec(ctx, `UPDATE inbound_webhooks SET deliveries = deliveries + 1 WHERE store_id = $1 AND event_id = $2`, st.ID, ev.EventID)
			return err
		}
		if err != nil {
			return err
		}
		return s.jobs.Insert(ctx, tx, ProcessArgs{InboundID: id}, nil)
	})
	if err != nil {
		return res, fmt.Errorf("keeping webhook %s %s from %s: %w", ev.PlatformTopic, ev.EventID, st, err)
	}
	return res, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// List returns an account's latest received webhooks, newest first (limit 1..500, 0 means 50).
func (s *Service) List(ctx context.Context, accountID int64, limit int) ([]Inbound, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
			resource_updated_at, status, deliveries, received_at, processed_at
		FROM inbound_webhooks WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, min(limit, 500))
	if err != nil {
		return nil, fmt.Errorf("listing received webhooks: %w", err)
	}
	defer rows.Close()
	var out []Inbound
	for rows.Next() {
		var in Inbound
		if err := rows.Scan(&in.ID, &in.StoreID, &in.Topic, &in.PlatformTopic, &in.EventID, &in.ResourceKind, &in.ResourceID,
			&in.ResourceUpdatedAt, &in.Status, &in.Deliveries, &in.ReceivedAt, &in.ProcessedAt); err != nil {
			return nil, fmt.Errorf("listing received webhooks: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// AddWorkers registers the jobs of this package.
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &processWorker{s: s})
	river.AddWorker(w, &subscribeWorker{s: s})
}
