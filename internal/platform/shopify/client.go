// Package shopify is storesync's Shopify platform: a GraphQL Admin API client (pinned to
// APIVersion) that keeps within the shop's cost-point budget instead of hitting it, retries what
// is safe to retry, batches writes to the API's maximum, streams bulk exports, and verifies and
// decodes webhooks into platform types.
package shopify

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/shopify/queries"
)

// APIVersion is the Admin API version every request names; the documents in queries/ are
// validated against this version's schema.
const APIVersion = "2026-07"

// Platform names Shopify in platform.Error.
const Platform = "shopify"

// Limits of the Admin API that shape how the client batches.
const (
	MaxInputArray = 250  // most array inputs take at most this many items
	MaxQueryCost  = 1000 // a single query may not request more points
)

// Config holds what a client for one shop needs. Shop and AccessToken are required.
type Config struct {
	Shop        string // e.g. acme.myshopify.com
	AccessToken string // Admin API access token (X-Shopify-Access-Token)
	APISecret   string // app secret: the key of webhook HMACs
	// Currency is the shop's currency when already known (ShopInfo.Currency from connecting).
	// Product prices carry none, so without it the client reads the shop once, which a webhook
	// handler would rather not wait for.
	Currency string
	// BaseURL is where the shop answers; default https://<Shop>. The simulator serves each shop
	// under http://HOST:PORT/shops/<shop>.
	BaseURL    string
	HTTPClient httpclient.Doer // default: an *http.Client with a 60s timeout
	Logger     *slog.Logger    // default: discard
	Now        func() time.Time
	Sleep      httpclient.SleepFunc // default httpclient.Sleep; tests inject a fake
	Backoff    httpclient.Backoff   // retries of 429, 5xx and network errors
	// Limiter is the shop's cost-point bucket. Clients of the same shop in one process should
	// share one (see Limiters); nil gives the client its own.
	Limiter *Limiter
	// MaxResponseBytes bounds a GraphQL response body; default 32 MiB.
	MaxResponseBytes int64
	// BulkPollInterval is how often ExportCatalog polls a running bulk operation; default 2s.
	BulkPollInterval time.Duration
	// BulkMaxWait bounds how long ExportCatalog waits for its bulk operation; default 15 min.
	// A job reading a large catalog polls with ExportStatus between snoozes instead.
	BulkMaxWait time.Duration
	// DownloadClient fetches bulk result files, which for a large shop take longer than any
	// API call: it must have no total timeout. Default: HTTPClient's transport (so its dial
	// guard) without the timeout.
	DownloadClient httpclient.Doer
	// DownloadIdleTimeout fails a download that receives no byte for this long; default 60s.
	DownloadIdleTimeout time.Duration
	// OrderSearchLag is how long a new order may take to appear in the orders search, by which
	// CreateOrder finds an order an earlier attempt made; default DefaultOrderSearchLag.
	OrderSearchLag time.Duration
}

// DefaultOrderSearchLag is how long CreateOrder assumes Shopify's orders search may take to show
// a new order: it lags by seconds, so after a create whose answer was lost, CreateOrder looks for
// the order again only this long after the failure.
const DefaultOrderSearchLag = 15 * time.Second

func (c *Config) setDefaults() {
	c.Shop = strings.ToLower(strings.TrimSpace(c.Shop))
	if c.BaseURL == "" {
		c.BaseURL = "https://" + c.Shop
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = httpclient.Sleep
	}
	c.Backoff = c.Backoff.WithDefaults()
	if c.Limiter == nil {
		c.Limiter = NewLimiter(c.Now)
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = 32 << 20
	}
	if c.BulkPollInterval <= 0 {
		c.BulkPollInterval = 2 * time.Second
	}
	if c.BulkMaxWait <= 0 {
		c.BulkMaxWait = 15 * time.Minute
	}
	if c.DownloadClient == nil {
		c.DownloadClient = c.HTTPClient
		if hc, ok := c.HTTPClient.(*http.Client); ok {
			dl := *hc
			dl.Timeout = 0
			c.DownloadClient = &dl
		}
	}
	if c.DownloadIdleTimeout <= 0 {
		c.DownloadIdleTimeout = 60 * time.Second
	}
	if c.OrderSearchLag <= 0 {
		c.OrderSearchLag = DefaultOrderSearchLag
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.Shop == "" {
		errs = append(errs, errors.New("shop is required"))
	}
	if c.AccessToken == "" {
		errs = append(errs, errors.New("access token is required"))
	}
	if !strings.HasPrefix(c.BaseURL, "https://") && !strings.HasPrefix(c.BaseURL, "http://") {
		errs = append(errs, fmt.Errorf("base URL %q is not http(s)", c.BaseURL))
	}
	return errors.Join(errs...)
}

// Client talks to one shop. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	docs     map[string]string
	log      *slog.Logger
	shop     shopCache
	pushes   pushMemory
}

// New returns a client for one shop, or an error naming each missing setting.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("shopify config for %q: %w", cfg.Shop, err)
	}
	docs := map[string]string{}
	for _, n := range queries.Names() {
		docs[n] = queries.Get(n)
	}
	return &Client{
		cfg:      cfg,
		endpoint: cfg.BaseURL + "/admin/api/" + APIVersion + "/graphql.json",
		docs:     docs,
		log:      cfg.Logger.With("platform", Platform, "shop", cfg.Shop),
		shop:     shopCache{currency: strings.ToUpper(cfg.Currency)},
	}, nil
}

// ShopDomain returns the shop domain this client talks to.
func (c *Client) ShopDomain() string { return c.cfg.Shop }

// Limiter returns the cost-point bucket the client waits on, for metrics and benchmarks.
func (c *Client) Limiter() *Limiter { return c.cfg.Limiter }

func (c *Client) newError(op string, kind platform.Kind, msg string) *platform.Error {
	return &platform.Error{Platform: Platform, Store: c.cfg.Shop, Op: op, Kind: kind, Message: msg}
}

var _ platform.Store = (*Client)(nil)
