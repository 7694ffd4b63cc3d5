// Package backofficeapi is a back office reached over its Open API v2 (another storesync, or a
// back office that speaks the same API), as a platform.BackOffice: an account's store orders
// become its jobs with sales orders, by API key and base URL.
//
// Every POST carries an Idempotency-Key derived from the caller's key, so a call retried after a
// lost answer creates nothing twice; and before creating, CreateOrderJob reads what the job
// already has (its sales order, lines and payments), so a retry after the API has forgotten the
// keys still completes the job without doubling anything.
package backofficeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Platform names the Open API back office in platform.Error.
const Platform = "backoffice-api"

// Config is what a client of one back office needs. BaseURL and APIKey are required.
type Config struct {
	// BaseURL is where the API answers ("https://bo.example.com"); the client adds /api/v2/....
	// It must be https:// unless AllowInsecure is set.
	BaseURL string
	// APIKey is a key of the back office's account: read_write to create, read to look only.
	APIKey string
	// HTTPClient sends the requests; default: Guard's client with a 30 s timeout, so no base
	// URL reaches inside this network unless the operator allowed it.
	HTTPClient httpclient.Doer
	// Guard is the operator's rule for outgoing connections (--allow-private-targets); the
	// base URL is checked against it at once. Default: the zero Guard, which refuses loopback,
	// private and link-local addresses.
	Guard *httpclient.Guard
	// AllowInsecure accepts an http:// base URL: a back office on the operator's own network
	// or loopback, which the wiring allows with the same setting as private targets.
	AllowInsecure bool
	// Sleep waits between attempts; default httpclient.Sleep (tests inject a fake).
	Sleep httpclient.SleepFunc
	// Backoff bounds the attempts of one request: 429 (after its Retry-After), and 5xx and
	// network errors of reads and of keyed creates. Default 3 attempts, at most 10 s apart.
	Backoff httpclient.Backoff
	// MaxWait is the longest Retry-After waited inside a call; a longer one is returned as
	// KindRateLimited with RetryAfter, for the job to snooze. Default 10 s.
	MaxWait time.Duration
	// MaxResponseBytes bounds a response body; default 8 MiB.
	MaxResponseBytes int64
	Now              func() time.Time
}

func (c *Config) setDefaults() {
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.Guard == nil {
		c.Guard = &httpclient.Guard{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = c.Guard.Client(httpclient.ClientOptions{Timeout: 30 * time.Second})
	}
	if c.Sleep == nil {
		c.Sleep = httpclient.Sleep
	}
	if c.Backoff.MaxAttempts <= 0 {
		c.Backoff.MaxAttempts = 3
	}
	c.Backoff = c.Backoff.WithDefaults()
	if c.MaxWait <= 0 {
		c.MaxWait = 10 * time.Second
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = 8 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() (*url.URL, error) {
	var errs []error
	if c.APIKey == "" {
		errs = append(errs, errors.New("api_key: is required"))
	}
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		errs = append(errs, errors.New("base_url: is required"))
	case err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("base_url %q: want https://HOST[:PORT][/PATH]", c.BaseURL))
	case u.Scheme == "http" && !c.AllowInsecure:
		errs = append(errs, fmt.Errorf("base_url %q: must be https://, since the API key must not travel in clear text", c.BaseURL))
	case u.Scheme != "https" && u.Scheme != "http":
		errs = append(errs, fmt.Errorf("base_url %q: want an https:// URL", c.BaseURL))
	default:
		if err := c.Guard.CheckURL(c.BaseURL); err != nil {
			errs = append(errs, fmt.Errorf("base_url: %w", err))
		}
	}
	return u, errors.Join(errs...)
}

// Client is one back office's Open API. It is safe for concurrent use.
type Client struct {
	cfg  Config
	host string
}

var _ platform.BackOffice = (*Client)(nil)

// New returns a client, or an error naming each setting at fault (a *platform.Error of
// KindInvalidInput, with the fields).
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	u, err := cfg.validate()
	if err != nil {
		e := &platform.Error{Platform: Platform, Store: cfg.BaseURL, Op: "configuring", Kind: platform.KindInvalidInput,
			Message: err.Error(), Err: err}
		if errors.Is(err, httpclient.ErrForbiddenTarget) || strings.Contains(err.Error(), "base_url") {
			e.Fields = append(e.Fields, platform.FieldError{Field: "base_url"})
		}
		if cfg.APIKey == "" {
			e.Fields = append(e.Fields, platform.FieldError{Field: "api_key", Message: "is required"})
		}
		return nil, e
	}
	return &Client{cfg: cfg, host: u.Host}, nil
}

// call is one operation of the API.
type call struct {
	op      string // what storesync was doing: "creating job"
	method  string
	path    string // under the base URL, with its query
	body    any
	key     string // Idempotency-Key of a POST
	ifMatch string // the ETag an update requires
}

// do sends c, retrying what is safe to retry, and decodes a 2xx answer into out (when not nil).
// It returns the answer's headers.
func (c *Client) do(ctx context.Context, r call, out any) (http.Header, error) {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("%s: encoding the request: %w", r.op, err)
		}
	}
	// A read, and a create the API deduplicates by key, may be sent again after any failure; an
	// update only after a 429, which the API answers before doing anything.
	resendable := r.method == http.MethodGet || r.key != ""
	var last *platform.Error
	for attempt := range c.cfg.Backoff.MaxAttempts {
		if attempt > 0 {
			if err := c.cfg.Sleep(ctx, c.cfg.Backoff.Delay(attempt-1, last.RetryAfter)); err != nil {
				return nil, fmt.Errorf("%s: %w", r.op, err)
			}
		}
		h, perr := c.send(ctx, r, body, out)
		if perr == nil {
			return h, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", r.op, ctx.Err())
		}
		last = perr
		if !perr.Retryable || (!resendable && perr.Kind != platform.KindRateLimited) ||
			(perr.Kind == platform.KindRateLimited && perr.RetryAfter > c.cfg.MaxWait) {
			break
		}
	}
	return nil, last
}

