package woocommerce_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/woocommerce"
)

func TestParseCredentials(t *testing.T) {
	c, err := woocommerce.ParseCredentials([]byte(`{"store_url":" https://Shop.Example.com/store/ ","consumer_key":"ck_1","consumer_secret":"cs_secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.StoreURL != "https://shop.example.com/store" || c.Domain() != "shop.example.com/store" || c.DefaultBaseURL() != c.StoreURL {
		t.Fatalf("normalised %+v", c)
	}
	if c.SigningSecret() != woocommerce.DeriveWebhookSecret("cs_secret") || c.SigningSecret() == "cs_secret" {
		t.Fatalf("derived webhook secret %q", c.SigningSecret())
	}
	back, err := woocommerce.ParseCredentials(c.Marshal())
	if err != nil || back != c {
		t.Fatalf("round trip %+v %v", back, err)
	}
	for _, tc := range []struct{ in, field string }{
		{`{"store_url":"http://shop.example.com","consumer_key":"ck","consumer_secret":"cs_hidden"}`, woocommerce.FieldStoreURL},
		{`{"store_url":"https://shop.example.com","consumer_key":"","consumer_secret":"cs_hidden"}`, woocommerce.FieldConsumerKey},
		{`{"store_url":"https://shop.example.com","consumer_key":"ck","consumer_secret":" "}`, woocommerce.FieldConsumerSecret},
		{`{"store_url":"https://u:p@shop.example.com","consumer_key":"ck","consumer_secret":"cs_hidden"}`, woocommerce.FieldStoreURL},
		{`{"store_url":"https://shop.example.com","consumer_key":"ck","consumer_secret":"cs_hidden","token":"x"}`, "unknown field"},
	} {
		_, err := woocommerce.ParseCredentials([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), "cs_hidden") {
			t.Errorf("%s: %v", tc.in, err)
		}
	}
}

func TestDriverChecksAndOpens(t *testing.T) {
	e := newEnv(t, envOpts{})
	d := woocommerce.Registration.New(platform.Env{HTTPClient: e.srv.Client()})
	checked, err := d.Check([]byte(`{"store_url":"https://acme.example","consumer_key":"ck_test","consumer_secret":"cs_test"}`))
	if err != nil {
		t.Fatal(err)
	}
	if checked.Address != "acme.example" || checked.AuthField != woocommerce.FieldConsumerKey || checked.AddressField != woocommerce.FieldStoreURL {
		t.Fatalf("checked %+v", checked)
	}
	s, err := d.Open(platform.StoreConfig{Name: "acme", BaseURL: e.cfg.BaseURL, Credentials: checked.Credentials, Verifying: true})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := s.Shop(context.Background())
	if err != nil || shop.Currency != "USD" || shop.Name != "acme" {
		t.Fatalf("shop %+v %v", shop, err)
	}
	// Verifying: one retry at most.
	e.store.FailNext(3, http.StatusServiceUnavailable)
	before := e.store.Calls()
	if _, err := s.Locations(context.Background()); platform.KindOf(err) != platform.KindUnavailable {
		t.Fatalf("503s: %v", err)
	}
	if got := e.store.Calls() - before; got != 2 {
		t.Fatalf("verifying made %d calls, want 2", got)
	}
	if woocommerce.Registration.Capabilities.CompareAndSet || woocommerce.Registration.Capabilities.IdempotencyKeys || woocommerce.Registration.Capabilities.Locations {
		t.Fatalf("capabilities %+v", woocommerce.Registration.Capabilities)
	}
}
