package bigcommerce

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

// Capabilities are what BigCommerce's API can do, as storesync uses it.
var Capabilities = platform.Capabilities{
	CompareAndSet:   false, // absolute adjustments set quantities unconditionally
	IdempotencyKeys: false, // orders carry a key tag in their staff notes instead
	Locations:       true,  // the Inventory API keeps stock per location
	InventoryBatch:  MaxInventoryBatch,
	WebhookPayloads: false, // callbacks carry only the resource's id
}

// Registration is BigCommerce's entry in the platform registry.
var Registration = platform.Registration{
	Name:           Platform,
	CredentialsDoc: CredentialsDoc,
	Capabilities:   Capabilities,
	New:            func(env platform.Env) platform.Driver { return newDriver(env) },
}

type driver struct {
	env      platform.Env
	limiters *Limiters
}

func newDriver(env platform.Env) *driver {
	if env.Now == nil {
		env.Now = time.Now
	}
	return &driver{env: env, limiters: NewLimiters(env.Now)}
}

// Check validates credentials; a store without a webhook secret is given one, which its
// subscriptions then ask BigCommerce to send back.
func (d *driver) Check(raw []byte) (platform.CheckedCredentials, error) {
	c, err := ParseCredentials(raw)
	if err != nil {
		return platform.CheckedCredentials{}, err
	}
	if c.WebhookSecret == "" {
		c.WebhookSecret = "whsec_" + rand.Text()
	}
	return platform.CheckedCredentials{
		Credentials: c.Marshal(), Address: c.StoreHash, DefaultBaseURL: c.DefaultBaseURL(),
		AuthField: FieldAccessToken, AddressField: FieldStoreHash,
	}, nil
}

// Open returns a client of the store; clients of one store share its rate-limit budget.
func (d *driver) Open(sc platform.StoreConfig) (platform.Store, error) {
	c, err := ParseCredentials(sc.Credentials)
	if err != nil {
		return nil, fmt.Errorf("store %q: %w", sc.Name, err)
	}
	cfg := Config{
		StoreHash: c.StoreHash, AccessToken: c.AccessToken, WebhookSecret: c.WebhookSecret, BaseURL: sc.BaseURL,
		Logger: d.env.Logger, Now: d.env.Now, Limiter: d.limiters.For(c.StoreHash),
	}
	if d.env.HTTPClient != nil {
		cfg.HTTPClient = d.env.HTTPClient
	}
	if sc.Verifying {
		cfg.Backoff = httpclient.Backoff{MaxAttempts: 2, Max: 2 * time.Second}
	}
	return New(cfg)
}
