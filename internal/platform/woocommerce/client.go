// Package woocommerce is storesync's WooCommerce platform: a client of the WooCommerce REST API
// v3 (/wp-json/wc/v3) authenticated by a consumer key and secret, that pages lists with page and
// per_page, reads incrementally with modified_after, writes stock through the batch endpoints
// within their item limit, creates orders at most once per idempotency key (kept in the order's
// meta data), ships orders by completing them with tracking (the Shipment Tracking extension
// where the store has it, an order note otherwise), and verifies and decodes webhooks.
package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Platform names WooCommerce in platform.Error.
const Platform = "woocommerce"

// API paths under the store URL.
const (
	APIPath      = "/wp-json/wc/v3"
	TrackingPath = "/wp-json/wc-shipment-tracking/v3"
)

// Limits of the REST API that shape how the client pages and batches.
const (
	MaxPerPage    = 100 // per_page is at most 100
	MaxBatchItems = 100 // woocommerce_rest_batch_items_limit's default: create+update+delete per batch call
)

// Config holds what a client for one store needs. BaseURL, ConsumerKey and ConsumerSecret are
// required.
type Config struct {
	// BaseURL is the WordPress site's address (https://shop.example.com); the API is under
	// BaseURL + APIPath. The simulator serves each store under http://HOST:PORT/stores/<name>.
	BaseURL        string
	ConsumerKey    string
	ConsumerSecret string
	// WebhookSecret signs the subscriptions SubscribeWebhooks makes and verifies deliveries.
	WebhookSecret string
	// QueryStringAuth sends the key pair as consumer_key and consumer_secret query parameters
	// instead of HTTP basic auth, for servers that drop the Authorization header.
	QueryStringAuth bool
	// Currency is the store's currency when already known; otherwise read once from the store.
	Currency   string
	HTTPClient httpclient.Doer // default: an *http.Client with a 60s timeout
	Logger     *slog.Logger    // default: discard
	Now        func() time.Time
	Sleep      httpclient.SleepFunc // default httpclient.Sleep
	Backoff    httpclient.Backoff   // retries of 429, 5xx and network errors on safe calls
	// MaxResponseBytes bounds a response body; default 32 MiB.
	MaxResponseBytes int64
	// BatchLimit is the store's batch item limit (woocommerce_rest_batch_items_limit); default 100.
	BatchLimit int
	// OrderSearchLag is how long a new order may take to be listed; default DefaultOrderSearchLag.
	OrderSearchLag time.Duration
}

// DefaultOrderSearchLag is how long CreateOrder assumes a new order may take to appear in the
// orders list. WooCommerce lists from its database at once; the lag covers page caches and
// replicas in front of it.
const DefaultOrderSearchLag = 3 * time.Second

func (c *Config) setDefaults() {
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
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
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = 32 << 20
	}
	if c.BatchLimit <= 0 {
		c.BatchLimit = MaxBatchItems
	}
	if c.OrderSearchLag <= 0 {
		c.OrderSearchLag = DefaultOrderSearchLag
	}
	if c.WebhookSecret == "" && c.ConsumerSecret != "" {
		c.WebhookSecret = DeriveWebhookSecret(c.ConsumerSecret)
	}
}

func (c *Config) validate() error {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		errs = append(errs, fmt.Errorf("base URL %q is not an http(s) URL", c.BaseURL))
	}
	if c.ConsumerKey == "" {
		errs = append(errs, errors.New("consumer key is required"))
	}
	if c.ConsumerSecret == "" {
		errs = append(errs, errors.New("consumer secret is required"))
	}
	return errors.Join(errs...)
}

// Client talks to one store. It is safe for concurrent use.
type Client struct {
	cfg    Config
	store  string // display name in errors: host[/path]
	log    *slog.Logger
	mu     sync.Mutex
	curr   string
	unit   platform.WeightUnit
	track  trackingMode
	pushes map[string]string // idempotency key → order id created by this client
}

