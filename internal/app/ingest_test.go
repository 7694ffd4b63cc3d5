package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform/shopify"
)

// Deliveries are verified before anything is kept, kept once per event, answered at once, and a
// delivery older than one already processed for the same order is marked stale, not applied.
func TestInboundWebhooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := testApp(t)
	acc, _ := a.Accounts.CreateAccount(ctx, "acme")
	st := simStore(t, a, acc.ID, "acme.myshopify.com", "tok", "hush")
	srv := httptest.NewServer(a.Handler(app.ServeOptions{}))
	defer srv.Close()
	url := srv.URL + "/webhooks/shopify/" + st.Key

	send := func(eventID, updatedAt, secret, target string) int {
		body := fmt.Sprintf(`{"id":450789469,"admin_graphql_api_id":"gid://shopify/Order/450789469","name":"#1001",
			"currency":"USD","total_price":"10.00","subtotal_price":"10.00","financial_status":"paid","line_items":[],
			"created_at":"2026-01-01T00:00:00Z","updated_at":%q}`, updatedAt)
		req, _ := http.NewRequest("POST", target, strings.NewReader(body))
		req.Header.Set("X-Shopify-Topic", "orders/updated")
		req.Header.Set("X-Shopify-Shop-Domain", "acme.myshopify.com")
		req.Header.Set("X-Shopify-Event-Id", eventID)
		req.Header.Set("X-Shopify-Webhook-Id", eventID+"-delivery")
		req.Header.Set("X-Shopify-Hmac-Sha256", shopify.SignWebhook([]byte(body), secret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("e-newer", "2026-01-02T10:00:00Z", "hush", url); code != 200 {
		t.Fatalf("signed delivery: %d", code)
	}
	if code := send("e-newer", "2026-01-02T10:00:00Z", "hush", url); code != 200 {
		t.Fatalf("repeated delivery: %d", code)
	}
	if code := send("e-forged", "2026-01-03T10:00:00Z", "wrong secret", url); code != 401 {
		t.Errorf("forged delivery: %d, want 401", code)
	}
	if code := send("e-x", "2026-01-03T10:00:00Z", "hush", srv.URL+"/webhooks/shopify/store_nope"); code != 404 {
		t.Errorf("unknown store key: %d, want 404", code)
	}
	list, _ := a.Ingest.List(ctx, acc.ID, 10)
	if len(list) != 1 || list[0].Deliveries != 2 || list[0].EventID != "e-newer" {
		t.Fatalf("kept %+v; want one event delivered twice, nothing forged", list)
	}

	// Work the jobs: the newer event is processed; then an older one arriving late is stale.
	if err := a.Jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Jobs.Stop(context.Background()) }()
	waitStatus(t, a, acc.ID, "e-newer", ingest.StatusProcessed)
	if code := send("e-older", "2026-01-01T09:00:00Z", "hush", url); code != 200 {
		t.Fatalf("older delivery: %d", code)
	}
	waitStatus(t, a, acc.ID, "e-older", ingest.StatusStale)
}

func waitStatus(t *testing.T, a *app.App, accountID int64, eventID, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		list, err := a.Ingest.List(context.Background(), accountID, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range list {
			if in.EventID == eventID && in.Status == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("event %s never became %s", eventID, want)
}
