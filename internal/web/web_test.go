package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/web"
)

const (
	email    = "ops@acme.example"
	password = "long enough password"
)

// env is a dashboard on a real database behind a real HTTP(S) server, with a browser-like client
// that keeps cookies and does not follow redirects (so each answer can be checked).
type env struct {
	t        *testing.T
	accounts *account.Service
	acme     account.Account
	srv      *httptest.Server
	c        *http.Client
}

type envOptions struct {
	plain     bool
	transport web.Transport
	now       func() time.Time
	mux       func(*http.ServeMux)
}

func newEnv(t *testing.T, db *database.DB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	accounts := account.NewService(db, o.now)
	a, _ := accounts.CreateAccount(ctx, "acme")
	if _, err := accounts.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: email, Password: password}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if o.mux != nil {
		o.mux(mux)
	}
	web.Register(mux, web.Deps{Accounts: accounts, Transport: o.transport, Problem: server.WriteProblem})
	e := &env{t: t, accounts: accounts, acme: a}
	if o.plain {
		e.srv = httptest.NewServer(mux)
	} else {
		e.srv = httptest.NewTLSServer(mux)
	}
	t.Cleanup(e.srv.Close)
	e.c = e.srv.Client()
	e.c.Jar, _ = cookiejar.New(nil)
	e.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return e
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(method, path string, form url.Values, header map[string]string) answer {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) login(header map[string]string) answer {
	e.t.Helper()
	return e.do("POST", "/login", url.Values{"email": {email}, "password": {password}}, header)
}

func (e *env) sessionCookie() *http.Cookie {
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range e.c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return ck
		}
	}
	return nil
}

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.New(t, database.SQLite), envOptions{})
	if a := e.do("GET", "/", nil, nil); a.status != 303 || a.header.Get("Location") != "/login" {
		t.Fatalf("home without a session: %d %s", a.status, a.header.Get("Location"))
	}
	if a := e.do("POST", "/login", url.Values{"email": {email}, "password": {"wrong password"}}, nil); a.status != 401 || !strings.Contains(a.body, "Wrong email or password") {
		t.Errorf("wrong password: %d", a.status)
	}
	if a := e.login(map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); a.status != 403 {
		t.Errorf("cross-origin login post: %d, want 403", a.status)
	}
	if a := e.login(nil); a.status != 303 || a.header.Get("Location") != "/" {
		t.Fatalf("login: %d %s", a.status, a.header.Get("Location"))
	}
	if a := e.do("GET", "/", nil, nil); a.status != 200 || !strings.Contains(a.body, "API keys") {
		t.Fatalf("dashboard after login: %d", a.status)
	}
	e.do("POST", "/logout", nil, nil)
	if a := e.do("GET", "/", nil, nil); a.status != 303 {
		t.Error("still logged in after logout")
	}
}

