package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
)

// syncBuffer is a log sink the server's goroutines may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const sqlText = `querying: ERROR: relation "secret_table" does not exist (SQLSTATE 42P01)`

var failures = map[string]error{
	"sql":       errors.New(sqlText),
	"notfound":  fmt.Errorf("getting job: job 7: %w", database.ErrNotFound),
	"invalid":   fmt.Errorf("creating job: %w", &backoffice.ValidationError{Field: "primary_rep", Message: "unknown user", Value: strings.Repeat("x", 500)}),
	"stale":     fmt.Errorf("updating job: %w", backoffice.ErrStale),
	"conflict":  fmt.Errorf("updating job: job 7 is a store job: %w", backoffice.ErrConflict),
	"platform":  &platform.Error{Platform: "shopify", Op: "verifying store", Kind: platform.KindAuth, Message: "remote says: token xyz"},
	"cancelled": fmt.Errorf("reading: %w", context.DeadlineExceeded),
}

// A handler may build its own HTTP error from what the client sent; the problem still repeats a
// short part of it only.
type longInput struct {
	Body struct {
		Name string `json:"name"`
	}
}

func registerLong(hapi huma.API) {
	huma.Register(hapi, huma.Operation{OperationID: "long", Method: http.MethodPost, Path: "/api/v2/long"},
		func(ctx context.Context, in *longInput) (*struct{}, error) {
			return nil, huma.Error422UnprocessableEntity("bad name "+in.Body.Name, &huma.ErrorDetail{Location: "body.name", Value: in.Body.Name})
		})
}

type failInput struct {
	What string `query:"what"`
}

func registerFail(hapi huma.API) {
	huma.Register(hapi, huma.Operation{OperationID: "fail", Method: http.MethodGet, Path: "/api/v2/fail"},
		func(ctx context.Context, in *failInput) (*struct{}, error) { return nil, failures[in.What] })
}

// Every API surface has one error mapper: domain errors get their status, an unexpected error
// answers 500 "internal error" with the request ID and nothing of its text, and the log has it.
func TestErrorMapper(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		var logs syncBuffer
		s := apitest.New(t, db, apitest.Options{Register: func(h huma.API) { registerEcho(h); registerFail(h); registerLong(h) },
			Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		auth := "Bearer " + s.CreateKey(t, s.CreateAccount(t, dbtest.Name("errs")), account.PermissionReadWrite)
		for _, tc := range []struct {
			what, location, notInBody string
			status                    int
		}{
			{what: "sql", status: 500, notInBody: "secret_table"},
			{what: "notfound", status: 404},
			{what: "invalid", status: 422, location: "body.primary_rep", notInBody: strings.Repeat("x", 65)},
			{what: "stale", status: 412},
			{what: "conflict", status: 409},
			{what: "platform", status: 502, notInBody: "xyz"},
			{what: "cancelled", status: 503},
		} {
			status, body, hdr := do(t, s.Client(), "GET", s.URL()+"/api/v2/fail?what="+tc.what, auth, "")
			text := fmt.Sprint(body)
			if status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.what, status, tc.status, text)
			}
			if tc.notInBody != "" && strings.Contains(text, tc.notInBody) {
				t.Errorf("%s: the answer shows %q: %s", tc.what, tc.notInBody, text)
			}
			if tc.location != "" && !strings.Contains(text, tc.location) {
				t.Errorf("%s: the answer does not name %s: %s", tc.what, tc.location, text)
			}
			if tc.status == 500 {
				id := hdr.Get("X-Request-Id")
				if d, _ := body["detail"].(string); id == "" || !strings.HasPrefix(d, "internal error") || !strings.Contains(d, id) {
					t.Errorf("500 detail %q does not say internal error with request ID %q", d, id)
				}
				if !strings.Contains(logs.String(), "secret_table") || !strings.Contains(logs.String(), id) {
					t.Errorf("the cause and request ID are not in the log: %s", logs.String())
				}
			}
		}
		// A 422 repeats a short prefix of the offending value, not all of it.
		long := strings.Repeat("y", 100_000)
		status, body, _ := do(t, s.Client(), "POST", s.URL()+"/api/v2/echo", auth, `{"name":"`+long+`","count":1}`)
		if text := fmt.Sprint(body); status != 422 || len(text) > 2000 || !strings.Contains(text, "…") {
			t.Errorf("a 100 KB value: status %d, answer of %d bytes: %.300s", status, len(text), text)
		}
		status, body, _ = do(t, s.Client(), "POST", s.URL()+"/api/v2/long", auth, `{"name":"`+long+`"}`)
		if text := fmt.Sprint(body); status != 422 || len(text) > 2000 {
			t.Errorf("a handler's own error with a 100 KB value: status %d, answer of %d bytes", status, len(text))
		}
	})
}
