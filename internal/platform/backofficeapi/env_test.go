package backofficeapi_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/backofficeapi"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

const testSecretKey = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M="

// openApp opens a whole storesync on a fresh database of the dialect, for the length of t.
func openApp(t *testing.T, d database.Dialect) *app.App {
	t.Helper()
	cfg := config.Config{DataDir: t.TempDir(), DB: dbtest.NewURL(t, d), LogLevel: "info", LogFormat: "json",
		Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20, Workers: 1, JobTimeout: time.Minute, JobRescueAfter: 2 * time.Minute,
		ShutdownTimeout: time.Second}
	if d == database.Postgres {
		cfg.SecretKey = testSecretKey
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// server is a storesync serving its API over HTTPS, as a back office others reach by key.
type server struct {
	a   *app.App
	srv *httptest.Server
}

func newServer(t *testing.T, d database.Dialect) *server {
	t.Helper()
	a := openApp(t, d)
	srv := httptest.NewTLSServer(a.Handler(app.ServeOptions{}))
	t.Cleanup(srv.Close)
	return &server{a: a, srv: srv}
}

// impl is one implementation of platform.BackOffice under the contract.
type impl string

const (
	builtIn  impl = "builtin"
	external impl = "openapi"
)

// env is one account of the back office and an implementation reaching it.
type env struct {
	t       *testing.T
	impl    impl
	a       *app.App
	account int64
	name    string
	users   []string
	bo      platform.BackOffice
	// The Open API client only: a client of a read key and of a revoked one, the faults between
	// the client and the server, and the waits the client asked for.
	readOnly, badKey platform.BackOffice
	faults           *faults
	sleeps           *sleeps
	contact          int64 // a dropship contact
	storeContact     int64 // a store contact
}

func newEnv(t *testing.T, s *server, im impl) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, impl: im, a: s.a, name: "acct-" + strings.ToLower(rand.Text()[:10])}
	acct, err := s.a.Accounts.CreateAccount(ctx, e.name)
	if err != nil {
		t.Fatal(err)
	}
	e.account = acct.ID
	// Users are inserted as they are stored, without hashing a password none of them uses.
	for _, u := range []string{"rep", "csr"} {
		if _, err := s.a.DB.Exec(ctx, `INSERT INTO users (account_id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'x', $4)`,
			e.account, u+"@"+e.name+".test", u, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	e.users = []string{"csr@" + e.name + ".test", "rep@" + e.name + ".test"}
	for _, it := range []backoffice.PutListItemParams{
		{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
		{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"},
		{List: backoffice.ListCardTypes, Code: "amex", Name: "American Express"},
	} {
		it.AccountID, it.Active = e.account, true
		if _, err := s.a.BackOffice.PutListItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.a.BackOffice.CreateContact(ctx, backoffice.CreateContactParams{AccountID: e.account, Kind: backoffice.KindDropship,
		Input: backoffice.ContactInput{Name: "Ann Lee", Email: "ann@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.contact = c.ID
	c, err = s.a.BackOffice.CreateContact(ctx, backoffice.CreateContactParams{AccountID: e.account, Kind: backoffice.KindStore,
		Input: backoffice.ContactInput{Name: "Acme Store", StoreID: "S-1"}})
	if err != nil {
		t.Fatal(err)
	}
	e.storeContact = c.ID
	if im == builtIn {
		e.bo = backoffice.Target(s.a.BackOffice, e.account)
		return e
	}
	key := func(p account.Permission) string {
		_, k, err := s.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: e.account, Name: string(p), Permission: p})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	e.faults = &faults{base: s.srv.Client().Transport}
	e.sleeps = &sleeps{}
	guard := &httpclient.Guard{}
	guard.Allow(s.srv.Listener.Addr().String()) // as the wiring allows its own simulators
	client := func(k string) platform.BackOffice {
		c, err := backofficeapi.New(backofficeapi.Config{BaseURL: s.srv.URL, APIKey: k, Guard: guard,
			HTTPClient: &http.Client{Transport: e.faults, Timeout: 20 * time.Second}, Sleep: e.sleeps.sleep})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	e.bo = client(key(account.PermissionReadWrite))
	e.readOnly = client(key(account.PermissionRead))
	revoked, k, err := s.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: e.account, Name: "old", Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.a.Accounts.RevokeKey(ctx, account.KeyParams{AccountID: e.account, KeyID: revoked.ID}); err != nil {
		t.Fatal(err)
	}
	e.badKey = client(k)
	return e
}

// forgetKeys drops the API's kept answers of Idempotency-Keys, as if a day had passed.
func (e *env) forgetKeys() {
	e.t.Helper()
	if _, err := e.a.DB.Exec(e.t.Context(), `DELETE FROM api_idempotency_keys WHERE account_id = $1`, e.account); err != nil {
		e.t.Fatal(err)
	}
}

// counts are the job's sales orders, lines and payments, read from the back office itself.
func (e *env) counts(jobID int64) (orders, lines, payments int64) {
	e.t.Helper()
	ctx := e.t.Context()
	sos, err := e.a.BackOffice.ListSalesOrders(ctx, backoffice.ListOrdersParams{AccountID: e.account, JobID: jobID})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, so := range sos.Items {
		ref := backoffice.OrderRef{AccountID: e.account, JobID: jobID, Kind: backoffice.SalesOrderKind, OrderID: so.ID}
		l, err := e.a.BackOffice.ListLines(ctx, backoffice.ListOrderItemsParams{Order: ref})
		if err != nil {
			e.t.Fatal(err)
		}
		p, err := e.a.BackOffice.ListPayments(ctx, backoffice.ListOrderItemsParams{Order: ref})
		if err != nil {
			e.t.Fatal(err)
		}
		lines, payments = lines+l.Total, payments+p.Total
	}
	return sos.Total, lines, payments
}

// jobs counts the account's jobs.
func (e *env) jobs() int64 {
	e.t.Helper()
	p, err := e.a.BackOffice.SearchJobs(e.t.Context(), backoffice.SearchJobsParams{AccountID: e.account})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Total
}

// faults sits between the Open API client and the server: it can lose the answer of a POST
// (the request reaches the server, its answer does not reach the client), cut every request
// after that until healed, or answer requests itself with a status.
type faults struct {
	base http.RoundTripper

	mu     sync.Mutex
	posts  int  // POSTs seen since the last arm
	dropAt int  // the POST whose answer is lost (1-based), 0 for none
	outage bool // after the lost answer, nothing gets through until heal
	down   bool
	inject []injected // answered in place of the next requests, in order
}

type injected struct {
	method     string // only a request of this method, when set
	status     int
	retryAfter string
}

var errCut = errors.New("connection reset by the test")

// loseAnswer loses the answer of the nth POST from now; with outage, every request after it
// fails too until heal.
func (f *faults) loseAnswer(n int, outage bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posts, f.dropAt, f.outage, f.down = 0, n, outage, false
}

func (f *faults) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAt, f.outage, f.down = 0, false, false
}

// answer makes the next n requests answered with status (and Retry-After) by the test.
func (f *faults) answer(n, status int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.inject = append(f.inject, injected{status: status, retryAfter: retryAfter})
	}
}

// answerOn makes the next request of method answered with status by the test.
func (f *faults) answerOn(method string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject = append(f.inject, injected{method: method, status: status})
}

func (f *faults) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	if f.down {
		f.mu.Unlock()
		return nil, errCut
	}
	if len(f.inject) > 0 && (f.inject[0].method == "" || f.inject[0].method == req.Method) {
		in := f.inject[0]
		f.inject = f.inject[1:]
		f.mu.Unlock()
		h := http.Header{"Content-Type": {"application/problem+json"}}
		if in.retryAfter != "" {
			h.Set("Retry-After", in.retryAfter)
		}
		body := fmt.Sprintf(`{"status":%d,"title":%q}`, in.status, http.StatusText(in.status))
		return &http.Response{StatusCode: in.status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
	}
	lose := false
	if req.Method == http.MethodPost && f.dropAt > 0 {
		f.posts++
		lose = f.posts == f.dropAt
	}
	f.mu.Unlock()
	res, err := f.base.RoundTrip(req)
	if err != nil || !lose {
		return res, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	f.mu.Lock()
	f.dropAt, f.down = 0, f.outage
	f.mu.Unlock()
	return nil, errCut
}

// sleeps records the waits the client asks for and returns at once.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, d)
	return ctx.Err()
}

func (s *sleeps) take() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	return out
}

// wantKind fails unless err is a *platform.Error of kind; it returns it.
func wantKind(t *testing.T, err error, kind platform.Kind) *platform.Error {
	t.Helper()
	pe, ok := errors.AsType[*platform.Error](err)
	if !ok || pe.Kind != kind {
		t.Fatalf("error %v (%T), want a platform error of kind %s", err, err, kind)
	}
	return pe
}
