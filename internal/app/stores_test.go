package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/webhook"
)

// testSecretKey is the key of tests that open an app on a database URL they were given
// (PostgreSQL needs one).
const testSecretKey = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M="

// testSim starts a Shopify simulator for a test, allowed on the app's outgoing guard like the
// demo's; add shops to it with AddShop.
func testSim(t *testing.T, a *app.App) (*shopifysim.Sim, string) {
	t.Helper()
	sim, err := shopifysim.New(shopifysim.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); _ = sim.Close() })
	a.Targets.Allow(srv.Listener.Addr().String())
	return sim, srv.URL
}

// simStore saves a store of the account on a simulated shop with these credentials.
func simStore(t *testing.T, a *app.App, accountID int64, domain, token, apiSecret string) store.Store {
	t.Helper()
	sim, base := testSim(t, a)
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: domain, AccessToken: token, APISecret: apiSecret}); err != nil {
		t.Fatal(err)
	}
	st, err := a.Stores.Save(context.Background(), store.SaveParams{AccountID: accountID, Name: domain, Platform: shopify.Platform,
		BaseURL: base + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: token, APISecret: apiSecret}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// The demo's stores answer over real HTTP from the Shopify simulator through the real client,
// through the API, and only to their own account; stores are added, read, replaced and deleted
// with the platform-neutral body, and every Location answers.
func TestStoresThroughTheAPI(t *testing.T) {
	t.Parallel()
	eachApp(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		acc, _ := a.Accounts.CreateAccount(ctx, "demo")
		other, _ := a.Accounts.CreateAccount(ctx, "other")
		stop, err := a.StartDemoShops(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		_, key, _ := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "test", Permission: account.PermissionReadWrite})
		_, otherKey, _ := a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: other.ID, Name: "test", Permission: account.PermissionReadWrite})
		srv := httptest.NewTLSServer(a.Handler(app.ServeOptions{}))
		defer srv.Close()

		call := func(method, path, key, body string) (int, map[string]any, http.Header) {
			req, _ := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var m map[string]any
			_ = json.Unmarshal(raw, &m)
			if strings.Contains(string(raw), "shpat_") || strings.Contains(string(raw), "tok-") {
				t.Errorf("%s %s shows an access token: %s", method, path, raw)
			}
			return resp.StatusCode, m, resp.Header
		}
		status, list, _ := call("GET", "/api/v2/stores", key, "")
		stores, _ := list["data"].([]any)
		if status != 200 || len(stores) != len(app.DemoShops) {
			t.Fatalf("list stores: %d %v", status, list)
		}
		first := stores[0].(map[string]any)
		id := int64(first["id"].(float64))
		if first["address"] != app.DemoShops[0].Domain {
			t.Errorf("listed %v; want the address %s", first, app.DemoShops[0].Domain)
		}
		status, info, _ := call("POST", fmt.Sprintf("/api/v2/stores/%d/verify", id), key, "")
		if status != 200 || info["name"] != app.DemoShops[0].Name || info["currency"] != "USD" {
			t.Errorf("verify: %d %v", status, info)
		}
		if status, _, _ := call("POST", fmt.Sprintf("/api/v2/stores/%d/verify", id), otherKey, ""); status != 404 {
			t.Errorf("another account verified the store: %d", status)
		}
		if status, l, _ := call("GET", "/api/v2/stores", otherKey, ""); status != 200 || len(l["data"].([]any)) != 0 {
			t.Errorf("another account lists stores: %v", l)
		}

		// A new store on another simulated shop, in the new body shape.
		sim, base := testSim(t, a)
		if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: "new-shop.myshopify.com", Name: "New", AccessToken: "tok-new", APISecret: "sec"}); err != nil {
			t.Fatal(err)
		}
		body := func(name, token string) string {
			return fmt.Sprintf(`{"name":%q,"platform":"shopify","base_url":%q,"credentials":{"shop_domain":"new-shop.myshopify.com","access_token":%q,"api_secret":"sec"}}`,
				name, base+"/shops/new-shop.myshopify.com", token)
		}
		if status, p, _ := call("POST", "/api/v2/stores", key, body("New", "wrong")); status != 422 || !strings.Contains(fmt.Sprint(p), "credentials.access_token") {
			t.Errorf("wrong token: %d %v; want 422 naming credentials.access_token", status, p)
		}
		if _, l, _ := call("GET", "/api/v2/stores", key, ""); len(l["data"].([]any)) != len(app.DemoShops) {
			t.Errorf("a refused store was saved")
		}
		status, created, hdr := call("POST", "/api/v2/stores", key, body("New", "tok-new"))
		if status != 201 || hdr.Get("Location") == "" || created["location"] != hdr.Get("Location") {
			t.Fatalf("create: %d %v %v", status, created, hdr)
		}
		newID := int64(created["id"].(float64))
		status, got, _ := call("GET", hdr.Get("Location"), key, "")
		if status != 200 || got["name"] != "New" || got["address"] != "new-shop.myshopify.com" {
			t.Errorf("GET Location %s: %d %v", hdr.Get("Location"), status, got)
		}
		if status, _, _ := call("GET", hdr.Get("Location"), otherKey, ""); status != 404 {
			t.Errorf("another account read the store: %d", status)
		}
		path := fmt.Sprintf("/api/v2/stores/%d", newID)
		if status, p, _ := call("PUT", path, key, body("Renamed", "tok-new")); status != 200 || p["name"] != "Renamed" || p["store_key"] != got["store_key"] {
			t.Errorf("update: %d %v", status, p)
		}
		if status, _, _ := call("PUT", path, otherKey, body("Stolen", "tok-new")); status != 404 {
			t.Errorf("another account replaced the store: %d", status)
		}
		if status, _, _ := call("DELETE", path, otherKey, ""); status != 404 {
			t.Errorf("another account deleted the store: %d", status)
		}
		if status, p, _ := call("DELETE", path, key, ""); status != 200 || p["received_webhooks_deleted"] != 0.0 {
			t.Errorf("delete: %d %v", status, p)
		}
		if status, _, _ := call("GET", path, key, ""); status != 404 {
			t.Errorf("deleted store still answers: %d", status)
		}

		// Every Location the hub API answers resolves, in its own account only.
		status, ep, hdr := call("POST", "/api/v2/webhook-endpoints", key, `{"url":"https://example.com/hook"}`)
		if status != 201 || hdr.Get("Location") == "" {
			t.Fatalf("create webhook endpoint: %d %v", status, ep)
		}
		if status, got, _ := call("GET", hdr.Get("Location"), key, ""); status != 200 || got["url"] != "https://example.com/hook" || got["secret"] != nil {
			t.Errorf("GET Location %s: %d %v", hdr.Get("Location"), status, got)
		}
		if status, _, _ := call("GET", hdr.Get("Location"), otherKey, ""); status != 404 {
			t.Errorf("another account read the endpoint: %d", status)
		}
		if status, p, _ := call("POST", "/api/v2/webhook-endpoints", key, `{"url":"http://169.254.169.254/latest"}`); status != 422 || !strings.Contains(fmt.Sprint(p), "link-local") {
			t.Errorf("metadata endpoint: %d %v", status, p)
		}

		if status, p, _ := call("POST", "/api/v2/stores", key, `{"name":"x","platform":"shopify","credentials":{"shop_domain":"bad domain","access_token":"t"}}`); status != 422 ||
			!strings.Contains(fmt.Sprint(p), "credentials.shop_domain") {
			t.Errorf("bad shop domain: %d %v", status, p)
		}
		if status, p, _ := call("POST", "/api/v2/stores", key, `{"name":"x","platform":"shopify","base_url":"http://169.254.169.254","credentials":{"shop_domain":"meta.myshopify.com","access_token":"t"}}`); status != 422 ||
			!strings.Contains(fmt.Sprint(p), "base_url") {
			t.Errorf("metadata base URL: %d %v", status, p)
		}
	})
}

