package boapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// route is one request against an object of acme.
type route struct {
	method, path string
	body         any
}

// everyRoute makes one object of each kind in acme and returns a request for every row of the API
// table, with a valid body for writes.
func everyRoute(e *env) []route {
	contact, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada"})
	store, _ := e.create("/api/v2/store-contacts", map[string]any{"name": "Shop", "store_id": "S-1"})
	job, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
	storeJob, _ := e.create("/api/v2/store-jobs", map[string]any{"contact_id": store, "primary_rep": e.rep, "store_id": "S-1"})
	line := map[string]any{"description": "Tee", "quantity": 1, "unit_price": "9.00"}
	pay := map[string]any{"amount": "9.00", "payment_type": "card"}
	_, so := e.create(path("/api/v2/jobs/%d/sales-orders", job), map[string]any{"currency": "USD", "lines": []any{line}})
	_, soLine := e.create(so+"/line-items", line)
	_, po := e.create(path("/api/v2/jobs/%d/purchase-orders", job), map[string]any{"supplier": "sanmar", "currency": "USD", "lines": []any{line}})
	poLine := path("%s/line-items/%d", po, num(data(e.must(http.StatusOK, http.MethodGet, po+"/line-items", e.read, nil))[0]["id"]))
	return []route{
		{http.MethodGet, "/api/v1/jobs", nil},
		{http.MethodGet, "/api/v1/contacts", nil},
		{http.MethodGet, "/api/v2/contacts", nil},
		{http.MethodGet, path("/api/v2/contacts/%d", contact), nil},
		{http.MethodPost, "/api/v2/contacts", map[string]any{"name": "New"}},
		{http.MethodPut, path("/api/v2/contacts/%d", contact), map[string]any{"name": "Changed"}},
		{http.MethodPost, "/api/v2/store-contacts", map[string]any{"name": "New", "store_id": "S-2"}},
		{http.MethodPut, path("/api/v2/store-contacts/%d", store), map[string]any{"name": "Changed"}},
		{http.MethodGet, "/api/v2/jobs", nil},
		{http.MethodGet, path("/api/v2/jobs/%d", job), nil},
		{http.MethodPost, "/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep}},
		{http.MethodPut, path("/api/v2/jobs/%d", job), map[string]any{"status": "open"}},
		{http.MethodPost, "/api/v2/store-jobs", map[string]any{"contact_id": store, "primary_rep": e.rep, "store_id": "S-1"}},
		{http.MethodPut, path("/api/v2/store-jobs/%d", storeJob), map[string]any{"status": "open"}},
		{http.MethodGet, path("/api/v2/jobs/%d/sales-orders", job), nil},
		{http.MethodPost, path("/api/v2/jobs/%d/sales-orders", job), map[string]any{"currency": "USD"}},
		{http.MethodGet, so, nil},
		{http.MethodPut, so, map[string]any{"status": "confirmed"}},
		{http.MethodGet, so + "/line-items", nil},
		{http.MethodPost, so + "/line-items", line},
		{http.MethodGet, soLine, nil},
		{http.MethodPut, soLine, map[string]any{"quantity": 2}},
		{http.MethodGet, so + "/payments", nil},
		{http.MethodPost, so + "/payments", pay},
		{http.MethodGet, path("/api/v2/jobs/%d/purchase-orders", job), nil},
		{http.MethodPost, path("/api/v2/jobs/%d/purchase-orders", job), map[string]any{"supplier": "sanmar", "currency": "USD"}},
		{http.MethodGet, po, nil},
		{http.MethodPut, po, map[string]any{"status": "sent"}},
		{http.MethodGet, po + "/line-items", nil},
		{http.MethodGet, poLine, nil},
		{http.MethodPut, poLine, map[string]any{"quantity": 2}},
		{http.MethodGet, po + "/payments", nil},
		{http.MethodPost, po + "/payments", pay},
		{http.MethodGet, "/api/v2/commission-codes", nil},
		{http.MethodGet, "/api/v2/card-types", nil},
		{http.MethodGet, "/api/v2/payment-types", nil},
		{http.MethodGet, "/api/v2/payment-terms", nil},
		{http.MethodGet, "/api/v2/adjustment-types", nil},
		{http.MethodGet, "/api/v2/suppliers", nil},
		{http.MethodGet, "/api/v2/product-indices", nil},
	}
}

func isObject(p string) bool {
	// Searches and lists of the caller's own account are not objects of acme.
	return strings.Count(p, "/") > 3 && !strings.HasPrefix(p, "/api/v1/")
}

func TestAccessAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		routes := everyRoute(e)

		t.Run("read-only key refused on every write, allowed every read", func(t *testing.T) {
			before := e.srv.Hits(t, e.read)
			for _, r := range routes {
				want := http.StatusOK
				if r.method != http.MethodGet {
					want = http.StatusForbidden
				}
				e.must(want, r.method, r.path, e.read, r.body)
			}
			if got := e.srv.Hits(t, e.read) - before; got != int64(len(routes)) {
				t.Fatalf("%d hits counted for %d requests", got, len(routes))
			}
		})

		t.Run("another account's key reaches no object", func(t *testing.T) {
			for _, r := range routes {
				if !isObject(r.path) || (r.method == http.MethodPost && strings.Count(r.path, "/") == 3) {
					continue // creates at the top level make the intruder's own objects
				}
				e.must(http.StatusNotFound, r.method, r.path, e.intrude, r.body)
			}
			// The intruder's searches see nothing of acme.
			for _, p := range []string{"/api/v2/jobs", "/api/v2/contacts", "/api/v1/jobs", "/api/v1/contacts"} {
				if r := e.must(http.StatusOK, http.MethodGet, p, e.intrude, nil); num(r.Body["total"]) != 0 {
					t.Fatalf("%s shows acme's data to globex: %s", p, r.Raw)
				}
			}
			// Nothing of acme changed.
			for _, r := range routes {
				if r.method == http.MethodGet && isObject(r.path) && !strings.HasSuffix(r.path, "s") {
					if got := e.must(http.StatusOK, http.MethodGet, r.path, e.read, nil); got.Header.Get("ETag") != `"v1"` {
						t.Fatalf("%s changed by another account: %s", r.path, got.Raw)
					}
				}
			}
		})

		t.Run("write key does every row and each request is one hit", func(t *testing.T) {
			before := e.srv.Hits(t, e.write)
			for _, r := range routes {
				want := http.StatusOK
				if r.method == http.MethodPost {
					want = http.StatusCreated
				}
				e.must(want, r.method, r.path, e.write, r.body)
			}
			if got := e.srv.Hits(t, e.write) - before; got != int64(len(routes)) {
				t.Fatalf("%d hits counted for %d requests", got, len(routes))
			}
		})

		t.Run("malformed requests name the field", func(t *testing.T) {
			for _, tc := range []struct {
				method, path string
				body         any
				location     string
			}{
				{http.MethodPost, "/api/v2/contacts", map[string]any{"name": "x", "surname": "y"}, "body.surname"},
				{http.MethodPost, "/api/v2/jobs", map[string]any{"contact_id": 1.5, "primary_rep": e.rep}, "body.contact_id"},
				{http.MethodPost, "/api/v2/jobs", map[string]any{"contact_id": 1, "primary_rep": []string{e.rep}}, "body.primary_rep"},
				{http.MethodPut, routes[11].path, map[string]any{"status": 3}, "body.status"},
				{http.MethodPost, routes[15].path, map[string]any{"currency": "USD", "lines": "none"}, "body.lines"},
				{http.MethodPost, routes[15].path, map[string]any{"currency": "USD", "lines": []any{map[string]any{"description": "x", "quantity": 1, "unit_price": 9}}}, "body.lines[0].unit_price"},
				{http.MethodPost, routes[23].path, map[string]any{"amount": "9.00", "payment_type": "card", "paid_at": "yesterday"}, "body.paid_at"},
				{http.MethodGet, "/api/v2/jobs?page=0", nil, "query.page"},
				{http.MethodGet, "/api/v2/jobs?status=lost", nil, "query.status"},
				{http.MethodGet, "/api/v2/jobs?created_from=2026-13-01", nil, "query.created_from"},
				{http.MethodGet, "/api/v1/contacts?type=lead", nil, "query.type"},
				{http.MethodGet, "/api/v2/jobs/abc", nil, "path.id"},
			} {
				wantField(t, e.call(tc.method, tc.path, e.write, tc.body), tc.location)
			}
			for _, body := range []string{`{"name": "x"`, `[1, 2]`, `not json`} {
				if r := e.call(http.MethodPost, "/api/v2/contacts", e.write, body); r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("malformed body %q answered %d: %s", body, r.Status, r.Raw)
				}
			}
		})
	})
}
