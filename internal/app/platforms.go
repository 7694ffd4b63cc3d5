package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/store"
)

// platforms checks stores' credentials and opens their platform clients. Every client of one
// store shares that store's rate-limit budget, whichever job or page opened it, and no store
// shares another's. Every client connects through the guard, so no store's base URL reaches
// inside this network.
type platforms struct {
	logger   *slog.Logger
	now      func() time.Time
	http     *http.Client
	limiters *shopify.Limiters

	mu      sync.Mutex
	clients map[int64]cachedClient // by store: reused, so what a client learns (shop currency) is kept
}

// cachedClient is a store's client and the address and credentials it was made with; when they
// change, the store gets a new client in its place.
type cachedClient struct {
	baseURL     string
	credentials []byte
	client      platform.Store
}

func newPlatforms(logger *slog.Logger, now func() time.Time, guard *httpclient.Guard) *platforms {
	return &platforms{logger: logger, now: now, http: guard.Client(httpclient.ClientOptions{Timeout: 60 * time.Second, MaxRedirects: 3}),
		limiters: shopify.NewLimiters(now), clients: map[int64]cachedClient{}}
}

// List implements store.Platforms.
func (p *platforms) List() []store.PlatformInfo {
	return []store.PlatformInfo{{Name: shopify.Platform, CredentialsDoc: shopify.CredentialsDoc}}
}

// Check implements store.Platforms.
func (p *platforms) Check(pl store.Platform, credentials []byte) (store.Checked, error) {
	if pl != shopify.Platform {
		return store.Checked{}, fmt.Errorf("platform %q is not supported", pl)
	}
	c, err := shopify.ParseCredentials(credentials)
	if err != nil {
		return store.Checked{}, err
	}
	return store.Checked{Credentials: c.Marshal(), Address: c.ShopDomain, DefaultBaseURL: c.DefaultBaseURL(),
		AuthField: shopify.FieldAccessToken, AddressField: shopify.FieldShopDomain}, nil
}

// Open implements store.Platforms. A store not saved yet (ID 0, being verified) gets a client of
// its own that is not kept.
func (p *platforms) Open(s store.Store) (platform.Store, error) {
	if s.ID == 0 {
		return p.open(s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[s.ID]; ok && c.baseURL == s.BaseURL && bytes.Equal(c.credentials, s.Credentials) {
		return c.client, nil
	}
	c, err := p.open(s)
	if err == nil {
		p.clients[s.ID] = cachedClient{baseURL: s.BaseURL, credentials: bytes.Clone(s.Credentials), client: c}
	}
	return c, err
}

func (p *platforms) open(s store.Store) (platform.Store, error) {
	if s.Platform != shopify.Platform {
		return nil, fmt.Errorf("store %s: platform %q is not supported", s, s.Platform)
	}
	c, err := shopify.ParseCredentials(s.Credentials)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s, err)
	}
	cfg := shopify.Config{
		Shop: c.ShopDomain, AccessToken: c.AccessToken, APISecret: c.APISecret, BaseURL: s.BaseURL,
		HTTPClient: p.http, Logger: p.logger.With("store", s.Name, "shop", c.ShopDomain), Now: p.now,
		Limiter: p.limiters.For(shopify.LimiterKey(s.BaseURL, c.ShopDomain, c.AccessToken)),
	}
	if s.ID == 0 {
		// Verifying a store being saved: a person waits, so one retry at most.
		cfg.Backoff = httpclient.Backoff{MaxAttempts: 2, Max: 2 * time.Second}
	}
	return shopify.New(cfg)
}
