package bigcommerce_test

import (
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
)

func TestCredentialsAndDriver(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{"store_hash":"ABC123","access_token":"t"}`, ""},
		{`{"store_hash":"abc/123","access_token":"t"}`, bigcommerce.FieldStoreHash},
		{`{"store_hash":"abc","access_token":" "}`, bigcommerce.FieldAccessToken},
		{`{"store_hash":"abc","access_token":"t","token":"x"}`, "unknown field"},
		{`[]`, "want a JSON object"},
	} {
		_, err := bigcommerce.ParseCredentials([]byte(tc.raw))
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.raw, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "sekrit") {
			t.Errorf("error repeats a secret: %v", err)
		}
	}
	_, err := bigcommerce.ParseCredentials([]byte(`{"store_hash":"abc","access_token":"sekrit\n","webhook_secret":"sekrit\nx"}`))
	if err == nil || strings.Contains(err.Error(), "sekrit") || !strings.Contains(err.Error(), bigcommerce.FieldWebhookSecret) {
		t.Errorf("webhook secret: %v", err)
	}
	d := bigcommerce.Registration.New(platform.Env{})
	cc, err := d.Check([]byte(`{"store_hash":"ABC123","access_token":"tok"}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := bigcommerce.ParseCredentials(cc.Credentials)
	if err != nil || c.StoreHash != "abc123" || !strings.HasPrefix(c.WebhookSecret, "whsec_") || cc.DefaultBaseURL != "https://api.bigcommerce.com/stores/abc123" ||
		cc.AuthField != bigcommerce.FieldAccessToken || cc.AddressField != bigcommerce.FieldStoreHash {
		t.Fatalf("checked %+v %+v %v", cc, c, err)
	}
	s1, err := d.Open(platform.StoreConfig{Name: "a", Credentials: cc.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := d.Open(platform.StoreConfig{Name: "b", Credentials: cc.Credentials, Verifying: true})
	if err != nil {
		t.Fatal(err)
	}
	if s1.(*bigcommerce.Client).Limiter() != s2.(*bigcommerce.Client).Limiter() {
		t.Fatal("clients of one store do not share its rate-limit budget")
	}
	other, _ := d.Check([]byte(`{"store_hash":"zzz","access_token":"tok"}`))
	s3, _ := d.Open(platform.StoreConfig{Credentials: other.Credentials})
	if s3.(*bigcommerce.Client).Limiter() == s1.(*bigcommerce.Client).Limiter() {
		t.Fatal("two stores share a budget")
	}
	if bigcommerce.Capabilities.MinCalls(10000) != 5 || !bigcommerce.Capabilities.Locations || bigcommerce.Capabilities.CompareAndSet {
		t.Fatalf("capabilities %+v", bigcommerce.Capabilities)
	}
}
