package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// A key of one account can never read or change anything of another account, and a change is
// published as an event only to its own account's endpoints.
func TestAccountsAreIsolated(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		s := apitest.New(t, db, apitest.Options{})
		c, u := s.Client(), s.URL()
		a, b := s.CreateAccount(t, "alpha"), s.CreateAccount(t, "beta")
		aw, ar := "Bearer "+s.CreateKey(t, a, account.PermissionReadWrite), "Bearer "+s.CreateKey(t, a, account.PermissionRead)
		bw := "Bearer " + s.CreateKey(t, b, account.PermissionReadWrite)

		status, created, hdr := do(t, c, "POST", u+"/api/v2/webhook-endpoints", aw, `{"url":"https://example.com/hook","event_types":["api_key.*"]}`)
		if status != 201 || created["secret"] == "" || hdr.Get("Location") == "" {
			t.Fatalf("create endpoint: %d %v", status, created)
		}
		id := int64(created["id"].(float64))
		if status, _, _ := do(t, c, "POST", u+"/api/v2/webhook-endpoints", ar, `{"url":"https://example.com/x"}`); status != 403 {
			t.Errorf("read key created an endpoint: %d", status)
		}
		if status, body, _ := do(t, c, "POST", u+"/api/v2/webhook-endpoints", aw, `{"url":"ftp://example.com/x"}`); status != 422 {
			t.Errorf("ftp URL: %d %v, want 422", status, body)
		}

		// Account B sees none of A's endpoints and cannot disable them.
		_, list, _ := do(t, c, "GET", u+"/api/v2/webhook-endpoints", bw, "")
		if n := len(list["data"].([]any)); n != 0 {
			t.Errorf("account B lists %d endpoints of account A", n)
		}
		if status, _, _ := do(t, c, "POST", fmt.Sprintf("%s/api/v2/webhook-endpoints/%d/disable", u, id), bw, ""); status != 404 {
			t.Errorf("account B disabled A's endpoint: %d", status)
		}
		_, list, _ = do(t, c, "GET", u+"/api/v2/webhook-endpoints", aw, "")
		if ep := list["data"].([]any)[0].(map[string]any); ep["disabled_at"] != nil {
			t.Errorf("A's endpoint was disabled by B: %v", ep)
		}
		// B's keys cannot be revoked by A, and a change in A publishes to A's endpoint only.
		bKeys, _ := s.Accounts().ListKeys(context.Background(), b)
		if err := s.Accounts().RevokeKey(context.Background(), account.KeyParams{AccountID: a, KeyID: bKeys[0].ID}); err == nil {
			t.Error("account A revoked a key of account B")
		}
		s.CreateKey(t, a, account.PermissionRead)
		s.CreateKey(t, b, account.PermissionRead)
		_, del, _ := do(t, c, "GET", u+"/api/v2/webhook-deliveries", aw, "")
		if d := del["data"].([]any); len(d) != 1 || d[0].(map[string]any)["event_type"] != "api_key.created" {
			t.Errorf("A's deliveries = %v, want one api_key.created", d)
		}
		_, del, _ = do(t, c, "GET", u+"/api/v2/webhook-deliveries", bw, "")
		if d := del["data"].([]any); len(d) != 0 {
			t.Errorf("B sees deliveries %v", d)
		}
		// Disabling by the owner works and is idempotent.
		for range 2 {
			if status, _, _ := do(t, c, "POST", fmt.Sprintf("%s/api/v2/webhook-endpoints/%d/disable", u, id), aw, ""); status != 204 {
				t.Errorf("owner disabling: %d", status)
			}
		}
	})
}
