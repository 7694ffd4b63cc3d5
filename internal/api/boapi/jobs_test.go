package boapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestJobsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		g1, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada", "client_group_id": "g1", "email": "ada@example.com"})
		g2, _ := e.create("/api/v2/store-contacts", map[string]any{"name": "Shop", "client_group_id": "g2", "store_id": "S-9"})

		// 12 dropship jobs a week apart, alternating contacts, then one store job.
		var ids []int64
		for i := range 12 {
			e.clock.Set(start.AddDate(0, 0, 7*i))
			contact := g1
			if i%2 == 1 {
				contact = g2
			}
			id, loc := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep,
				"csr": "CSR@acme.test", "description": "job", "commission_code": "STD", "product_index": "apparel"})
			if loc != path("/api/v2/jobs/%d", id) {
				t.Fatalf("location %s", loc)
			}
			ids = append(ids, id)
		}
		e.clock.Set(start.AddDate(0, 0, 7*12))
		storeJob, _ := e.create("/api/v2/store-jobs", map[string]any{"contact_id": g2, "primary_rep": e.rep, "store_id": "S-9",
			"commission_code": "STORE", "description": "Shop #1001"})

		t.Run("get", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, path("/api/v2/jobs/%d", ids[0]), e.read, nil)
			b := r.Body
			if num(b["id"]) != ids[0] || num(b["number"]) != 1 || b["status"] != "pending" || b["kind"] != "dropship" ||
				b["csr"] != "csr@acme.test" || b["client_group_id"] != "g1" || r.Header.Get("ETag") != `"v1"` {
				t.Fatalf("job = %s (ETag %s)", r.Raw, r.Header.Get("ETag"))
			}
			r = e.must(http.StatusOK, http.MethodGet, path("/api/v2/jobs/%d", storeJob), e.read, nil)
			if r.Body["kind"] != "store" || r.Body["store_id"] != "S-9" || num(r.Body["number"]) != 13 {
				t.Fatalf("store job = %s", r.Raw)
			}
		})

		t.Run("pagination and ordering", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs?kind=dropship", e.read, nil)
			items := data(r)
			if len(items) != 10 || num(r.Body["total"]) != 12 || num(r.Body["page"]) != 1 || num(r.Body["per_page"]) != 10 {
				t.Fatalf("page 1 = %d items, body %v", len(items), r.Body)
			}
			for i, it := range items {
				if num(it["number"]) != int64(i+1) {
					t.Fatalf("item %d has number %v: not ordered by job number", i, it["number"])
				}
			}
			next, _ := r.Body["next"].(string)
			u, err := url.Parse(next)
			if err != nil || u.Path != "/api/v2/jobs" || u.Query().Get("page") != "2" || u.Query().Get("kind") != "dropship" {
				t.Fatalf("next = %q", next)
			}
			r = e.must(http.StatusOK, http.MethodGet, next, e.read, nil)
			if items := data(r); len(items) != 2 || num(items[0]["number"]) != 11 || r.Body["next"] != nil {
				t.Fatalf("page 2 = %s", r.Raw)
			}
			r = e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs?page=9", e.read, nil)
			if len(data(r)) != 0 || num(r.Body["total"]) != 13 || r.Raw == "" || !strings.Contains(r.Raw, `"data":[]`) {
				t.Fatalf("page past the end = %s", r.Raw)
			}
		})

		t.Run("filters", func(t *testing.T) {
			created := func(days int) string { return url.QueryEscape(start.AddDate(0, 0, days).Format(time.RFC3339)) }
			for _, tc := range []struct {
				query string
				total int64
			}{
				{"/api/v2/jobs", 13},
				{"/api/v2/jobs?kind=store", 1},
				{"/api/v2/jobs?status=pending", 13},
				{"/api/v2/jobs?status=open", 0},
				{path("/api/v2/jobs?contact_id=%d", g1), 6},
				{"/api/v2/jobs?client_group_id=g2", 7},
				{"/api/v2/jobs?store_id=S-9", 1},
				{"/api/v2/jobs?created_from=" + created(14) + "&created_to=" + created(28), 3},
				{"/api/v2/jobs?client_group_id=g2&kind=dropship&created_from=" + created(14), 5},
				{"/api/v1/jobs", 13},
				{"/api/v1/jobs?client_group_id=g1&status=pending", 6},
				{"/api/v1/jobs?created_to=" + created(0), 1},
				{"/api/v1/jobs?status=closed", 0},
			} {
				r := e.must(http.StatusOK, http.MethodGet, tc.query, e.read, nil)
				if num(r.Body["total"]) != tc.total {
					t.Errorf("%s: total %v, want %d", tc.query, r.Body["total"], tc.total)
				}
			}
		})

		t.Run("update", func(t *testing.T) {
			p := path("/api/v2/jobs/%d", ids[1])
			r := e.must(http.StatusOK, http.MethodPut, p, e.write, map[string]any{"status": "open", "description": "changed"}, "If-Match", `"v1"`)
			if r.Body["location"] != p || num(r.Body["id"]) != ids[1] || r.Header.Get("Location") != p || r.Header.Get("ETag") != `"v2"` {
				t.Fatalf("update answered %s %v", r.Raw, r.Header)
			}
			got := e.must(http.StatusOK, http.MethodGet, p, e.read, nil).Body
			if got["status"] != "open" || got["description"] != "changed" || got["primary_rep"] != e.rep || got["commission_code"] != "STD" {
				t.Fatalf("after update: %v", got)
			}
			// A stale ETag and a bad transition are refused and change nothing.
			e.must(http.StatusPreconditionFailed, http.MethodPut, p, e.write, map[string]any{"status": "on_hold"}, "If-Match", `"v1"`)
			e.must(http.StatusPreconditionFailed, http.MethodPut, p, e.write, map[string]any{"status": "on_hold"}, "If-Match", `"garbage"`)
			wantField(t, e.call(http.MethodPut, p, e.write, map[string]any{"status": "closed"}), "body.status")
			wantField(t, e.call(http.MethodPut, p, e.write, map[string]any{"primary_rep": "ghost@acme.test"}), "body.primary_rep")
			wantField(t, e.call(http.MethodPut, p, e.write, map[string]any{"secondary_rep": "rep@globex.test"}), "body.secondary_rep")
			if got := e.must(http.StatusOK, http.MethodGet, p, e.read, nil); got.Body["status"] != "open" || got.Header.Get("ETag") != `"v2"` {
				t.Fatalf("refused updates changed the job: %s", got.Raw)
			}
			// A store job is updated through its own endpoint, which needs its store ID.
			sp := path("/api/v2/store-jobs/%d", storeJob)
			e.must(http.StatusOK, http.MethodPut, sp, e.write, map[string]any{"status": "open"})
			wantField(t, e.call(http.MethodPut, sp, e.write, map[string]any{"store_id": ""}), "body.store_id")
			e.must(http.StatusConflict, http.MethodPut, path("/api/v2/jobs/%d", storeJob), e.write, map[string]any{"status": "on_hold"})
			e.must(http.StatusNotFound, http.MethodPut, "/api/v2/jobs/999999", e.write, map[string]any{"status": "open"})
		})

		t.Run("create rules", func(t *testing.T) {
			for _, tc := range []struct {
				path  string
				body  map[string]any
				field string
			}{
				{"/api/v2/jobs", map[string]any{"contact_id": g1, "primary_rep": "nobody@acme.test"}, "body.primary_rep"},
				{"/api/v2/jobs", map[string]any{"contact_id": g1, "primary_rep": "rep@globex.test"}, "body.primary_rep"},
				{"/api/v2/jobs", map[string]any{"contact_id": g1}, "body.primary_rep"},
				{"/api/v2/jobs", map[string]any{"contact_id": 999999, "primary_rep": e.rep}, "body.contact_id"},
				{"/api/v2/jobs", map[string]any{"contact_id": "one", "primary_rep": e.rep}, "body.contact_id"},
				{"/api/v2/jobs", map[string]any{"contact_id": g1, "primary_rep": e.rep, "commission_code": "NOPE"}, "body.commission_code"},
				{"/api/v2/jobs", map[string]any{"contact_id": g1, "primary_rep": e.rep, "status": "open"}, "body.status"},
				{"/api/v2/store-jobs", map[string]any{"contact_id": g2, "primary_rep": e.rep}, "body.store_id"},
			} {
				wantField(t, e.call(http.MethodPost, tc.path, e.write, tc.body), tc.field)
			}
		})

		t.Run("13-month window", func(t *testing.T) {
			so, _ := e.create(path("/api/v2/jobs/%d/sales-orders", ids[0]), map[string]any{"currency": "USD"})
			// Thirteen months and a day after the second job, the first two are out of the window.
			e.clock.Set(start.AddDate(0, 13, 8))
			r := e.must(http.StatusOK, http.MethodGet, "/api/v2/jobs", e.read, nil)
			if num(r.Body["total"]) != 11 || num(data(r)[0]["number"]) != 3 {
				t.Fatalf("search after 13 months = %s", r.Raw)
			}
			if r := e.must(http.StatusOK, http.MethodGet, "/api/v1/jobs", e.read, nil); num(r.Body["total"]) != 11 {
				t.Fatalf("v1 search after 13 months = %s", r.Raw)
			}
			for _, p := range []string{
				path("/api/v2/jobs/%d", ids[0]),
				path("/api/v2/jobs/%d/sales-orders", ids[0]),
				path("/api/v2/jobs/%d/sales-orders/%d", ids[0], so),
				path("/api/v2/jobs/%d/sales-orders/%d/line-items", ids[0], so),
				path("/api/v2/jobs/%d/sales-orders/%d/payments", ids[0], so),
				path("/api/v2/jobs/%d/purchase-orders", ids[0]),
			} {
				e.must(http.StatusNotFound, http.MethodGet, p, e.read, nil)
			}
			e.must(http.StatusNotFound, http.MethodPut, path("/api/v2/jobs/%d", ids[0]), e.write, map[string]any{"status": "open"})
			e.must(http.StatusNotFound, http.MethodPost, path("/api/v2/jobs/%d/sales-orders", ids[0]), e.write, map[string]any{"currency": "USD"})
			// Hidden, not deleted.
			e.clock.Set(start)
			e.must(http.StatusOK, http.MethodGet, path("/api/v2/jobs/%d", ids[0]), e.read, nil)
		})
	})
}
