package platform

import (
	"errors"
	"time"
)

// Topic is what a webhook is about, in storesync's words; each platform maps its own topics here.
type Topic string

// Topics storesync subscribes to.
const (
	TopicOrderCreated       Topic = "order.created"
	TopicOrderUpdated       Topic = "order.updated"
	TopicOrderPaid          Topic = "order.paid"
	TopicOrderCancelled     Topic = "order.cancelled"
	TopicOrderFulfilled     Topic = "order.fulfilled"
	TopicOrderDeleted       Topic = "order.deleted"
	TopicProductCreated     Topic = "product.created"
	TopicProductUpdated     Topic = "product.updated"
	TopicProductDeleted     Topic = "product.deleted"
	TopicInventoryUpdated   Topic = "inventory.updated"
	TopicInventoryConnected Topic = "inventory.connected"
	TopicInventoryRemoved   Topic = "inventory.disconnected"
	TopicFulfillmentCreated Topic = "fulfillment.created"
	TopicFulfillmentUpdated Topic = "fulfillment.updated"
	TopicAppUninstalled     Topic = "app.uninstalled"
	TopicOther              Topic = "other" // a topic storesync does not act on
)

// Deletes reports whether the topic says its resource is gone. A delete is final: an update of
// the same resource that was made before it and arrives after it must not bring it back.
func (t Topic) Deletes() bool {
	return t == TopicOrderDeleted || t == TopicProductDeleted || t == TopicInventoryRemoved
}

// ErrNoWebhookSecret means the store has no secret to verify deliveries with: every delivery is
// refused until a person adds it, so it is a store problem to show, not a failure to retry.
var ErrNoWebhookSecret = errors.New("webhook secret missing: deliveries cannot be verified")

// ErrWebhookTooLarge means a delivery's body is over the receiver's limit. It says nothing about
// the signature (the body was not read to the end), so it is never reported as a bad one.
var ErrWebhookTooLarge = errors.New("webhook body too large")

// WebhookDelivery is one delivery whose signature was verified, before anything in its body is
// decoded: what the receiver keeps, and what a job later hands back to DecodeWebhook. Header holds
// the request headers decoding needs (a platform may name topic, shop and ids there).
type WebhookDelivery struct {
	Topic         Topic     // storesync's topic, from the platform's topic
	PlatformTopic string    // the platform's own topic, e.g. "orders/create"
	EventID       string    // same for every delivery of one event; "" when the platform sent none
	DeliveryID    string    // different for each delivery attempt, when the platform has one
	TriggeredAt   time.Time // when the platform raised it, zero when unknown
	Header        map[string]string
	Body          []byte // the raw verified body
}

// WebhookEvent is one decoded webhook delivery. EventID lets the caller drop duplicate
// deliveries; UpdatedAt lets it ignore a delivery older than what it already has (webhooks arrive
// at least once and in any order).
type WebhookEvent struct {
	Store         string    // shop domain the platform says sent it
	Topic         Topic     // storesync's topic
	PlatformTopic string    // the platform's own topic, e.g. "orders/create"
	EventID       string    // same for every delivery of one event
	DeliveryID    string    // different for each delivery attempt, when the platform has one
	TriggeredAt   time.Time // when the platform raised it, zero when unknown
	UpdatedAt     time.Time // the resource's updated_at, zero when the payload has none
	// ResourceID names what the event is about, so two events about one thing can be ordered:
	// the order, product or fulfilment id; for an inventory level, InventoryLevelResource(item,
	// location), since one item has a level per location.
	ResourceID string
	Order      *Order
	Product    *Product
	Inventory  *InventoryLevel
	// Levels are the inventory levels a product event reports, on a platform whose stock
	// changes arrive as product events (no inventory topic of their own): each variant's
	// available quantity at the store's location. Empty elsewhere.
	Levels      []InventoryLevel
	Fulfillment *Fulfillment
	Shop        *ShopInfo // app.uninstalled
	Body        []byte    // the raw verified body
}

// InventoryLevelResource is the ResourceID of an inventory level: the item at one location.
func InventoryLevelResource(itemID, locationID string) string {
	return itemID + "@" + locationID
}

// WebhookSubscription asks a platform to deliver Topics to Address (an https URL).
type WebhookSubscription struct {
	Address string
	Topics  []Topic
}
