package bigcommerce

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type tenv struct {
	s   *Sim
	st  *Store
	srv *httptest.Server
}

func newTenv(t *testing.T, cfg StoreConfig, opts Options) *tenv {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hash == "" {
		cfg.Hash = "store1"
	}
	cfg.AccessToken = "tok"
	st, err := s.AddStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	return &tenv{s, st, srv}
}

// reply is what a test reads from a response: its status, headers and the whole body, read and
// closed by do.
type reply struct {
	StatusCode int
	Header     http.Header
}

func (e *tenv) do(t *testing.T, method, path, token string, body any) (reply, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+StorePath(e.st.cfg.Hash)+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", token)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{StatusCode: resp.StatusCode, Header: resp.Header}, b
}

func TestAuthAndErrorShapes(t *testing.T) {
	e := newTenv(t, StoreConfig{}, Options{})
	resp, b := e.do(t, http.MethodGet, "/v3/catalog/products", "bad", nil)
	var v3 struct {
		Status int               `json:"status"`
		Title  string            `json:"title"`
		Type   string            `json:"type"`
		Errors map[string]string `json:"errors"`
	}
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(b, &v3) != nil || v3.Status != http.StatusUnauthorized || v3.Title == "" || v3.Errors == nil {
		t.Fatalf("v3 401: %d %s", resp.StatusCode, b)
	}
	resp, b = e.do(t, http.MethodGet, "/v2/orders", "", nil)
	var v2 []struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if resp.StatusCode != http.StatusUnauthorized || json.Unmarshal(b, &v2) != nil || len(v2) != 1 || v2[0].Status != http.StatusUnauthorized {
		t.Fatalf("v2 401: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, http.MethodGet, "/v3/nowhere", "tok", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown route %d", resp.StatusCode)
	}
	if resp, b := e.do(t, http.MethodGet, "/v3/catalog/products?limit=251", "tok", nil); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "limit") {
		t.Fatalf("limit 251: %d %s", resp.StatusCode, b)
	}
	// An empty v2 list is 204 with no body.
	if resp, b := e.do(t, http.MethodGet, "/v2/orders", "tok", nil); resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("empty orders: %d %q", resp.StatusCode, b)
	}
}

func TestBatchLimits(t *testing.T) {
	e := newTenv(t, StoreConfig{}, Options{})
	if err := e.s.SeedCatalog("store1", 1, 2); err != nil {
		t.Fatal(err)
	}
	vs := make([]map[string]any, 51)
	for i := range vs {
		vs[i] = map[string]any{"id": 102, "price": 1}
	}
	resp, b := e.do(t, http.MethodPut, "/v3/catalog/variants", "tok", vs)
	// BigCommerce's published example of this refusal.
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "The request payload is too large. The maximum items allowed in the array is 50") {
		t.Fatalf("51 variants: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(t, http.MethodPut, "/v3/catalog/variants", "tok", vs[:50]); resp.StatusCode != http.StatusOK {
		t.Fatalf("50 variants: %d %s", resp.StatusCode, b)
	}
	items := make([]map[string]any, 2001)
	for i := range items {
		items[i] = map[string]any{"location_id": 1, "variant_id": 102, "quantity": i}
	}
	if resp, _ := e.do(t, http.MethodPut, "/v3/inventory/adjustments/absolute", "tok", map[string]any{"items": items}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("2001 items: %d", resp.StatusCode)
	}
	resp, b = e.do(t, http.MethodPut, "/v3/inventory/adjustments/absolute", "tok", map[string]any{"reason": "count", "items": items[:2000]})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "transaction_id") {
		t.Fatalf("2000 items: %d %s", resp.StatusCode, b)
	}
	if q, _ := e.st.Quantity(102, 1); q != 1999 {
		t.Fatalf("last item wins: %d", q)
	}
}

