// Package bigcommerce is storesync's BigCommerce platform: a REST client of the store API
// (catalog v3, inventory v3, orders v2 with shipments, webhooks v3) that paces itself from the
// store's rate-limit headers instead of drawing 429s, retries what is safe to retry, batches
// writes to the API's per-call limits, and verifies and decodes webhooks into platform types.
package bigcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Platform names BigCommerce in platform.Error.
const Platform = "bigcommerce"

// Per-call limits of the API that shape how the client batches and pages.
const (
	MaxPageLimit      = 250  // most lists take limit ≤ 250
	MaxVariantBatch   = 50   // PUT /v3/catalog/variants takes at most 50 variants
	MaxInventoryBatch = 2000 // PUT /v3/inventory/adjustments/absolute takes at most 2000 items
)

// Config holds what a client of one store needs. StoreHash and AccessToken are required.
type Config struct {
	StoreHash     string
	AccessToken   string // X-Auth-Token
	WebhookSecret string // the value subscriptions ask the platform to send back in HeaderWebhookSecret
	// BaseURL is where the store's API answers, without the version: default
	// https://api.bigcommerce.com/stores/<StoreHash>. The simulator serves each store under
	// http://HOST:PORT/stores/<hash>.
	BaseURL    string
	HTTPClient httpclient.Doer // default: an *http.Client with a 60s timeout
	Logger     *slog.Logger    // default: discard
	Now        func() time.Time
	Sleep      httpclient.SleepFunc // default httpclient.Sleep
	Backoff    httpclient.Backoff   // retries of 429, 5xx and network errors
	// Limiter is the store's request budget; clients of one store in a process share one (see
	// Limiters). nil gives the client its own.
	Limiter *Limiter
	// MaxResponseBytes bounds a response body; default 32 MiB.
	MaxResponseBytes int64
	// OrderSearchLag is how long a new order may take to show in the orders list; default 2s
	// (v2 orders are listed from the store's database, so the lag is short).
	OrderSearchLag time.Duration
}

func (c *Config) setDefaults() {
	c.StoreHash = strings.ToLower(strings.TrimSpace(c.StoreHash))
	if c.BaseURL == "" {
		c.BaseURL = Credentials{StoreHash: c.StoreHash}.DefaultBaseURL()
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
	if c.OrderSearchLag <= 0 {
		c.OrderSearchLag = 2 * time.Second
	}
}

func (c *Config) validate() error {
	var errs []error
	if c.StoreHash == "" {
		errs = append(errs, errors.New("store hash is required"))
	}
	if c.AccessToken == "" {
		errs = append(errs, errors.New("access token is required"))
	}
	if !strings.HasPrefix(c.BaseURL, "https://") && !strings.HasPrefix(c.BaseURL, "http://") {
		errs = append(errs, fmt.Errorf("base URL %q is not http(s)", c.BaseURL))
	}
	return errors.Join(errs...)
}

// Client talks to one store. It is safe for concurrent use.
type Client struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	currency string              // the store's currency, read once
	weight   platform.WeightUnit // the store's weight unit, read once
	created  map[string]string   // idempotency key → order id, for this client's lifetime
}

// New returns a client of one store, or an error naming each missing setting.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("bigcommerce config for %q: %w", cfg.StoreHash, err)
	}
	return &Client{
		cfg:     cfg,
		log:     cfg.Logger.With("platform", Platform, "store", cfg.StoreHash),
		created: map[string]string{},
	}, nil
}

// StoreHash returns the hash of the store this client talks to.
func (c *Client) StoreHash() string { return c.cfg.StoreHash }

// Limiter returns the request budget the client waits on, for metrics and benchmarks.
func (c *Client) Limiter() *Limiter { return c.cfg.Limiter }

var _ platform.Store = (*Client)(nil)

func (c *Client) newError(op string, kind platform.Kind, msg string) *platform.Error {
	return &platform.Error{Platform: Platform, Store: c.cfg.StoreHash, Op: op, Kind: kind, Message: msg}
}

// request is one API call. Resend says sending it again after an answer was lost cannot do
// harm (reads, absolute writes, deletes); a create that is lost is KindOutcomeUnknown instead.
type request struct {
	method string
	path   string // from the version on: "/v3/catalog/products"
	query  url.Values
	body   any
	resend bool
	// sent, when not nil, counts the HTTP requests the call made (retries included).
	sent *int
}

func get(path string, q url.Values) request {
	return request{method: http.MethodGet, path: path, query: q, resend: true}
}

