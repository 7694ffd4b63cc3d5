// Package platformtest is the contract suite every platform client passes: the same tests of
// catalog reads and writes, inventory batches and their call counts, orders, fulfilments with
// several tracking numbers, webhooks signed, forged and duplicated, and errors mapped to
// platform.Error kinds, run against each platform's client over real HTTP to its simulator, and
// to a live store when its credentials are in the environment. A platform package runs it from
// a test with its Harness:
//
//	func TestContract(t *testing.T) { platformtest.Run(t, harness{}) }
package platformtest

import (
	"net/http"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// Harness makes stores of one platform for the suite.
type Harness interface {
	// Registration is the platform's registration (its name and capabilities).
	Registration() platform.Registration
	// NewStore makes a new, empty store (a simulated one; a live one may hold earlier data, as
	// the suite checks only what it seeded and made) and returns a client of it over real HTTP
	// and the Control the suite drives it with. The store and its servers are closed by
	// t.Cleanup. Subtests call it in parallel: each store counts and fails its own calls.
	NewStore(t testing.TB) (platform.Store, Control)
}

// SeedProduct is a product the suite places on a store behind the client's back.
type SeedProduct struct {
	Title    string
	Variants []SeedVariant
}

// SeedVariant is one variant of a SeedProduct.
type SeedVariant struct {
	SKU      string
	Barcode  string
	Price    platform.Money // in the store's currency
	Quantity int            // available at the store's first location
}

// OrderLine is one line of an order the suite places as a customer would.
type OrderLine struct {
	VariantID string // as the client reports it in Product.Variants[i].ID
	Quantity  int
}

// Control does to a store what its merchant, its customers and the platform itself would: the
// suite uses it to set up and to check what the client did. Every method fails t on error.
type Control interface {
	// SeedProduct adds a product and returns its id as the client reports it.
	SeedProduct(t testing.TB, p SeedProduct) string
	// SetQuantity sets the available quantity of a variant's item at the first location (the
	// first that the client's Locations lists; SeedVariant.Quantity is stocked there too).
	SetQuantity(t testing.TB, variantID string, quantity int)
	// Quantity is the available quantity of a variant's item at the first location.
	Quantity(t testing.TB, variantID string) int
	// PlaceOrder places a paid order with a shipping address, as a customer would, and returns
	// its id as the client reports it.
	PlaceOrder(t testing.TB, lines []OrderLine) string
	// Ship ships every line of the order in one fulfilment per tracking number (the first
	// carries the lines, the others add their numbers to it where the platform allows several
	// numbers per shipment).
	Ship(t testing.TB, orderID string, trackingNumbers []string)
	// OrdersTagged counts the store's orders carrying tag (or the note the platform keeps
	// instead of tags).
	OrdersTagged(t testing.TB, tag string) int
	// Calls is how many API calls the store has answered to the client NewStore returned
	// (throttled and failed ones included; downloads of export result files are not calls).
	Calls() int
	// Throttled is how many of those were answered with the platform's rate-limit refusal.
	Throttled() int
	// FailNext answers the next n API calls with status (500, 503, 429, 401, 404) as the
	// platform answers with it (its error body; a 429 with its Retry-After, counted by
	// Throttled).
	FailNext(n int, status int)
	// Webhook returns a delivery of topic (platform.Topic) about the resource id as the
	// platform would send it to the store's subscription: signed with the right secret, or
	// forged (signed with a wrong one). The same deliveryID makes the same delivery again (the
	// same event: its body and event id); another deliveryID makes another event. The suite
	// sends TopicOrderCreated and TopicOrderUpdated about an order, TopicProductUpdated about
	// a product.
	Webhook(t testing.TB, topic platform.Topic, resourceID, deliveryID string, forged bool) *http.Request
}
