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

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/web"
)

func TestLoginAndKeys(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t, database.SQLite)
	ctx := context.Background()
	accounts := account.NewService(db, nil)
	a, _ := accounts.CreateAccount(ctx, "acme")
	if _, err := accounts.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: "ops@acme.example", Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	web.Register(mux, web.Deps{Accounts: accounts})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)

	get := func(path string) (int, string) {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path string, form url.Values, origin string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if _, body := get("/"); !strings.Contains(body, "Log in") {
		t.Fatal("home without a session does not lead to the login page")
	}
	if status, body := post("/login", url.Values{"email": {"ops@acme.example"}, "password": {"wrong password"}}, ""); status != 401 || !strings.Contains(body, "Wrong email or password") {
		t.Errorf("wrong password: %d", status)
	}
	if status, _ := post("/login", url.Values{"email": {"ops@acme.example"}, "password": {"long enough password"}}, "https://evil.example"); status != 403 {
		t.Errorf("cross-origin login post: %d, want 403", status)
	}
	if _, body := post("/login", url.Values{"email": {"ops@acme.example"}, "password": {"long enough password"}}, ""); !strings.Contains(body, "API keys") {
		t.Fatal("login did not reach the dashboard")
	}
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie && ck.Value == "" {
			t.Error("session cookie is empty")
		}
	}
	if status, _ := post("/keys", url.Values{"name": {"ci"}, "permission": {"read"}}, "https://evil.example"); status != 403 {
		t.Errorf("cross-origin key creation: %d, want 403", status)
	}
	status, body := post("/keys", url.Values{"name": {"ci"}, "permission": {"read"}}, "")
	secret := regexp.MustCompile(`ssk_[A-Za-z0-9_-]{43}`).FindString(body)
	if status != 200 || secret == "" {
		t.Fatalf("create key: %d, no key shown", status)
	}
	if _, body := get("/"); strings.Contains(body, secret) {
		t.Error("the key is shown again after creation")
	}
	if status, _ := post("/keys", url.Values{"permission": {"admin"}}, ""); status != 422 {
		t.Errorf("bad permission: %d, want 422", status)
	}
	k, _ := accounts.KeyBySecret(ctx, secret)
	if status, _ := post("/keys/"+itoa(k.ID)+"/revoke", nil, ""); status != 200 {
		t.Errorf("revoke: %d", status)
	}
	if _, err := accounts.AuthenticateKey(ctx, secret); err == nil {
		t.Error("revoked key still works")
	}
	post("/logout", nil, "")
	if _, body := get("/"); !strings.Contains(body, "Log in") {
		t.Error("still logged in after logout")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
