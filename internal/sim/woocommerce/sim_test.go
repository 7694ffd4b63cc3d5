package woocommercesim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestStore(t *testing.T) (*Store, *httptest.Server) {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	st, err := s.AddStore(StoreConfig{Name: "shop", ConsumerKey: "ck_1", ConsumerSecret: "cs_1"})
	if err != nil {
		t.Fatal(err)
	}
	return st, srv
}

// call makes a request of the store "shop" and returns the response's status and body.
func call(t *testing.T, srv *httptest.Server, method, path string, body any, auth bool) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+"/stores/shop/wp-json/wc/v3"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("ck_1", "cs_1")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// documentedProductFields are the top-level fields of the "Retrieve a product" response example
// in WooCommerce's REST API v3 documentation (woocommerce-rest-api-docs, _products.md).
var documentedProductFields = strings.Fields(`id name slug permalink date_created date_created_gmt date_modified
	date_modified_gmt type status featured catalog_visibility description short_description sku price regular_price
	sale_price date_on_sale_from date_on_sale_from_gmt date_on_sale_to date_on_sale_to_gmt price_html on_sale
	purchasable total_sales virtual downloadable downloads download_limit download_expiry external_url button_text
	tax_status tax_class manage_stock stock_quantity stock_status backorders backorders_allowed backordered
	sold_individually weight dimensions shipping_required shipping_taxable shipping_class shipping_class_id
	reviews_allowed average_rating rating_count related_ids upsell_ids cross_sell_ids parent_id purchase_note
	categories tags images attributes default_attributes variations grouped_products menu_order meta_data _links`)

func TestProductPayloadHasTheDocumentedFields(t *testing.T) {
	st, srv := newTestStore(t)
	id, _, err := st.Seed(SeedProduct{Name: "Premium Quality", Variants: []SeedVariant{{SKU: "PQ", Price: "21.99", Quantity: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	status, b := call(t, srv, http.MethodGet, fmt.Sprintf("/products/%d", id), nil, true)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, f := range documentedProductFields {
		if _, ok := got[f]; !ok {
			t.Errorf("product payload lacks the documented field %q", f)
		}
	}
	if string(got["price"]) != `"21.99"` || string(got["backorders"]) != `"no"` || string(got["stock_quantity"]) != "3" {
		t.Errorf("price %s backorders %s stock %s", got["price"], got["backorders"], got["stock_quantity"])
	}
}

func TestAuthenticationAndPaging(t *testing.T) {
	st, srv := newTestStore(t)
	if err := st.SeedCatalog(25, 1, 1); err != nil {
		t.Fatal(err)
	}
	status, b := call(t, srv, http.MethodGet, "/products", nil, false)
	if status != http.StatusUnauthorized || !strings.Contains(string(b), "woocommerce_rest_cannot_view") {
		t.Fatalf("no credentials: %d %s", status, b)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/stores/shop/wp-json/wc/v3/products?consumer_key=ck_1&consumer_secret=cs_1&per_page=10&page=3", nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page []map[string]any
	derr := json.NewDecoder(r2.Body).Decode(&page)
	r2.Body.Close()
	if derr != nil {
		t.Fatalf("page 3: %v", derr)
	}
	if r2.StatusCode != http.StatusOK || r2.Header.Get("X-WP-Total") != "25" || r2.Header.Get("X-WP-TotalPages") != "3" || len(page) != 5 {
		t.Fatalf("page 3: %d total %s pages %s items %d", r2.StatusCode, r2.Header.Get("X-WP-Total"), r2.Header.Get("X-WP-TotalPages"), len(page))
	}
	if status, b := call(t, srv, http.MethodGet, "/products?per_page=101", nil, true); status != http.StatusBadRequest || !strings.Contains(string(b), "per_page") {
		t.Fatalf("per_page 101: %d %s", status, b)
	}
	if status, _ := call(t, srv, http.MethodGet, "/products?per_page=10&page=4", nil, true); status != http.StatusBadRequest {
		t.Fatalf("page past the last: %d", status)
	}
	if st.Calls() != 4 {
		t.Fatalf("calls %d, want 4", st.Calls())
	}
}

func TestBatchItemLimit(t *testing.T) {
	_, srv := newTestStore(t)
	var items []map[string]any
	for i := range 101 {
		items = append(items, map[string]any{"id": i + 1, "stock_quantity": 1})
	}
	status, b := call(t, srv, http.MethodPost, "/products/batch", map[string]any{"update": items}, true)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "Unable to accept more than 100 items for this request.") {
		t.Fatalf("101 items: %d %s", status, b)
	}
	status, b = call(t, srv, http.MethodPost, "/products/batch", map[string]any{"update": items[:2], "create": []map[string]any{{"name": "New", "regular_price": "1.00"}}}, true)
	var out map[string][]map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("mixed batch: %v: %s", err, b)
	}
	if status != http.StatusOK || len(out["create"]) != 1 || len(out["update"]) == 0 || out["update"][0]["error"] == nil {
		t.Fatalf("mixed batch: %d %s", status, b)
	}
}

func TestStateFileKeepsStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, err := New(Options{StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.AddStore(StoreConfig{Name: "kept", ConsumerKey: "ck", ConsumerSecret: "cs"})
	if err != nil {
		t.Fatal(err)
	}
	pid, _, err := st.Seed(SeedProduct{Name: "Mug", Variants: []SeedVariant{{SKU: "M", Price: "3.00", Quantity: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	oid, err := st.PlaceOrder([]OrderLine{{ProductID: pid, Quantity: 1}})
	if err != nil {
		t.Fatal(err)
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
	st2, err := s2.Store("kept")
	if err != nil {
		t.Fatal(err)
	}
	q, err := st2.StockQuantity(pid, 0)
	if err != nil || q != 3 || st2.OrdersWithMeta("_created_via_checkout", "yes") != 1 {
		t.Fatalf("after reload: stock %d %v, orders %d", q, err, st2.OrdersWithMeta("_created_via_checkout", "yes"))
	}
	if _, err := st2.Resource("order.updated", oid); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateOrders(t *testing.T) {
	st, _ := newTestStore(t)
	if err := st.SeedCatalog(5, 2, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if err := st.GenerateOrders(ctx, OrderGenerator{Rate: 100}); err != nil {
		t.Fatal(err)
	}
	if n := st.OrdersWithMeta("_created_via_checkout", "yes"); n < 3 {
		t.Fatalf("%d orders generated in 150ms at 100/s", n)
	}
}

func TestWebhookSignature(t *testing.T) {
	// base64(HMAC-SHA256("{}", "secret")), as openssl dgst -sha256 -hmac secret -binary computes it.
	if got := Sign([]byte("{}"), "secret"); got != "dzJZAsrKgS3CWXM6rNBGtzgXNyx3e42VtAJkdHRRbhM=" {
		t.Fatalf("signature %s", got)
	}
}
