// Package ingest takes in what stores' platforms send. Receiving a delivery checks its signature
// before anything is parsed, keeps the raw body once per event id and answers at once, calling
// nothing outside; a durable job then decodes it (a payload that cannot be decoded is kept as
// failed, with its reason, and can be retried) and applies it, one delivery of a resource at a
// time, ignoring one older than what was already applied. Subscribing a store's webhooks is a
// durable job too, and what ingest knows of each store's webhooks (subscription, problems) is kept
// for the dashboard.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	StatusReceived  = "received"  // kept, its processing job pending
	StatusProcessed = "processed" // decoded and applied
	StatusStale     = "stale"     // decoded, older than what was applied for its resource
	StatusFailed    = "failed"    // could not be decoded: Error says why; Retry runs it again
)

// Defaults of Config.
const (
	DefaultMaxBodyBytes = 10 << 20 // platforms' order payloads cross 1 MiB
	DefaultRetention    = 30 * 24 * time.Hour
)

// ErrNotFailed means Retry was asked for a webhook that did not fail.
var ErrNotFailed = errors.New("received webhook has not failed")

// Topics are what storesync subscribes every store to.
var Topics = []platform.Topic{
	platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled,
	platform.TopicProductCreated, platform.TopicProductUpdated, platform.TopicProductDeleted,
	platform.TopicInventoryUpdated, platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated,
	platform.TopicAppUninstalled,
}

// Platform is what ingest uses of a store's platform client: verify a delivery as it arrives,
// decode it in the job, and subscribe the store's webhooks.
type Platform interface {
	platform.WebhookVerifier
	platform.WebhookDecoder
	platform.WebhookSubscriber
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
	Error             string // why it failed, for StatusFailed
	Deliveries        int
	Retries           int
	ReceivedAt        time.Time
	ProcessedAt       *time.Time
}

// Config tunes a Service. Zero values mean the defaults.
type Config struct {
	// PublicURL is the https address platforms reach this storesync at; without it stores are
	// not subscribed (the dashboard says so).
	PublicURL string
	// MaxBodyBytes bounds a delivery's body.
	MaxBodyBytes int64
	// Retention is how long received webhooks are kept once done with.
	Retention time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service receives, keeps and processes webhooks, and subscribes stores to them.
type Service struct {
	db     *database.DB
	jobs   *jobs.Client
	stores *store.Service
	cfg    Config
	now    func() time.Time
	logger *slog.Logger
	// onEvent are the domains' functions called for each processed event (OnEvent).
	onEvent []EventFunc
}

// NewService returns a Service.
func NewService(db *database.DB, jobs *jobs.Client, stores *store.Service, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	return &Service{db: db, jobs: jobs, stores: stores, cfg: cfg, now: cfg.Now, logger: cfg.Logger}
}

// MaxBodyBytes is the largest delivery body the service accepts.
func (s *Service) MaxBodyBytes() int64 { return s.cfg.MaxBodyBytes }

// store reads one store of an account (database.ErrNotFound when gone): the one place ingest
// reads a store by id.
func (s *Service) store(ctx context.Context, accountID, id int64) (store.Store, error) {
	return s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: id})
}

// client opens the store's platform client as the small interface ingest uses.
func (s *Service) client(st store.Store) (Platform, error) {
	c, err := s.stores.Client(st)
	if err != nil {
		return nil, err
	}
	p, ok := any(c).(Platform)
	if !ok {
		return nil, fmt.Errorf("store %s: its platform cannot receive webhooks", st)
	}
	return p, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// resourceKind is the first word of a topic: "order", "product", "inventory"...
func resourceKind(t platform.Topic) string {
	kind, _, _ := strings.Cut(string(t), ".")
	return kind
}

// ListParams choose an account's received webhooks: all, or one store's, or one status.
type ListParams struct {
	AccountID int64
	StoreID   int64  // 0: every store of the account
	Status    string // "": every status
	BeforeID  int64  // 0: the newest; otherwise those with a smaller id (the next page)
	Limit     int    // 1..500; 0 means 50
}

// List returns an account's latest received webhooks, newest first.
func (s *Service) List(ctx context.Context, p ListParams) ([]Inbound, error) {
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT id, store_id, topic, platform_topic, event_id, resource_kind, resource_id,
			resource_updated_at, status, error, deliveries, retries, received_at, processed_at
		FROM inbound_webhooks WHERE account_id = $1 AND ($2 = 0 OR store_id = $2) AND ($3 = '' OR status = $3)
			AND ($4 = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`, p.AccountID, p.StoreID, p.Status, p.BeforeID, min(limit, 500))
	if err != nil {
		return nil, fmt.Errorf("listing received webhooks: %w", err)
	}
	defer rows.Close()
	var out []Inbound
	for rows.Next() {
		var in Inbound
		if err := rows.Scan(&in.ID, &in.StoreID, &in.Topic, &in.PlatformTopic, &in.EventID, &in.ResourceKind, &in.ResourceID,
			&in.ResourceUpdatedAt, &in.Status, &in.Error, &in.Deliveries, &in.Retries, &in.ReceivedAt, &in.ProcessedAt); err != nil {
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
	river.AddWorker(w, &pruneWorker{s: s})
}
