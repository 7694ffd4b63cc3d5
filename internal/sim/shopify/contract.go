package shopifysim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	graphql "github.com/graph-gophers/graphql-go"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/platformtest"
	"github.com/storesync/storesync/internal/platform/shopify"
)

// ContractHarness is the Shopify harness of the platform contract suite: each store is a shop of
// its own simulator, served over loopback HTTP, with a client opened through the platform's
// registration as storesync opens one.
func ContractHarness() platformtest.Harness { return contractHarness{} }

type contractHarness struct{}

func (contractHarness) Registration() platform.Registration { return shopify.Registration }

var contractShops atomic.Int64

func (contractHarness) NewStore(t testing.TB) (platform.Store, platformtest.Control) {
	t.Helper()
	sim, err := New(Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	domain := fmt.Sprintf("contract-%d.myshopify.com", contractShops.Add(1))
	cfg := ShopConfig{Domain: domain, AccessToken: "shpat_contract", APISecret: "contract-secret", Plan: PlanAdvanced}
	if _, err := sim.AddShop(cfg); err != nil {
		t.Fatal(err)
	}
	ctl := &contractControl{sim: sim, domain: domain, secret: cfg.APISecret, events: map[string]*event{}}
	srv := httptest.NewServer(ctl.wrap(sim))
	t.Cleanup(srv.Close)
	creds, err := json.Marshal(map[string]string{"shop_domain": domain, "access_token": cfg.AccessToken, "api_secret": cfg.APISecret})
	if err != nil {
		t.Fatal(err)
	}
	drv := shopify.Registration.New(platform.Env{HTTPClient: srv.Client()})
	checked, err := drv.Check(creds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := drv.Open(platform.StoreConfig{Name: domain, BaseURL: srv.URL + "/shops/" + domain, Credentials: checked.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	return st, ctl
}

// contractControl drives one simulated shop for the contract suite. It sits in front of the
// simulator's handler to count the API calls and throttled answers and to fail chosen calls.
type contractControl struct {
	sim    *Sim
	domain string
	secret string

	calls     atomic.Int64
	throttled atomic.Int64

	mu         sync.Mutex
	failN      int
	failStatus int
	events     map[string]*event // webhook events by the suite's delivery id
}

func (c *contractControl) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/graphql.json") {
			next.ServeHTTP(w, r)
			return
		}
		c.calls.Add(1)
		c.mu.Lock()
		status := 0
		if c.failN > 0 {
			c.failN--
			status = c.failStatus
		}
		c.mu.Unlock()
		if status != 0 {
			c.fail(w, status)
			return
		}
		tw := &throttleWatch{ResponseWriter: w}
		next.ServeHTTP(tw, r)
		if tw.status == http.StatusTooManyRequests || tw.throttled {
			c.throttled.Add(1)
		}
	})
}

// fail answers a call as Shopify answers with status.
func (c *contractControl) fail(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusTooManyRequests:
		c.throttled.Add(1)
		w.Header().Set("Retry-After", "1.0")
		writeJSONError(w, status, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.")
	case http.StatusUnauthorized:
		writeJSONError(w, status, "[API] Invalid API key or access token (unrecognized login or wrong password)")
	case http.StatusNotFound:
		writeJSONError(w, status, "Not Found")
	default:
		writeJSONError(w, status, "Internal error. Looks like something went wrong on our end.")
	}
}

// throttleWatch notes a 429 or a GraphQL THROTTLED answer passing through.
type throttleWatch struct {
	http.ResponseWriter
	status    int
	throttled bool
}

func (w *throttleWatch) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *throttleWatch) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte(`"THROTTLED"`)) {
		w.throttled = true
	}
	return w.ResponseWriter.Write(b)
}

