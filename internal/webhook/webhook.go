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
	db          *database.DB
	jobs        *jobs.Client
	http        *http.Client
	now         func() time.Time
	logger      *slog.Logger
	sealer      Sealer
	checkTarget func(rawURL string) error
}

// Sealer encrypts signing secrets at rest (internal/secret's Box).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// WithSealer makes the service keep signing secrets encrypted with sealer. Without one they are
// kept as given: the wiring always sets one.
func (s *Service) WithSealer(sealer Sealer) *Service {
	s.sealer = sealer
	return s
}

// WithTargetCheck refuses, when an endpoint is created, a URL that check refuses (an address
// inside the network), so the person learns it at once; the delivery client's own dialer is
// what holds whatever the name resolves to later.
func (s *Service) WithTargetCheck(check func(rawURL string) error) *Service {
	s.checkTarget = check
	return s
}

func (s *Service) seal(secret string) (string, error) {
	if s.sealer == nil {
		return secret, nil
	}
	return s.sealer.Seal([]byte(secret))
}

func (s *Service) open(stored string) (string, error) {
	if s.sealer == nil {
		return stored, nil
	}
	b, err := s.sealer.Open(stored)
	return string(b), err
}

// NewService returns a Service. httpClient nil means a plain client with the delivery timeout
// (the wiring gives one whose dialer refuses inside addresses); jobs may be an insert-only
// client when this process only publishes.
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

func (s *Service) validateURL(raw string) error {
	if err := validateURL(raw); err != nil {
		return err
	}
	if s.checkTarget != nil {
		if err := s.checkTarget(raw); err != nil {
			return fmt.Errorf("%w: URL: %w", ErrInvalid, err)
		}
	}
	return nil
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

// CreateEndpointParams describe a new endpoint.
type CreateEndpointParams struct {
	AccountID  int64
	URL        string
	EventTypes []string // empty means all
}

// CreateEndpoint registers a URL to receive the account's events of the given types. It returns
// the signing secret, which is not shown again.
func (s *Service) CreateEndpoint(ctx context.Context, p CreateEndpointParams) (Endpoint, string, error) {
	accountID, rawURL, eventTypes := p.AccountID, p.URL, p.EventTypes
	if err := s.validateURL(rawURL); err != nil {
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
	sealed, err := s.seal(secret)
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("creating webhook endpoint: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (account_id, url, secret, event_types, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			accountID, rawURL, sealed, strings.Join(eventTypes, ","), ep.CreatedAt).Scan(&ep.ID)
	})
	if database.IsForeignKeyViolation(err) {
		return Endpoint{}, "", fmt.Errorf("creating webhook endpoint: account %d: %w", accountID, database.ErrNotFound)
	}
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("creating webhook endpoint: %w", err)
	}
	return ep, secret, nil
}

// ListEndpointsParams select an account's endpoints.
type ListEndpointsParams struct {
	AccountID int64
}

// ListEndpoints returns the account's endpoints, disabled ones included, oldest first.
func (s *Service) ListEndpoints(ctx context.Context, p ListEndpointsParams) ([]Endpoint, error) {
	accountID := p.AccountID
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

// GetEndpointParams name one endpoint of an account.
type GetEndpointParams struct {
	AccountID  int64
	EndpointID int64
}

// GetEndpoint returns one endpoint of the account (never its secret); another account's is
// ErrNotFound.
func (s *Service) GetEndpoint(ctx context.Context, p GetEndpointParams) (Endpoint, error) {
	ep := Endpoint{AccountID: p.AccountID}
	var types string
	err := s.db.QueryRow(ctx, `SELECT id, url, event_types, created_at, disabled_at
		FROM webhook_endpoints WHERE account_id = $1 AND id = $2`, p.AccountID, p.EndpointID).
		Scan(&ep.ID, &ep.URL, &types, &ep.CreatedAt, &ep.DisabledAt)
	if errors.Is(err, database.ErrNoRows) {
		return Endpoint{}, fmt.Errorf("webhook endpoint %d: %w", p.EndpointID, database.ErrNotFound)
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("reading webhook endpoint %d: %w", p.EndpointID, err)
	}
	ep.EventTypes = strings.Split(types, ",")
	return ep, nil
}

// DisableEndpointParams name one endpoint of an account.
type DisableEndpointParams struct {
	AccountID  int64
	EndpointID int64
}

// DisableEndpoint stops new deliveries to the endpoint; pending ones are marked failed when their
// turn comes. Disabling twice is not an error; another account's endpoint is ErrNotFound.
func (s *Service) DisableEndpoint(ctx context.Context, p DisableEndpointParams) error {
	accountID, endpointID := p.AccountID, p.EndpointID
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

// ListDeliveriesParams select an account's latest deliveries; Limit is clamped to 1..1000
// (0 means 50).
type ListDeliveriesParams struct {
	AccountID int64
	Limit     int
}

// ListDeliveries returns the account's latest deliveries, newest first.
func (s *Service) ListDeliveries(ctx context.Context, p ListDeliveriesParams) ([]Delivery, error) {
	accountID, limit := p.AccountID, p.Limit
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

// Resealer re-encrypts one sealed (or plain-text) value under the current key, saying whether
// it changed (internal/secret's Box).
type Resealer interface {
	Reseal(s string) (string, bool, error)
}

// ResealTx re-encrypts every endpoint's signing secret with r's current key, in tx (see
// store.ResealTx: at start for secrets kept in plain text, and by `secrets rotate`).
func ResealTx(ctx context.Context, tx database.Tx, r Resealer) (int, error) {
	return database.RewriteColumn(ctx, tx, database.RewriteParams{Table: "webhook_endpoints", Column: "secret", Rewrite: r.Reseal})
}
