package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/store"
)

// platforms opens platform clients for stores. Every client of one shop shares that shop's
// rate-limit budget, whichever job or page opened it.
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
	baseURL, token, apiSecret string
	client                    platform.Store
}

func newPlatforms(logger *slog.Logger, now func() time.Time) *platforms {
	return &platforms{logger: logger, now: now, http: &http.Client{Timeout: 60 * time.Second}, limiters: shopify.NewLimiters(now),
		clients: map[int64]cachedClient{}}
}

// Open implements store.Platforms.
func (p *platforms) Open(s store.Store) (platform.Store, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[s.ID]; ok && c.baseURL == s.BaseURL && c.token == s.AccessToken && c.apiSecret == s.APISecret {
		return c.client, nil
	}
	c, err := p.open(s)
	if err == nil {
		p.clients[s.ID] = cachedClient{baseURL: s.BaseURL, token: s.AccessToken, apiSecret: s.APISecret, client: c}
	}
	return c, err
}

func (p *platforms) open(s store.Store) (platform.Store, error) {
	switch s.Platform {
	case store.PlatformShopify:
		return shopify.New(shopify.Config{
			Shop: s.ShopDomain, AccessToken: s.AccessToken, APISecret: s.APISecret, BaseURL: s.BaseURL,
			HTTPClient: p.http, Logger: p.logger.With("store", s.Name, "shop", s.ShopDomain), Now: p.now,
			Limiter: p.limiters.For(s.ShopDomain),
		})
	}
	return nil, fmt.Errorf("store %s: platform %q is not supported", s, s.Platform)
}
