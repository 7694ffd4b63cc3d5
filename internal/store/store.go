// Package store holds an account's online stores: which platform each runs on, where it answers,
// its credentials (a platform-defined blob, checked by the platform and encrypted at rest), and
// its public store key. It reaches platforms only through the Platforms the wiring gives it, so it
// never depends on a platform package itself.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Platform names a kind of store ("shopify", ...), as the platforms the wiring registers call it.
type Platform string

// ErrInvalidInput means a value given by the caller is wrong; the message names it.
var ErrInvalidInput = errors.New("invalid store")

// ErrUnverified means the store's platform could not be asked whether the credentials are right
// (it is down or unreachable); nothing was saved. The wrapped *platform.Error says more.
var ErrUnverified = errors.New("store not verified")

// Store is an online shop of an account. Credentials are never shown by the API or the
// dashboard; Address is the platform's display name for the store (Shopify: its myshopify
// domain), shown in lists and messages.
type Store struct {
	ID          int64
	AccountID   int64
	Name        string
	Platform    Platform
	Address     string
	BaseURL     string
	Key         string
	Credentials []byte `json:"-"` // the platform's JSON, in clear in memory only
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// String names the store for logs and messages, without credentials.
func (s Store) String() string { return fmt.Sprintf("%s (%s %s)", s.Name, s.Platform, s.Address) }

// Checked is what a platform makes of a store's credentials.
type Checked struct {
	Credentials    []byte // normalised
	Address        string // display-only address
	DefaultBaseURL string // where the store answers when no base URL is given
	// AuthField and AddressField are the fields a refusal by the platform names: wrong
	// credentials, and a store the platform does not know.
	AuthField, AddressField string
}

// PlatformInfo describes a platform for the API's reference.
type PlatformInfo struct {
	Name           Platform
	CredentialsDoc string
}

// Platforms checks credentials and opens clients. The wiring implements it with the real
// platform packages.
type Platforms interface {
	// Check validates credentials as the platform defines them; errors name the field.
	Check(p Platform, credentials []byte) (Checked, error)
	// Open returns a client for the store.
	Open(s Store) (platform.Store, error)
	// List names the platforms, for validation messages and the API's reference.
	List() []PlatformInfo
}

// Sealer encrypts credentials at rest (internal/secret's Box).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// SavedFunc runs inside the transaction that creates or updates a store (e.g. to enqueue its
// webhook subscription with it); an error rolls the save back.
type SavedFunc func(ctx context.Context, tx database.Tx, st Store) error

// DeleteGuard runs inside the transaction that deletes a store, before the delete; an error
// refuses the delete (e.g. while the store is a side of a connection that still syncs) and is
// returned as it is, so it can say what to do first.
type DeleteGuard func(ctx context.Context, tx database.Tx, p DeleteParams) error

// Service manages stores.
type Service struct {
	db        *database.DB
	now       func() time.Time
	platforms Platforms
	sealer    Sealer
	onSaved   []SavedFunc
	guards    []DeleteGuard
}

// NewService returns a Service on db; credentials are sealed with sealer.
func NewService(db *database.DB, platforms Platforms, sealer Sealer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, platforms: platforms, sealer: sealer}
}

// OnSaved adds fn to what runs in the transaction of every store created, updated or verified. Call it
// while wiring, before the service is used.
func (s *Service) OnSaved(fn SavedFunc) { s.onSaved = append(s.onSaved, fn) }

// GuardDelete adds fn to what may refuse a store's delete. Call it while wiring.
func (s *Service) GuardDelete(fn DeleteGuard) { s.guards = append(s.guards, fn) }

// Platforms describes the platforms stores may run on.
func (s *Service) Platforms() []PlatformInfo {
	if s.platforms == nil {
		return nil
	}
	return s.platforms.List()
}

const columns = `id, account_id, name, platform, address, base_url, store_key, credentials, created_at, updated_at`

func (s *Service) scan(row database.Row) (Store, error) {
	var st Store
	var pl, sealed string
	if err := row.Scan(&st.ID, &st.AccountID, &st.Name, &pl, &st.Address, &st.BaseURL, &st.Key, &sealed, &st.CreatedAt, &st.UpdatedAt); err != nil {
		return Store{}, err
	}
	st.Platform = Platform(pl)
	creds, err := s.sealer.Open(sealed)
	if err != nil {
		return Store{}, fmt.Errorf("store %d credentials: %w", st.ID, err)
	}
	st.Credentials = creds
	return st, nil
}

// ListParams select an account's stores.
type ListParams struct {
	AccountID int64
}

// List returns an account's stores in the order they were added.
func (s *Service) List(ctx context.Context, p ListParams) ([]Store, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM stores WHERE account_id = $1 ORDER BY id`, p.AccountID)
	if err != nil {
		return nil, fmt.Errorf("listing stores: %w", err)
	}
	defer rows.Close()
	var out []Store
	for rows.Next() {
		st, err := s.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("listing stores: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// GetParams name one store of an account.
type GetParams struct {
	AccountID int64
	ID        int64
}

// Get returns one store of an account.
func (s *Service) Get(ctx context.Context, p GetParams) (Store, error) {
	st, err := s.scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM stores WHERE account_id = $1 AND id = $2`, p.AccountID, p.ID))
	if errors.Is(err, database.ErrNoRows) {
		return Store{}, fmt.Errorf("store %d: %w", p.ID, database.ErrNotFound)
	}
	if err != nil {
		return Store{}, fmt.Errorf("reading store %d: %w", p.ID, err)
	}
	return st, nil
}

// ByKey finds a store by its public key, whatever its account: platforms address their webhooks
// to a store's key, and the webhook's signature, checked next with the store's secret, proves it.
func (s *Service) ByKey(ctx context.Context, key string) (Store, error) {
	st, err := s.scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM stores WHERE store_key = $1`, key))
	if errors.Is(err, database.ErrNoRows) {
		return Store{}, fmt.Errorf("store key %q: %w", key, database.ErrNotFound)
	}
	if err != nil {
		return Store{}, fmt.Errorf("reading store by key: %w", err)
	}
	return st, nil
}

// Client opens the platform client of a store.
func (s *Service) Client(st Store) (platform.Store, error) {
	if s.platforms == nil {
		return nil, fmt.Errorf("store %s: no platform clients configured", st)
	}
	return s.platforms.Open(st)
}

// VerifyParams name the store to verify.
type VerifyParams = GetParams

// Verify asks the store's platform who the store is: the "verify connection" a person runs after
// entering credentials. Errors are *platform.Error values that say what to fix.
func (s *Service) Verify(ctx context.Context, p VerifyParams) (platform.ShopInfo, error) {
	st, err := s.Get(ctx, p)
	if err != nil {
		return platform.ShopInfo{}, err
	}
	c, err := s.Client(st)
	if err != nil {
		return platform.ShopInfo{}, err
	}
	info, err := c.Shop(ctx)
	if err != nil {
		return platform.ShopInfo{}, fmt.Errorf("verifying store %s: %w", st, err)
	}
	// A verified store is saved again as far as its hooks go: a store whose webhook subscription
	// failed (or whose server gained a public address) gets subscribed once its credentials work.
	if len(s.onSaved) > 0 {
		if err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return s.saved(ctx, tx, st) }); err != nil {
			return platform.ShopInfo{}, fmt.Errorf("verifying store %s: %w", st, err)
		}
	}
	return info, nil
}
