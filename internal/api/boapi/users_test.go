package boapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// GET /api/v2/users lists the account's users (and no other account's) to a read key, by email.
func TestUsersAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		r := e.must(http.StatusOK, http.MethodGet, "/api/v2/users", e.read, nil)
		items := data(r)
		if len(items) != 2 || num(r.Body["total"]) != 2 || items[0]["email"] != "csr@acme.test" || items[1]["email"] != e.rep {
			t.Fatalf("users = %s", r.Raw)
		}
		r = e.must(http.StatusOK, http.MethodGet, "/api/v2/users", e.intrude, nil)
		if items := data(r); len(items) != 1 || items[0]["email"] != "rep@globex.test" {
			t.Fatalf("globex's users = %s", r.Raw)
		}
	})
}

// A job created with an external_ref returns it, is found by it, and a second create with it is
// a 409 naming external_ref that creates nothing; refs are per account.
func TestJobExternalRef(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		contact, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada"})
		ref := "store 12 / order 5001"
		body := map[string]any{"contact_id": contact, "primary_rep": e.rep, "external_ref": ref}
		id, _ := e.create("/api/v2/jobs", body)
		if r := e.must(http.StatusOK, http.MethodGet, path("/api/v2/jobs/%d", id), e.read, nil); r.Body["external_ref"] != ref {
			t.Fatalf("job = %s", r.Raw)
		}
		r := e.call(http.MethodPost, "/api/v2/jobs", e.write, body)
		if r.Status != http.StatusConflict {
			t.Fatalf("second create: %d %s", r.Status, r.Raw)
		}
		errs, _ := r.Body["errors"].([]any)
		if len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.external_ref" {
			t.Fatalf("409 does not name external_ref: %s", r.Raw)
		}
		storeContact, _ := e.create("/api/v2/store-contacts", map[string]any{"name": "Shop", "store_id": "S-1"})
		if r := e.call(http.MethodPost, "/api/v2/store-jobs", e.write, map[string]any{"contact_id": storeContact,
			"primary_rep": e.rep, "store_id": "S-1", "external_ref": ref}); r.Status != http.StatusConflict {
			t.Fatalf("store job with a taken ref: %d %s", r.Status, r.Raw)
		}
		other, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
		r = e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs?external_ref="+url.QueryEscape(ref), e.read, nil)
		if items := data(r); len(items) != 1 || num(items[0]["id"]) != id {
			t.Fatalf("search by external_ref = %s", r.Raw)
		}
		if r := e.must(http.StatusOK, http.MethodGet, path("/api/v2/jobs/%d", other), e.read, nil); r.Body["external_ref"] != "" {
			t.Fatalf("job without a ref = %s", r.Raw)
		}
		if r := e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs?external_ref="+url.QueryEscape(ref), e.intrude, nil); num(r.Body["total"]) != 0 {
			t.Fatalf("another account finds the job: %s", r.Raw)
		}
		if r := e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs", e.read, nil); num(r.Body["total"]) != 2 {
			t.Fatalf("jobs after the refused creates = %s", r.Raw)
		}
	})
}
