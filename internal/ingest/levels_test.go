package ingest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// levelReader is a platform whose product events report levels, answering reads from levels.
type levelReader struct {
	levels map[string]int64 // item@location → available
	err    error
}

func (levelReader) VerifyWebhook(*http.Request, int64) (platform.WebhookDelivery, error) {
	return platform.WebhookDelivery{}, errors.New("not used")
}

func (levelReader) DecodeWebhook(context.Context, platform.WebhookDelivery) (platform.WebhookEvent, error) {
	return platform.WebhookEvent{}, errors.New("not used")
}

func (levelReader) SubscribeWebhooks(context.Context, platform.WebhookSubscription) error { return nil }

func (r levelReader) InventoryLevels(_ context.Context, location string, items []string) ([]platform.InventoryLevel, error) {
	if r.err != nil {
		return nil, r.err
	}
	var out []platform.InventoryLevel
	for _, it := range items {
		if q, ok := r.levels[it+"@"+location]; ok {
			out = append(out, platform.InventoryLevel{InventoryItemID: it, LocationID: location, Available: q})
		}
	}
	return out, nil
}

// A product event's levels tell two tied events apart, and reading them again takes what the
// platform says now, leaving out a level it no longer has.
func TestProductEventLevels(t *testing.T) {
	t.Parallel()
	product := func(a, b int64) platform.WebhookEvent {
		return platform.WebhookEvent{Topic: platform.TopicProductUpdated, ResourceID: "p1", Levels: []platform.InventoryLevel{
			{InventoryItemID: "p1:1", LocationID: "default", Available: a}, {InventoryItemID: "p1:2", LocationID: "default", Available: b}}}
	}
	a, same, other := fingerprint(product(1, 2)), fingerprint(product(1, 2)), fingerprint(product(1, 3))
	if a == "" || a != same || a == other {
		t.Fatalf("fingerprints %q %q %q: want equal levels equal and others apart", a, same, other)
	}
	if fingerprint(platform.WebhookEvent{Topic: platform.TopicProductUpdated, ResourceID: "p1"}) != "" {
		t.Error("a product event without levels has a fingerprint; want none (applied in order)")
	}
	ev, gone, err := reread(context.Background(), levelReader{levels: map[string]int64{"p1:1@default": 9}}, product(1, 2))
	if err != nil || gone || len(ev.Levels) != 1 || ev.Levels[0].InventoryItemID != "p1:1" || ev.Levels[0].Available != 9 {
		t.Fatalf("read again: %+v gone %v %v; want p1:1 at 9 alone", ev.Levels, gone, err)
	}
	if _, _, err := reread(context.Background(), levelReader{err: errors.New("503")}, product(1, 2)); err == nil {
		t.Error("a failed read again: no error; want it, so the job retries")
	}
}
