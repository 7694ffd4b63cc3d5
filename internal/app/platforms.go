package app

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	"github.com/storesync/storesync/internal/store"
)

// registrations are the platforms storesync speaks to: adding a platform is its package and one
// line here.
var registrations = []platform.Registration{
	shopify.Registration,
	bigcommerce.Registration,
	woocommerce.Registration,
}

// Platforms lists the registered platforms with the credentials each takes.
func Platforms() []store.PlatformInfo {
	out := make([]store.PlatformInfo, 0, len(registrations))
	for _, r := range registrations {
		out = append(out, store.PlatformInfo{Name: store.Platform(r.Name), CredentialsDoc: r.CredentialsDoc})
	}
	return out
}

// platforms checks stores' credentials and opens their platform clients, through each
// platform's driver. Every client of one store shares that store's rate-limit budget, whichever
// job or page opened it, and no store shares another's. Every client connects through the
// guard, so no store's base URL reaches inside this network.
type platforms struct {
	drivers map[store.Platform]platform.Driver

	mu      sync.Mutex
	clients map[int64]cachedClient // by store: reused, so what a client learns (shop currency) is kept
}

// cachedClient is a store's client and the address and credentials it was made with; when they
// change, the store gets a new client in its place.
type cachedClient struct {
	baseURL     string
	credentials []byte
	client      platform.Store
}

func newPlatforms(logger *slog.Logger, now func() time.Time, guard *httpclient.Guard) *platforms {
	env := platform.Env{HTTPClient: guard.Client(httpclient.ClientOptions{Timeout: 60 * time.Second, MaxRedirects: 3}),
		Logger: logger, Now: now}
	p := &platforms{drivers: map[store.Platform]platform.Driver{}, clients: map[int64]cachedClient{}}
	for _, r := range registrations {
		p.drivers[store.Platform(r.Name)] = r.New(env)
	}
	return p
}

// List implements store.Platforms.
func (p *platforms) List() []store.PlatformInfo { return Platforms() }

// Check implements store.Platforms.
func (p *platforms) Check(pl store.Platform, credentials []byte) (store.Checked, error) {
	d, ok := p.drivers[pl]
	if !ok {
		return store.Checked{}, fmt.Errorf("platform %q is not supported", pl)
	}
	c, err := d.Check(credentials)
	if err != nil {
		return store.Checked{}, err
	}
	return store.Checked{Credentials: c.Credentials, Address: c.Address, DefaultBaseURL: c.DefaultBaseURL,
		AuthField: c.AuthField, AddressField: c.AddressField}, nil
}

// Open implements store.Platforms. A store not saved yet (ID 0, being verified) gets a client of
// its own that is not kept.
func (p *platforms) Open(s store.Store) (platform.Store, error) {
	if s.ID == 0 {
		return p.open(s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[s.ID]; ok && c.baseURL == s.BaseURL && bytes.Equal(c.credentials, s.Credentials) {
		return c.client, nil
	}
	c, err := p.open(s)
	if err == nil {
		p.clients[s.ID] = cachedClient{baseURL: s.BaseURL, credentials: bytes.Clone(s.Credentials), client: c}
	}
	return c, err
}

func (p *platforms) open(s store.Store) (platform.Store, error) {
	d, ok := p.drivers[s.Platform]
	if !ok {
		return nil, fmt.Errorf("store %s: platform %q is not supported", s, s.Platform)
	}
	// A store being saved is verified while a person waits: its client retries once at most.
	return d.Open(platform.StoreConfig{Name: s.Name, BaseURL: s.BaseURL, Credentials: s.Credentials, Verifying: s.ID == 0})
}
