package bigcommerce

import (
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/platformtest"
)

// Harness runs the platform contract suite against simulated BigCommerce stores.
func Harness() platformtest.Harness { return harness{} }

type harness struct{}

func (harness) Registration() platform.Registration { return bigcommerce.Registration }

// NewStore starts a simulator with one empty store on a loopback server and returns a client
// of it over real HTTP, with the Control that drives the store.
func (harness) NewStore(t testing.TB) (platform.Store, platformtest.Control) {
	t.Helper()
	s, err := New(Options{WebhookRetries: []time.Duration{10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.ToLower(rand.Text()[:10])
	token, secret := "tok_"+rand.Text(), "whsec_"+rand.Text()
	st, err := s.AddStore(StoreConfig{Hash: hash, AccessToken: token, Quota: 100000, Window: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	c, err := bigcommerce.New(bigcommerce.Config{StoreHash: hash, AccessToken: token, WebhookSecret: secret,
		BaseURL: srv.URL + StorePath(hash), HTTPClient: srv.Client(),
		Backoff: httpclient.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond, MaxAttempts: 4}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &control{sim: s, st: st, secret: secret}
}

type control struct {
	sim    *Sim
	st     *Store
	secret string
}

func parseID(t testing.TB, what, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("%s %q is not a BigCommerce id", what, s)
	}
	return n
}

func (c *control) SeedProduct(t testing.TB, p platformtest.SeedProduct) string {
	t.Helper()
	sp := SeedProduct{Name: p.Title}
	if len(p.Variants) > 1 {
		sp.Option = "Option"
	}
	for _, v := range p.Variants {
		sv := SeedVariant{SKU: v.SKU, UPC: v.Barcode, Price: v.Price.Decimal(), Quantity: int64(v.Quantity)}
		if sp.Option != "" {
			sv.Option = v.SKU
		}
		sp.Variants = append(sp.Variants, sv)
	}
	id, _, err := c.st.AddProduct(sp)
	if err != nil {
		t.Fatal(err)
	}
	return itoa64(id)
}

func (c *control) SetQuantity(t testing.TB, variantID string, quantity int) {
	t.Helper()
	if err := c.st.SetQuantity(parseID(t, "variant id", variantID), 1, int64(quantity)); err != nil {
		t.Fatal(err)
	}
}

func (c *control) Quantity(t testing.TB, variantID string) int {
	t.Helper()
	q, err := c.st.Quantity(parseID(t, "variant id", variantID), 1)
	if err != nil {
		t.Fatal(err)
	}
	return int(q)
}

func (c *control) PlaceOrder(t testing.TB, lines []platformtest.OrderLine) string {
	t.Helper()
	var ls []OrderLine
	for _, l := range lines {
		ls = append(ls, OrderLine{VariantID: parseID(t, "variant id", l.VariantID), Quantity: int64(l.Quantity)})
	}
	id, err := c.st.PlaceOrder("customer@example.com", ls)
	if err != nil {
		t.Fatal(err)
	}
	return itoa64(id)
}

func (c *control) Ship(t testing.TB, orderID string, trackingNumbers []string) {
	t.Helper()
	if err := c.st.Ship(parseID(t, "order id", orderID), "ups", trackingNumbers); err != nil {
		t.Fatal(err)
	}
}

func (c *control) OrdersTagged(t testing.TB, tag string) int { return c.st.OrdersTagged(tag) }

func (c *control) Calls() int { return c.st.Calls() }

func (c *control) Throttled() int { return c.st.Throttled() }

func (c *control) FailNext(n int, status int) { _ = c.sim.FailNext(c.st.cfg.Hash, n, status) }

// Webhook builds the callback BigCommerce would send for topic about resourceID: the data names
// only the resource. A fulfilment's id is ORDER/SHIPMENT, as the client reports it; an inventory
// level's resource is the variant at the first location.
func (c *control) Webhook(t testing.TB, topic platform.Topic, resourceID, deliveryID string, forged bool) *http.Request {
	t.Helper()
	scope := bigcommerce.Scope(topic)
	if scope == "" {
		t.Fatalf("BigCommerce has no webhook scope for %s", topic)
	}
	var data map[string]any
	switch {
	case strings.HasPrefix(scope, "store/order/"):
		data = map[string]any{"type": "order", "id": parseID(t, "order id", resourceID)}
	case strings.HasPrefix(scope, "store/product/"):
		data = map[string]any{"type": "product", "id": parseID(t, "product id", resourceID)}
	case strings.HasPrefix(scope, "store/sku/"):
		item, _, _ := strings.Cut(resourceID, "@")
		v := parseID(t, "variant id", item)
		data = map[string]any{"type": "sku", "id": v, "location_id": 1, "inventory": map[string]any{"variant_id": v, "method": "absolute"}}
	case strings.HasPrefix(scope, "store/shipment/"):
		o, s, _ := strings.Cut(resourceID, "/")
		data = map[string]any{"type": "shipment", "id": parseID(t, "shipment id", s), "orderId": parseID(t, "order id", o)}
	default:
		data = map[string]any{"type": "app", "id": 0}
	}
	// One delivery id is one event at one time: the same id makes the same callback again.
	h := fnv.New32a()
	_, _ = fmt.Fprint(h, deliveryID)
	at := time.Unix(1_700_000_000+int64(h.Sum32()%100_000_000), 0)
	secret := c.secret
	if forged {
		secret = "whsec_forged" //nolint:gosec // G101: a deliberately wrong secret, for the forged-delivery case
	}
	body, err := Callback(c.st.cfg.Hash, scope, data, at)
	if err != nil {
		t.Fatal(err)
	}
	r, err := WebhookRequest(t.Context(), "https://storesync.example/webhooks/bigcommerce", body,
		map[string]string{bigcommerce.HeaderWebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
