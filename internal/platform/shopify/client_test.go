package shopify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// TestErrorsAndRetries runs one call per case against a fake answering a scripted sequence and
// checks the error a caller would show, how many times the call was sent, and the waits.
func TestErrorsAndRetries(t *testing.T) {
	t.Parallel()
	throttled := `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],"extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":5,"restoreRate":100}}}}`
	type step struct {
		status int
		header map[string]string
		body   string // "" answers the shop query successfully
	}
	tests := []struct {
		name      string
		op        string // "shop" or "orderCreate"
		steps     []step
		wantKind  platform.Kind
		wantRetry bool
		wantCalls int
		wantSleep time.Duration // a wait that must have been asked for
		wantMsg   string
	}{
		{"ok", "shop", []step{{200, nil, ""}}, "", false, 1, 0, ""},
		{"wrong token", "shop", []step{{401, nil, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`}}, platform.KindAuth, false, 1, 0, "reconnect the store"},
		{"shop not found", "shop", []step{{404, nil, `<html>Not Found</html>`}}, platform.KindNotFound, false, 1, 0, "check the shop domain"},
		{"missing scope", "shop", []step{{403, nil, `{"errors":"This action requires merchant approval for read_orders scope."}`}}, platform.KindForbidden, false, 1, 0, "read_orders"},
		{"access denied field", "shop", []step{{200, nil, `{"errors":[{"message":"Access denied for orders field.","extensions":{"code":"ACCESS_DENIED"}}]}`}}, platform.KindForbidden, false, 1, 0, "Access denied"},
		{"frozen shop", "shop", []step{{402, nil, `{"errors":"Unavailable Shop"}`}}, platform.KindUnavailable, false, 1, 0, "frozen"},
		{"throttled then ok", "shop", []step{{200, nil, throttled}, {200, nil, ""}}, "", false, 2, 50 * time.Millisecond, ""},
		{"429 with Retry-After", "shop", []step{{429, map[string]string{"Retry-After": "2"}, `{"errors":"Exceeded 2 calls per second for api client."}`}, {200, nil, ""}}, "", false, 2, 2 * time.Second, ""},
		{"5xx retried", "shop", []step{{502, nil, "bad gateway"}, {503, nil, "unavailable"}, {200, nil, ""}}, "", false, 3, 0, ""},
		{"5xx gives up", "shop", []step{{500, nil, "boom"}, {500, nil, "boom"}, {500, nil, "boom"}, {500, nil, "boom"}}, platform.KindUnavailable, true, 4, 0, ""},
		{"internal error code retried", "shop", []step{{200, nil, `{"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`}, {200, nil, ""}}, "", false, 2, 0, ""},
		{"orderCreate not resent after 5xx", "orderCreate", []step{{502, nil, "bad gateway"}, {200, nil, ""}}, platform.KindOutcomeUnknown, true, 1, 0, "may exist"},
		{"orderCreate resent after 429", "orderCreate", []step{{429, map[string]string{"Retry-After": "1"}, ""}, {200, nil, ""}}, "", false, 2, time.Second, ""},
		{"invalid query is a bug", "shop", []step{{200, nil, `{"errors":[{"message":"Field 'nope' doesn't exist on type 'Shop'","extensions":{"code":"undefinedField"}}]}`}}, platform.KindInternal, false, 1, 0, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, c call, n int) {
				if c.Op == "Orders" { // CreateOrder's look-up of an earlier push
					reply(w, map[string]any{"orders": map[string]any{"nodes": []any{}, "pageInfo": map[string]any{"hasNextPage": false}}})
					return
				}
				s := tc.steps[min(n, len(tc.steps)-1)]
				for k, v := range s.header {
					w.Header().Set(k, v)
				}
				if s.body == "" && s.status == 200 {
					if c.Op == "OrderCreate" {
						reply(w, map[string]any{"orderCreate": map[string]any{"order": orderData("gid://shopify/Order/9"), "userErrors": []any{}}})
						return
					}
					reply(w, shopData())
					return
				}
				w.WriteHeader(s.status)
				_, _ = w.Write([]byte(s.body))
			})
			c, sl := f.client(t)
			var err error
			opName := "Shop"
			if tc.op == "orderCreate" {
				opName = "OrderCreate"
				_, err = c.CreateOrder(context.Background(), platform.OrderInput{IdempotencyKey: "job-1", Lines: []platform.OrderLineInput{{VariantID: "gid://shopify/ProductVariant/1", Quantity: 1}}})
			} else {
				var info platform.ShopInfo
				info, err = c.Shop(context.Background())
				if err == nil && (info.Currency != "USD" || info.Domain != testShop) {
					t.Fatalf("shop info %+v", info)
				}
			}
			if got := len(f.opCalls(opName)); got != tc.wantCalls {
				t.Errorf("sent %d times, want %d", got, tc.wantCalls)
			}
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else {
				var pe *platform.Error
				if !errors.As(err, &pe) {
					t.Fatalf("want *platform.Error, got %v", err)
				}
				if pe.Kind != tc.wantKind || pe.Retryable != tc.wantRetry || pe.Store != testShop || pe.Op == "" {
					t.Fatalf("error %+v: want kind %s retryable %v", pe, tc.wantKind, tc.wantRetry)
				}
				if !strings.Contains(pe.Error(), tc.wantMsg) {
					t.Fatalf("message %q lacks %q", pe.Error(), tc.wantMsg)
				}
			}
			if tc.wantSleep > 0 {
				found := false
				for _, d := range sl.all() {
					found = found || d >= tc.wantSleep
				}
				if !found {
					t.Fatalf("no wait of at least %v among %v", tc.wantSleep, sl.all())
				}
			}
			for _, cl := range f.calls {
				if cl.Token != "shpat_good" {
					t.Fatalf("access token header %q", cl.Token)
				}
			}
		})
	}
}

func TestRevokedToken(t *testing.T) {
	t.Parallel()
	var revoked atomic.Bool
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		if revoked.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`))
			return
		}
		reply(w, shopData())
	})
	c, _ := f.client(t)
	if _, err := c.Shop(context.Background()); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	revoked.Store(true)
	_, err := c.Shop(context.Background())
	if platform.KindOf(err) != platform.KindAuth || platform.IsRetryable(err) {
		t.Fatalf("after revocation: %v", err)
	}
	if n := len(f.opCalls("Shop")); n != 2 {
		t.Fatalf("auth failure was retried: %d calls", n)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no shop", Config{AccessToken: "x"}, "shop is required"},
		{"no token", Config{Shop: testShop}, "access token is required"},
		{"bad base", Config{Shop: testShop, AccessToken: "x", BaseURL: "ftp://x"}, "not http"},
	}
	for _, tc := range tests {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	c, err := New(Config{Shop: " ACME.myshopify.com ", AccessToken: "x"})
	if err != nil || c.endpoint != "https://acme.myshopify.com/admin/api/2026-07/graphql.json" {
		t.Fatalf("endpoint %q, %v", c.endpoint, err)
	}
}
