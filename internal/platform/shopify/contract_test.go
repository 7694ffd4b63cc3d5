package shopify_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/platformtest"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestContract runs the platform contract suite against the Shopify client over loopback HTTP to
// the simulator.
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, shopifysim.ContractHarness())
}

// TestRegistration: the driver checks credentials as the API shows them, opens clients that
// share one shop's cost-point bucket, and a store being verified is retried once at most.
func TestRegistration(t *testing.T) {
	t.Parallel()
	reg := shopify.Registration
	if reg.Name != shopify.Platform || reg.CredentialsDoc == "" || reg.New == nil {
		t.Fatalf("registration: %+v", reg)
	}
	if c := reg.Capabilities; !c.CompareAndSet || c.IdempotencyKeys || !c.Locations || c.InventoryBatch != shopify.MaxInputArray || !c.WebhookPayloads {
		t.Errorf("capabilities: %+v", c)
	}
	drv := reg.New(platform.Env{})
	if _, err := drv.Check([]byte(`{"shop_domain": "Not a shop", "access_token": ""}`)); err == nil ||
		!strings.Contains(err.Error(), shopify.FieldShopDomain) || !strings.Contains(err.Error(), shopify.FieldAccessToken) {
		t.Errorf("Check of bad credentials: %v, want both fields named", err)
	}
	if _, err := drv.Check([]byte(`{"shop_domain": "a.myshopify.com", "access_token": "shpat_secret1", "extra": 1}`)); err == nil ||
		strings.Contains(err.Error(), "shpat_secret1") {
		t.Errorf("Check of an unknown field: %v, want an error without the token", err)
	}
	checked, err := drv.Check([]byte(`{"shop_domain": " E2E.myshopify.com ", "access_token": "` + simToken + `", "api_secret": "` + simSecret + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if checked.Address != simShop || checked.DefaultBaseURL != "https://"+simShop ||
		checked.AuthField != shopify.FieldAccessToken || checked.AddressField != shopify.FieldShopDomain {
		t.Errorf("Check: %+v", checked)
	}
	var creds shopify.Credentials
	if err := json.Unmarshal(checked.Credentials, &creds); err != nil || creds.ShopDomain != simShop || creds.AccessToken != simToken {
		t.Errorf("Check normalised credentials to %s (%v)", checked.Credentials, err)
	}

	sim, err := shopifysim.New(shopifysim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	drv = reg.New(platform.Env{HTTPClient: srv.Client()})
	open := func(verifying bool) *shopify.Client {
		t.Helper()
		st, err := drv.Open(platform.StoreConfig{Name: "e2e", BaseURL: srv.URL + "/shops/" + simShop, Credentials: checked.Credentials, Verifying: verifying})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := st.(*shopify.Client)
		if !ok {
			t.Fatalf("Open gave a %T", st)
		}
		return c
	}
	a, b := open(false), open(true)
	if a.Limiter() != b.Limiter() {
		t.Error("two clients of one shop have separate cost-point buckets")
	}
	if other := reg.New(platform.Env{HTTPClient: srv.Client()}); other != nil {
		st, err := other.Open(platform.StoreConfig{Name: "e2e", BaseURL: srv.URL + "/shops/" + simShop, Credentials: checked.Credentials})
		if err != nil {
			t.Fatal(err)
		}
		if st.(*shopify.Client).Limiter() == a.Limiter() {
			t.Error("two drivers (processes) share a bucket")
		}
	}
	if info, err := a.Shop(t.Context()); err != nil || info.Domain != simShop {
		t.Fatalf("Shop through an opened client: %+v, %v", info, err)
	}
	// A store being verified fails after one retry: a 503 answered to every call.
	sim.SetFaults(simShop, shopifysim.Faults{ErrorShare: 1})
	var pe *platform.Error
	if _, err := b.Shop(t.Context()); !errors.As(err, &pe) || !pe.Retryable {
		t.Errorf("verifying against a failing shop: %v, want a retryable error", err)
	}
	sim.SetFaults(simShop, shopifysim.Faults{})
	if _, err := drv.Open(platform.StoreConfig{Name: "broken", Credentials: []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Open of bad credentials: %v, want the store named", err)
	}
	if _, err := drv.Open(platform.StoreConfig{Name: "bad-url", BaseURL: "ftp://x", Credentials: checked.Credentials}); err == nil {
		t.Error("Open with an ftp base URL: no error")
	}
}
