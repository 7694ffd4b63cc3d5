package shopifysim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Plans a shop can be on; they set the leaky bucket like Shopify does.
const (
	PlanStandard = "standard"
	PlanAdvanced = "advanced"
	PlanPlus     = "plus"
)

// ShopConfig describes one simulated shop.
type ShopConfig struct {
	Domain      string `json:"domain"`       // "acme.myshopify.com"
	Name        string `json:"name"`         // shop name shown to people
	AccessToken string `json:"access_token"` // the X-Shopify-Access-Token clients must send
	APISecret   string `json:"api_secret"`   // signs webhooks (X-Shopify-Hmac-Sha256)
	Plan        string `json:"plan"`         // PlanStandard (default), PlanAdvanced or PlanPlus
	Currency    string `json:"currency"`     // shop currency, "USD" by default
	// Locations is how many active locations the shop has (default 1); stock is seeded at the
	// first, orders are fulfilled from it.
	Locations int `json:"locations,omitempty"`
	// BucketSize and RestoreRate override the plan's figures when positive.
	BucketSize  float64 `json:"bucket_size,omitempty"`
	RestoreRate float64 `json:"restore_rate,omitempty"`
}

// planLimits are Shopify's GraphQL Admin API bucket sizes and restore rates per plan (points;
// points per second).
func planLimits(plan string) (size, rate float64) {
	switch plan {
	case PlanAdvanced:
		return 4000, 200
	case PlanPlus:
		return 20000, 1000
	}
	return 2000, 100
}

func (c *ShopConfig) validate() error {
	if !strings.HasSuffix(c.Domain, ".myshopify.com") || strings.ContainsAny(c.Domain, "/ ") {
		return fmt.Errorf("shop domain %q: want <name>.myshopify.com", c.Domain)
	}
	if c.AccessToken == "" || c.APISecret == "" {
		return fmt.Errorf("shop %s: access token and API secret are required", c.Domain)
	}
	switch c.Plan {
	case "":
		c.Plan = PlanStandard
	case PlanStandard, PlanAdvanced, PlanPlus:
	default:
		return fmt.Errorf("shop %s: unknown plan %q", c.Domain, c.Plan)
	}
	if c.Currency == "" {
		c.Currency = "USD"
	}
	switch c.Currency {
	case "USD", "EUR", "GBP", "CAD", "AUD":
	default:
		return fmt.Errorf("shop %s: unsupported currency %q", c.Domain, c.Currency)
	}
	if c.Locations <= 0 {
		c.Locations = 1
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(c.Domain, ".myshopify.com")
	}
	return nil
}

// Shop is one simulated store. Its methods are safe for concurrent use.
type Shop struct {
	sim *Sim

	mu        sync.Mutex
	cfg       ShopConfig
	data      *shopData
	bucket    bucket
	faults    Faults
	faultRand *rand.Rand
	catRand   *rand.Rand
	bulk      map[int64]string // bulk operation result files by operation id
	sortMu    sync.Mutex
	sorted    map[string]any // sorted lists, dropped on every catalog or order change
	// productSets counts productSet calls that reached the resolver, so tests can tell how
	// many product writes a sync made.
	productSets atomic.Int64

	callFaults callFaults // chosen calls that fail (faults_call.go)

	autoShip *AutoShip // ship orders made through the API (ship.go)
}

// AddShop creates a shop with its locations and no products.
func (s *Sim) AddShop(cfg ShopConfig) (*Shop, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.shops[cfg.Domain]; ok {
		return nil, fmt.Errorf("shop %s already exists", cfg.Domain)
	}
	sh := s.newShop(cfg, nil)
	now := s.now()
	d := sh.data
	for i := range cfg.Locations {
		loc := &location{ID: d.newID(), Name: "Main warehouse", Address1: "1 Depot Road", City: "Ottawa",
			Province: "ON", Zip: "K1A 0B1", Country: "CA", Active: true, CreatedAt: now}
		if i > 0 {
			loc.Name, loc.Address1 = fmt.Sprintf("Warehouse %d", i+1), fmt.Sprintf("%d Harbour Street", 10*i)
			loc.City, loc.Province, loc.Zip, loc.Country = "Buffalo", "NY", "14201", "US"
		}
		d.Locations[loc.ID] = loc
	}
	s.shops[cfg.Domain] = sh
	return sh, nil
}

