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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
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
		ShutdownTimeout: time.Second, WebhookMaxBodyBytes: 10 << 20, Retention: 30 * 24 * time.Hour}
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
	st, err := e.a.Stores.Save(context.Background(), store.SaveParams{AccountID: e.account, Name: domain, Platform: store.PlatformShopify,
		ShopDomain: domain, BaseURL: e.simURL + "/shops/" + domain, AccessToken: "shpat_" + domain, APISecret: secret})
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
	req, _ := http.NewRequest("POST", e.srv.URL+"/webhooks/shopify/"+st.Key, bytes.NewReader(d.body))
	req.Header.Set("X-Shopify-Topic", d.topic)
	req.Header.Set("X-Shopify-Shop-Domain", st.ShopDomain)
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

// Deliveries are verified before anything is kept, kept once per event, answered at once, and a
// delivery older than one already processed for the same order is marked stale, not applied.
func TestInboundWebhooks(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		newer := delivery{topic: "orders/updated", eventID: "e-newer", secret: "hush", body: orderBody(1, "2026-01-02T10:00:00Z")}
		for range 2 {
			if code, body := e.send(t, st, newer); code != 200 {
				t.Fatalf("signed delivery: %d %s", code, body)
			}
		}
		if code, _ := e.send(t, st, delivery{topic: "orders/updated", eventID: "e-forged", secret: "wrong", body: orderBody(1, "2026-01-03T10:00:00Z")}); code != 401 {
			t.Errorf("forged delivery: %d, want 401", code)
		}
		if code, _ := e.send(t, store.Store{Key: "store_nope", ShopDomain: st.ShopDomain}, newer); code != 404 {
			t.Errorf("unknown store key: %d, want 404", code)
		}
		list, _ := e.a.Ingest.List(context.Background(), e.account, 10)
		if len(list) != 1 || list[0].Deliveries != 2 || list[0].EventID != "e-newer" {
			t.Fatalf("kept %+v; want one event delivered twice, nothing forged", list)
		}
		e.start(t)
		waitStatus(t, e.a, e.account, "e-newer", ingest.StatusProcessed)
		if code, _ := e.send(t, st, delivery{topic: "orders/updated", eventID: "e-older", secret: "hush", body: orderBody(1, "2026-01-01T09:00:00Z")}); code != 200 {
			t.Fatalf("older delivery: %d", code)
		}
		waitStatus(t, e.a, e.account, "e-older", ingest.StatusStale)
	})
}

// A signed delivery over the API's body limit is kept (Shopify's order payloads cross 1 MiB);
// one over the webhook limit is answered 413, never taken for a bad signature.
func TestLargeWebhooks(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, func(c *config.Config) { c.WebhookMaxBodyBytes = 3 << 20 })
		st := e.addStore(t, "acme.myshopify.com", "hush")
		pad := func(n int) []byte {
			return fmt.Appendf(nil, `{"id":1,"admin_graphql_api_id":"gid://shopify/Order/1","currency":"USD","note":%q,"line_items":[],"updated_at":"2026-01-02T10:00:00Z"}`, strings.Repeat("x", n))
		}
		if code, body := e.send(t, st, delivery{topic: "orders/updated", eventID: "big", secret: "hush", body: pad(2 << 20)}); code != 200 {
			t.Fatalf("2 MiB signed delivery: %d %s, want 200", code, body)
		}
		code, body := e.send(t, st, delivery{topic: "orders/updated", eventID: "huge", secret: "hush", body: pad(4 << 20)})
		if code != 413 || strings.Contains(body, "signature") {
			t.Fatalf("4 MiB delivery: %d %s, want 413 not about the signature", code, body)
		}
		list, _ := e.a.Ingest.List(context.Background(), e.account, 10)
		if len(list) != 1 || list[0].EventID != "big" {
			t.Fatalf("kept %+v, want the 2 MiB delivery only", list)
		}
	})
}

// A signed delivery that cannot be decoded is answered 200 and kept; its job marks it failed with
// the reason, and a retry runs it again.
func TestUndecodableWebhookIsKeptAsFailed(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		bad := fmt.Appendf(nil, `{"id":1,"currency":"NOPE","total_price":"10.00","line_items":[],"updated_at":"2026-01-02T10:00:00Z"}`)
		if code, body := e.send(t, st, delivery{topic: "orders/create", eventID: "e-bad", secret: "hush", body: bad}); code != 200 {
			t.Fatalf("undecodable signed delivery: %d %s, want 200", code, body)
		}
		e.start(t)
		in := waitStatus(t, e.a, e.account, "e-bad", ingest.StatusFailed)
		if !strings.Contains(in.Error, "NOPE") {
			t.Errorf("failed with %q, want the reason naming the currency", in.Error)
		}
		if err := e.a.Ingest.Retry(ctx, e.account+1, in.ID); err == nil {
			t.Error("another account retried the webhook")
		}
		if err := e.a.Ingest.Retry(ctx, e.account, in.ID); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			list, _ := e.a.Ingest.List(ctx, e.account, 10)
			if len(list) == 1 && list[0].Retries == 1 && list[0].Status == ingest.StatusFailed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("retry never ran: %+v", list)
			}
			time.Sleep(50 * time.Millisecond)
		}
		good := delivery{topic: "orders/create", eventID: "e-good", secret: "hush", body: orderBody(2, "2026-01-02T10:00:00Z")}
		e.send(t, st, good)
		ok := waitStatus(t, e.a, e.account, "e-good", ingest.StatusProcessed)
		if err := e.a.Ingest.Retry(ctx, e.account, ok.ID); err == nil {
			t.Error("a processed webhook was retried")
		}
	})
}

