package shopify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform/httpclient"
)

func TestParseCredentialsNamesEachField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      []string
	}{
		{"good", `{"shop_domain":" Acme.MyShopify.com ","access_token":"t","api_secret":"s"}`, nil},
		{"bad domain and no token", `{"shop_domain":"acme.example.com"}`, []string{FieldShopDomain, FieldAccessToken}},
		{"unknown field", `{"shop_domain":"a.myshopify.com","access_token":"t","password":"x"}`, []string{"unknown field"}},
		{"not an object", `[1]`, []string{"credentials"}},
	}
	for _, tc := range tests {
		c, err := ParseCredentials([]byte(tc.raw))
		if tc.want == nil {
			if err != nil || c.ShopDomain != "acme.myshopify.com" {
				t.Errorf("%s: %+v %v", tc.name, c, err)
			}
			continue
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v does not name %s", tc.name, err, w)
			}
		}
	}
}

// What a server answers is not repeated in our errors: a base URL may point at a server that
// is not Shopify at all.
func TestErrorsDoNotEchoTheAnswer(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError, http.StatusBadRequest} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(code)
			_, _ = w.Write([]byte("ami-id: inside-secret-4242\nroot:x:0:0"))
		}))
		c, err := New(Config{Shop: "a.myshopify.com", AccessToken: "t", BaseURL: srv.URL, HTTPClient: srv.Client(),
			Backoff: httpclient.Backoff{MaxAttempts: 1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Shop(context.Background())
		srv.Close()
		if err == nil || strings.Contains(err.Error(), "inside-secret") {
			t.Errorf("HTTP %d: error %v repeats the answer", code, err)
		}
	}
}
