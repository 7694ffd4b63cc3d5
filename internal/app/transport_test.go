package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
)

// The API and the dashboard apply one rule to plain HTTP, and --trust-proxy changes it for both.
func TestOneRuleForPlainHTTPOnBothSurfaces(t *testing.T) {
	t.Parallel()
	for _, trust := range []bool{false, true} {
		t.Run(fmt.Sprintf("trust-proxy=%v", trust), func(t *testing.T) {
			t.Parallel()
			eachApp(t, func(t *testing.T, a *app.App) {
				a.Config.TrustProxy = trust
				ctx := context.Background()
				acc, _ := a.Accounts.CreateAccount(ctx, "acme")
				_, key, _ := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "ci", Permission: account.PermissionRead})
				if _, err := a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: "ops@acme.example", Password: "long enough password"}); err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(a.HTTPHandler(app.ServeOptions{}))
				c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for _, proto := range []string{"", "https"} {
					want := map[bool]int{false: 403, true: 200}[trust && proto == "https"]
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/v2/me", nil)
					req.Header.Set("Authorization", "Bearer "+key)
					if proto != "" {
						req.Header.Set("X-Forwarded-Proto", proto)
					}
					resp, err := c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != want {
						t.Errorf("trust-proxy=%t X-Forwarded-Proto=%q: API %d, want %d", trust, proto, resp.StatusCode, want)
					}
					form := url.Values{"email": {"ops@acme.example"}, "password": {"long enough password"}}
					req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/login", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					if proto != "" {
						req.Header.Set("X-Forwarded-Proto", proto)
					}
					resp, err = c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					wantLogin := map[int]int{403: 403, 200: 303}[want]
					if resp.StatusCode != wantLogin {
						t.Errorf("trust-proxy=%t X-Forwarded-Proto=%q: dashboard login %d, want %d", trust, proto, resp.StatusCode, wantLogin)
					}
					if wantLogin == 303 && !strings.Contains(resp.Header.Get("Set-Cookie"), "Secure") {
						t.Errorf("session cookie behind a TLS proxy lacks Secure: %q", resp.Header.Get("Set-Cookie"))
					}
				}
				srv.Close()
			})
		})
	}
}