// Two stores claiming the same shop domain at different addresses do not share a rate-limit
// budget: one tenant's server cannot stall another's real shop.
func TestStoresDoNotShareRateLimits(t *testing.T) {
	t.Parallel()
	eachApp(t, func(t *testing.T, a *app.App) {
		ctx := context.Background()
		acc, _ := a.Accounts.CreateAccount(ctx, "a")
		evil, _ := a.Accounts.CreateAccount(ctx, "evil")
		own := simStore(t, a, acc.ID, "shared.myshopify.com", "tok-a", "s")
		fake := simStore(t, a, evil.ID, "shared.myshopify.com", "tok-a", "s")
		if own.BaseURL == fake.BaseURL {
			t.Fatal("the two stores share an address")
		}
		limiter := func(st store.Store) *shopify.Limiter {
			c, err := a.Stores.Client(st)
			if err != nil {
				t.Fatal(err)
			}
			return c.(interface{ Limiter() *shopify.Limiter }).Limiter()
		}
		if limiter(own) == limiter(fake) {
			t.Error("stores with the same shop domain and different base URLs share a limiter")
		}
		again := limiter(own)
		if again != limiter(own) {
			t.Error("one store's clients do not share its limiter")
		}
	})
}

// Credentials are never in the SQLite database file or its WAL in clear, and a restart with the
// same key reads them back.
func TestSecretsAreEncryptedAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	acc, _ := a.Accounts.CreateAccount(ctx, "a")
	const token, apiSecret = "shpat_known_token_4242", "shpss_known_secret_4242"
	st := simStore(t, a, acc.ID, "sealed.myshopify.com", token, apiSecret)
	_, whsec, err := a.Webhooks.CreateEndpoint(ctx, webhookParams(acc.ID))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Stores.Get(ctx, store.GetParams{AccountID: acc.ID, ID: st.ID})
	if c, _ := shopify.ParseCredentials(got.Credentials); err != nil || c.AccessToken != token {
		t.Fatalf("read back %v", err)
	}
	files, _ := filepath.Glob(strings.TrimPrefix(a.Config.DB, "sqlite:") + "*")
	if len(files) < 2 {
		t.Fatalf("database files %v; want the file and its WAL", files)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{token, apiSecret, strings.TrimPrefix(whsec, "whsec_")} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%s holds a secret in clear", filepath.Base(f))
			}
		}
	}
	if fi, err := os.Stat(app.DefaultKeyFile(a.Config.DataDir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi, err)
	}
}

