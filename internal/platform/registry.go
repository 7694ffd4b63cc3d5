package platform

import (
	"log/slog"
	"net/http"
	"time"
)

// Registration is what a platform package gives storesync: its name, how a person writes its
// credentials, what its API can and cannot do, and how to make its Driver. The wiring lists the
// registrations, one line per platform; nothing else knows the platforms by name.
type Registration struct {
	Name           string // as stores and the API name the platform: "shopify", "woocommerce"
	CredentialsDoc string // the credentials' fields, for the API's reference
	Capabilities   Capabilities
	// New makes the platform's driver for one process; every client it opens shares what the
	// driver keeps (each store's rate-limit budget, say).
	New func(Env) Driver
}

// Env is what a Driver's clients use of the process: the HTTP client (which refuses private
// addresses unless the operator allows them), a logger and the clock.
type Env struct {
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

// Driver checks a platform's credentials and opens clients of its stores.
type Driver interface {
	// Check validates credentials (JSON, as CredentialsDoc describes them) and normalises them;
	// each error names its field and repeats no secret.
	Check(credentials []byte) (CheckedCredentials, error)
	// Open returns a client of the store. Clients of the same store in one process share its
	// rate-limit budget.
	Open(c StoreConfig) (Store, error)
}

// CheckedCredentials are credentials a Driver accepted.
type CheckedCredentials struct {
	Credentials    []byte // normalised, to keep (encrypted)
	Address        string // display-only address of the store (its domain)
	DefaultBaseURL string // where the store answers when no base URL is given
	// AuthField and AddressField are the fields a refusal by the platform names: wrong
	// credentials, and a store the platform does not know (e.g. "credentials.access_token").
	AuthField, AddressField string
}

// StoreConfig is one store as a Driver opens it.
type StoreConfig struct {
	Name        string // the store's name in storesync, for logs
	BaseURL     string // "" for the platform's default (from the credentials)
	Credentials []byte // as Check returned them
	// Verifying is set while a person waits for a store being saved to be checked: the client
	// then retries once at most.
	Verifying bool
}

// Capabilities are the differences between platforms that domain code may take into account,
// declared by each platform rather than tested by name.
type Capabilities struct {
	// CompareAndSet: an inventory write can be conditional on the quantity last read
	// (InventoryChange.Expected); without it a write sets the quantity unconditionally and
	// SetInventoryResult.Conflicts is always 0.
	CompareAndSet bool
	// IdempotencyKeys: the platform itself creates at most one order per key; without it the
	// client finds an earlier attempt's order by a tag or note derived from the key.
	IdempotencyKeys bool
	// Locations: stock is kept per location and the store may have several; without it there
	// is one location, whose id the client makes up.
	Locations bool
	// InventoryBatch is how many quantities one API call can set (the platform's per-call
	// limit); the minimum calls for n changes is ceil(n / InventoryBatch).
	InventoryBatch int
	// InventoryBatchPerProduct: one call sets the variants of one product only (a product with
	// variants has a batch endpoint of its own, InventoryBatch items a call); products without
	// variants share calls. See MinCallsFor.
	InventoryBatchPerProduct bool
	// WebhookPayloads: a webhook carries the resource; without it the delivery names only the
	// resource's id and decoding it reads the resource.
	WebhookPayloads bool
}

// MinCalls is the fewest API calls the platform needs to set n quantities of products without
// variants, or of variants anywhere on a platform that batches across products.
func (c Capabilities) MinCalls(n int) int {
	if n <= 0 {
		return 0
	}
	b := max(c.InventoryBatch, 1)
	return (n + b - 1) / b
}

// MinCallsFor is the fewest API calls the platform needs to set the quantities of singles
// products without variants and of the variants of other products, perProduct[i] of the i-th.
func (c Capabilities) MinCallsFor(singles int, perProduct []int) int {
	if !c.InventoryBatchPerProduct {
		n := singles
		for _, k := range perProduct {
			n += k
		}
		return c.MinCalls(n)
	}
	n := c.MinCalls(singles)
	for _, k := range perProduct {
		n += c.MinCalls(k)
	}
	return n
}