func (c *Client) send(ctx context.Context, r call, body []byte, out any) (http.Header, *platform.Error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.cfg.BaseURL+r.path, rd)
	if err != nil {
		return nil, c.newError(r.op, platform.KindInternal, "building the request", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	if r.ifMatch != "" {
		req.Header.Set("If-Match", r.ifMatch)
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		e := c.newError(r.op, platform.KindUnavailable, "cannot reach the back office", err)
		e.Retryable = !errors.Is(err, httpclient.ErrForbiddenTarget) // a refused address stays refused
		if !e.Retryable {
			e.Kind, e.Fields = platform.KindInvalidInput, []platform.FieldError{{Field: "base_url", Message: "may not be reached"}}
		}
		return nil, e
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := httpclient.ReadLimited(res.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		e := c.newError(r.op, platform.KindUnavailable, "reading the answer", err)
		e.StatusCode, e.Retryable = res.StatusCode, !errors.Is(err, httpclient.ErrTooLarge)
		if !e.Retryable {
			e.Kind = platform.KindInternal
		}
		return nil, e
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := c.statusError(r.op, res, raw)
		// A 409 naming no field, to a keyed create, is the API still answering the first
		// request with the key (or one that just ended): sent again, it gets that answer.
		if r.key != "" && res.StatusCode == http.StatusConflict && len(e.Fields) == 0 {
			e.Retryable = true
		}
		return nil, e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e := c.newError(r.op, platform.KindInternal, "the answer is not the API's JSON", err)
			e.StatusCode = res.StatusCode
			return nil, e
		}
	}
	return res.Header, nil
}

// problem is the API's problem+json document.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

// statusError classifies an answer that is not 2xx by the remedy its status names.
func (c *Client) statusError(op string, res *http.Response, raw []byte) *platform.Error {
	var p problem
	_ = json.Unmarshal(raw, &p)
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if msg == "" {
		msg = http.StatusText(res.StatusCode)
	}
	e := c.newError(op, platform.KindInternal, truncate(msg, 300), nil)
	e.StatusCode = res.StatusCode
	for _, d := range p.Errors {
		e.Fields = append(e.Fields, platform.FieldError{Field: fieldOf(d.Location, d.Message), Message: truncate(d.Message, 300)})
	}
	switch code := res.StatusCode; {
	case code == http.StatusUnauthorized:
		e.Kind = platform.KindAuth
	case code == http.StatusForbidden:
		e.Kind = platform.KindForbidden
	case code == http.StatusNotFound:
		e.Kind = platform.KindNotFound
	case code == http.StatusConflict || code == http.StatusPreconditionFailed:
		e.Kind = platform.KindConflict
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity || code == http.StatusRequestEntityTooLarge:
		e.Kind = platform.KindInvalidInput
	case code == http.StatusTooManyRequests:
		e.Kind, e.Retryable = platform.KindRateLimited, true
	case httpclient.RetryableStatus(code):
		e.Kind, e.Retryable = platform.KindUnavailable, true
	}
	if e.Retryable {
		if ra, ok := httpclient.ParseRetryAfter(res.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = ra
		}
	}
	return e
}

// fieldOf names the field a problem's error is about as the built-in back office does:
// "body.lines[0].unit_price" is "lines[0].unit_price"; a missing property, which the API reports
// at its parent ("body", "expected required property store_id to be present"), is named itself.
// Query and header locations keep their prefix ("header.Idempotency-Key").
func fieldOf(location, message string) string {
	field := strings.TrimPrefix(strings.TrimPrefix(location, "body"), ".")
	if !strings.HasPrefix(location, "body") {
		return location
	}
	if rest, ok := strings.CutPrefix(message, "expected required property "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok {
			if field == "" {
				return name
			}
			return field + "." + name
		}
	}
	return field
}

func (c *Client) newError(op string, kind platform.Kind, msg string, err error) *platform.Error {
	return &platform.Error{Platform: Platform, Store: c.host, Op: op, Kind: kind, Message: msg, Err: err}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// maxPages bounds how many pages a list reads (10 items a page), so a server whose next link
// never ends cannot keep a call going.
const maxPages = 1000

// listAll reads every page of a list (path has a query or not). It asks for the pages by
// number rather than following the next link, which names the server's own path and would lose
// a prefix of the base URL.
func listAll[T any](ctx context.Context, c *Client, op, path string) ([]T, error) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []T
	for n := 1; n <= maxPages; n++ {
		var page struct {
			Data []T    `json:"data"`
			Next string `json:"next"`
		}
		if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: fmt.Sprintf("%s%spage=%d", path, sep, n)}, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Data...)
		if page.Next == "" || len(page.Data) == 0 {
			return out, nil
		}
	}
	return nil, c.newError(op, platform.KindInternal, fmt.Sprintf("more than %d pages", maxPages), nil)
}

// first reads the first item of a list, ok false when it is empty.
func first[T any](ctx context.Context, c *Client, op, path string) (T, bool, error) {
	var page struct {
		Data []T `json:"data"`
	}
	var zero T
	if _, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path}, &page); err != nil {
		return zero, false, err
	}
	if len(page.Data) == 0 {
		return zero, false, nil
	}
	return page.Data[0], true, nil
}
