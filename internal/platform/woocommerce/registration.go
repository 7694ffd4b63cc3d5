package woocommerce

import (
	"net/http"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Capabilities are what the WooCommerce REST API can and cannot do: stock writes set the quantity
// without compare-and-set, orders take no idempotency key (the client keeps one in their meta
// data), stock is kept per product with no locations, a batch call takes MaxBatchItems items,
// variations are batched per product, and webhooks carry the resource.
var Capabilities = platform.Capabilities{
	CompareAndSet:   false,
	IdempotencyKeys: false,
	Locations:       false,
	InventoryBatch:  MaxBatchItems,
	// Variations are written through their product's own batch endpoint.
	InventoryBatchPerProduct: true,
	WebhookPayloads:          true,
}

// Registration is WooCommerce for the wiring.
var Registration = platform.Registration{
	Name:           Platform,
	CredentialsDoc: CredentialsDoc,
	Capabilities:   Capabilities,
	New:            func(env platform.Env) platform.Driver { return &driver{env: env} },
}

type driver struct{ env platform.Env }

func (d *driver) Check(raw []byte) (platform.CheckedCredentials, error) {
	c, err := ParseCredentials(raw)
	if err != nil {
		return platform.CheckedCredentials{}, err
	}
	return platform.CheckedCredentials{
		Credentials: c.Marshal(), Address: c.Domain(), DefaultBaseURL: c.DefaultBaseURL(),
		AuthField: FieldConsumerKey, AddressField: FieldStoreURL,
	}, nil
}

// Open opens a client of the store. WooCommerce sets no rate limit of its own, so clients share
// nothing but the process's HTTP client.
func (d *driver) Open(sc platform.StoreConfig) (platform.Store, error) {
	c, err := ParseCredentials(sc.Credentials)
	if err != nil {
		return nil, err
	}
	cfg := Config{BaseURL: sc.BaseURL, ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret,
		WebhookSecret: c.SigningSecret(), Logger: d.env.Logger, Now: d.env.Now}
	if cfg.BaseURL == "" {
		cfg.BaseURL = c.DefaultBaseURL()
	}
	if d.env.HTTPClient != nil {
		cfg.HTTPClient = d.env.HTTPClient
	} else {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if sc.Verifying {
		cfg.Backoff = httpclient.Backoff{MaxAttempts: 2, Max: 2 * time.Second}
	}
	cl, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return cl, nil
}
