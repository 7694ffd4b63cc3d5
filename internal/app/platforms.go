package app

import (
	"fmt"
	"log/slog"
	"net/http"
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
}

func newPlatforms(logger *slog.Logger, now func() time.Time) *platforms {
	return &platforms{logger: logger, now: now, http: &http.Client{Timeout: 60 * time.Second}, limiters: shopify.NewLimiters(now)}
}

// Open implements store.Platforms.
func (p *platforms) Open(s store.Store) (platform.Store, error) {
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
