package shopify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/platformtest"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestContract runs the platform contract suite against the Shopify client over loopback HTTP to
// the simulator.
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, shopifysim.ContractHarness())
}

// TestRegistration: the driver checks credentials as the API shows them, opens clients that
// share one shop's cost-point bucket, and a store being verified is retried once at most.
func TestRegistration(t *testing.T) {
	t.Parallel()
	reg := shopify.Registration
	if reg.Name != shopify.Platform || reg.CredentialsDoc == "" || reg.New == nil {
		t.Fatalf("registration: %+v", reg)
	}
	if c := reg.Capabilities; !c.CompareAndSet || c.IdempotencyKeys || !c.Locations || c.InventoryBatch != shopify.MaxInputArray || !c.WebhookPayloads {
		t.Errorf("capabilities: %+v", c)
	}
	drv := reg.New(platform.Env{})
	if _, err := drv.Check([]byte(`{"shop_domain": "Not a shop", "access_token": ""}`)); err == nil ||
		!strings.Contains(err.Error(), shopify.FieldShopDomain) || !strings.Contains(err.Error(), shopify.FieldAccessToken) {
		t.Errorf("Check of bad credentials: %v, want both fields named", err)
	}
	if _, err := drv.Check([]byte(`{"shop_domain": "a.myshopify.com", "access_token": "shpat_secret1", "extra": 1}`)); err == nil ||
		strings.Contains(err.Error(), "shpat_secret1") {
		t.Errorf("Check of an unknown field: %v, want an error without the token", err)
	}
	checked, err := drv.Check([]byte(`{"shop_domain": " E2E.myshopify.com ", "access_token": "` + simToken + `", "api_secret": "` + simSecret + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	if checked.Address != simShop || checked.DefaultBaseURL != "https://"+simShop ||
		checked.AuthField != shopify.FieldAccessToken || checked.AddressField != shopify.FieldShopDomain {
		t.Errorf("Check: %+v", checked)
	}
	var creds shopify.Credentials
	if err := json.Unmarshal(checked.Credentials, &creds); err != nil || creds.ShopDomain != simShop || creds.AccessToken != simToken {
		t.Errorf("Check normalised credentials to %s (%v)", checked.Credentials, err)
	}

	sim, err := shopifysim.New(shopifysim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: simShop, AccessToken: simToken, APISecret: simSecret}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	drv = reg.New(platform.Env{HTTPClient: srv.Client()})
	open := func(verifying bool) *shopify.Client {
		t.Helper()
		st, err := drv.Open(platform.StoreConfig{Name: "e2e", BaseURL: srv.URL + "/shops/" + simShop, Credentials: checked.Credentials, Verifying: verifying})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := st.(*shopify.Client)
		if !ok {
			t.Fatalf("Open gave a %T", st)
		}
		return c
	}
	a, b := open(false), open(true)
	if a.Limiter() != b.Limiter() {
		t.Error("two clients of one shop have separate cost-point buckets")
	}
	if other := reg.New(platform.Env{HTTPClient: srv.Client()}); other != nil {
		st, err := other.Open(platform.StoreConfig{Name: "e2e", BaseURL: srv.URL + "/shops/" + simShop, Credentials: checked.Credentials})
		if err != nil {
			t.Fatal(err)
		}
		if st.(*shopify.Client).Limiter() == a.Limiter() {
			t.Error("two drivers (processes) share a bucket")
		}
	}
	if info, err := a.Shop(t.Context()); err != nil || info.Domain != simShop {
		t.Fatalf("Shop through an opened client: %+v, %v", info, err)
	}
	// A store being verified fails after one retry: a 503 answered to every call.
	sim.SetFaults(simShop, shopifysim.Faults{ErrorShare: 1})
	var pe *platform.Error
	if _, err := b.Shop(t.Context()); !errors.As(err, &pe) || !pe.Retryable {
		t.Errorf("verifying against a failing shop: %v, want a retryable error", err)
	}
	sim.SetFaults(simShop, shopifysim.Faults{})
	if _, err := drv.Open(platform.StoreConfig{Name: "broken", Credentials: []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("Open of bad credentials: %v, want the store named", err)
	}
	if _, err := drv.Open(platform.StoreConfig{Name: "bad-url", BaseURL: "ftp://x", Credentials: checked.Credentials}); err == nil {
		t.Error("Open with an ftp base URL: no error")
	}
}

// TestContractLive runs the contract suite against a development store when SHOPIFY_TEST_SHOP
// and SHOPIFY_TEST_TOKEN (as TestContractLiveShop) are set with SHOPIFY_TEST_SECRET (the app
// secret, to sign the suite's webhook deliveries) and SHOPIFY_TEST_WRITE=1: the suite writes to
// the store (products it deletes afterwards, orders it cancels), so the token needs the write
// scopes of products, inventory, orders and fulfilments. Faults are injected in the client's
// transport, since a live store cannot be asked to fail.
func TestContractLive(t *testing.T) {
	h := liveHarness{shop: os.Getenv("SHOPIFY_TEST_SHOP"), token: os.Getenv("SHOPIFY_TEST_TOKEN"), secret: os.Getenv("SHOPIFY_TEST_SECRET")}
	if h.shop == "" || h.token == "" || h.secret == "" || os.Getenv("SHOPIFY_TEST_WRITE") != "1" {
		t.Skip("live Shopify contract skipped: set SHOPIFY_TEST_SHOP, SHOPIFY_TEST_TOKEN, SHOPIFY_TEST_SECRET and SHOPIFY_TEST_WRITE=1 to run it against a development store it may write to")
	}
	h.baseURL = "https://" + h.shop
	platformtest.Run(t, h)
}

// liveHarness makes stores of one live shop: every NewStore opens a client of it whose transport
// counts and fails calls, and a Control that acts through a second client (the merchant's admin).
// The shop is not emptied: the suite's checks hold on a store with other data, and what it seeds
// is deleted (products) or cancelled (orders) when its test ends.
type liveHarness struct{ shop, token, secret, baseURL string }

func (h liveHarness) Registration() platform.Registration { return shopify.Registration }

func (h liveHarness) NewStore(t testing.TB) (platform.Store, platformtest.Control) {
	t.Helper()
	ft := &faultTransport{base: http.DefaultTransport}
	creds, err := json.Marshal(shopify.Credentials{ShopDomain: h.shop, AccessToken: h.token, APISecret: h.secret}) //nolint:gosec // the credentials the client is opened with, kept in memory
	if err != nil {
		t.Fatal(err)
	}
	drv := shopify.Registration.New(platform.Env{HTTPClient: &http.Client{Transport: ft, Timeout: time.Minute}})
	checked, err := drv.Check(creds)
	if err != nil {
		t.Fatal(err)
	}
	st, err := drv.Open(platform.StoreConfig{Name: "contract", BaseURL: h.baseURL, Credentials: checked.Credentials})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := shopify.New(shopify.Config{Shop: h.shop, AccessToken: h.token, APISecret: h.secret, BaseURL: h.baseURL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithoutCancel(t.Context())
	locs, err := admin.Locations(ctx)
	if err != nil || len(locs) == 0 {
		t.Fatalf("live shop locations: %v, %v", locs, err)
	}
	info, err := admin.Shop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st, &liveControl{h: h, admin: admin, ft: ft, ctx: ctx, location: locs[0].ID, currency: info.Currency,
		items: map[string]string{}, events: map[string]liveEvent{}}
}

// faultTransport counts a client's GraphQL calls and throttled answers, and answers chosen calls
// itself as Shopify answers with a status.
type faultTransport struct {
	base      http.RoundTripper
	calls     atomic.Int64
	throttled atomic.Int64
	mu        sync.Mutex
	failN     int
	status    int
}

func (f *faultTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/graphql.json") {
		return f.base.RoundTrip(r)
	}
	f.calls.Add(1)
	f.mu.Lock()
	status := 0
	if f.failN > 0 {
		f.failN--
		status = f.status
	}
	f.mu.Unlock()
	if status != 0 {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
		if status == http.StatusTooManyRequests {
			f.throttled.Add(1)
			h.Set("Retry-After", "1.0")
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: h, Request: r, ProtoMajor: 1, ProtoMinor: 1,
			Body: io.NopCloser(strings.NewReader(fmt.Sprintf(`{"errors":%q}`, http.StatusText(status))))}, nil
	}
	res, err := f.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	if res.StatusCode == http.StatusTooManyRequests || bytes.Contains(body, []byte(`"THROTTLED"`)) {
		f.throttled.Add(1)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

type liveEvent struct {
	topic, id string
	body      []byte
}

// liveControl acts on the live shop as its merchant would, through the Admin API.
type liveControl struct {
	h        liveHarness
	admin    *shopify.Client
	ft       *faultTransport
	ctx      context.Context //nolint:containedctx // the test's, without its end: cleanups use it
	location string
	currency string

	mu     sync.Mutex
	items  map[string]string    // inventory item ids by variant id, of what the suite seeded
	events map[string]liveEvent // webhook events by delivery id
}

func (c *liveControl) SeedProduct(t testing.TB, p platformtest.SeedProduct) string {
	t.Helper()
	in := platform.ProductInput{Title: p.Title, Status: platform.ProductActive, Tags: []string{"storesync-contract"}}
	if len(p.Variants) > 1 {
		in.Options = []string{"Variant"}
	}
	for i, v := range p.Variants {
		vi := platform.VariantInput{SKU: v.SKU, Barcode: v.Barcode, Price: v.Price, Tracked: true}
		if len(p.Variants) > 1 {
			vi.Options = []string{fmt.Sprintf("Option %d", i+1)}
		}
		in.Variants = append(in.Variants, vi)
	}
	made, err := c.admin.SetProduct(c.ctx, in)
	if err != nil {
		t.Fatalf("seeding %q: %v", p.Title, err)
	}
	t.Cleanup(func() { _ = c.admin.DeleteProduct(c.ctx, made.ID) })
	var changes []platform.InventoryChange
	for _, v := range p.Variants {
		i := indexSKU(made.Variants, v.SKU)
		if i < 0 {
			t.Fatalf("seeding %q: no variant %s in %+v", p.Title, v.SKU, made.Variants)
		}
		c.mu.Lock()
		c.items[made.Variants[i].ID] = made.Variants[i].InventoryItemID
		c.mu.Unlock()
		changes = append(changes, platform.InventoryChange{InventoryItemID: made.Variants[i].InventoryItemID, LocationID: c.location, Quantity: int64(v.Quantity)})
	}
	if _, err := c.admin.SetInventory(c.ctx, platform.SetInventoryParams{IdempotencyKey: "seed-" + uuid(), Changes: changes}); err != nil {
		t.Fatalf("stocking %q: %v", p.Title, err)
	}
	return made.ID
}

func indexSKU(vs []platform.Variant, sku string) int {
	for i, v := range vs {
		if v.SKU == sku {
			return i
		}
	}
	return -1
}

func (c *liveControl) item(t testing.TB, variantID string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[variantID]
	if !ok {
		t.Fatalf("variant %s was not seeded by the suite", variantID)
	}
	return it
}

func (c *liveControl) SetQuantity(t testing.TB, variantID string, quantity int) {
	t.Helper()
	ch := platform.InventoryChange{InventoryItemID: c.item(t, variantID), LocationID: c.location, Quantity: int64(quantity)}
	if _, err := c.admin.SetInventory(c.ctx, platform.SetInventoryParams{IdempotencyKey: "set-" + uuid(), Changes: []platform.InventoryChange{ch}}); err != nil {
		t.Fatal(err)
	}
}

func (c *liveControl) Quantity(t testing.TB, variantID string) int {
	t.Helper()
	item := c.item(t, variantID)
	levels, err := c.admin.InventoryLevels(c.ctx, c.location, []string{item})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range levels {
		if l.InventoryItemID == item {
			return int(l.Available)
		}
	}
	return 0
}

func (c *liveControl) PlaceOrder(t testing.TB, lines []platformtest.OrderLine) string {
	t.Helper()
	addr := &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main Street", City: "Ottawa", ProvinceCode: "ON",
		Zip: "K1A 0B1", Country: "Canada", CountryCode: "CA"}
	in := platform.OrderInput{IdempotencyKey: "contract-" + uuid(), Currency: c.currency, Email: "ann@example.com",
		ShippingAddress: addr, BillingAddress: addr, FinancialStatus: platform.FinancialPaid,
		InventoryBehaviour: platform.InventoryDecrementIgnorePolicy, Tags: []string{"storesync-contract"}}
	for _, l := range lines {
		in.Lines = append(in.Lines, platform.OrderLineInput{VariantID: l.VariantID, Quantity: int64(l.Quantity)})
	}
	o, err := c.admin.CreateOrder(c.ctx, in)
	if err != nil {
		t.Fatalf("placing an order: %v", err)
	}
	t.Cleanup(func() {
		_ = c.admin.CancelOrder(c.ctx, platform.CancelOrderParams{OrderID: o.ID, Reason: platform.CancelOther})
	})
	return o.ID
}

func (c *liveControl) Ship(t testing.TB, orderID string, numbers []string) {
	t.Helper()
	if len(numbers) == 0 {
		t.Fatal("Ship: no tracking number")
	}
	in := platform.FulfillmentInput{OrderID: orderID, Tracking: platform.Tracking{Company: "UPS", Number: numbers[0]}}
	for _, n := range numbers[1:] {
		in.MoreTracking = append(in.MoreTracking, platform.Tracking{Number: n})
	}
	if _, err := c.admin.CreateFulfillment(c.ctx, in); err != nil {
		t.Fatal(err)
	}
}

func (c *liveControl) OrdersTagged(t testing.TB, tag string) int {
	t.Helper()
	n := 0
	p := platform.ListParams{}
	for {
		page, err := c.admin.ListOrders(c.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			if slices.Contains(o.Tags, tag) {
				n++
			}
		}
		if page.NextCursor == "" {
			return n
		}
		p.Cursor = page.NextCursor
	}
}

func (c *liveControl) Calls() int     { return int(c.ft.calls.Load()) }
func (c *liveControl) Throttled() int { return int(c.ft.throttled.Load()) }

func (c *liveControl) FailNext(n, status int) {
	c.ft.mu.Lock()
	c.ft.failN, c.ft.status = n, status
	c.ft.mu.Unlock()
}

// liveTopics are the REST topics and resources of what the suite sends webhooks about.
var liveTopics = map[platform.Topic][2]string{
	platform.TopicOrderCreated: {"orders/create", "order"}, platform.TopicOrderUpdated: {"orders/updated", "order"},
	platform.TopicProductCreated: {"products/create", "product"}, platform.TopicProductUpdated: {"products/update", "product"},
}

// Webhook reads the resource from the Admin REST API, whose representation is the webhooks'
// payload, and signs it as Shopify signs a delivery.
func (c *liveControl) Webhook(t testing.TB, topic platform.Topic, resourceID, deliveryID string, forged bool) *http.Request {
	t.Helper()
	tr, ok := liveTopics[topic]
	if !ok {
		t.Fatalf("no live webhook for topic %s", topic)
	}
	c.mu.Lock()
	ev, ok := c.events[deliveryID]
	c.mu.Unlock()
	if !ok {
		num := resourceID[strings.LastIndex(resourceID, "/")+1:]
		url := fmt.Sprintf("%s/admin/api/%s/%ss/%s.json", c.h.baseURL, shopify.APIVersion, tr[1], num)
		req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Shopify-Access-Token", c.h.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var out map[string]json.RawMessage
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || len(out[tr[1]]) == 0 {
			t.Fatalf("reading %s %s for a webhook: status %d, %v", tr[1], resourceID, res.StatusCode, err)
		}
		ev = liveEvent{topic: tr[0], id: uuid(), body: out[tr[1]]}
		c.mu.Lock()
		c.events[deliveryID] = ev
		c.mu.Unlock()
	}
	secret := c.h.secret
	if forged {
		secret = "forged-" + secret
	}
	r, err := http.NewRequestWithContext(c.ctx, http.MethodPost, "https://hub.example.com/webhooks/shopify", bytes.NewReader(ev.body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(shopify.HeaderTopic, ev.topic)
	r.Header.Set(shopify.HeaderHmac, shopify.SignWebhook(ev.body, secret))
	r.Header.Set(shopify.HeaderShopDomain, c.h.shop)
	r.Header.Set(shopify.HeaderAPIVersion, shopify.APIVersion)
	r.Header.Set(shopify.HeaderWebhookID, uuid())
	r.Header.Set(shopify.HeaderEventID, ev.id)
	return r
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
