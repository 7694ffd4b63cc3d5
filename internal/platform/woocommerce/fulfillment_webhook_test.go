package woocommerce_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

func TestCreateFulfillmentTracking(t *testing.T) {
	for _, tracking := range []bool{true, false} {
		t.Run(fmt.Sprintf("extension=%v", tracking), func(t *testing.T) {
			e := newEnv(t, envOpts{tracking: tracking})
			ctx := context.Background()
			pid := e.seedSimple(t, "MUG", 10)
			oid, err := e.store.PlaceOrder([]woocommercesim.OrderLine{{ProductID: pid, Quantity: 1}})
			if err != nil {
				t.Fatal(err)
			}
			in := platform.FulfillmentInput{OrderID: strconv.FormatInt(oid, 10), Tracking: platform.Tracking{Company: "UPS", Number: "1Z1", URL: "https://ups.example/1Z1"},
				MoreTracking: []platform.Tracking{{Number: "1Z2"}}}
			fs, err := e.client.CreateFulfillment(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Status != "success" || len(fs[0].Tracking) != 2 || fs[0].Tracking[0].Number != "1Z1" ||
				fs[0].Tracking[0].URL != "https://ups.example/1Z1" || fs[0].Tracking[1].Company != "UPS" || len(fs[0].Lines) != 1 {
				t.Fatalf("fulfilment %+v", fs)
			}
			o, _ := e.client.Order(ctx, strconv.FormatInt(oid, 10))
			if o.FulfillmentStatus != "fulfilled" {
				t.Fatalf("order status %q", o.FulfillmentStatus)
			}
			// A re-run writes nothing.
			before := e.store.Calls()
			again, err := e.client.CreateFulfillment(ctx, in)
			if err != nil || len(again) != 1 || len(again[0].Tracking) != 2 {
				t.Fatalf("re-run: %+v %v", again, err)
			}
			reads := 2 // order, tracking
			if !tracking {
				reads = 2 // order, notes (the extension's absence is remembered)
			}
			if got := e.store.Calls() - before; got != 2*reads {
				t.Errorf("re-run made %d calls, want %d reads only", got, 2*reads)
			}
			u, err := e.client.UpdateTracking(ctx, platform.UpdateTrackingParams{FulfillmentID: fs[0].ID, Tracking: []platform.Tracking{{Company: "DHL", Number: "D9"}}})
			if err != nil || len(u.Tracking) != 1 || u.Tracking[0].Number != "D9" || u.Tracking[0].Company != "DHL" {
				t.Fatalf("update: %+v %v", u, err)
			}
			read, err := e.client.Fulfillments(ctx, strconv.FormatInt(oid, 10))
			if err != nil || len(read) != 1 || !slices.Equal(read[0].Tracking, u.Tracking) {
				t.Fatalf("read back %+v %v", read, err)
			}
		})
	}
}

func TestWebhooksSignedForgedAndDisabled(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	var got []*http.Request
	var bodies [][]byte
	status := http.StatusOK
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-mu
		defer func() { mu <- struct{}{} }()
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Clone(r.Context()))
		bodies = append(bodies, b)
		w.WriteHeader(status)
	}))
	defer recv.Close()
	sub := platform.WebhookSubscription{Address: recv.URL + "/hooks", Topics: woocommerce.DefaultTopics()}
	if err := e.client.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := e.client.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if n := len(e.store.Webhooks()); n != 6 {
		t.Fatalf("%d webhooks after subscribing twice, want 6", n)
	}
	pid := e.seedSimple(t, "MUG", 10) // product.created
	if _, err := e.client.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: strconv.FormatInt(pid, 10), LocationID: "default", Quantity: 3}}}); err != nil {
		t.Fatal(err)
	}
	<-mu
	reqs, bs := slices.Clone(got), slices.Clone(bodies)
	mu <- struct{}{}
	if len(reqs) != 2 {
		t.Fatalf("%d deliveries, want 2", len(reqs))
	}
	deliver := func(r *http.Request, body []byte) (platform.WebhookEvent, error) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		d, err := e.client.VerifyWebhook(r, 0)
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		return e.client.DecodeWebhook(ctx, d)
	}
	ev, err := deliver(reqs[1], bs[1])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Topic != platform.TopicProductUpdated || ev.ResourceID != strconv.FormatInt(pid, 10) || *ev.Product.Variants[0].Quantity != 3 || ev.DeliveryID == "" || ev.EventID != ev.DeliveryID {
		t.Fatalf("event %+v", ev)
	}
	// WooCommerce has no inventory webhook: the product's event reports its stock.
	if len(ev.Levels) != 1 || ev.Levels[0].InventoryItemID != strconv.FormatInt(pid, 10) || ev.Levels[0].LocationID != woocommerce.LocationID ||
		ev.Levels[0].Available != 3 || ev.Levels[0].UpdatedAt.IsZero() {
		t.Fatalf("levels of the stock change's event: %+v; want the product's 3 at the store's location", ev.Levels)
	}
	forged := reqs[1].Clone(ctx)
	forged.Header.Set(woocommerce.HeaderSignature, woocommerce.SignWebhook(bs[1], "not-the-secret"))
	if _, err := deliver(forged, bs[1]); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("forged: %v", err)
	}
	tampered := append(slices.Clone(bs[1]), ' ')
	if _, err := deliver(reqs[1].Clone(ctx), tampered); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("tampered: %v", err)
	}
	// Failing deliveries: the 7th in a row disables the webhook (the count is 6, over 5);
	// subscribing again revives it.
	status = http.StatusInternalServerError
	state := func() string {
		for _, w := range e.store.Webhooks() {
			if w.Topic == "product.updated" {
				return w.Status
			}
		}
		return ""
	}
	for i := range 7 {
		if _, err := e.client.SetInventory(ctx, platform.SetInventoryParams{Changes: []platform.InventoryChange{{InventoryItemID: strconv.FormatInt(pid, 10), LocationID: "default", Quantity: int64(i)}}}); err != nil {
			t.Fatal(err)
		}
		want := "active"
		if i == 6 {
			want = "disabled"
		}
		if s := state(); s != want {
			t.Fatalf("after %d failed deliveries the webhook is %q, want %q", i+1, s, want)
		}
	}
	if err := e.client.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "active" {
		t.Fatalf("after subscribing again the webhook is %q", s)
	}
}
