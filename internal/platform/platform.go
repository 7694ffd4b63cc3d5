// Package platform declares what storesync's domains need from a store platform (Shopify,
// WooCommerce, BigCommerce, or a simulator of one), in platform-neutral types: ids are opaque
// strings, money is exact minor units with a currency, and every failure is a *Error whose Kind
// tells a person what to do. Each interface is small so a domain can ask for only what it uses
// and a platform can implement what its API offers.
package platform

import (
	"context"
	"net/http"
)

// ShopReader reads the store's identity; calling it verifies the connection and credentials.
type ShopReader interface {
	Shop(ctx context.Context) (ShopInfo, error)
	Locations(ctx context.Context) ([]Location, error)
}

// CatalogReader reads products page by page, all of them or those changed since a time.
type CatalogReader interface {
	ListProducts(ctx context.Context, p ListParams) (Page[Product], error)
	Product(ctx context.Context, id string) (Product, error)
}

// CatalogExporter streams a whole catalog, one product at a time, in memory that does not grow
// with the catalog (Shopify bulk operations; paging elsewhere). fn returning an error stops it.
// It waits for the export inside the call: fine for a small catalog or a command line; a job
// reading a large one drives a CatalogExportStarter instead.
type CatalogExporter interface {
	ExportCatalog(ctx context.Context, fn func(Product) error) error
}

// CatalogWriter creates or updates a product with its variants in one call.
type CatalogWriter interface {
	SetProduct(ctx context.Context, in ProductInput) (Product, error)
}

// CatalogDeleter removes a product with its variants from the store. A product the store no
// longer has is not an error: deleting it is done already, so a job run twice deletes nothing more.
type CatalogDeleter interface {
	DeleteProduct(ctx context.Context, id string) error
}

// InventoryReader reads current quantities of items at a location.
type InventoryReader interface {
	InventoryLevels(ctx context.Context, locationID string, inventoryItemIDs []string) ([]InventoryLevel, error)
}

// InventoryWriter sets quantities in as few calls as the platform allows.
type InventoryWriter interface {
	SetInventory(ctx context.Context, p SetInventoryParams) (SetInventoryResult, error)
}

// OrderReader reads orders by id and page by page, all or changed since a time.
type OrderReader interface {
	Order(ctx context.Context, id string) (Order, error)
	ListOrders(ctx context.Context, p ListParams) (Page[Order], error)
}

// OrderWriter creates and cancels orders on a store.
//
// CreateOrder with an IdempotencyKey creates at most one order per key, with the durable job that
// calls it: it first looks for the order an earlier attempt made (the platform's idempotency, or
// a search by a tag derived from the key) and returns that one. When a create was sent and its
// answer lost (timeout, 5xx, connection cut), it does not send another: it returns a Retryable
// *Error of KindOutcomeUnknown whose RetryAfter is how long the platform's search may take to
// show the order. The job snoozes at least RetryAfter and calls again with the same key and
// OrderInput.UncertainSince (when its previous attempt ended without recording a result, also by
// a crash); CreateOrder then waits in the call until the search has caught up with that time,
// searches again, and creates only if nothing is found. A retry without UncertainSince on a new
// process may duplicate the order on a platform whose search lags (the client remembers its own
// creates only for its lifetime).
type OrderWriter interface {
	CreateOrder(ctx context.Context, in OrderInput) (Order, error)
	CancelOrder(ctx context.Context, p CancelOrderParams) error
}

// FulfillmentReader reads the fulfilments of an order with their tracking.
type FulfillmentReader interface {
	Fulfillments(ctx context.Context, orderID string) ([]Fulfillment, error)
}

// FulfillmentWriter ships lines of an order with tracking. Lines stocked at different locations
// may need one fulfilment each, hence a slice.
//
// CreateFulfillment returns the fulfilments of the order that carry the input's tracking number
// and ship its lines: those an earlier run made and those made now, so a re-run with the same
// input creates only what is still missing. When one of several fulfilments fails, it returns
// those that exist with an *Error (Kind and Retryable of the failure) naming the part that
// failed and the ones made; retrying the same input is safe. The tracking number is what tells
// a run's own fulfilments from others': without one (or when one number covers several shipments
// of the same line) a re-run ships the requested quantities again while they remain open.
type FulfillmentWriter interface {
	CreateFulfillment(ctx context.Context, in FulfillmentInput) ([]Fulfillment, error)
}

// WebhookSubscriber registers the topics storesync needs. Subscribing a topic already
// subscribed to the same address is not an error.
type WebhookSubscriber interface {
	SubscribeWebhooks(ctx context.Context, s WebhookSubscription) error
}

// WebhookVerifier checks a delivery's signature before anything in it is parsed, and returns what
// must be kept to decode it later; it makes no call to the platform, so a receiver answers at
// once. A bad or missing signature is a *Error of KindAuth (answer 401, keep nothing); a body over
// maxBytes wraps ErrWebhookTooLarge; a store without a secret wraps ErrNoWebhookSecret.
type WebhookVerifier interface {
	VerifyWebhook(r *http.Request, maxBytes int64) (WebhookDelivery, error)
}

// WebhookDecoder turns a kept delivery into an event, in the job that processes it, where a call
// to the platform (to learn the shop's currency, say) may wait and be retried. A payload that
// cannot be decoded is a *Error of KindInvalidInput.
type WebhookDecoder interface {
	DecodeWebhook(ctx context.Context, d WebhookDelivery) (WebhookEvent, error)
}

// WebhookReceiver verifies deliveries when they arrive and decodes them later.
type WebhookReceiver interface {
	WebhookVerifier
	WebhookDecoder
}

// Store is everything storesync uses of a connected store.
type Store interface {
	ShopReader
	CatalogReader
	CatalogExporter
	CatalogExportStarter
	CatalogWriter
	CatalogDeleter
	InventoryReader
	InventoryWriter
	OrderReader
	OrderWriter
	FulfillmentReader
	FulfillmentWriter
	FulfillmentTrackingUpdater
	WebhookSubscriber
	WebhookReceiver
}