func TestRateLimitHeadersAnd429(t *testing.T) {
	e := newTenv(t, StoreConfig{Quota: 3, Window: time.Hour}, Options{})
	for i := range 3 {
		resp, _ := e.do(t, http.MethodGet, "/v2/store", "tok", nil)
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("X-Rate-Limit-Requests-Left") != itoa(2-i) || h.Get("X-Rate-Limit-Requests-Quota") != "3" ||
			h.Get("X-Rate-Limit-Time-Window-Ms") != "3600000" || h.Get("X-Rate-Limit-Time-Reset-Ms") == "" {
			t.Fatalf("call %d: %d %v", i, resp.StatusCode, h)
		}
	}
	resp, _ := e.do(t, http.MethodGet, "/v2/store", "tok", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("X-Rate-Limit-Requests-Left") != "0" || e.st.Throttled() != 1 || e.st.Calls() != 4 {
		t.Fatalf("over quota: %d %v throttled %d", resp.StatusCode, resp.Header, e.st.Throttled())
	}
}

// TestCallbackMatchesPublishedShape checks a delivery against BigCommerce's published callback
// structure: producer "stores/<hash>", a 40-hex SHA-1 hash, created_at in Unix seconds, store_id
// as a string, scope, and data with type and id; and the hook as the create example shows it.
func TestCallbackMatchesPublishedShape(t *testing.T) {
	got := make(chan *http.Request, 4)
	bodies := make(chan []byte, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer rcv.Close()
	e := newTenv(t, StoreConfig{}, Options{WebhookClient: rcv.Client()})
	resp, b := e.do(t, http.MethodPost, "/v3/hooks", "tok", map[string]any{"scope": "store/product/*", "destination": rcv.URL + "/h", "is_active": true, "headers": map[string]string{"custom-key": "developer-defined value"}})
	var hook struct {
		Data map[string]any `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &hook) != nil {
		t.Fatalf("create hook: %d %s", resp.StatusCode, b)
	}
	for _, k := range []string{"id", "client_id", "store_hash", "created_at", "updated_at", "scope", "destination", "is_active", "headers"} {
		if _, ok := hook.Data[k]; !ok {
			t.Errorf("hook lacks %s: %s", k, b)
		}
	}
	if resp, b := e.do(t, http.MethodPost, "/v3/catalog/products", "tok", map[string]any{"name": "Lamp", "type": "physical", "weight": 1, "price": 10}); resp.StatusCode != http.StatusOK {
		t.Fatalf("create product %d %s", resp.StatusCode, b)
	}
	var r *http.Request
	select {
	case r = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery")
	}
	if r.Header.Get("custom-key") != "developer-defined value" {
		t.Fatalf("headers %v", r.Header)
	}
	var cb map[string]any
	if err := json.Unmarshal(<-bodies, &cb); err != nil {
		t.Fatal(err)
	}
	if cb["producer"] != "stores/store1" || cb["scope"] != "store/product/created" || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(cb["hash"].(string)) {
		t.Fatalf("callback %v", cb)
	}
	if _, ok := cb["created_at"].(float64); !ok {
		t.Fatalf("created_at %T", cb["created_at"])
	}
	if _, ok := cb["store_id"].(string); !ok {
		t.Fatalf("store_id %T", cb["store_id"])
	}
	data := cb["data"].(map[string]any)
	if data["type"] != "product" || data["id"].(float64) <= 0 || len(data) != 2 {
		t.Fatalf("data %v: only type and id", data)
	}
}

func TestStateFileAndGenerator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := New(Options{StateFile: path, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.AddStore(StoreConfig{Hash: "keep1", AccessToken: "tok"})
	if err := s.SeedCatalog("keep1", 5, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.GenerateOrders(t.Context(), "keep1", OrderGenerator{Rate: 200, Limit: 4}); err != nil {
		t.Fatal(err)
	}
	if st.OrderCount() != 4 {
		t.Fatalf("%d orders", st.OrderCount())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Options{StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s2.Close(); err != nil {
			t.Error(err)
		}
	}()
	st2, err := s2.Store("keep1")
	if err != nil || st2.OrderCount() != 4 || len(st2.data.Products) != 5 {
		t.Fatalf("reloaded: %v", err)
	}
	for _, p := range st2.data.Products {
		if len(p.Options) != 1 || len(p.Variants) != 3 {
			t.Fatalf("product %+v lost its options", p)
		}
	}
}

func TestRandomFaultsAndLatency(t *testing.T) {
	e := newTenv(t, StoreConfig{Quota: 10000}, Options{Seed: 5})
	if err := e.s.SetFaults("store1", Faults{ErrorRate: 0.3, RateLimitRate: 0.2, Latency: 2 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	counts := map[int]int{}
	start := time.Now()
	for range 200 {
		resp, _ := e.do(t, http.MethodGet, "/v2/store", "tok", nil)
		counts[resp.StatusCode]++
	}
	if time.Since(start) < 400*time.Millisecond {
		t.Fatalf("latency not applied: 200 calls in %v", time.Since(start))
	}
	if counts[500] < 30 || counts[500] > 90 || counts[429] < 15 || counts[429] > 70 || counts[200] < 70 {
		t.Fatalf("status counts %v, want about 30%% 500 and 20%% 429", counts)
	}
	if e.st.Throttled() != counts[429] || e.st.Calls() != 200 {
		t.Fatalf("throttled %d calls %d", e.st.Throttled(), e.st.Calls())
	}
	if err := e.s.SetFaults("nope", Faults{}); err == nil {
		t.Fatal("faults on an unknown store")
	}
}
