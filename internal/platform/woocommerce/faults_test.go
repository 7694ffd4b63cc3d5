package woocommerce_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

func TestTimeoutsAndVariableProductWebhooks(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	pid := e.seedSimple(t, "MUG", 3)
	hc := *e.srv.Client()
	hc.Timeout = 100 * time.Millisecond
	cfg := e.cfg
	cfg.HTTPClient = &hc
	cfg.Backoff.MaxAttempts = 2
	e.cfg = cfg
	c := e.newClient(t)
	if _, err := c.Shop(ctx); err != nil {
		t.Fatal(err)
	}
	e.store.SetFaults(woocommercesim.Faults{Hang: true})
	_, err := c.Order(ctx, "1")
	if pe := (*platform.Error)(nil); !errors.As(err, &pe) || pe.Kind != platform.KindUnavailable || !pe.Retryable {
		t.Fatalf("timed-out read: %v", err)
	}
	_, err = c.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: "t-1", Lines: []platform.OrderLineInput{{VariantID: strconv.FormatInt(pid, 10), Quantity: 1}}})
	if platform.KindOf(err) != platform.KindOutcomeUnknown {
		t.Fatalf("timed-out create: %v", err)
	}
	e.store.SetFaults(woocommercesim.Faults{Latency: 20 * time.Millisecond})
	start := time.Now()
	if _, err := c.Product(ctx, strconv.FormatInt(pid, 10)); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("latency: %v after %v", err, time.Since(start))
	}
	e.store.SetFaults(woocommercesim.Faults{})

	// A variable product's webhook lists variations by id: decoding reads the product again.
	h := woocommercesim.Harness{}
	store, ctl := h.NewStore(t)
	vp := ctl.SeedProduct(t, platformSeed())
	ev, err := func() (platform.WebhookEvent, error) {
		d, err := store.VerifyWebhook(ctl.Webhook(t, platform.TopicProductUpdated, vp, "v-1", false), 0)
		if err != nil {
			return platform.WebhookEvent{}, err
		}
		return store.DecodeWebhook(ctx, d)
	}()
	if err != nil || ev.Product == nil || len(ev.Product.Variants) != 2 || ev.Product.Variants[1].SKU != "V-2" {
		t.Fatalf("variable product event %+v %v", ev, err)
	}
	if len(ev.Levels) != 2 || ev.Levels[1].InventoryItemID != ev.Product.Variants[1].InventoryItemID || ev.Levels[1].Available != *ev.Product.Variants[1].Quantity {
		t.Fatalf("variable product event levels %+v; want one per tracked variation", ev.Levels)
	}
	d, err := store.VerifyWebhook(ctl.Webhook(t, platform.TopicProductDeleted, vp, "v-2", false), 0)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := store.DecodeWebhook(ctx, d); err != nil || ev.Topic != platform.TopicProductDeleted || ev.ResourceID != vp || !ev.Topic.Deletes() {
		t.Fatalf("delete event %+v %v", ev, err)
	}
	bad := ctl.Webhook(t, platform.TopicProductCreated, vp, "v-3", false)
	bad.Header.Del("X-WC-Webhook-Signature")
	if _, err := store.VerifyWebhook(bad, 0); platform.KindOf(err) != platform.KindAuth {
		t.Fatalf("unsigned: %v", err)
	}
}