// New returns a client for one store, or an error naming each missing setting.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("woocommerce config: %w", err)
	}
	u, _ := url.Parse(cfg.BaseURL)
	store := u.Host + strings.TrimRight(u.Path, "/")
	return &Client{
		cfg:    cfg,
		store:  store,
		log:    cfg.Logger.With("platform", Platform, "store", store),
		curr:   strings.ToUpper(cfg.Currency),
		pushes: map[string]string{},
	}, nil
}

var _ platform.Store = (*Client)(nil)

func (c *Client) newError(op string, kind platform.Kind, msg string) *platform.Error {
	return &platform.Error{Platform: Platform, Store: c.store, Op: op, Kind: kind, Message: msg}
}

// call is one REST request.
type call struct {
	op     string
	method string
	path   string // under the API root, e.g. "/products"
	root   string // APIPath unless set
	query  url.Values
	body   any
	// safe: repeating the request cannot do anything twice (reads, absolute updates), so 5xx and
	// network failures are retried. A request that is not safe is retried only when the server
	// refused it before acting (429).
	safe bool
}

// restError is WooCommerce's error body.
type restError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status int               `json:"status"`
		Params map[string]string `json:"params"`
	} `json:"data"`
}

// do sends c and decodes a 2xx answer into out (when not nil); it returns the answer's headers.
func (c *Client) do(ctx context.Context, k call, out any) (http.Header, error) {
	root := k.root
	if root == "" {
		root = APIPath
	}
	var payload []byte
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return nil, &platform.Error{Platform: Platform, Store: c.store, Op: k.op, Kind: platform.KindInternal, Message: "encoding request", Err: err}
		}
		payload = b
	}
	q := url.Values{}
	maps.Copy(q, k.query)
	if c.cfg.QueryStringAuth {
		q.Set("consumer_key", c.cfg.ConsumerKey)
		q.Set("consumer_secret", c.cfg.ConsumerSecret)
	}
	target := c.cfg.BaseURL + root + k.path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		h, err := c.once(ctx, k, target, payload, out)
		if err == nil {
			return h, nil
		}
		pe, ok := errors.AsType[*platform.Error](err)
		if !ok || !pe.Retryable || attempt+1 >= c.cfg.Backoff.MaxAttempts {
			return h, err
		}
		if !k.safe && pe.StatusCode != http.StatusTooManyRequests {
			return h, err
		}
		d := c.cfg.Backoff.Delay(attempt, pe.RetryAfter)
		c.log.Debug("retrying", "op", k.op, "status", pe.StatusCode, "wait", d)
		if serr := c.cfg.Sleep(ctx, d); serr != nil {
			return h, err
		}
	}
}

func (c *Client) once(ctx context.Context, k call, target string, payload []byte, out any) (http.Header, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, target, body)
	if err != nil {
		return nil, &platform.Error{Platform: Platform, Store: c.store, Op: k.op, Kind: platform.KindInternal, Message: "building request", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "storesync")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !c.cfg.QueryStringAuth {
		req.SetBasicAuth(c.cfg.ConsumerKey, c.cfg.ConsumerSecret)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		kind := platform.KindUnavailable
		if errors.Is(err, httpclient.ErrForbiddenTarget) {
			kind = platform.KindInvalidInput
		}
		return nil, &platform.Error{Platform: Platform, Store: c.store, Op: k.op, Kind: kind,
			Message: "request failed", Retryable: kind == platform.KindUnavailable, Err: redact(err)}
	}
	defer func() { _ = resp.Body.Close() }()
	raw, rerr := httpclient.ReadLimited(resp.Body, c.cfg.MaxResponseBytes)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, c.statusError(k.op, resp, raw)
	}
	if rerr != nil {
		return resp.Header, &platform.Error{Platform: Platform, Store: c.store, Op: k.op, Kind: platform.KindUnavailable,
			Message: "reading answer", StatusCode: resp.StatusCode, Retryable: true, Err: rerr}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.Header, &platform.Error{Platform: Platform, Store: c.store, Op: k.op, Kind: platform.KindInternal,
				Message: "answer is not the JSON expected", StatusCode: resp.StatusCode, Err: err}
		}
	}
	return resp.Header, nil
}

