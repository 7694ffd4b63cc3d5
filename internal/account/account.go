// Package account holds the tenants of storesync and who may act for them: accounts, the users who
// log in to the dashboard, their sessions, and API keys. Every other domain scopes its rows by the
// account ID that this package resolves from a request's credentials.
package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Errors a caller can act on. They are wrapped with detail; test with errors.Is.
var (
	// ErrInvalidInput means a value given by the caller is wrong; the message names it.
	ErrInvalidInput = errors.New("invalid input")
	// ErrExists means a unique value (account name, user email) is already taken.
	ErrExists = errors.New("already exists")
	// ErrUnauthenticated means the credentials (password, session, API key) are wrong, expired or revoked.
	ErrUnauthenticated = errors.New("unauthenticated")
)

// Account is a tenant: the business that owns stores, users, API keys and a back office.
type Account struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Publisher records an event in the transaction of the change it describes; its delivery to the
// account's webhook endpoints is a durable job. The webhook service implements it.
type Publisher interface {
	Publish(ctx context.Context, tx database.Tx, accountID int64, eventType string, payload any) (string, error)
}

// Service manages accounts, users, sessions and API keys.
type Service struct {
	db       *database.DB
	now      func() time.Time
	events   Publisher
	throttle Throttle
}

// WithEvents makes the service publish its changes (API keys created and revoked) through p.
func (s *Service) WithEvents(p Publisher) *Service {
	s.events = p
	return s
}

func (s *Service) publish(ctx context.Context, tx database.Tx, accountID int64, eventType string, payload any) error {
	if s.events == nil {
		return nil
	}
	if _, err := s.events.Publish(ctx, tx, accountID, eventType, payload); err != nil {
		return fmt.Errorf("publishing %s: %w", eventType, err)
	}
	return nil
}

// NewService returns a Service on db. now is the clock (tests inject a fake one).
func NewService(db *database.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, throttle: DefaultThrottle}
}

var accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidateAccountName explains what is wrong with name, or returns nil.
func ValidateAccountName(name string) error {
	if !accountName.MatchString(name) {
		return fmt.Errorf("%w: account name %q: use 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", ErrInvalidInput, name)
	}
	return nil
}

// CreateAccount makes a new account. Names are unique.
func (s *Service) CreateAccount(ctx context.Context, name string) (Account, error) {
	name = strings.TrimSpace(name)
	if err := ValidateAccountName(name); err != nil {
		return Account{}, err
	}
	a := Account{Name: name, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`,
			a.Name, a.CreatedAt).Scan(&a.ID)
	})
	if database.IsUniqueViolation(err) {
		return Account{}, fmt.Errorf("%w: an account named %q", ErrExists, name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("creating account %q: %w", name, err)
	}
	return a, nil
}

// AccountByName finds an account by its name.
func (s *Service) AccountByName(ctx context.Context, name string) (Account, error) {
	a := Account{Name: name}
	err := s.db.QueryRow(ctx, `SELECT id, created_at FROM accounts WHERE name = $1`, name).Scan(&a.ID, &a.CreatedAt)
	if errors.Is(err, database.ErrNoRows) {
		return Account{}, fmt.Errorf("account %q: %w", name, database.ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("finding account %q: %w", name, err)
	}
	return a, nil
}

// AccountByID finds an account by its ID.
func (s *Service) AccountByID(ctx context.Context, id int64) (Account, error) {
	a := Account{ID: id}
	err := s.db.QueryRow(ctx, `SELECT name, created_at FROM accounts WHERE id = $1`, id).Scan(&a.Name, &a.CreatedAt)
	if errors.Is(err, database.ErrNoRows) {
		return Account{}, fmt.Errorf("account %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("finding account %d: %w", id, err)
	}
	return a, nil
}

// EnsureAccount returns the account named name, creating it if it does not exist. The demo uses it
// so that starting twice finds the same account.
func (s *Service) EnsureAccount(ctx context.Context, name string) (Account, error) {
	a, err := s.AccountByName(ctx, name)
	if errors.Is(err, database.ErrNotFound) {
		a, err = s.CreateAccount(ctx, name)
		if errors.Is(err, ErrExists) {
			return s.AccountByName(ctx, name)
		}
	}
	return a, err
}