// Receiving a product webhook calls nothing outside, even when the shop's currency is unknown;
// the job learns it when decoding.
func TestReceivingCallsNoShop(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		before := e.simRequests.Load()
		if code, body := e.send(t, st, delivery{topic: "products/update", eventID: "p1", secret: "hush", body: productBody("2026-01-02T10:00:00Z")}); code != 200 {
			t.Fatalf("product delivery: %d %s", code, body)
		}
		if n := e.simRequests.Load() - before; n != 0 {
			t.Fatalf("receiving made %d requests to the shop, want 0", n)
		}
		e.start(t)
		waitStatus(t, e.a, e.account, "p1", ingest.StatusProcessed)
		if e.simRequests.Load() == before {
			t.Error("processing never read the shop's currency")
		}
	})
}

// Staleness is kept per resource: an inventory item at two locations is two resources, and a
// delete is final (a later-arriving update made before it is stale).
func TestStalenessPerResource(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		e.start(t)
		steps := []struct {
			d    delivery
			want string
		}{
			{delivery{topic: "inventory_levels/update", eventID: "loc1", body: inventoryBody(1, "2026-01-02T10:00:00Z")}, ingest.StatusProcessed},
			{delivery{topic: "inventory_levels/update", eventID: "loc2-older", body: inventoryBody(2, "2026-01-02T09:00:00Z")}, ingest.StatusProcessed},
			{delivery{topic: "inventory_levels/update", eventID: "loc1-older", body: inventoryBody(1, "2026-01-02T09:30:00Z")}, ingest.StatusStale},
			{delivery{topic: "products/update", eventID: "p-upd", body: productBody("2026-01-02T10:00:00Z")}, ingest.StatusProcessed},
			{delivery{topic: "products/delete", eventID: "p-del", body: []byte(`{"id":7}`), triggeredAt: "2026-01-02T12:00:00Z"}, ingest.StatusProcessed},
			{delivery{topic: "products/update", eventID: "p-late", body: productBody("2026-01-02T11:00:00Z")}, ingest.StatusStale},
		}
		for _, s := range steps {
			s.d.secret = "hush"
			if code, body := e.send(t, st, s.d); code != 200 {
				t.Fatalf("%s: %d %s", s.d.eventID, code, body)
			}
			waitStatus(t, e.a, e.account, s.d.eventID, s.want)
		}
	})
}

// A delivery without an event id is kept under a stable id, so repeats still collapse.
func TestDeliveryWithoutEventID(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		d := delivery{topic: "orders/updated", secret: "hush", body: orderBody(1, "2026-01-02T10:00:00Z"), noIDs: true}
		for i := range 2 {
			if code, body := e.send(t, st, d); code != 200 || strings.Contains(body, `"duplicate":false`) != (i == 0) {
				t.Fatalf("delivery %d without ids: %d %s", i, code, body)
			}
		}
		list, _ := e.a.Ingest.List(context.Background(), e.account, 10)
		if len(list) != 1 || !strings.HasPrefix(list[0].EventID, "sha256:") || list[0].Deliveries != 2 {
			t.Fatalf("kept %+v, want one event under a derived id, delivered twice", list)
		}
	})
}

// A store without its webhook secret answers 401 saying so, and the problem is the store's,
// shown on the dashboard, until a delivery verifies again.
func TestMissingSecretIsAStoreProblem(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "")
		code, body := e.send(t, st, delivery{topic: "orders/updated", eventID: "e1", secret: "whatever", body: orderBody(1, "2026-01-02T10:00:00Z")})
		if code != 401 || !strings.Contains(body, "webhook secret missing") {
			t.Fatalf("delivery to a store without secret: %d %s, want 401 naming the missing secret", code, body)
		}
		states, err := e.a.Ingest.States(ctx, e.account)
		if err != nil {
			t.Fatal(err)
		}
		if s := states[st.ID]; !s.Broken() || !strings.Contains(s.Problem, "webhook secret missing") {
			t.Fatalf("state %+v, want the missing secret recorded", s)
		}
	})
}

// Saving a store subscribes it through a durable job when storesync has a public URL, and the
// outcome is kept; without one the state says why it is not subscribed.
func TestSubscriptionState(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, dialect database.Dialect, _ string) {
		t.Parallel()
		ctx := context.Background()
		for _, public := range []string{"", "https://sync.example.com"} {
			e := newIngestEnv(t, dbtest.NewURL(t, dialect), func(c *config.Config) { c.PublicURL = public })
			st := e.addStore(t, "acme.myshopify.com", "hush")
			if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return e.a.Ingest.SubscribeTx(ctx, tx, st) }); err != nil {
				t.Fatal(err)
			}
			if public == "" {
				states, _ := e.a.Ingest.States(ctx, e.account)
				if s := states[st.ID]; s.Subscription != ingest.SubscriptionNone || s.Detail != ingest.NoPublicURL {
					t.Fatalf("without a public URL: %+v", s)
				}
				continue
			}
			e.start(t)
			deadline := time.Now().Add(15 * time.Second)
			for {
				states, _ := e.a.Ingest.States(ctx, e.account)
				s := states[st.ID]
				if s.Subscription == ingest.SubscriptionSubscribed {
					if s.Address != "https://sync.example.com/webhooks/shopify/"+st.Key {
						t.Fatalf("subscribed to %q", s.Address)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("never subscribed: %+v", s)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
}

func waitStatus(t *testing.T, a *app.App, accountID int64, eventID, want string) ingest.Inbound {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last []ingest.Inbound
	for time.Now().Before(deadline) {
		list, err := a.Ingest.List(context.Background(), accountID, 50)
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
