package shopifysim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint that records what it gets; fail makes the first n attempts of
// every delivery answer 500.
type receiver struct {
	mu    sync.Mutex
	got   []received
	fails map[string]int
	fail  int
	srv   *httptest.Server
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{fails: map[string]int{}, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		id := req.Header.Get("X-Shopify-Webhook-Id")
		if r.fails[id] < r.fail {
			r.fails[id]++
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		r.got = append(r.got, received{req.Header.Clone(), body})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (h *harness) subscribe(url string, topics ...string) {
	h.t.Helper()
	for _, topic := range topics {
		d := h.ok(`mutation($t: WebhookSubscriptionTopic!, $u: String!) { webhookSubscriptionCreate(topic: $t, webhookSubscription: {uri: $u, format: JSON}) { webhookSubscription { id } userErrors { message } } }`,
			map[string]any{"t": topicEnum(topic), "u": url})
		if ue := get(d, "webhookSubscriptionCreate", "userErrors").([]any); len(ue) > 0 {
			h.t.Fatalf("subscribing %s: %v", topic, ue)
		}
	}
}

func (h *harness) idle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.sim.WebhooksIdle(ctx); err != nil {
		h.t.Fatal(err)
	}
}

// exercise makes every change that emits one of webhookTopics.
func (h *harness) exercise() {
	h.t.Helper()
	loc := h.shop.LocationID()
	d := h.ok(`mutation($in: ProductSetInput!) { productSet(input: $in) { product { id variants(first: 5) { nodes { id inventoryItem { id } } } } userErrors { message } } }`,
		map[string]any{"in": map[string]any{"title": "Webhook Tee", "vendor": "Sim", "tags": []any{"a", "b"}, "variants": []any{
			map[string]any{"sku": "WH-1", "barcode": "0123456789012", "price": "19.99", "optionValues": []any{map[string]any{"optionName": "Size", "name": "M"}},
				"inventoryQuantities": []any{map[string]any{"locationId": loc, "name": "available", "quantity": 10}}}}}})
	product := get(d, "productSet", "product", "id")
	variant := get(d, "productSet", "product", "variants", "nodes", 0, "id")
	item := get(d, "productSet", "product", "variants", "nodes", 0, "inventoryItem", "id")
	h.ok(`mutation($id: ID!) { productSet(identifier: {id: $id}, input: {title: "Webhook Tee 2"}) { userErrors { message } } }`, map[string]any{"id": product})
	h.ok(setQuantities, map[string]any{"key": "wh", "input": map[string]any{"name": "available", "reason": "correction",
		"quantities": []any{map[string]any{"inventoryItemId": item, "locationId": loc, "quantity": 20, "changeFromQuantity": 10}}}})
	create := func() string {
		d := h.ok(`mutation($o: OrderCreateOrderInput!) { orderCreate(order: $o, options: {inventoryBehaviour: DECREMENT_OBEYING_POLICY}) { order { id } userErrors { message } } }`,
			map[string]any{"o": map[string]any{"email": "bo@example.com", "financialStatus": "PAID", "tags": []any{"dest"}, "note": "n",
				"customer":        map[string]any{"toUpsert": map[string]any{"email": "bo@example.com", "firstName": "Bo", "lastName": "Ek"}},
				"shippingAddress": map[string]any{"firstName": "Bo", "lastName": "Ek", "address1": "2 Elm", "city": "Austin", "provinceCode": "TX", "zip": "73301", "countryCode": "US", "phone": "+15125550100"},
				"billingAddress":  map[string]any{"firstName": "Bo", "lastName": "Ek", "address1": "2 Elm", "city": "Austin", "provinceCode": "TX", "zip": "73301", "countryCode": "US", "phone": "+15125550100"},
				"lineItems": []any{map[string]any{"variantId": variant, "quantity": 3,
					"properties": []any{map[string]any{"name": "Logo", "value": "Acme"}, map[string]any{"name": "Location", "value": "Back"}}}},
				"shippingLines": []any{map[string]any{"title": "Ground", "code": "GND", "priceSet": map[string]any{"shopMoney": map[string]any{"amount": "4.5", "currencyCode": "USD"}}}},
			}})
		return get(d, "orderCreate", "order", "id").(string)
	}
	first := create()
	fo := h.ok(`query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 1) { nodes { id } } } }`, map[string]any{"id": first})
	d = h.ok(`mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id } userErrors { message } } }`,
		map[string]any{"f": map[string]any{"trackingInfo": map[string]any{"company": "UPS", "number": "1Z1", "url": "https://ups.example/1Z1"},
			"lineItemsByFulfillmentOrder": []any{map[string]any{"fulfillmentOrderId": get(fo, "order", "fulfillmentOrders", "nodes", 0, "id")}}}})
	if ue := get(d, "fulfillmentCreate", "userErrors").([]any); len(ue) > 0 {
		h.t.Fatalf("fulfillmentCreate: %v", ue)
	}
	second := create()
	h.ok(`mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true) { orderCancelUserErrors { message } } }`, map[string]any{"id": second})
	h.shop.Uninstall()
}

// TestWebhooksAreSignedAndMatchShopifySchemas checks every payload the simulator emits against
// Shopify's published JSON Schema of its topic, and its headers and HMAC.
func TestWebhooksAreSignedAndMatchShopifySchemas(t *testing.T) {
	t.Parallel()
	dir := webhookSchemaDir(t)
	h := newHarness(t, ShopConfig{}, 1, 1)
	rcv := newReceiver(t, 0)
	h.subscribe(rcv.srv.URL+"/hooks", webhookTopics...)
	h.exercise()
	// Storefront orders of every outcome: paid, pending, and cancelled (refunded or voided).
	// Paid ones by a card, a gift card and a card, or an authorisation (one captured later).
	if err := h.sim.GenerateOrders(context.Background(), testDomain, OrderGenerator{Count: 12, Paid: 1, Unpaid: 1, Cancelled: 2,
		Payments:       []Payment{{}, {Parts: []PaymentPart{{Gateway: "gift_card", Amount: 100}, {}}}, {AuthorizeOnly: true}},
		LineProperties: [][]Property{nil, {{Name: "Engraving", Value: "For Ann"}}}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range h.shop.AllOrders() {
		if h.shop.CaptureOrder(o.ID) == nil {
			break
		}
	}
	h.idle()

	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schemas := map[string]*jsonschema.Schema{}
	seen := map[string]int{}
	for _, r := range rcv.all() {
		topic := r.header.Get("X-Shopify-Topic")
		seen[topic]++
		for _, hd := range []string{"X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-API-Version",
			"X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"} {
			if r.header.Get(hd) == "" {
				t.Errorf("%s: header %s missing", topic, hd)
			}
		}
		m := hmac.New(sha256.New, []byte(testSecret))
		m.Write(r.body)
		if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); r.header.Get("X-Shopify-Hmac-Sha256") != want {
			t.Errorf("%s: HMAC %s, want %s", topic, r.header.Get("X-Shopify-Hmac-Sha256"), want)
		}
		if got := r.header.Get("X-Shopify-API-Version"); got != APIVersion {
			t.Errorf("%s: API version %s", topic, got)
		}
		sch := schemas[topic]
		if sch == nil {
			var err error
			if sch, err = c.Compile(filepath.Join(dir, topic+".json")); err != nil {
				t.Fatalf("compiling schema of %s: %v", topic, err)
			}
			schemas[topic] = sch
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: payload is not JSON: %v", topic, err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s payload does not match Shopify's schema: %v", topic, err)
		}
	}
	var missing []string
	for _, topic := range webhookTopics {
		if seen[topic] == 0 {
			missing = append(missing, topic)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no webhook received for %s (got %v)", strings.Join(missing, ", "), seen)
	}
}
