package bigcommerce_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

// TestStatusWebhooks: paid, cancelled and fulfilled orders arrive as status changes, which one
// hook delivers and decoding names by what the status became.
func TestStatusWebhooks(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, bcsim.StoreConfig{}, bcsim.Options{WebhookClient: rc.srv.Client()})
	ctx := t.Context()
	_, vids := seedOne(t, e, 5)
	all := []platform.Topic{platform.TopicOrderCreated, platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled,
		platform.TopicProductCreated, platform.TopicProductUpdated, platform.TopicProductDeleted, platform.TopicInventoryUpdated,
		platform.TopicInventoryConnected, platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated, platform.TopicAppUninstalled}
	if err := e.c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: rc.srv.URL + "/h", Topics: all}); err != nil {
		t.Fatal(err)
	}
	scopes := map[string]bool{}
	for _, h := range e.store.Hooks() {
		scopes[h.Scope] = true
	}
	if len(e.store.Hooks()) != 10 || !scopes["store/order/statusUpdated"] {
		t.Fatalf("hooks %v: one per scope, statusUpdated once", scopes)
	}
	if err := e.c.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: rc.srv.URL + "/h", Topics: []platform.Topic{platform.TopicInventoryConnected}}); platform.KindOf(err) != platform.KindInvalidInput {
		t.Fatalf("only topics BigCommerce lacks: %v", err)
	}
	oid, err := e.store.PlaceOrder("s@example.com", []bcsim.OrderLine{{VariantID: vids[0], Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.CancelOrder(ctx, platform.CancelOrderParams{OrderID: vid(oid)}); err != nil {
		t.Fatal(err)
	}
	want := map[string]platform.Topic{}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		n := len(rc.bodies)
		rc.mu.Unlock()
		for i := range n {
			var cb struct {
				Scope string `json:"scope"`
			}
			rc.mu.Lock()
			_ = json.Unmarshal(rc.bodies[i], &cb)
			rc.mu.Unlock()
			if cb.Scope != "store/order/statusUpdated" {
				continue
			}
			d, err := e.c.VerifyWebhook(rc.replay(i), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := e.c.DecodeWebhook(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			want[cb.Scope] = ev.Topic
		}
		if len(want) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if want["store/order/statusUpdated"] != platform.TopicOrderCancelled {
		t.Fatalf("status change decoded as %v", want)
	}
	if n := e.store.OrdersTagged("wholesale"); n != 0 {
		t.Fatalf("tagged %d", n)
	}
}
