package woocommercesim

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
	"github.com/storesync/storesync/internal/platform/platformtest"
	"github.com/storesync/storesync/internal/platform/woocommerce"
)

// Harness is the contract suite's harness for WooCommerce: each store is a simulated one (with the
// Shipment Tracking extension when ShipmentTracking is set) behind its own httptest server, and
// its client talks to it over real HTTP.
type Harness struct {
	ShipmentTracking bool
}

var _ platformtest.Harness = Harness{}

// Registration is WooCommerce's registration.
func (Harness) Registration() platform.Registration { return woocommerce.Registration }

// NewStore makes an empty store and a client of it.
func (h Harness) NewStore(t testing.TB) (platform.Store, platformtest.Control) {
	t.Helper()
	sim, err := New(Options{SyncWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		// The simulator first: closing it releases calls held by a Hang fault.
		if err := sim.Close(); err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	sim.SetBaseURL(srv.URL)
	key, secret := "ck_contract", "cs_contract"
	st, err := sim.AddStore(StoreConfig{Name: "contract", ConsumerKey: key, ConsumerSecret: secret, ShipmentTracking: h.ShipmentTracking})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := woocommerce.ParseCredentials([]byte(fmt.Sprintf(`{"store_url":"https://contract.example","consumer_key":%q,"consumer_secret":%q}`, key, secret)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := woocommerce.New(woocommerce.Config{
		BaseURL: BaseURL(srv.URL, "contract"), ConsumerKey: key, ConsumerSecret: secret, WebhookSecret: creds.SigningSecret(),
		HTTPClient: srv.Client(), Backoff: httpclient.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond},
		OrderSearchLag: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, &control{st: st, secret: creds.SigningSecret(), bodies: map[string][]byte{}}
}

type control struct {
	st     *Store
	secret string

	mu     sync.Mutex
	bodies map[string][]byte
}

func parseVariant(t testing.TB, s string) (int64, int64) {
	t.Helper()
	p, v, has := strings.Cut(s, ":")
	pid, err := strconv.ParseInt(p, 10, 64)
	if err != nil {
		t.Fatalf("variant id %q: %v", s, err)
	}
	var vid int64
	if has {
		if vid, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("variant id %q: %v", s, err)
		}
	}
	return pid, vid
}

func parseInt(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

func (c *control) SeedProduct(t testing.TB, p platformtest.SeedProduct) string {
	t.Helper()
	sp := SeedProduct{Name: p.Title}
	if len(p.Variants) > 1 {
		sp.Options = []string{"Variant"}
	}
	for i, v := range p.Variants {
		sv := SeedVariant{SKU: v.SKU, Barcode: v.Barcode, Price: v.Price.Decimal(), Quantity: int64(v.Quantity)}
		if len(p.Variants) > 1 {
			sv.Options = []string{strconv.Itoa(i + 1)}
		}
		sp.Variants = append(sp.Variants, sv)
	}
	id, _, err := c.st.Seed(sp)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func (c *control) SetQuantity(t testing.TB, variantID string, quantity int) {
	t.Helper()
	pid, vid := parseVariant(t, variantID)
	if err := c.st.SetStock(pid, vid, int64(quantity)); err != nil {
		t.Fatal(err)
	}
}

func (c *control) Quantity(t testing.TB, variantID string) int {
	t.Helper()
	pid, vid := parseVariant(t, variantID)
	q, err := c.st.StockQuantity(pid, vid)
	if err != nil {
		t.Fatal(err)
	}
	return int(q)
}

func (c *control) PlaceOrder(t testing.TB, lines []platformtest.OrderLine) string {
	t.Helper()
	var ls []OrderLine
	for _, l := range lines {
		pid, vid := parseVariant(t, l.VariantID)
		ls = append(ls, OrderLine{ProductID: pid, VariationID: vid, Quantity: int64(l.Quantity)})
	}
	id, err := c.st.PlaceOrder(ls)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

func (c *control) Ship(t testing.TB, orderID string, trackingNumbers []string) {
	t.Helper()
	if err := c.st.Ship(parseInt(t, orderID), "UPS", trackingNumbers); err != nil {
		t.Fatal(err)
	}
}

func (c *control) OrdersTagged(t testing.TB, tag string) int {
	t.Helper()
	return c.st.OrdersWithMeta(woocommerce.MetaOrderKey, tag) + c.st.OrdersWithMeta(woocommerce.MetaOrderTags, tag)
}

func (c *control) Calls() int     { return c.st.Calls() }
func (c *control) Throttled() int { return c.st.Throttled() }

func (c *control) FailNext(n int, status int) { c.st.FailNext(n, status) }

func (c *control) Webhook(t testing.TB, topic platform.Topic, resourceID, deliveryID string, forged bool) *http.Request {
	t.Helper()
	wt, ok := wooTopic(topic)
	if !ok {
		t.Fatalf("WooCommerce has no webhook topic for %s", topic)
	}
	c.mu.Lock()
	body, seen := c.bodies[deliveryID]
	c.mu.Unlock()
	if !seen {
		var err error
		if body, err = c.st.Resource(wt, parseInt(t, resourceID)); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		c.bodies[deliveryID] = body
		c.mu.Unlock()
	}
	secret := c.secret
	if forged {
		secret = "forged-" + secret
	}
	req, err := NewWebhookRequest(context.Background(), "https://storesync.example/webhooks/woocommerce", c.st.SiteURL(), 1, wt, bytes.Clone(body), secret, deliveryID)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// wooTopic is the WooCommerce topic delivering a storesync topic.
func wooTopic(t platform.Topic) (string, bool) {
	switch t {
	case platform.TopicOrderCreated:
		return "order.created", true
	case platform.TopicOrderUpdated, platform.TopicOrderPaid, platform.TopicOrderCancelled, platform.TopicOrderFulfilled,
		platform.TopicFulfillmentCreated, platform.TopicFulfillmentUpdated:
		return "order.updated", true
	case platform.TopicOrderDeleted:
		return "order.deleted", true
	case platform.TopicProductCreated:
		return "product.created", true
	case platform.TopicProductUpdated, platform.TopicInventoryUpdated:
		return "product.updated", true
	case platform.TopicProductDeleted:
		return "product.deleted", true
	default:
		return "", false
	}
}
