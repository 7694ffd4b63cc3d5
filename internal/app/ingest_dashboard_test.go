package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
)

// The dashboard shows each store's webhook state and problems (the overview shows a broken store
// as broken), lists a failed webhook with its reason, and retries it and subscribes a store from
// the Stores page, redirecting after each form.
func TestDashboardShowsWebhookState(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, u, nil)
		broken := e.addStore(t, "broken.myshopify.com", "")
		fine := e.addStore(t, "fine.myshopify.com", "hush")
		e.send(t, broken, delivery{topic: "orders/updated", eventID: "b1", secret: "x", body: orderBody(1, "2026-01-02T10:00:00Z")})
		e.send(t, fine, delivery{topic: "orders/create", eventID: "bad", secret: "hush",
			body: []byte(`{"id":1,"currency":"NOPE","total_price":"1.00","line_items":[]}`)})
		e.start(t)
		failed := waitStatus(t, e.a, e.account, "bad", ingest.StatusFailed)

		if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: e.account, Email: "ops@acme.example", Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		c := new(http.Client)
		*c = *e.srv.Client() // a copy: its own jar and redirect rule
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		c.Jar, _ = cookiejar.New(nil)
		do := func(method, path string, form url.Values) (int, string, string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(form.Encode()))
			if method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location"), string(b)
		}
		if code, _, _ := do("POST", "/login", url.Values{"email": {"ops@acme.example"}, "password": {"long enough password"}}); code != http.StatusSeeOther {
			t.Fatalf("login: %d", code)
		}
		_, _, home := do("GET", "/", nil)
		if !strings.Contains(home, "broken: webhook secret missing") {
			t.Errorf("overview does not show the broken store:\n%s", home)
		}
		code, loc, _ := do("POST", fmt.Sprintf("/stores/%d/subscribe", fine.ID), nil)
		if code != http.StatusSeeOther || loc != "/stores" {
			t.Fatalf("subscribe: %d %s", code, loc)
		}
		_, _, page := do("GET", loc, nil)
		for _, want := range []string{"Webhooks broken: webhook secret missing", ingest.NoPublicURL, "Webhook subscription requested",
			"NOPE", fmt.Sprintf(`action="/stores/webhooks/%d/retry"`, failed.ID)} {
			if !strings.Contains(page, want) {
				t.Errorf("stores page lacks %q", want)
			}
		}
		if code, loc, _ := do("POST", fmt.Sprintf("/stores/webhooks/%d/retry", failed.ID), nil); code != http.StatusSeeOther || loc != "/stores" {
			t.Fatalf("retry: %d %s", code, loc)
		}
		if _, _, page := do("GET", "/stores", nil); !strings.Contains(page, "being processed again") {
			t.Error("the Stores page does not say the webhook is being retried")
		}
		if code, _, _ := do("POST", "/stores/webhooks/999999/retry", nil); code != http.StatusNotFound {
			t.Errorf("retrying an unknown webhook: %d, want 404", code)
		}
		list, _ := e.a.Ingest.List(ctx, ingest.ListParams{AccountID: e.account, Limit: 10})
		for _, in := range list {
			if in.ID == failed.ID && in.Retries != 1 {
				t.Errorf("retried %d times, want 1", in.Retries)
			}
		}
	})
}

// After a store's token stops working, a product delivery is still kept (receiving calls nothing)
// and fails in its job with the reason, and a subscription fails with it: both visible, neither
// lost nor retried for ever.
func TestRotatedTokenIsVisibleNotLost(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, u, func(c *config.Config) { c.PublicURL = "https://sync.example.com" })
		st := e.addStore(t, "acme.myshopify.com", "hush")
		e.simRefuses.Store(true)
		if code, body := e.send(t, st, delivery{topic: "products/update", eventID: "p1", secret: "hush", body: productBody("2026-01-02T10:00:00Z")}); code != 200 {
			t.Fatalf("product delivery with the token refused: %d %s, want 200", code, body)
		}
		if err := e.a.Ingest.Subscribe(ctx, ingest.SubscribeParams{AccountID: e.account, StoreID: st.ID}); err != nil {
			t.Fatal(err)
		}
		e.start(t)
		if in := waitStatus(t, e.a, e.account, "p1", ingest.StatusFailed); !strings.Contains(in.Error, "auth") {
			t.Errorf("failed with %q, want the platform's auth error", in.Error)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			states, _ := e.a.Ingest.States(ctx, e.account)
			if s := states[st.ID]; s.Subscription == ingest.SubscriptionFailed {
				if !s.Broken() || !strings.Contains(s.Detail, "auth") {
					t.Fatalf("state %+v, want failed with the reason", s)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscription never failed: %+v", states[st.ID])
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
