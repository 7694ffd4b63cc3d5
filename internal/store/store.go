// Package store holds an account's online stores: which platform each runs on, where it answers,
// its credentials, and its public store key. It opens a platform client for a store through the
// Platforms the wiring gives it, so it never depends on a platform package itself.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Platform names a kind of store.
type Platform string

// PlatformShopify is a Shopify store (or the Shopify simulator).
const PlatformShopify Platform = "shopify"

// ErrInvalidInput means a value given by the caller is wrong; the message names it.
var ErrInvalidInput = errors.New("invalid store")

// Store is an online shop of an account. AccessToken and APISecret are credentials: they are
// never shown by the API or the dashboard.
type Store struct {
	ID          int64
	AccountID   int64
	Name        string
	Platform    Platform
	ShopDomain  string
	BaseURL     string
	Key         string
	AccessToken string `json:"-"`
	APISecret   string `json:"-"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// String names the store for logs and messages, without credentials.
func (s Store) String() string { return fmt.Sprintf("%s (%s %s)", s.Name, s.Platform, s.ShopDomain) }

// Platforms opens a client for a store. The wiring implements it with the real platform packages.
type Platforms interface {
	Open(s Store) (platform.Store, error)
}

// Service manages stores.
type Service struct {
	db        *database.DB
	now       func() time.Time
	platforms Platforms
}

// NewService returns a Service on db.
func NewService(db *database.DB, platforms Platforms, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, platforms: platforms}
}

// SaveParams are the fields of a store.
type SaveParams struct {
	AccountID   int64
	Name        string
	Platform    Platform
	ShopDomain  string
	BaseURL     string // empty: https://<ShopDomain>
	AccessToken string
	APISecret   string
}

var shopifyDomain = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.myshopify\.com$`)

func (p *SaveParams) validate() error {
	var errs []error
	p.Name, p.ShopDomain = strings.TrimSpace(p.Name), strings.ToLower(strings.TrimSpace(p.ShopDomain))
	if p.Name == "" || len(p.Name) > 200 {
		errs = append(errs, fmt.Errorf("%w: name: give 1 to 200 characters", ErrInvalidInput))
	}
	if p.Platform != PlatformShopify {
		errs = append(errs, fmt.Errorf("%w: platform %q: use %q", ErrInvalidInput, p.Platform, PlatformShopify))
	}
	if !shopifyDomain.MatchString(p.ShopDomain) {
		errs = append(errs, fmt.Errorf("%w: shop_domain %q: want NAME.myshopify.com", ErrInvalidInput, p.ShopDomain))
	}
	if p.BaseURL == "" {
		p.BaseURL = "https://" + p.ShopDomain
	}
	if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("%w: base_url %q: want an http(s) URL", ErrInvalidInput, p.BaseURL))
	}
	if strings.TrimSpace(p.AccessToken) == "" {
		errs = append(errs, fmt.Errorf("%w: access_token is required", ErrInvalidInput))
	}
	return errors.Join(errs...)
}

func newStoreKey() string { return "store_" + strings.ToLower(rand.Text()[:20]) }

// Save adds a store to an account, or, when the account already has the store (same platform and
// shop domain), updates its name, address and credentials and keeps its key.
func (s *Service) Save(ctx context.Context, p SaveParams) (Store, error) {
	if err := p.validate(); err != nil {
		return Store{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	st := Store{AccountID: p.AccountID, Name: p.Name, Platform: p.Platform, ShopDomain: p.ShopDomain, BaseURL: p.BaseURL,
		AccessToken: p.AccessToken, APISecret: p.APISecret, UpdatedAt: now}
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, shop_domain, base_url, store_key,
				access_token, api_secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
			ON CONFLICT (account_id, platform, shop_domain) DO UPDATE SET name = excluded.name,
				base_url = excluded.base_url, access_token = excluded.access_token, api_secret = excluded.api_secret,
				updated_at = excluded.updated_at
			RETURNING id, store_key, created_at`,
			st.AccountID, st.Name, string(st.Platform), st.ShopDomain, st.BaseURL, newStoreKey(), st.AccessToken, st.APISecret, now).
			Scan(&st.ID, &st.Key, &st.CreatedAt)
	})
	if database.IsForeignKeyViolation(err) {
		return Store{}, fmt.Errorf("%w: account %d does not exist", ErrInvalidInput, p.AccountID)
	}
	if err != nil {
		return Store{}, fmt.Errorf("saving store %s: %w", p.ShopDomain, err)
	}
	return st, nil
}

const columns = `id, account_id, name, platform, shop_domain, base_url, store_key, access_token, api_secret, created_at, updated_at`

func scan(row database.Row) (Store, error) {
	var st Store
	var pl string
	err := row.Scan(&st.ID, &st.AccountID, &st.Name, &pl, &st.ShopDomain, &st.BaseURL, &st.Key, &st.AccessToken, &st.APISecret, &st.CreatedAt, &st.UpdatedAt)
	st.Platform = Platform(pl)
	return st, err
}

// List returns an account's stores in the order they were added.
func (s *Service) List(ctx context.Context, accountID int64) ([]Store, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM stores WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing stores: %w", err)
	}
	defer rows.Close()
	var out []Store
	for rows.Next() {
		st, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("listing stores: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Get returns one store of an account.
func (s *Service) Get(ctx context.Context, accountID, id int64) (Store, error) {
	st, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM stores WHERE account_id = $1 AND id = $2`, accountID, id))
	if errors.Is(err, database.ErrNoRows) {
		return Store{}, fmt.Errorf("store %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return Store{}, fmt.Errorf("reading store %d: %w", id, err)
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

// Verify asks the store's platform who the store is: the "verify connection" a person runs after
// entering credentials. Errors are *platform.Error values that say what to fix.
func (s *Service) Verify(ctx context.Context, accountID, id int64) (platform.ShopInfo, error) {
	st, err := s.Get(ctx, accountID, id)
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
	return info, nil
}

// ByKey finds a store by its public key, whatever its account: platforms address their webhooks
// to a store's key, and the webhook's signature, checked next with the store's secret, proves it.
func (s *Service) ByKey(ctx context.Context, key string) (Store, error) {
	st, err := scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM stores WHERE store_key = $1`, key))
	if errors.Is(err, database.ErrNoRows) {
		return Store{}, fmt.Errorf("store key %q: %w", key, database.ErrNotFound)
	}
	if err != nil {
		return Store{}, fmt.Errorf("reading store by key: %w", err)
	}
	return st, nil
}