// redact drops the query string (which may carry the consumer secret) from a URL error.
func redact(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

func (c *Client) statusError(op string, resp *http.Response, raw []byte) *platform.Error {
	var re restError
	_ = json.Unmarshal(raw, &re)
	msg := re.Message
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e := &platform.Error{Platform: Platform, Store: c.store, Op: op, Message: msg, StatusCode: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		e.Kind = platform.KindAuth
	case code == http.StatusForbidden:
		e.Kind = platform.KindForbidden
		if strings.Contains(re.Code, "authentication") || strings.Contains(re.Code, "consumer") {
			e.Kind = platform.KindAuth
		}
	case code == http.StatusNotFound || code == http.StatusGone:
		e.Kind = platform.KindNotFound
	case code == http.StatusTooManyRequests:
		e.Kind = platform.KindRateLimited
		e.Retryable = true
		if d, ok := httpclient.ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = d
		}
	case code == http.StatusConflict:
		e.Kind = platform.KindConflict
	case code >= 500:
		e.Kind = platform.KindUnavailable
		e.Retryable = httpclient.RetryableStatus(code)
		if d, ok := httpclient.ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = d
		}
	case code >= 400:
		e.Kind = platform.KindInvalidInput
	default:
		e.Kind = platform.KindInternal
	}
	if re.Code != "" {
		if len(re.Data.Params) == 0 {
			e.Fields = []platform.FieldError{{Code: re.Code, Message: re.Message}}
		}
		for f, m := range re.Data.Params {
			e.Fields = append(e.Fields, platform.FieldError{Field: f, Code: re.Code, Message: m})
		}
	}
	return e
}

// pageInfo reads WooCommerce's paging headers.
func pageInfo(h http.Header) (total, pages int) {
	total, _ = strconv.Atoi(h.Get("X-WP-Total"))
	pages, _ = strconv.Atoi(h.Get("X-WP-TotalPages"))
	return total, pages
}

// cursor is a list position: the page to read next and the filter it was started with, so a
// later page keeps the first one's window.
type cursor struct {
	Page  int       `json:"p"`
	Since time.Time `json:"s,omitzero"`
	Until time.Time `json:"u,omitzero"`
}

func (c *Client) encodeCursor(op string, cur cursor) (string, error) {
	b, err := json.Marshal(cur)
	if err != nil { // a time outside the years 0-9999
		return "", c.newError(op, platform.KindInvalidInput, "list window cannot be kept in a cursor: "+err.Error())
	}
	return string(b), nil
}

func (c *Client) decodeCursor(op, s string) (cursor, error) {
	if s == "" {
		return cursor{Page: 1}, nil
	}
	var cur cursor
	if err := json.Unmarshal([]byte(s), &cur); err != nil || cur.Page < 1 {
		return cursor{}, c.newError(op, platform.KindInvalidInput, "cursor is not one this client made")
	}
	return cur, nil
}

func perPage(limit int) int {
	if limit <= 0 || limit > MaxPerPage {
		return MaxPerPage
	}
	return limit
}

// wooTime formats t as WooCommerce's ISO 8601 filter value, in UTC.
func wooTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// modifiedAfter is the modified_after value that lists what changed at or after t: WooCommerce
// keeps whole seconds and lists what is strictly after the value, so it names the second before
// t's.
func modifiedAfter(t time.Time) string {
	return wooTime(t.UTC().Truncate(time.Second).Add(-time.Second))
}

// parseGMT reads a *_gmt field ("2026-01-02T03:04:05", UTC without an offset).
func parseGMT(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