func (s *Sim) newShop(cfg ShopConfig, data *shopData) *Shop {
	rnd := shopRand(s.opts.Seed, cfg.Domain, "ids")
	if data == nil {
		data = newShopData(int64(7_000_000_000 + rnd.IntN(1_000_000_000)))
	}
	sh := &Shop{
		sim: s, cfg: cfg, data: data,
		faultRand: shopRand(s.opts.Seed, cfg.Domain, "faults"),
		catRand:   shopRand(s.opts.Seed, cfg.Domain, "catalog"),
		bulk:      map[int64]string{},
	}
	size, rate := planLimits(cfg.Plan)
	if cfg.BucketSize > 0 {
		size = cfg.BucketSize
	}
	if cfg.RestoreRate > 0 {
		rate = cfg.RestoreRate
	}
	sh.bucket = bucket{size: size, rate: rate, available: size, at: s.now()}
	return sh
}

// ProductSets is how many productSet mutations the shop has answered.
func (sh *Shop) ProductSets() int64 { return sh.productSets.Load() }

// Domain is the shop's myshopify domain.
func (sh *Shop) Domain() string { return sh.cfg.Domain }

// Config returns the shop's configuration.
func (sh *Shop) Config() ShopConfig {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.cfg
}

// LocationID returns the global id of the shop's first location, where seeded stock lives.
func (sh *Shop) LocationID() string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return gid("Location", sh.primaryLocation().ID)
}

// Counts reports how many products, variants and orders the shop holds.
func (sh *Shop) Counts() (products, variants, orders int) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return len(sh.data.Products), len(sh.data.Variants), len(sh.data.Orders)
}

// InventoryItemIDs returns the global ids of the shop's variants' inventory items in variant id
// order (the order the productVariants query pages in), read without spending the rate limit:
// a benchmark's set-up of 10,000 variants would otherwise wait minutes on the bucket.
func (sh *Shop) InventoryItemIDs() []string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ids := make([]int64, 0, len(sh.data.Variants))
	for id := range sh.data.Variants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = gid("InventoryItem", sh.data.Variants[id].InventoryItemID)
	}
	return out
}

// AvailableByItem returns the available quantity at the first location of every inventory item
// of the shop, by the item's global id: what a test checks a whole catalog against in one read,
// without spending the rate limit.
func (sh *Shop) AvailableByItem() map[string]int64 {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	loc := sh.primaryLocation().ID
	out := make(map[string]int64, len(sh.data.Items))
	for id, it := range sh.data.Items {
		if l := it.Levels[loc]; l != nil {
			out[gid("InventoryItem", id)] = int64(l.Available)
		}
	}
	return out
}

// Available returns the available quantity of the variant with this SKU at the first location.
func (sh *Shop) Available(sku string) (int, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, v := range sh.data.Variants {
		if v.SKU == sku {
			if l := sh.data.Items[v.InventoryItemID].Levels[sh.primaryLocation().ID]; l != nil {
				return l.Available, true
			}
		}
	}
	return 0, false
}

func (sh *Shop) primaryLocation() *location {
	var first *location
	for _, l := range sh.data.Locations {
		if first == nil || l.ID < first.ID {
			first = l
		}
	}
	return first
}

// changed drops cached sort orders after a write.
func (sh *Shop) changed() {
	sh.sortMu.Lock()
	sh.sorted = nil
	sh.sortMu.Unlock()
}

// bucket is Shopify's leaky bucket of query cost points.
type bucket struct {
	size, rate, available float64
	at                    time.Time
}

func (b *bucket) refill(now time.Time) {
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.available = min(b.size, b.available+el*b.rate)
	}
	b.at = now
}

// take deducts cost if that many points are available.
func (b *bucket) take(now time.Time, cost float64) bool {
	b.refill(now)
	if cost > b.available {
		return false
	}
	b.available -= cost
	return true
}

// refund returns points charged for a query that cost less than requested.
func (b *bucket) refund(now time.Time, points float64) {
	b.refill(now)
	b.available = min(b.size, b.available+points)
}