// Every dashboard form posts, then redirects (303) to a page: refreshing that page repeats
// nothing, and what the post did is said once.
func TestKeysPostRedirectGet(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		e := newEnv(t, db, envOptions{})
		ctx := context.Background()
		e.login(nil)
		if a := e.do("GET", "/keys", nil, nil); a.status != 200 || !strings.Contains(a.body, "No API keys yet") || !strings.Contains(a.body, "<html") {
			t.Fatalf("GET /keys: %d %.200s", a.status, a.body)
		}
		if a := e.do("POST", "/keys", url.Values{"name": {"ci"}, "permission": {"read"}}, map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}); a.status != 403 {
			t.Errorf("cross-origin key creation: %d, want 403", a.status)
		}
		a := e.do("POST", "/keys", url.Values{"name": {"ci"}, "permission": {"read"}}, nil)
		if a.status != 303 || a.header.Get("Location") != "/keys" || strings.Contains(a.body, "ssk_") {
			t.Fatalf("create key: %d to %q, want 303 to /keys with no key in the answer", a.status, a.header.Get("Location"))
		}
		page := e.do("GET", "/keys", nil, nil)
		secret := regexp.MustCompile(`ssk_[A-Za-z0-9_-]{43}`).FindString(page.body)
		if page.status != 200 || secret == "" || !strings.Contains(page.body, `New API key &#34;ci&#34;`) {
			t.Fatalf("the page after the redirect does not show the new key once: %d", page.status)
		}
		if page.header.Get("Cache-Control") != "no-store" {
			t.Errorf("the page showing a key may be cached: %q", page.header.Get("Cache-Control"))
		}
		if again := e.do("GET", "/keys", nil, nil); strings.Contains(again.body, secret) || !strings.Contains(again.body, "ci") {
			t.Error("refreshing shows the key again, or no longer lists it")
		}
		if keys, _ := e.accounts.ListKeys(ctx, e.acme.ID); len(keys) != 1 {
			t.Fatalf("%d keys after one creation and refreshes, want 1", len(keys))
		}
		for _, bad := range []url.Values{{"permission": {"read"}}, {"name": {"x"}, "permission": {"admin"}}} {
			if a := e.do("POST", "/keys", bad, nil); a.status != 422 || !strings.Contains(a.body, "err") {
				t.Errorf("create key %v: %d, want 422 with the error", bad, a.status)
			}
		}

		k, _ := e.accounts.KeyBySecret(ctx, secret)
		id := strconv.FormatInt(k.ID, 10)
		if a := e.do("GET", "/keys/"+id+"/revoke", nil, nil); a.status != 200 || !strings.Contains(a.body, "Revoke the key") {
			t.Fatalf("revoke asks for confirmation: %d", a.status)
		}
		if _, err := e.accounts.AuthenticateKey(ctx, secret); err != nil {
			t.Fatalf("the confirmation page revoked the key: %v", err)
		}
		if a := e.do("POST", "/keys/"+id+"/revoke", nil, nil); a.status != 303 || a.header.Get("Location") != "/keys" {
			t.Fatalf("revoke: %d %s", a.status, a.header.Get("Location"))
		}
		if a := e.do("GET", "/keys", nil, nil); !strings.Contains(a.body, "is revoked") {
			t.Error("the page after revoking does not say it happened")
		}
		if _, err := e.accounts.AuthenticateKey(ctx, secret); err == nil {
			t.Error("revoked key still works")
		}
		other, _ := e.accounts.CreateAccount(ctx, "globex")
		ok, _, _ := e.accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: other.ID, Name: "theirs", Permission: account.PermissionRead})
		for _, m := range []string{"GET", "POST"} {
			if a := e.do(m, "/keys/"+strconv.FormatInt(ok.ID, 10)+"/revoke", url.Values{}, nil); a.status != 404 || !strings.Contains(a.body, "<html") {
				t.Errorf("%s revoke of another account's key: %d, want a 404 page", m, a.status)
			}
		}
		if k, _ := e.accounts.Key(ctx, account.KeyParams{AccountID: other.ID, KeyID: ok.ID}); k.RevokedAt != nil {
			t.Error("another account's key was revoked")
		}
	})
}

// The dashboard takes passwords under the same rule as the API (server.Policy).
func TestPlainHTTPAndProxies(t *testing.T) {
	t.Parallel()
	fwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
	cases := []struct {
		name      string
		plain     bool
		transport web.Transport
		header    map[string]string
		allowed   bool
		secure    bool
	}{
		{"https", false, server.Policy{}, nil, true, true},
		{"plain http refused", true, server.Policy{}, nil, false, false},
		{"plain http refused by default", true, nil, nil, false, false},
		{"forwarding headers are not believed without --trust-proxy", true, server.Policy{}, fwd, false, false},
		{"--allow-http", true, server.Policy{AllowHTTP: true}, nil, true, false},
		{"--trust-proxy behind a TLS proxy", true, server.Policy{TrustProxy: true}, fwd, true, true},
		{"--trust-proxy, proxy reached over http", true, server.Policy{TrustProxy: true}, map[string]string{"X-Forwarded-Proto": "http"}, false, false},
	}
	for _, tc := range cases {
		e := newEnv(t, dbtest.New(t, database.SQLite), envOptions{plain: tc.plain, transport: tc.transport})
		page := e.do("GET", "/login", nil, tc.header)
		a := e.login(tc.header)
		ck := e.sessionCookie()
		if !tc.allowed {
			if page.status != 403 || a.status != 403 || !strings.Contains(a.body, "HTTPS only") || ck != nil {
				t.Errorf("%s: login page %d, login %d, cookie %v; want 403 saying HTTPS only, no session", tc.name, page.status, a.status, ck)
			}
			continue
		}
		if a.status != 303 || ck == nil {
			t.Errorf("%s: login %d, cookie %v; want a session", tc.name, a.status, ck)
			continue
		}
		if set := a.header.Get("Set-Cookie"); strings.Contains(set, "Secure") != tc.secure {
			t.Errorf("%s: cookie %q, want Secure=%t", tc.name, set, tc.secure)
		}
	}
}

func TestLoginThrottledWithRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnv(t, dbtest.New(t, database.SQLite), envOptions{plain: true, transport: server.Policy{TrustProxy: true}, now: clock})
	wrong := url.Values{"email": {email}, "password": {"wrong password"}}
	from := func(addr string) map[string]string {
		return map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": addr}
	}
	statuses := []int{}
	for range 40 {
		statuses = append(statuses, e.do("POST", "/login", wrong, from("198.51.100.7")).status)
	}
	if got := statuses[:3]; got[0] != 401 || got[1] != 401 || got[2] != 401 {
		t.Fatalf("first attempts: %v, want 401s", got)
	}
	for i, s := range statuses[3:] {
		if s != 429 {
			t.Fatalf("attempt %d of 40 in a row: %d, want 429", i+4, s)
		}
	}
	a := e.login(from("198.51.100.7"))
	if a.status != 429 || a.header.Get("Retry-After") != "1" || !strings.Contains(a.body, "Try again in 1s") {
		t.Fatalf("right password while throttled: %d, Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	// The throttle counts the client the proxy reports: another client is not held back.
	if a := e.login(from("203.0.113.9")); a.status != 303 {
		t.Fatalf("another client address: %d, want a login", a.status)
	}
	now = now.Add(time.Second)
	if a := e.login(from("198.51.100.7")); a.status != 303 {
		t.Fatalf("after Retry-After: %d, want a login", a.status)
	}
}

// 404 and 405 are pages of the dashboard; the paths of programs keep problem+json.
func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.New(t, database.SQLite), envOptions{mux: func(mux *http.ServeMux) {
		mux.HandleFunc("POST /webhooks/{platform}/{key}", func(http.ResponseWriter, *http.Request) {})
	}})
	cases := []struct {
		method, path string
		status       int
		allow, ctype string
		says         string
	}{
		{"GET", "/nope", 404, "", "text/html", "There is no page at /nope"},
		{"DELETE", "/keys", 405, "GET, HEAD, POST", "text/html", "/keys does not answer DELETE"},
		{"PUT", "/login", 405, "GET, HEAD, POST", "text/html", "does not answer PUT"},
		{"GET", "/webhooks/shopify/abc", 405, "POST", "application/problem+json", `"status":405`},
		{"GET", "/webhooks/nope", 404, "", "application/problem+json", `"status":404`},
	}
	for _, tc := range cases {
		a := e.do(tc.method, tc.path, nil, nil)
		if a.status != tc.status || a.header.Get("Allow") != tc.allow || !strings.HasPrefix(a.header.Get("Content-Type"), tc.ctype) || !strings.Contains(a.body, tc.says) {
			t.Errorf("%s %s: %d Allow %q %s %.120q; want %d Allow %q %s saying %q", tc.method, tc.path, a.status,
				a.header.Get("Allow"), a.header.Get("Content-Type"), a.body, tc.status, tc.allow, tc.ctype, tc.says)
		}
		if tc.ctype == "text/html" && !strings.Contains(a.body, "<header>") {
			t.Errorf("%s %s: not in the layout", tc.method, tc.path)
		}
	}
}
