package app_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// ingestEnv is an app on a test database, serving over HTTP, beside a Shopify simulator whose
// requests are counted.
type ingestEnv struct {
	a           *app.App
	srv         *httptest.Server
	sim         *shopifysim.Sim
	simURL      string
	simRequests atomic.Int64
	simRefuses  atomic.Bool // the shop answers 401 to everything, as after a token was rotated
	account     int64
}

// newIngestEnv opens an app on the database at dbURL; mod changes its settings, now (nil: the
// real clock) is its clock.
func newIngestEnv(t *testing.T, dbURL string, mod func(*config.Config), now ...func() time.Time) *ingestEnv {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Config{DataDir: dir, DB: dbURL, LogLevel: "info", LogFormat: "json",
		Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20, Workers: 4, JobTimeout: time.Minute, JobRescueAfter: 2 * time.Minute,
		ShutdownTimeout: time.Second, WebhookMaxBodyBytes: 10 << 20, Retention: 30 * 24 * time.Hour, SecretKey: testSecretKey}
	if mod != nil {
		mod(&cfg)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	opts := app.Options{Work: true}
	if len(now) > 0 {
		opts.Now = now[0]
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	e := &ingestEnv{a: a}
	e.sim, err = shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.sim.Close() })
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.simRequests.Add(1)
		if e.simRefuses.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(simSrv.Close)
	a.Targets.Allow(simSrv.Listener.Addr().String())
	e.simURL = simSrv.URL
	e.srv = httptest.NewTLSServer(a.Handler(app.ServeOptions{}))
	t.Cleanup(e.srv.Close)
	acc, err := a.Accounts.CreateAccount(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	e.account = acc.ID
	return e
}

// addStore is the one place these tests make a store: a shop on the simulator, saved as a store
// of the account. secret "" saves the store without its webhook secret.
func (e *ingestEnv) addStore(t *testing.T, domain, secret string) store.Store {
	t.Helper()
	simSecret := secret
	if simSecret == "" {
		simSecret = "shpss_the_shop_has_one"
	}
	if _, err := e.sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: domain, AccessToken: "shpat_" + domain, APISecret: simSecret}); err != nil {
		t.Fatal(err)
	}
	st, err := e.a.Stores.Save(context.Background(), store.SaveParams{AccountID: e.account, Name: domain, Platform: shopify.Platform,
		BaseURL: e.simURL + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: "shpat_" + domain, APISecret: secret}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// delivery is one webhook as a platform sends it.
type delivery struct {
	topic, eventID, secret string
	body                   []byte
	noIDs                  bool   // no event id and no webhook id header
	triggeredAt            string // X-Shopify-Triggered-At; "" means 2026-01-01T00:00:00Z
}

// send posts d to the store's receiving URL and returns the status and body of the answer.
func (e *ingestEnv) send(t *testing.T, st store.Store, d delivery) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/webhooks/shopify/"+st.Key, bytes.NewReader(d.body))
	req.Header.Set("X-Shopify-Topic", d.topic)
	req.Header.Set("X-Shopify-Shop-Domain", st.Address)
	if !d.noIDs {
		req.Header.Set("X-Shopify-Event-Id", d.eventID)
		req.Header.Set("X-Shopify-Webhook-Id", d.eventID+"-delivery")
	}
	req.Header.Set("X-Shopify-Triggered-At", cmp.Or(d.triggeredAt, "2026-01-01T00:00:00Z"))
	req.Header.Set("X-Shopify-Hmac-Sha256", shopify.SignWebhook(d.body, d.secret))
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *ingestEnv) start(t *testing.T) {
	t.Helper()
	if err := e.a.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.a.Jobs.Stop(context.Background()) })
}

func orderBody(id int, updatedAt string) []byte {
	return fmt.Appendf(nil, `{"id":%d,"admin_graphql_api_id":"gid://shopify/Order/%d","name":"#1001",
		"currency":"USD","total_price":"10.00","subtotal_price":"10.00","financial_status":"paid","line_items":[],
		"created_at":"2026-01-01T00:00:00Z","updated_at":%q}`, id, id, updatedAt)
}

func productBody(updatedAt string) []byte {
	return fmt.Appendf(nil, `{"id":7,"admin_graphql_api_id":"gid://shopify/Product/7","title":"Mug","updated_at":%q,
		"variants":[{"id":8,"sku":"MUG","price":"9.90","inventory_item_id":9}]}`, updatedAt)
}

func inventoryBody(location int, updatedAt string) []byte {
	return fmt.Appendf(nil, `{"inventory_item_id":9,"location_id":%d,"available":4,"updated_at":%q}`, location, updatedAt)
}

func waitStatus(t *testing.T, a *app.App, accountID int64, eventID, want string) ingest.Inbound {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last []ingest.Inbound
	for time.Now().Before(deadline) {
		list, err := a.Ingest.List(context.Background(), ingest.ListParams{AccountID: accountID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range list {
			if in.EventID == eventID && in.Status == want {
				return in
			}
		}
		last = list
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("event %s never became %s: %+v", eventID, want, last)
	return ingest.Inbound{}
}
