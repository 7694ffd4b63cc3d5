package api_test

import (
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// The input checks cover every operation of the hub API too (here: webhook endpoints), whoever
// wrote its handler: an empty or relative URL where a URL is required, NUL bytes, null.
func TestHubInputChecks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		s := apitest.New(t, db, apitest.Options{})
		auth := "Bearer " + s.CreateKey(t, s.CreateAccount(t, dbtest.Name("hub")), account.PermissionReadWrite)
		for _, tc := range []struct{ name, body, location string }{
			{"empty URL", `{"url":""}`, "body.url"},
			{"relative URL", `{"url":"/hooks"}`, "body.url"},
			{"URL of another scheme", `{"url":"ftp://example.com/x"}`, "body.url"},
			{"NUL in a URL", `{"url":"https://example.com/\u0000"}`, "body.url"},
			{"NUL in a list", `{"url":"https://example.com/in","event_types":["api_key.\u0000"]}`, "body.event_types[0]"},
			{"null URL", `{"url":null}`, "body.url"},
		} {
			status, body, _ := do(t, s.Client(), "POST", s.URL()+"/api/v2/webhook-endpoints", auth, tc.body)
			if status != 422 || !strings.Contains(toJSON(t, body["errors"]), `"location":"`+tc.location+`"`) {
				t.Errorf("%s: %d %v; want 422 naming %s", tc.name, status, body, tc.location)
			}
		}
		status, body, _ := do(t, s.Client(), "GET", s.URL()+"/api/v2/webhook-endpoints", auth, "")
		if data, _ := body["data"].([]any); status != 200 || len(data) != 0 {
			t.Errorf("refused requests created endpoints: %d %v", status, body)
		}
		status, _, _ = do(t, s.Client(), "POST", s.URL()+"/api/v2/webhook-endpoints/9007199254740992/disable", auth, "")
		if status != 422 {
			t.Errorf("an id past 2^53-1: %d, want 422", status)
		}
	})
}
