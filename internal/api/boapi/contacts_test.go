package boapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestContactsAndListsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		// 11 dropship contacts a day apart in two groups and states, then two store contacts.
		for i := range 11 {
			e.clock.Set(start.AddDate(0, 0, i))
			typ, group, state := "client", "g1", "TX"
			if i%3 == 0 {
				typ, group, state = "prospect", "g2", "CA"
			}
			e.create("/api/v2/contacts", map[string]any{"name": path("Contact %d", i), "type": typ, "client_group_id": group,
				"email": path("C%d@Example.com", i), "address": map[string]any{"state": state}, "payment_terms": "net30"})
		}
		e.clock.Set(start.AddDate(0, 0, 20))
		store, storeLoc := e.create("/api/v2/store-contacts", map[string]any{"name": "Shop", "store_id": "S-1", "client_group_id": "stores"})
		e.create("/api/v2/store-contacts", map[string]any{"name": "Shop 2", "store_id": "S-2"})
		if storeLoc != path("/api/v2/contacts/%d", store) {
			t.Fatalf("store contact location %s", storeLoc)
		}

		t.Run("get and update", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, "/api/v2/contacts/1", e.read, nil)
			if r.Body["email"] != "c0@example.com" || r.Body["kind"] != "dropship" || r.Body["payment_terms"] != "net30" || r.Header.Get("ETag") != `"v1"` {
				t.Fatalf("contact = %s", r.Raw)
			}
			e.must(http.StatusOK, http.MethodPut, "/api/v2/contacts/1", e.write, map[string]any{"phone": "+1 555", "type": "client"}, "If-Match", `"v1"`)
			e.must(http.StatusPreconditionFailed, http.MethodPut, "/api/v2/contacts/1", e.write, map[string]any{"phone": "x"}, "If-Match", `"v1"`)
			got := e.must(http.StatusOK, http.MethodGet, "/api/v2/contacts/1", e.read, nil)
			if got.Body["phone"] != "+1 555" || got.Body["type"] != "client" || got.Body["name"] != "Contact 0" || got.Header.Get("ETag") != `"v2"` {
				t.Fatalf("after update = %s", got.Raw)
			}
			e.must(http.StatusOK, http.MethodPut, path("/api/v2/store-contacts/%d", store), e.write, map[string]any{"store_id": "S-1b"})
			wantField(t, e.call(http.MethodPut, path("/api/v2/store-contacts/%d", store), e.write, map[string]any{"store_id": ""}), "body.store_id")
			e.must(http.StatusConflict, http.MethodPut, path("/api/v2/contacts/%d", store), e.write, map[string]any{"name": "x"})
			e.must(http.StatusConflict, http.MethodPut, "/api/v2/store-contacts/1", e.write, map[string]any{"name": "x"})
			e.must(http.StatusNotFound, http.MethodGet, "/api/v2/contacts/999", e.read, nil)
			for _, tc := range []struct {
				path  string
				body  map[string]any
				field string
			}{
				{"/api/v2/store-contacts", map[string]any{"name": "No store"}, "body.store_id"},
				{"/api/v2/contacts", map[string]any{"name": ""}, "body.name"},
				{"/api/v2/contacts", map[string]any{"name": "x", "email": "not-an-email"}, "body.email"},
				{"/api/v2/contacts", map[string]any{"name": "x", "type": "lead"}, "body.type"},
				{"/api/v2/contacts", map[string]any{"name": "x", "payment_terms": "net999"}, "body.payment_terms"},
				{"/api/v2/contacts", map[string]any{"name": 42}, "body.name"},
			} {
				wantField(t, e.call(http.MethodPost, tc.path, e.write, tc.body), tc.field)
			}
		})

		t.Run("search", func(t *testing.T) {
			at := func(days int) string { return url.QueryEscape(start.AddDate(0, 0, days).Format(time.RFC3339)) }
			for _, tc := range []struct {
				query string
				total int64
			}{
				{"/api/v2/contacts", 13},
				{"/api/v2/contacts?kind=store", 2},
				{"/api/v2/contacts?kind=dropship&client_group_id=g2", 4},
				{"/api/v2/contacts?store_id=S-2", 1},
				{"/api/v2/contacts?email=C4@example.com", 1},
				{"/api/v2/contacts?state=CA", 4},
				{"/api/v2/contacts?type=prospect", 3}, // contact 0 became a client
				{"/api/v2/contacts?created_from=" + at(2) + "&created_to=" + at(4), 3},
				{"/api/v1/contacts", 13},
				{"/api/v1/contacts?client_group_id=g1&state=TX&type=client", 7},
				{"/api/v1/contacts?email=c5@example.com", 1},
				{"/api/v1/contacts?created_from=" + at(10), 3},
			} {
				r := e.must(http.StatusOK, http.MethodGet, tc.query, e.read, nil)
				if num(r.Body["total"]) != tc.total {
					t.Errorf("%s: total %v, want %d", tc.query, r.Body["total"], tc.total)
				}
			}
			r := e.must(http.StatusOK, http.MethodGet, "/api/v1/contacts?page=2", e.read, nil)
			if items := data(r); len(items) != 3 || num(items[0]["id"]) != 11 || r.Body["next"] != nil {
				t.Fatalf("page 2 = %s", r.Raw)
			}
		})

		t.Run("supporting lists", func(t *testing.T) {
			for _, tc := range []struct {
				path  string
				codes []string
			}{
				{"/api/v2/commission-codes", []string{"STD", "STORE"}},
				{"/api/v2/commission-codes?kind=store", []string{"STORE"}},
				{"/api/v2/card-types", []string{"visa"}},
				{"/api/v2/payment-types", []string{"card"}},
				{"/api/v2/payment-terms", []string{"net30"}},
				{"/api/v2/adjustment-types", []string{"surcharge"}},
				{"/api/v2/suppliers", []string{"sanmar"}},
				{"/api/v2/product-indices", []string{"apparel"}},
			} {
				items := data(e.must(http.StatusOK, http.MethodGet, tc.path, e.read, nil))
				var codes []string
				for _, it := range items {
					codes = append(codes, it["code"].(string))
				}
				if len(codes) != len(tc.codes) || codes[0] != tc.codes[0] {
					t.Errorf("%s: codes %v, want %v", tc.path, codes, tc.codes)
				}
			}
			// Another account sees its own (empty) lists.
			if r := e.must(http.StatusOK, http.MethodGet, "/api/v2/card-types", e.intrude, nil); num(r.Body["total"]) != 0 {
				t.Fatalf("another account sees card types: %s", r.Raw)
			}
		})
	})
}
