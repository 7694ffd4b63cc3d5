package shopify

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

func TestLastDigits(t *testing.T) {
	t.Parallel()
	for masked, want := range map[string]string{
		"•••• •••• •••• 4242": "4242", "**** **** **** 0005": "0005", "XXXX-XXXX-XXXX-1234": "1234",
		"4111 1111 1111 1111": "1111", "•••• 42": "42", "": "", "••••": "",
	} {
		if got := lastDigits(masked, 4); got != want {
			t.Errorf("lastDigits(%q) = %q, want %q", masked, got, want)
		}
	}
}

// TestTransactionMapping maps every OrderTransactionKind and OrderTransactionStatus of the
// 2026-07 schema to platform words.
func TestTransactionMapping(t *testing.T) {
	t.Parallel()
	kinds := map[string]platform.TransactionKind{
		"AUTHORIZATION": platform.TransactionAuthorization, "EMV_AUTHORIZATION": platform.TransactionAuthorization,
		"CAPTURE": platform.TransactionCapture, "SALE": platform.TransactionSale, "REFUND": platform.TransactionRefund,
		"CHANGE": platform.TransactionRefund, "VOID": platform.TransactionVoid,
	}
	statuses := map[string]platform.TransactionStatus{
		"SUCCESS": platform.TransactionSuccess, "PENDING": platform.TransactionPending, "FAILURE": platform.TransactionFailure,
		"ERROR": platform.TransactionError, "AWAITING_RESPONSE": platform.TransactionPending, "UNKNOWN": platform.TransactionPending,
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for kind, wantKind := range kinds {
		for status, wantStatus := range statuses {
			g := gTransaction{ID: "gid://shopify/OrderTransaction/1", Kind: kind, Status: status, Gateway: "shopify_payments", ProcessedAt: &at,
				AmountSet: gMoneyBag{ShopMoney: gMoney{Amount: "12.50", CurrencyCode: "CAD"}}}
			got, ok, err := g.transaction()
			want := platform.Transaction{ID: g.ID, Kind: wantKind, Status: wantStatus, Gateway: "shopify_payments",
				Amount: platform.Money{Amount: 1250, Currency: "CAD"}, ProcessedAt: at}
			if err != nil || !ok || got != want {
				t.Errorf("%s %s: %+v %v %v, want %+v", kind, status, got, ok, err, want)
			}
		}
	}
	if _, ok, err := (&gTransaction{Kind: "SUGGESTED_REFUND", Status: "SUCCESS"}).transaction(); ok || err != nil {
		t.Errorf("SUGGESTED_REFUND kept (%v) or failed (%v)", ok, err)
	}
	if _, _, err := (&gTransaction{Kind: "BARTER", Status: "SUCCESS"}).transaction(); err == nil {
		t.Error("unknown kind accepted")
	}
}

// TestOrderWithoutTransactionsSelected leaves TransactionsIncluded false when the document did
// not read them, and true with an empty list when it read none.
func TestOrderWithoutTransactionsSelected(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{`{"id":"gid://shopify/Order/7"}`: false, `{"id":"gid://shopify/Order/7","transactions":[]}`: true} {
		var g gOrder
		if err := json.Unmarshal([]byte(body), &g); err != nil {
			t.Fatal(err)
		}
		o, err := g.order("acme.myshopify.com")
		if err != nil || o.TransactionsIncluded != want || o.AdminURL != "https://acme.myshopify.com/admin/orders/7" {
			t.Errorf("%s: included %v, admin URL %q, %v", body, o.TransactionsIncluded, o.AdminURL, err)
		}
	}
}

// TestWebhookLineProperties decodes line_items[].properties and variant_title of a REST order
// payload: values that are not strings (older themes) keep their JSON text, null is empty.
func TestWebhookLineProperties(t *testing.T) {
	t.Parallel()
	body := `{"id":820982911946154508,"name":"#1001","currency":"USD","financial_status":"paid","updated_at":"2026-11-30T09:00:00-05:00",
"line_items":[{"id":466157049,"variant_id":39072856,"title":"Tee","variant_title":"M / Navy","quantity":1,"price":"19.00",
"properties":[{"name":"Logo","value":"Acme crest"},{"name":"Count","value":3},{"name":"_hidden","value":null}]},
{"id":466157050,"title":"Mug","variant_title":"Default Title","quantity":1,"price":"9.00","properties":[]}]}`
	h := http.Header{}
	h.Set(HeaderTopic, "orders/paid")
	h.Set(HeaderShopDomain, "acme.myshopify.com")
	ev, err := DecodeWebhook(h, []byte(body), "USD")
	if err != nil {
		t.Fatal(err)
	}
	o := ev.Order
	want := []platform.Property{{Name: "Logo", Value: "Acme crest"}, {Name: "Count", Value: "3"}, {Name: "_hidden", Value: ""}}
	if !reflect.DeepEqual(o.Lines[0].Properties, want) || o.Lines[0].VariantTitle != "M / Navy" {
		t.Errorf("line 0: %+v %q", o.Lines[0].Properties, o.Lines[0].VariantTitle)
	}
	if o.Lines[1].Properties != nil || o.Lines[1].VariantTitle != "" {
		t.Errorf("line 1: %+v %q", o.Lines[1].Properties, o.Lines[1].VariantTitle)
	}
	if o.TransactionsIncluded || o.AdminURL != "https://acme.myshopify.com/admin/orders/820982911946154508" {
		t.Errorf("transactions included %v, admin URL %q", o.TransactionsIncluded, o.AdminURL)
	}
}
