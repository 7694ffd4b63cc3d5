package platform

import "time"

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

// WebhookEvent is one verified, decoded webhook delivery. EventID lets the caller drop duplicate
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
	ResourceID    string    // id of the order, product, inventory item or fulfilment concerned
	Order         *Order
	Product       *Product
	Inventory     *InventoryLevel
	Fulfillment   *Fulfillment
	Shop          *ShopInfo // app.uninstalled
	Body          []byte    // the raw verified body, for persisting before processing
}

// WebhookSubscription asks a platform to deliver Topics to Address (an https URL).
type WebhookSubscription struct {
	Address string
	Topics  []Topic
}
