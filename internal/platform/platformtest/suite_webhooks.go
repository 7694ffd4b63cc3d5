package platformtest

import (
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// maxWebhookBytes is the body limit the suite's receiver gives VerifyWebhook.
const maxWebhookBytes = 4 << 20

func (s *suite) testWebhooks(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p, orderID := e.placed(t, "HOOK")

	// A signed delivery verifies and decodes to its topic and resource.
	d := s.verify(t, e, platform.TopicOrderCreated, orderID, "delivery-1")
	ev, err := e.st.DecodeWebhook(e.ctx, d)
	if err != nil {
		t.Fatalf("DecodeWebhook: %v", err)
	}
	if ev.Topic != platform.TopicOrderCreated || ev.ResourceID != orderID {
		t.Errorf("DecodeWebhook: topic %s about %s, want %s about %s", ev.Topic, ev.ResourceID, platform.TopicOrderCreated, orderID)
	}
	if s.caps.WebhookPayloads && (ev.Order == nil || ev.Order.ID != orderID || len(ev.Order.Lines) != 2) {
		t.Errorf("DecodeWebhook: a platform whose webhooks carry the resource gave order %+v", ev.Order)
	}
	if ev.EventID != d.EventID {
		t.Errorf("DecodeWebhook: event id %q, the delivery's %q", ev.EventID, d.EventID)
	}

	pd := s.verify(t, e, platform.TopicProductUpdated, p.ID, "delivery-product-1")
	pev, err := e.st.DecodeWebhook(e.ctx, pd)
	if err != nil {
		t.Fatalf("DecodeWebhook of a product delivery: %v", err)
	}
	if pev.Topic != platform.TopicProductUpdated || pev.ResourceID != p.ID {
		t.Errorf("DecodeWebhook: topic %s about %s, want %s about %s", pev.Topic, pev.ResourceID, platform.TopicProductUpdated, p.ID)
	}
	if s.caps.WebhookPayloads && (pev.Product == nil || pev.Product.ID != p.ID) {
		t.Errorf("DecodeWebhook: a platform whose webhooks carry the resource gave product %+v", pev.Product)
	}

	// The same delivery again is the same event: the receiver drops it.
	dup := s.verify(t, e, platform.TopicOrderCreated, orderID, "delivery-1")
	if dup.EventID == "" || dup.EventID != d.EventID {
		t.Errorf("the same delivery twice: event ids %q and %q, want one, not empty", d.EventID, dup.EventID)
	}
	other := s.verify(t, e, platform.TopicOrderUpdated, orderID, "delivery-2")
	if other.EventID == d.EventID {
		t.Errorf("two deliveries of different events share the event id %q", d.EventID)
	}

	// A forged delivery is refused before anything is read.
	_, err = e.st.VerifyWebhook(e.ctl.Webhook(t, platform.TopicOrderCreated, orderID, "delivery-forged", true), maxWebhookBytes)
	pe := wantKind(t, "VerifyWebhook of a forged delivery", err, platform.KindAuth)
	if pe.Retryable {
		t.Errorf("VerifyWebhook of a forged delivery: retryable: %v", err)
	}
	// A body over the limit is refused without a verdict on its signature.
	if _, err := e.st.VerifyWebhook(e.ctl.Webhook(t, platform.TopicOrderCreated, orderID, "delivery-1", false), 16); err == nil {
		t.Error("VerifyWebhook with a 16-byte limit accepted an order delivery")
	}
}

func (s *suite) verify(t *testing.T, e *env, topic platform.Topic, id, delivery string) platform.WebhookDelivery {
	t.Helper()
	d, err := e.st.VerifyWebhook(e.ctl.Webhook(t, topic, id, delivery, false), maxWebhookBytes)
	if err != nil {
		t.Fatalf("VerifyWebhook of a signed %s delivery: %v", topic, err)
	}
	if d.Topic != topic || len(d.Body) == 0 {
		t.Fatalf("VerifyWebhook: topic %s with %d bytes, want %s with its body", d.Topic, len(d.Body), topic)
	}
	return d
}
