package bigcommerce_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

type receiver struct {
	mu     sync.Mutex
	got    []*http.Request
	bodies [][]byte
	status int
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.got = append(rc.got, r)
		rc.bodies = append(rc.bodies, b)
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		k := len(rc.got)
		rc.mu.Unlock()
		if k >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("received %d deliveries, want %d", len(rc.got), n)
}

// replay rebuilds delivery i as the receiver's handler saw it.
func (rc *receiver) replay(i int) *http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/hooks", bytes.NewReader(rc.bodies[i]))
	r.Header = rc.got[i].Header.Clone()
	return r
}

func TestWebhooksSubscribeVerifyDecode(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{WebhookClient: rc.srv.Client(), WebhookRetries: []time.Duration{time.Millisecond}})
	ctx := t.Context()
	_, vids := seedOne(t, e, 5)
	sub := platform.WebhookSubscription{Address: rc.srv.URL + "/hooks", Topics: []platform.Topic{platform.TopicOrderCreated, platform.TopicFulfillmentCreated, platform.TopicInventoryUpdated}}
	if err := e.c.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := e.c.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if hs := e.store.Hooks(); len(hs) != 3 || hs[0].Headers[bigcommerce.HeaderWebhookSecret] != testSecret {
		t.Fatalf("hooks %+v", hs)
	}
	oid, err := e.store.PlaceOrder("b@example.com", []bcsim.OrderLine{{VariantID: vids[0], Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 1)
	d, err := e.c.VerifyWebhook(rc.replay(0), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if d.Topic != platform.TopicOrderCreated || d.PlatformTopic != "store/order/created" || d.EventID == "" || d.TriggeredAt.IsZero() {
		t.Fatalf("delivery %+v", d)
	}
	ev, err := e.c.DecodeWebhook(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Order == nil || ev.Order.ID != vid(oid) || ev.ResourceID != vid(oid) || ev.Store != testHash || ev.UpdatedAt.IsZero() {
		t.Fatalf("event %+v", ev)
	}
	// The same delivery again has the same event id, so the receiver drops it.
	d2, err := e.c.VerifyWebhook(rc.replay(0), 1<<20)
	if err != nil || d2.EventID != d.EventID {
		t.Fatalf("duplicate: %q vs %q, %v", d2.EventID, d.EventID, err)
	}
	// Forged: the right body without the secret, or with another.
	for _, secret := range []string{"", "whsec_wrong"} {
		r := rc.replay(0)
		r.Header.Set(bigcommerce.HeaderWebhookSecret, secret)
		if _, err := e.c.VerifyWebhook(r, 1<<20); platform.KindOf(err) != platform.KindAuth {
			t.Fatalf("forged with %q: %v", secret, err)
		}
	}
	// Too large.
	if _, err := e.c.VerifyWebhook(rc.replay(0), 10); !errorsIs(err, platform.ErrWebhookTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	// Shipment and inventory deliveries decode by re-reading.
	if err := e.store.Ship(oid, "ups", []string{"1Z9", "1Z10"}); err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 2)
	d, err = e.c.VerifyWebhook(rc.replay(1), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ev, err = e.c.DecodeWebhook(ctx, d)
	if err != nil || ev.Fulfillment == nil || len(ev.Fulfillment.Tracking) != 2 {
		t.Fatalf("shipment event %+v %v", ev, err)
	}
	if _, err := e.c.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: vid(vids[1]), LocationID: "1", Quantity: 77}}}); err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 3)
	d, err = e.c.VerifyWebhook(rc.replay(2), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	ev, err = e.c.DecodeWebhook(ctx, d)
	if err != nil || ev.Inventory == nil || ev.Inventory.Available != 77 || ev.ResourceID != platform.InventoryLevelResource(vid(vids[1]), "1") {
		t.Fatalf("inventory event %+v %v", ev, err)
	}
	// A receiver that keeps failing gets its hooks deactivated; subscribing again reactivates them.
	rc.mu.Lock()
	rc.status = http.StatusInternalServerError
	rc.mu.Unlock()
	if _, err := e.store.PlaceOrder("c@example.com", []bcsim.OrderLine{{VariantID: vids[0], Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	rc.wait(t, 5) // the delivery and its one retry
	deadline := time.Now().Add(5 * time.Second)
	for e.store.Hooks()[0].IsActive && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if e.store.Hooks()[0].IsActive {
		t.Fatal("hook still active after its deliveries failed")
	}
	if err := e.c.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if !e.store.Hooks()[0].IsActive || len(e.store.Hooks()) != 3 {
		t.Fatalf("resubscribed %+v", e.store.Hooks())
	}
	// No secret: nothing is accepted.
	noSecret := e.client(t, func(c *bigcommerceConfig) { c.WebhookSecret = "" })
	if _, err := noSecret.VerifyWebhook(rc.replay(0), 1<<20); !errorsIs(err, platform.ErrNoWebhookSecret) || platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("no secret: %v", err)
	}
	if err := e.c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: "http://insecure.example/h", Topics: sub.Topics}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("http address: %v", err)
	}
}
