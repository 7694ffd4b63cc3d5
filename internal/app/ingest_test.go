package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/store"
)

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
		if code, _ := e.send(t, store.Store{Key: "store_nope", Address: st.Address}, newer); code != 404 {
			t.Errorf("unknown store key: %d, want 404", code)
		}
		list, _ := e.a.Ingest.List(context.Background(), ingest.ListParams{AccountID: e.account, Limit: 10})
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
		list, _ := e.a.Ingest.List(context.Background(), ingest.ListParams{AccountID: e.account, Limit: 10})
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
			list, _ := e.a.Ingest.List(ctx, ingest.ListParams{AccountID: e.account, Limit: 10})
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
		list, _ := e.a.Ingest.List(context.Background(), ingest.ListParams{AccountID: e.account, Limit: 10})
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

// A signed body that is not UTF-8 text, or holds a NUL, is still kept and processed (with those
// bytes replaced, as JSON decoding reads them), not refused by the database for ever.
func TestBodyNotUTF8IsKept(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		body := bytes.Replace(orderBody(1, "2026-01-02T10:00:00Z"), []byte("#1001"), []byte("#10\xff\x0001"), 1)
		if code, resp := e.send(t, st, delivery{topic: "orders/updated", eventID: "latin1", secret: "hush", body: body}); code != 200 {
			t.Fatalf("non-UTF-8 signed delivery: %d %s, want 200", code, resp)
		}
		e.start(t)
		waitStatus(t, e.a, e.account, "latin1", ingest.StatusProcessed)
	})
}

// Saving a store is enough for its webhooks to be subscribed: the subscription job is enqueued in
// the saving transaction, with no other step; verifying the store subscribes it again.
func TestSavingAStoreSubscribesIt(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		t.Parallel()
		ctx := context.Background()
		e := newIngestEnv(t, dbURL, func(c *config.Config) { c.PublicURL = "https://sync.example.com" })
		st := e.addStore(t, "acme.myshopify.com", "hush")
		if states, _ := e.a.Ingest.States(ctx, e.account); states[st.ID].Subscription != ingest.SubscriptionPending {
			t.Fatalf("after saving, before the jobs run: %+v, want %q", states[st.ID], ingest.SubscriptionPending)
		}
		e.start(t)
		waitSubscribed := func() {
			t.Helper()
			deadline := time.Now().Add(15 * time.Second)
			for {
				states, _ := e.a.Ingest.States(ctx, e.account)
				if s := states[st.ID]; s.Subscription == ingest.SubscriptionSubscribed {
					if s.Address != "https://sync.example.com/webhooks/shopify/"+st.Key {
						t.Fatalf("subscribed to %q", s.Address)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("never subscribed: %+v", states[st.ID])
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		waitSubscribed()
		if _, err := e.a.Stores.Verify(ctx, store.VerifyParams{AccountID: e.account, ID: st.ID}); err != nil {
			t.Fatal(err)
		}
		waitSubscribed()
	})
}