// On PostgreSQL a key must be given: the start stops with an error naming the setting, before
// the schema is touched.
func TestPostgresNeedsASecretKey(t *testing.T) {
	t.Parallel()
	url := os.Getenv("STORESYNC_TEST_POSTGRES")
	if url == "" {
		t.Skip("STORESYNC_TEST_POSTGRES is not set")
	}
	cfg := config.Config{DataDir: t.TempDir(), DB: url, LogLevel: "info", LogFormat: "json"}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	_, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err == nil || !strings.Contains(err.Error(), "--secret-key-file") || !strings.Contains(err.Error(), "STORESYNC_SECRET_KEY") {
		t.Errorf("open without a key on PostgreSQL: %v", err)
	}
	if _, err := os.Stat(app.DefaultKeyFile(cfg.DataDir)); err == nil {
		t.Error("a key was made for PostgreSQL")
	}
}

// secrets rotate re-encrypts everything with the new key in one go: afterwards the app opens
// with the new key and reads every secret, and not with the old one.
func TestRotateSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	acc, _ := a.Accounts.CreateAccount(ctx, "a")
	st := simStore(t, a, acc.ID, "rotate.myshopify.com", "tok-rotate", "s")
	if _, _, err := a.Webhooks.CreateEndpoint(ctx, webhookParams(acc.ID)); err != nil {
		t.Fatal(err)
	}
	cfg := a.Config
	_ = a.Close()
	oldKey, _ := os.ReadFile(app.DefaultKeyFile(cfg.DataDir))
	newFile := filepath.Join(t.TempDir(), "new.key")
	res, err := app.RotateSecrets(ctx, cfg, slog.New(slog.DiscardHandler), app.RotateParams{NewKeyFile: newFile})
	if err != nil || res.Resealed != 2 || !res.Replaced || res.OldKeyID == res.NewKeyID {
		t.Fatalf("rotate: %+v %v", res, err)
	}
	newKey, _ := os.ReadFile(newFile)
	if cur, _ := os.ReadFile(app.DefaultKeyFile(cfg.DataDir)); !bytes.Equal(cur, newKey) {
		t.Error("the data directory's key is not the new one")
	}
	if retired, _ := os.ReadFile(res.RetiredFile); !bytes.Equal(retired, oldKey) {
		t.Error("the old key was not kept as retired")
	}
	b, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Stores.Get(ctx, store.GetParams{AccountID: acc.ID, ID: st.ID})
	_ = b.Close()
	if c, _ := shopify.ParseCredentials(got.Credentials); err != nil || c.AccessToken != "tok-rotate" {
		t.Fatalf("after rotation: %v", err)
	}
	old := cfg
	old.SecretKey = string(bytes.TrimSpace(oldKey))
	if c, err := app.Open(ctx, old, slog.New(slog.DiscardHandler), app.Options{}); err == nil {
		_ = c.Close()
		t.Error("the old key still opens the secrets")
	} else if !strings.Contains(err.Error(), res.NewKeyID) {
		t.Errorf("error with the old key does not name the key in use: %v", err)
	}
}

func webhookParams(accountID int64) webhook.CreateEndpointParams {
	return webhook.CreateEndpointParams{AccountID: accountID, URL: "https://example.com/hook"}
}
