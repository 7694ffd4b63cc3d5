package woocommerce_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// A subscription to every topic storesync needs, some of which WooCommerce has no webhook for
// (an app uninstalled), subscribes the ones it has; only a subscription to none of them is
// refused.
func TestSubscribingSkipsTopicsWooCommerceLacks(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	sub := platform.WebhookSubscription{Address: "https://sync.example.com/hooks", Topics: []platform.Topic{
		platform.TopicOrderCreated, platform.TopicOrderPaid, platform.TopicFulfillmentCreated, platform.TopicAppUninstalled}}
	if err := e.client.SubscribeWebhooks(ctx, sub); err != nil {
		t.Fatalf("subscribing with a topic WooCommerce lacks: %v", err)
	}
	var topics []string
	for _, w := range e.store.Webhooks() {
		topics = append(topics, w.Topic)
	}
	slices.Sort(topics)
	if !slices.Equal(topics, []string{"order.created", "order.updated"}) {
		t.Errorf("webhooks made: %v; want order.created and order.updated", topics)
	}
	err := e.client.SubscribeWebhooks(ctx, platform.WebhookSubscription{Address: sub.Address, Topics: []platform.Topic{platform.TopicAppUninstalled}})
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Kind != platform.KindInvalidInput {
		t.Errorf("subscribing to no topic WooCommerce has: %v; want invalid input", err)
	}
}
