package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// op describes one call: which document, what storesync was doing (for errors and logs), and
// whether sending it twice is harmless. Queries are; so are mutations carrying @idempotent and
// set-style mutations. A mutation that is not (orderCreate, fulfillmentCreate) is retried only
// when the server certainly did not run it (429, THROTTLED).
type op struct {
	doc       string
	what      string
	retrySafe bool
}

type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     json.RawMessage `json:"errors"` // an array, or a string on auth failures
	Extensions struct {
		Cost *queryCost `json:"cost"`
	} `json:"extensions"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
	Path []any `json:"path"`
}

type queryCost struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// do runs one GraphQL operation through the layers: cost-point bucket, send with auth, size
// limit, error classification, bounded retry; then decodes data into out.
func (c *Client) do(ctx context.Context, o op, vars map[string]any, out any) error {
	doc, ok := c.docs[o.doc]
	if !ok {
		return fmt.Errorf("shopify: unknown document %q", o.doc)
	}
	body, err := json.Marshal(gqlRequest{Query: doc, OperationName: operationName(doc), Variables: vars})
	if err != nil {
		return fmt.Errorf("%s: encoding variables: %w", o.what, err)
	}
	var last *platform.Error
	for attempt := range c.cfg.Backoff.MaxAttempts {
		if attempt > 0 {
			delay := c.retryDelay(attempt-1, last)
			c.log.DebugContext(ctx, "retrying", "op", o.doc, "attempt", attempt, "delay", delay, "error", last)
			if err := c.cfg.Sleep(ctx, delay); err != nil {
				return fmt.Errorf("%s: %w", o.what, err)
			}
		}
		ticket, err := c.cfg.Limiter.acquire(ctx, o.doc, c.cfg.Sleep)
		if err != nil {
			return fmt.Errorf("%s: waiting for rate limit: %w", o.what, err)
		}
		// The request counts as sent when its last byte is written: that orders it against the
		// others in flight far better than when the goroutine decided to send it.
		traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { c.cfg.Limiter.markSent(ticket) },
		})
		resp, perr := c.send(traced, o, body)
		var cost *queryCost
		if resp != nil {
			cost = resp.Extensions.Cost
		}
		throttled := perr != nil && perr.Kind == platform.KindRateLimited && perr.StatusCode == http.StatusOK
		c.cfg.Limiter.settle(o.doc, ticket, cost, throttled)
		if perr == nil {
			if out == nil || len(resp.Data) == 0 || string(resp.Data) == "null" {
				return nil
			}
			if err := json.Unmarshal(resp.Data, out); err != nil {
				e := c.newError(o.what, platform.KindInternal, "decoding response")
				e.Err = err
				return e
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", o.what, ctx.Err())
		}
		last = perr
		if !perr.Retryable || (!o.retrySafe && !notExecuted(perr)) {
			break
		}
	}
	// Not logged here: the caller reports the error once, with its own context.
	return last
}

// operationName finds the name of the document's operation ("query Shop {" → "Shop").
func operationName(doc string) string {
	for line := range strings.SplitSeq(doc, "\n") {
		for _, kw := range []string{"query ", "mutation "} {
			if rest, ok := strings.CutPrefix(line, kw); ok {
				return strings.TrimSpace(strings.FieldsFunc(rest, func(r rune) bool { return r == '(' || r == ' ' || r == '{' })[0])
			}
		}
	}
	return ""
}

// notExecuted reports whether the server refused the call before running it, so even a
// mutation that is not idempotent can be sent again.
func notExecuted(e *platform.Error) bool {
	return e.Kind == platform.KindRateLimited
}

// retryDelay waits as asked (Retry-After) or backs off with jitter. After THROTTLED the
// limiter itself computes the wait from the server's bucket, so no extra backoff is added.
func (c *Client) retryDelay(attempt int, last *platform.Error) time.Duration {
	if last != nil && last.Kind == platform.KindRateLimited && last.StatusCode == http.StatusOK {
		return 0
	}
	var ra time.Duration
	if last != nil {
		ra = last.RetryAfter
	}
	return c.cfg.Backoff.Delay(attempt, ra)
}

// send makes one HTTP round trip and classifies the answer. A non-nil response is returned
// whenever one was decoded, so the limiter can use its cost figures even on errors.
func (c *Client) send(ctx context.Context, o op, body []byte) (*gqlResponse, *platform.Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		e := c.newError(o.what, platform.KindInternal, "building request")
		e.Err = err
		return nil, e
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Shopify-Access-Token", c.cfg.AccessToken)
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		e := c.newError(o.what, platform.KindUnavailable, "cannot reach shop")
		// An address refused by the dialer stays refused: no retry.
		e.Err, e.Retryable = err, !errors.Is(err, httpclient.ErrForbiddenTarget)
		return nil, e
	}
	defer res.Body.Close()
	raw, err := httpclient.ReadLimited(res.Body, c.cfg.MaxResponseBytes)
	if err != nil {
		kind := platform.KindUnavailable
		if errors.Is(err, httpclient.ErrTooLarge) {
			kind = platform.KindInternal
		}
		e := c.newError(o.what, kind, "reading response")
		e.Err, e.StatusCode, e.Retryable = err, res.StatusCode, kind == platform.KindUnavailable
		return nil, e
	}
	if res.StatusCode != http.StatusOK {
		return nil, c.statusError(o, res, raw)
	}
	var gr gqlResponse
	if err := json.Unmarshal(raw, &gr); err != nil {
		e := c.newError(o.what, platform.KindInternal, "response is not GraphQL JSON")
		e.Err, e.StatusCode = err, res.StatusCode
		return nil, e
	}
	if perr := c.graphqlErrors(o, gr.Errors); perr != nil {
		return &gr, perr
	}
	return &gr, nil
}

func (c *Client) statusError(o op, res *http.Response, raw []byte) *platform.Error {
	msg := errorText(raw)
	e := c.newError(o.what, platform.KindInternal, msg)
	e.StatusCode = res.StatusCode
	switch code := res.StatusCode; {
	case code == http.StatusUnauthorized:
		e.Kind = platform.KindAuth
		e.Message = "access token rejected (wrong or revoked): reconnect the store"
		if msg != "" {
			e.Message += ": " + msg
		}
	case code == http.StatusForbidden:
		e.Kind = platform.KindForbidden
		e.Message = "access denied: grant the app the scopes it needs"
		if msg != "" {
			e.Message += ": " + msg
		}
	case code == http.StatusNotFound:
		e.Kind = platform.KindNotFound
		e.Message = "shop not found: check the shop domain"
	case code == http.StatusPaymentRequired || code == http.StatusLocked:
		e.Kind = platform.KindUnavailable
		e.Message = "shop frozen or locked by Shopify (unpaid or suspended)"
	case code == http.StatusTooManyRequests:
		e.Kind = platform.KindRateLimited
		e.Retryable = true
		if ra, ok := httpclient.ParseRetryAfter(res.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = ra
		}
	case code == http.StatusRequestEntityTooLarge || code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		e.Kind = platform.KindInvalidInput
	case httpclient.RetryableStatus(code):
		e.Kind = platform.KindUnavailable
		e.Retryable = true
		if ra, ok := httpclient.ParseRetryAfter(res.Header.Get("Retry-After"), c.cfg.Now()); ok {
			e.RetryAfter = ra
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(res.StatusCode)
	}
	return e
}

// errorText pulls a short message out of an error body: Shopify's {"errors": "..."} or
// {"errors": [{"message": ...}]}, at most 200 bytes of it.
func errorText(raw []byte) string {
	var v struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(raw, &v) == nil && len(v.Errors) > 0 {
		var s string
		if json.Unmarshal(v.Errors, &s) == nil {
			return truncateText(s, 200)
		}
		var list []gqlError
		if json.Unmarshal(v.Errors, &list) == nil && len(list) > 0 {
			return truncateText(list[0].Message, 200)
		}
	}
	// Anything else is not repeated: a store's base URL may point at a server that is not
	// Shopify, and its answer must not reach the person (or the log) through our errors.
	return ""
}

// graphqlErrors turns top-level GraphQL errors into a platform error: THROTTLED is rate
// limiting, ACCESS_DENIED a missing scope, INTERNAL_SERVER_ERROR a retryable outage, anything
// else (invalid query, MAX_COST_EXCEEDED) a bug on our side.
func (c *Client) graphqlErrors(o op, raw json.RawMessage) *platform.Error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var list []gqlError
	if err := json.Unmarshal(raw, &list); err != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e := c.newError(o.what, platform.KindAuth, s)
			e.StatusCode = http.StatusOK
			return e
		}
		e := c.newError(o.what, platform.KindInternal, "unreadable errors")
		e.Err = err
		return e
	}
	if len(list) == 0 {
		return nil
	}
	first := list[0]
	e := c.newError(o.what, platform.KindInternal, first.Message)
	e.StatusCode = http.StatusOK
	switch first.Extensions.Code {
	case "THROTTLED":
		e.Kind, e.Retryable = platform.KindRateLimited, true
	case "ACCESS_DENIED":
		e.Kind = platform.KindForbidden
	case "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE":
		e.Kind, e.Retryable = platform.KindUnavailable, true
	case "NOT_FOUND":
		e.Kind = platform.KindNotFound
	case "BAD_USER_INPUT", "argumentLiteralsIncompatible":
		e.Kind = platform.KindInvalidInput
	}
	for _, ge := range list[1:] {
		e.Message += "; " + ge.Message
	}
	return e
}
