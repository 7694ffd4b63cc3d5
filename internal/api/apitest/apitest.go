// Package apitest starts the real API, with its real key check, on a real HTTPS test server, so API
// tests drive storesync exactly as a client would.
package apitest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/webhook"
)

// Options shape the test server.
type Options struct {
	// Now is the clock of the API and its services (default time.Now).
	Now func() time.Time
	// Register adds the operations under test.
	Register func(api huma.API)
	// PlainHTTP starts a plain HTTP server instead of HTTPS; AllowHTTP lets the API accept it.
	PlainHTTP, AllowHTTP bool
	// Logger receives the API's and the middleware's logs (default: discarded).
	Logger *slog.Logger
	// MaxBodyBytes is the request body limit of the middleware (default 1 MiB, as served).
	MaxBodyBytes int64
}

// Server is a running API.
type Server struct {
	srv      *httptest.Server
	accounts *account.Service
	API      huma.API
	// Webhooks is the webhook service behind the server; its deliveries are enqueued, not sent.
	Webhooks *webhook.Service
}

// New starts the API on db for the length of t.
func New(t testing.TB, db *database.DB, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	// An insert-only job client: deliveries are recorded and enqueued, not sent.
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatalf("making job client: %v", err)
	}
	hooks := webhook.NewService(db, jc, nil, opts.Now, nil)
	accounts := account.NewService(db, opts.Now).WithEvents(hooks)
	mux := http.NewServeMux()
	d := api.Deps{Accounts: accounts, DB: db, Now: opts.Now, AllowHTTP: opts.AllowHTTP, Logger: opts.Logger, Register: []func(huma.API){api.Webhooks(hooks)}}
	if opts.Register != nil {
		d.Register = append(d.Register, opts.Register)
	}
	s := &Server{accounts: accounts, Webhooks: hooks}
	s.API = api.New(mux, d)
	// The same middleware as served: request IDs, recovery, body limit, access log.
	h := server.Wrap(mux, opts.Logger, nil, opts.MaxBodyBytes)
	if opts.PlainHTTP {
		s.srv = httptest.NewServer(h)
	} else {
		s.srv = httptest.NewTLSServer(h)
	}
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL (https://127.0.0.1:PORT).
func (s *Server) URL() string { return s.srv.URL }

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Accounts is the account service behind the server.
func (s *Server) Accounts() *account.Service { return s.accounts }

// CreateAccount makes an account and returns its ID.
func (s *Server) CreateAccount(t testing.TB, name string) int64 {
	t.Helper()
	a, err := s.accounts.CreateAccount(context.Background(), name)
	if err != nil {
		t.Fatalf("creating account %s: %v", name, err)
	}
	return a.ID
}

// CreateUser adds a user to an account and returns its ID. The password is "correct horse battery".
func (s *Server) CreateUser(t testing.TB, accountID int64, email string) int64 {
	t.Helper()
	u, err := s.accounts.CreateUser(context.Background(), account.CreateUserParams{
		AccountID: accountID, Email: email, Name: email, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("creating user %s: %v", email, err)
	}
	return u.ID
}

// CreateKey makes an API key of an account and returns the key itself.
func (s *Server) CreateKey(t testing.TB, accountID int64, perm account.Permission) string {
	t.Helper()
	_, secret, err := s.accounts.CreateKey(context.Background(), account.CreateKeyParams{AccountID: accountID, Name: "test", Permission: perm})
	if err != nil {
		t.Fatalf("creating API key: %v", err)
	}
	return secret
}

// Hits returns how many requests have been counted on key.
func (s *Server) Hits(t testing.TB, key string) int64 {
	t.Helper()
	k, err := s.accounts.KeyBySecret(context.Background(), key)
	if err != nil {
		t.Fatalf("reading hits: %v", err)
	}
	return k.Hits
}
