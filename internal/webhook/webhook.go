// Package webhook sends an account's events to the HTTP endpoints it registered, signed the
// Standard Webhooks way, as durable jobs: an event and its deliveries are written in the
// transaction of the change they describe, and each delivery is retried with backoff until the
// receiver answers 2xx or the attempts run out. Every domain publishes its events through it.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
)

// ErrInvalid is returned (wrapped, with the reason) for an endpoint or event that cannot be
// accepted; callers turn it into a validation error for the user.
var ErrInvalid = errors.New("invalid webhook")

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// AllEvents subscribes an endpoint to every event type.
const AllEvents = "*"

// Endpoint is a URL an account asked to receive its events at. Its signing secret is shown only
// once, when the endpoint is created.
type Endpoint struct {
	ID         int64
	AccountID  int64
	URL        string
	EventTypes []string
	CreatedAt  time.Time
	DisabledAt *time.Time
}

// Delivery is one event sent (or being sent) to one endpoint.
type Delivery struct {
	ID             int64
	EndpointID     int64
	EndpointURL    string
	EventID        string
	EventType      string
	Status         string
	Attempts       int
	LastStatusCode int
	LastError      string
	CreatedAt      time.Time
	LastAttemptAt  *time.Time
	DeliveredAt    *time.Time
}

// Service manages endpoints, publishes events and delivers them.
type Service struct {
	db     *database.DB
	jobs   *jobs.Client
	http   *http.Client
	now    func() time.Time
	logger *slog.Logger
}

// NewService returns a Service. httpClient nil means a client with the delivery timeout; jobs may
// be an insert-only client when this process only publishes.
func NewService(db *database.DB, jobs *jobs.Client, httpClient *http.Client, now func() time.Time, logger *slog.Logger) *Service {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: deliveryTimeout}
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, jobs: jobs, http: httpClient, now: now, logger: logger}
}

var eventTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// validPattern accepts an event type, "*", or a prefix such as "order.*".
func validPattern(p string) bool {
	if p == AllEvents {
		return true
	}
	return eventTypeRE.MatchString(strings.TrimSuffix(p, ".*"))
}

// matches reports whether an endpoint subscribed to patterns wants events of type t.
func matches(patterns []string, t string) bool {
	for _, p := range patterns {
		if p == AllEvents || p == t || (strings.HasSuffix(p, ".*") && strings.HasPrefix(t, p[:len(p)-1])) {
			return true
		}
	}
	return false
}

func validateURL(raw string) error {
	if len(raw) > 2048 {
		return fmt.Errorf("%w: URL is longer than 2048 characters", ErrInvalid)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: URL %q does not parse: %w", ErrInvalid, raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: URL %q must start with http:// or https://", ErrInvalid, raw)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: URL %q names no host", ErrInvalid, raw)
	}
	return nil
}

func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails: crypto/rand panics instead
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// CreateEndpoint registers url to receive the account's events of eventTypes (empty means all).
// It returns the signing secret, which is not shown again.
func (s *Service) CreateEndpoint(ctx context.Context, accountID int64, rawURL string, eventTypes []string) (Endpoint, string, error) {
	if err := validateURL(rawURL); err != nil {
		return Endpoint{}, "", err
	}
	if len(eventTypes) == 0 {
		eventTypes = []string{AllEvents}
	}
	for _, p := range eventTypes {
		if !validPattern(p) {
			return Endpoint{}, "", fmt.Errorf("%w: event type %q: want names like order.created, a prefix like order.*, or *", ErrInvalid, p)
		}
	}
	ep := Endpoint{AccountID: accountID, URL: rawURL, EventTypes: eventTypes, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	secret := newSecret()
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (account_id, url, secret, event_types, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			accountID, rawURL, secret, strings.Join(eventTypes, ","), ep.CreatedAt).Scan(&ep.ID)
	})
	if database.IsForeignKeyViolation(err) {
		return Endpoint{}, "", fmt.Errorf("creating webhook endpoint: account %d: %w", accountID, database.ErrNotFound)
	}
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("creating webhook endpoint: %w", err)
	}
	return ep, secret, nil
}

// ListEndpoints returns the account's endpoints, disabled ones included, oldest first.
func (s *Service) ListEndpoints(ctx context.Context, accountID int64) ([]Endpoint, error) {
	rows, err := s.db.Query(ctx, `SELECT id, url, event_types, created_at, disabled_at
		FROM webhook_endpoints WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		ep := Endpoint{AccountID: accountID}
		var types string
		if err := rows.Scan(&ep.ID, &ep.URL, &types, &ep.CreatedAt, &ep.DisabledAt); err != nil {
			return nil, fmt.Errorf("listing webhook endpoints: %w", err)
		}
		ep.EventTypes = strings.Split(types, ",")
		out = append(out, ep)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing webhook endpoints: %w", err)
	}
	return out, nil
}

// DisableEndpoint stops new deliveries to the endpoint; pending ones are marked failed when their
// turn comes. Disabling twice is not an error; another account's endpoint is ErrNotFound.
func (s *Service) DisableEndpoint(ctx context.Context, accountID, endpointID int64) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET disabled_at = $1
			WHERE id = $2 AND account_id = $3 AND disabled_at IS NULL`, s.now(), endpointID, accountID)
		if err != nil {
			return fmt.Errorf("disabling webhook endpoint %d: %w", endpointID, err)
		}
		if n > 0 {
			return nil
		}
		var id int64
		err = tx.QueryRow(ctx, `SELECT id FROM webhook_endpoints WHERE id = $1 AND account_id = $2`, endpointID, accountID).Scan(&id)
		if errors.Is(err, database.ErrNoRows) {
			return fmt.Errorf("disabling webhook endpoint %d: %w", endpointID, database.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("disabling webhook endpoint %d: %w", endpointID, err)
		}
		return nil
	})
}

// ListDeliveries returns the account's latest deliveries, newest first; limit is clamped to
// 1..1000 (0 means 50).
func (s *Service) ListDeliveries(ctx context.Context, accountID int64, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	rows, err := s.db.Query(ctx, `SELECT d.id, d.endpoint_id, e.url, ev.public_id, ev.type, d.status, d.attempts,
			COALESCE(d.last_status_code, 0), d.last_error, d.created_at, d.last_attempt_at, d.delivered_at
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.account_id = d.account_id
		JOIN events ev ON ev.id = d.event_id AND ev.account_id = d.account_id
		WHERE d.account_id = $1
		ORDER BY d.id DESC LIMIT $2`, accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.EndpointURL, &d.EventID, &d.EventType, &d.Status, &d.Attempts,
			&d.LastStatusCode, &d.LastError, &d.CreatedAt, &d.LastAttemptAt, &d.DeliveredAt); err != nil {
			return nil, fmt.Errorf("listing webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing webhook deliveries: %w", err)
	}
	return out, nil
}