func (c *contractControl) shop(t testing.TB) *Shop {
	t.Helper()
	sh, err := c.sim.Shop(c.domain)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

const contractProductSet = `mutation($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id variants(first: 250) { nodes { id sku inventoryItem { id } } } }
    userErrors { field message }
  }
}`

func (c *contractControl) SeedProduct(t testing.TB, p platformtest.SeedProduct) string {
	t.Helper()
	if len(p.Variants) > 250 {
		t.Fatalf("seeding %q: %d variants, at most 250 here", p.Title, len(p.Variants))
	}
	optionValues := make([]any, 0, len(p.Variants))
	variants := make([]any, 0, len(p.Variants))
	for i, v := range p.Variants {
		name := fmt.Sprintf("Option %d", i+1)
		if len(p.Variants) == 1 {
			name = "Default Title"
		}
		optionValues = append(optionValues, map[string]any{"name": name})
		vm := map[string]any{"sku": v.SKU, "price": v.Price.Decimal(), "inventoryPolicy": "DENY",
			"inventoryItem": map[string]any{"tracked": true},
			"optionValues":  []any{map[string]any{"optionName": "Title", "name": name}}}
		if v.Barcode != "" {
			vm["barcode"] = v.Barcode
		}
		variants = append(variants, vm)
	}
	input := map[string]any{"title": p.Title, "status": "ACTIVE", "variants": variants,
		"productOptions": []any{map[string]any{"name": "Title", "position": 1, "values": optionValues}}}
	data, err := c.sim.Exec(c.sim.ctx, c.domain, contractProductSet, map[string]any{"input": input})
	if err != nil {
		t.Fatalf("seeding %q: %v", p.Title, err)
	}
	var out struct {
		ProductSet struct {
			Product *struct {
				ID       string `json:"id"`
				Variants struct {
					Nodes []struct {
						ID            string `json:"id"`
						SKU           string `json:"sku"`
						InventoryItem struct {
							ID string `json:"id"`
						} `json:"inventoryItem"`
					} `json:"nodes"`
				} `json:"variants"`
			} `json:"product"`
			UserErrors []struct {
				Message string `json:"message"`
			} `json:"userErrors"`
		} `json:"productSet"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("seeding %q: %v", p.Title, err)
	}
	if ue := out.ProductSet.UserErrors; len(ue) > 0 || out.ProductSet.Product == nil {
		t.Fatalf("seeding %q: %+v", p.Title, ue)
	}
	loc := c.shop(t).LocationID()
	nodes := out.ProductSet.Product.Variants.Nodes
	for i, v := range p.Variants {
		if i >= len(nodes) || nodes[i].SKU != v.SKU {
			t.Fatalf("seeding %q: variant %d came back as %+v", p.Title, i, nodes)
		}
		if err := c.sim.SetStock(c.domain, nodes[i].InventoryItem.ID, loc, v.Quantity); err != nil {
			t.Fatal(err)
		}
	}
	return out.ProductSet.Product.ID
}

// inventoryItem is the inventory item of a variant (global ids).
func (c *contractControl) inventoryItem(t testing.TB, variantID string) string {
	t.Helper()
	sh := c.shop(t)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, err := lookup(sh.data.Variants, "ProductVariant", graphql.ID(variantID))
	if err != nil || v == nil {
		t.Fatalf("no variant %s", variantID)
	}
	return gid("InventoryItem", v.InventoryItemID)
}

func (c *contractControl) SetQuantity(t testing.TB, variantID string, quantity int) {
	t.Helper()
	if err := c.sim.SetStock(c.domain, c.inventoryItem(t, variantID), c.shop(t).LocationID(), quantity); err != nil {
		t.Fatal(err)
	}
}

func (c *contractControl) Quantity(t testing.TB, variantID string) int {
	t.Helper()
	item := c.inventoryItem(t, variantID)
	sh := c.shop(t)
	itemID, err := parseGID("InventoryItem", item)
	if err != nil {
		t.Fatal(err)
	}
	locID, err := parseGID("Location", sh.LocationID())
	if err != nil {
		t.Fatal(err)
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if it := sh.data.Items[itemID]; it != nil {
		if l := it.Levels[locID]; l != nil {
			return l.Available
		}
	}
	return 0
}

func (c *contractControl) PlaceOrder(t testing.TB, lines []platformtest.OrderLine) string {
	t.Helper()
	items := make([]any, 0, len(lines))
	for _, l := range lines {
		items = append(items, map[string]any{"variantId": l.VariantID, "quantity": l.Quantity})
	}
	addr := map[string]any{"firstName": "Ann", "lastName": "Lee", "address1": "1 Main Street", "city": "Ottawa",
		"provinceCode": "ON", "zip": "K1A 0B1", "countryCode": "CA"}
	id, err := c.sim.PlaceOrder(c.sim.ctx, c.domain, map[string]any{"email": "ann@example.com", "lineItems": items,
		"shippingAddress": addr, "billingAddress": addr}, Payment{})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (c *contractControl) Ship(t testing.TB, orderID string, trackingNumbers []string) {
	t.Helper()
	if _, err := c.sim.Ship(c.domain, orderID, nil, Tracking{Company: "UPS", Numbers: trackingNumbers}); err != nil {
		t.Fatal(err)
	}
}

func (c *contractControl) OrdersTagged(t testing.TB, tag string) int {
	t.Helper()
	return c.shop(t).OrdersTagged(tag)
}

func (c *contractControl) Calls() int     { return int(c.calls.Load()) }
func (c *contractControl) Throttled() int { return int(c.throttled.Load()) }

func (c *contractControl) FailNext(n, status int) {
	c.mu.Lock()
	c.failN, c.failStatus = n, status
	c.mu.Unlock()
}

// contractTopics are the Shopify topics of the resources the suite sends webhooks about.
var contractTopics = map[platform.Topic]string{
	platform.TopicOrderCreated: "orders/create", platform.TopicOrderUpdated: "orders/updated",
	platform.TopicOrderPaid: "orders/paid", platform.TopicOrderCancelled: "orders/cancelled",
	platform.TopicProductCreated: "products/create", platform.TopicProductUpdated: "products/update",
}

func (c *contractControl) Webhook(t testing.TB, topic platform.Topic, resourceID, deliveryID string, forged bool) *http.Request {
	t.Helper()
	rest, ok := contractTopics[topic]
	if !ok {
		t.Fatalf("no contract webhook for topic %s", topic)
	}
	c.mu.Lock()
	ev := c.events[deliveryID]
	c.mu.Unlock()
	if ev == nil {
		sh := c.shop(t)
		sh.mu.Lock()
		if strings.HasPrefix(rest, "orders/") {
			o, err := lookup(sh.data.Orders, "Order", graphql.ID(resourceID))
			if err == nil && o != nil {
				ev = sh.orderEvent(rest, o)
			}
		} else {
			p, err := lookup(sh.data.Products, "Product", graphql.ID(resourceID))
			if err == nil && p != nil {
				ev = sh.productEvent(rest, p)
			}
		}
		sh.mu.Unlock()
		if ev == nil {
			t.Fatalf("no resource %s for a %s webhook", resourceID, rest)
		}
		c.mu.Lock()
		c.events[deliveryID] = ev
		c.mu.Unlock()
	}
	secret := c.secret
	if forged {
		secret = "forged-" + secret
	}
	r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "https://hub.example.com/webhooks/shopify", bytes.NewReader(ev.body))
	h := r.Header
	h.Set("Content-Type", "application/json")
	h.Set(shopify.HeaderTopic, rest)
	h.Set(shopify.HeaderHmac, Sign(secret, ev.body))
	h.Set(shopify.HeaderShopDomain, c.domain)
	h.Set(shopify.HeaderAPIVersion, APIVersion)
	h.Set(shopify.HeaderWebhookID, newUUID())
	h.Set(shopify.HeaderEventID, ev.eventID)
	h.Set(shopify.HeaderTriggeredAt, ev.triggeredAt.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"))
	return r
}
