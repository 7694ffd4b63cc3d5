package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/httpclient"
)

const testShop = "acme.myshopify.com"

// call is one GraphQL request the fake received.
type call struct {
	Op    string
	Vars  map[string]any
	Token string
}

// fake is a fake Shopify per test: handle answers each GraphQL call; calls records them.
type fake struct {
	t      *testing.T
	mu     sync.Mutex
	calls  []call
	handle func(w http.ResponseWriter, c call, n int) // n: how many calls of this op before
	srv    *httptest.Server
	extra  http.Handler // other paths (bulk downloads)
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, c call, n int)) *fake {
	t.Helper()
	f := &fake{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/shops/"+testShop+"/admin/api/"+APIVersion+"/graphql.json" {
		if f.extra != nil {
			f.extra.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	var req gqlRequest
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	c := call{Op: req.OperationName, Vars: req.Variables, Token: r.Header.Get("X-Shopify-Access-Token")}
	f.mu.Lock()
	n := 0
	for _, p := range f.calls {
		if p.Op == c.Op {
			n++
		}
	}
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	f.handle(w, c, n)
}

func (f *fake) opCalls(op string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// sleeps records the waits a client asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// client returns a client of the fake with recorded sleeps and deterministic jitter.
func (f *fake) client(t *testing.T, mod ...func(*Config)) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := Config{
		Shop: testShop, AccessToken: "shpat_good", APISecret: "secret",
		BaseURL: f.srv.URL + "/shops/" + testShop, HTTPClient: f.srv.Client(), Sleep: sl.sleep,
		Now:     func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		Backoff: httpclient.Backoff{Base: 100 * time.Millisecond, Max: 5 * time.Second, MaxAttempts: 4, Rand: func() float64 { return 0.5 }},
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

// costExt is a typical extensions.cost block.
func costExt(requested, available float64) map[string]any {
	return map[string]any{"cost": map[string]any{
		"requestedQueryCost": requested, "actualQueryCost": requested,
		"throttleStatus": map[string]any{"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
	}}
}

// reply writes a GraphQL answer with data and a cost extension.
func reply(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "extensions": costExt(10, 1990)}) //nolint:errchkjson // the test's fake server: a failed write fails the client side
}

// shopData is the answer to the Shop query.
func shopData() map[string]any {
	return map[string]any{"shop": map[string]any{
		"id": "gid://shopify/Shop/1", "name": "Acme", "myshopifyDomain": testShop, "email": "a@acme.test",
		"currencyCode": "USD", "ianaTimezone": "Europe/London", "plan": map[string]any{"publicDisplayName": "Basic", "shopifyPlus": false},
	}}
}

// orderData is an Order node as the order documents select it.
func orderData(id string) map[string]any {
	money := func(a string) map[string]any {
		return map[string]any{"shopMoney": map[string]any{"amount": a, "currencyCode": "USD"}}
	}
	addr := map[string]any{"firstName": "Ada", "lastName": "Lovelace", "address1": "1 Loop St", "city": "London", "zip": "N1", "countryCodeV2": "GB", "provinceCode": nil}
	return map[string]any{
		"id": id, "name": "#1001", "number": 1, "createdAt": "2026-11-20T10:00:00Z", "updatedAt": "2026-11-21T10:00:00Z",
		"processedAt": "2026-11-20T10:00:00Z", "cancelledAt": nil, "cancelReason": nil, "closed": false, "test": false,
		"email": "ada@example.com", "phone": nil, "note": "from dest", "tags": []any{"storesync"}, "currencyCode": "USD",
		"sourceName": "web", "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
		"totalPriceSet": money("25.50"), "subtotalPriceSet": money("20.00"), "totalTaxSet": money("0.5"), "totalShippingPriceSet": money("5.00"),
		"customer":        map[string]any{"id": "gid://shopify/Customer/5", "firstName": "Ada", "lastName": "Lovelace", "defaultEmailAddress": map[string]any{"emailAddress": "ada@example.com"}},
		"shippingAddress": addr, "billingAddress": addr,
		"shippingLine": map[string]any{"title": "Standard", "code": "STD", "source": "storesync", "originalPriceSet": money("5.00")},
		"lineItems": map[string]any{"nodes": []any{map[string]any{
			"id": "gid://shopify/LineItem/11", "title": "Mug", "name": "Mug", "sku": "MUG-1", "quantity": 2, "currentQuantity": 2,
			"variant": map[string]any{"id": "gid://shopify/ProductVariant/1", "sku": "MUG-1", "barcode": "123"}, "originalUnitPriceSet": money("10.00"),
		}}, "pageInfo": map[string]any{"hasNextPage": false, "endCursor": nil}},
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func asError(err error, target **platform.Error) bool { return errors.As(err, target) }