// call sends r, retrying 429s (after the window resets), 5xx and network errors while that is
// safe, and decodes a 2xx answer into out (nil: ignore the body).
func (c *Client) call(ctx context.Context, op string, r request, out any) error {
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return &platform.Error{Platform: Platform, Store: c.cfg.StoreHash, Op: op, Kind: platform.KindInternal, Message: "encoding the request", Err: err}
		}
		body = b
	}
	u := c.cfg.BaseURL + r.path
	if len(r.query) > 0 {
		u += "?" + encodeQuery(r.query)
	}
	var last *platform.Error
	for attempt := range c.cfg.Backoff.MaxAttempts {
		if attempt > 0 {
			d := c.cfg.Backoff.Delay(attempt-1, last.RetryAfter)
			if last.Kind == platform.KindRateLimited {
				// The limiter waits for the window itself; back off only a little more.
				d = min(d, 250*time.Millisecond)
			}
			if err := c.cfg.Sleep(ctx, d); err != nil {
				return err
			}
		}
		if r.sent != nil {
			*r.sent++
		}
		err := c.once(ctx, op, r.method, u, body, out)
		if err == nil {
			return nil
		}
		pe, ok := errors.AsType[*platform.Error](err)
		if !ok || !pe.Retryable {
			return err
		}
		if !r.resend && pe.Kind != platform.KindRateLimited {
			// A create whose answer was lost may have happened: never send it twice.
			pe.Kind = platform.KindOutcomeUnknown
			pe.RetryAfter = c.cfg.OrderSearchLag
			return pe
		}
		last = pe
		c.log.Debug("retrying", "op", op, "attempt", attempt+1, "kind", pe.Kind, "status", pe.StatusCode)
	}
	return last
}

// encodeQuery encodes q with its keys sorted and with ':' kept as is ("date_modified:min").
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(strings.ReplaceAll(url.QueryEscape(k), "%3A", ":"))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

func (c *Client) once(ctx context.Context, op, method, u string, body []byte, out any) error {
	if err := c.cfg.Limiter.wait(ctx, c.cfg.Sleep); err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		c.cfg.Limiter.done(nil)
		return &platform.Error{Platform: Platform, Store: c.cfg.StoreHash, Op: op, Kind: platform.KindInternal, Message: "building the request", Err: err}
	}
	req.Header.Set("X-Auth-Token", c.cfg.AccessToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		c.cfg.Limiter.done(nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := c.newError(op, platform.KindUnavailable, "no answer from the store")
		e.Retryable, e.Err = true, err
		return e
	}
	defer func() { _ = resp.Body.Close() }()
	c.cfg.Limiter.done(resp.Header)
	raw, err := httpclient.ReadLimited(resp.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		e := c.newError(op, platform.KindUnavailable, "reading the answer")
		e.StatusCode, e.Retryable, e.Err = resp.StatusCode, !errors.Is(err, httpclient.ErrTooLarge), err
		if errors.Is(err, httpclient.ErrTooLarge) {
			e.Kind = platform.KindInternal
		}
		return e
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent || len(bytes.TrimSpace(raw)) == 0 {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			e := c.newError(op, platform.KindInternal, "the store's answer is not the JSON expected")
			e.StatusCode, e.Err = resp.StatusCode, err
			return e
		}
		return nil
	}
	return c.statusError(op, resp, raw)
}

// statusError maps a refused call to a *platform.Error, with the platform's own words: v3's
// {"status", "title", "errors": {field: message}} or v2's [{"status", "message"}].
func (c *Client) statusError(op string, resp *http.Response, raw []byte) *platform.Error {
	code := resp.StatusCode
	e := c.newError(op, platform.KindInternal, "")
	e.StatusCode = code
	e.Message, e.Fields = parseErrorBody(raw)
	if e.Message == "" {
		e.Message = http.StatusText(code)
	}
	switch {
	case code == http.StatusUnauthorized:
		e.Kind = platform.KindAuth
	case code == http.StatusForbidden:
		e.Kind = platform.KindForbidden
	case code == http.StatusNotFound || code == http.StatusGone:
		e.Kind = platform.KindNotFound
	case code == http.StatusConflict:
		e.Kind = platform.KindConflict
	case code == http.StatusTooManyRequests:
		e.Kind, e.Retryable = platform.KindRateLimited, true
		if ms, err := strconv.ParseInt(resp.Header.Get(HeaderTimeResetMs), 10, 64); err == nil && ms >= 0 {
			e.RetryAfter = time.Duration(ms) * time.Millisecond
		} else if d, ok := httpclient.ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = d
		}
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity || code == http.StatusRequestEntityTooLarge:
		e.Kind = platform.KindInvalidInput
	case httpclient.RetryableStatus(code):
		e.Kind, e.Retryable = platform.KindUnavailable, true
	}
	return e
}

func parseErrorBody(raw []byte) (string, []platform.FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", nil
	}
	if raw[0] == '[' {
		var v2 []struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
			Details any    `json:"details"`
		}
		if json.Unmarshal(raw, &v2) == nil {
			var msgs []string
			for _, m := range v2 {
				if m.Message != "" {
					msgs = append(msgs, m.Message)
				}
			}
			return truncate(strings.Join(msgs, "; "), 500), nil
		}
		return "", nil
	}
	var v3 struct {
		Title  string          `json:"title"`
		Detail string          `json:"detail"`
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(raw, &v3) != nil {
		return "", nil
	}
	msg := v3.Title
	if v3.Detail != "" {
		msg = strings.TrimSpace(msg + ": " + v3.Detail)
	}
	var fields []platform.FieldError
	var byField map[string]any
	if json.Unmarshal(v3.Errors, &byField) == nil {
		keys := make([]string, 0, len(byField))
		for k := range byField {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fields = append(fields, platform.FieldError{Field: k, Message: truncate(fmt.Sprint(byField[k]), 300)})
		}
	}
	return truncate(msg, 500), fields
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
