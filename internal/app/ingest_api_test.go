package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
)

// A failed received webhook is visible and retryable through the API as on the dashboard: listed
// with its reason, filtered by status and store, retried once failed, refused (409) otherwise, and
// invisible to another account.
func TestReceivedWebhooksThroughTheAPI(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, u string) {
		t.Parallel()
		ctx := t.Context()
		e := newIngestEnv(t, u, nil)
		st := e.addStore(t, "acme.myshopify.com", "hush")
		_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: e.account, Name: "ops", Permission: account.PermissionReadWrite})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := e.a.Accounts.CreateAccount(ctx, "other")
		_, otherKey, _ := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: other.ID, Name: "ops", Permission: account.PermissionReadWrite})
		call := func(key, method, path string) (int, string) {
			t.Helper()
			req, _ := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		bad := []byte(`{"id":1,"currency":"NOPE","total_price":"10.00","line_items":[],"updated_at":"2026-01-02T10:00:00Z"}`)
		e.send(t, st, delivery{topic: "orders/create", eventID: "e-bad", secret: "hush", body: bad})
		e.send(t, st, delivery{topic: "orders/create", eventID: "e-good", secret: "hush", body: orderBody(2, "2026-01-02T10:00:00Z")})
		e.start(t)
		failed := waitStatus(t, e.a, e.account, "e-bad", ingest.StatusFailed)
		processed := waitStatus(t, e.a, e.account, "e-good", ingest.StatusProcessed)

		code, body := call(key, "GET", "/api/v2/received-webhooks?status=failed")
		var list struct {
			Data []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
				Error  string `json:"error"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil {
			t.Fatalf("list failed: %d %s", code, body)
		}
		if len(list.Data) != 1 || list.Data[0].ID != failed.ID || !strings.Contains(list.Data[0].Error, "NOPE") {
			t.Fatalf("failed webhooks listed: %s", body)
		}
		if code, body := call(key, "GET", fmt.Sprintf("/api/v2/received-webhooks?store_id=%d", st.ID+1000)); code != 200 || !strings.Contains(body, `"data":[]`) {
			t.Errorf("another store's webhooks: %d %s, want none", code, body)
		}
		if code, body := call(otherKey, "GET", "/api/v2/received-webhooks"); code != 200 || !strings.Contains(body, `"data":[]`) {
			t.Errorf("another account sees: %d %s", code, body)
		}
		if code, _ := call(otherKey, "POST", fmt.Sprintf("/api/v2/received-webhooks/%d/retry", failed.ID)); code != 404 {
			t.Errorf("another account retried: %d, want 404", code)
		}
		if code, body := call(key, "POST", fmt.Sprintf("/api/v2/received-webhooks/%d/retry", processed.ID)); code != 409 {
			t.Errorf("retrying a processed webhook: %d %s, want 409", code, body)
		}
		if code, body := call(key, "POST", fmt.Sprintf("/api/v2/received-webhooks/%d/retry", failed.ID)); code != 200 || !strings.Contains(body, `"status":"received"`) {
			t.Fatalf("retry: %d %s", code, body)
		}
		waitRetried(t, e, failed.ID)
	})
}

func waitRetried(t *testing.T, e *ingestEnv, id int64) {
	t.Helper()
	for range 300 {
		list, _ := e.a.Ingest.List(t.Context(), ingest.ListParams{AccountID: e.account, Status: ingest.StatusFailed})
		for _, in := range list {
			if in.ID == id && in.Retries == 1 {
				return
			}
		}
		sleepTick()
	}
	t.Fatalf("webhook %d was not processed again", id)
}

func sleepTick() { time.Sleep(50 * time.Millisecond) }
