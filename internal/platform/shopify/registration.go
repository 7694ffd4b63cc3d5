package shopify

import (
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Registration is Shopify as storesync's wiring lists it.
var Registration = platform.Registration{
	Name:           Platform,
	CredentialsDoc: CredentialsDoc,
	Capabilities: platform.Capabilities{
		CompareAndSet:   true,  // inventorySetQuantities' changeFromQuantity
		IdempotencyKeys: false, // orderCreate takes none: a pushed order is found by its tag
		Locations:       true,
		InventoryBatch:  MaxInputArray,
		WebhookPayloads: true,
	},
	New: newDriver,
}

var _ platform.Driver = (*driver)(nil)

// driver opens Shopify clients for one process; clients of the same shop share its cost-point
// bucket, whichever job or page opened them.
type driver struct {
	env      platform.Env
	limiters *Limiters
}

func newDriver(env platform.Env) platform.Driver {
	if env.Now == nil {
		env.Now = time.Now
	}
	return &driver{env: env, limiters: NewLimiters(env.Now)}
}

// Check implements platform.Driver.
func (d *driver) Check(credentials []byte) (platform.CheckedCredentials, error) {
	c, err := ParseCredentials(credentials)
	if err != nil {
		return platform.CheckedCredentials{}, err
	}
	return platform.CheckedCredentials{Credentials: c.Marshal(), Address: c.ShopDomain, DefaultBaseURL: c.DefaultBaseURL(),
		AuthField: FieldAccessToken, AddressField: FieldShopDomain}, nil
}

// Open implements platform.Driver. A store being verified (a person waits) is retried once at
// most.
func (d *driver) Open(s platform.StoreConfig) (platform.Store, error) {
	c, err := ParseCredentials(s.Credentials)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", s.Name, err)
	}
	cfg := Config{
		Shop: c.ShopDomain, AccessToken: c.AccessToken, APISecret: c.APISecret, BaseURL: s.BaseURL, Now: d.env.Now,
		Limiter: d.limiters.For(LimiterKey(s.BaseURL, c.ShopDomain, c.AccessToken)),
	}
	if d.env.HTTPClient != nil {
		cfg.HTTPClient = d.env.HTTPClient
	}
	if d.env.Logger != nil {
		cfg.Logger = d.env.Logger.With("store", s.Name, "shop", c.ShopDomain)
	}
	if s.Verifying {
		cfg.Backoff = httpclient.Backoff{MaxAttempts: 2, Max: 2 * time.Second}
	}
	cl, err := New(cfg)
	if err != nil {
		return nil, err // not a nil *Client inside a non-nil Store
	}
	return cl, nil
}
