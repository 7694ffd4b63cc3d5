package boapi_test

import (
	"net/http"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestInventoryItemsAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		const items = "/api/v2/inventory-items"
		tee, teeLoc := e.create(items, map[string]any{"sku": "TEE-RED-M", "barcode": "0001", "description": "Red tee",
			"currency": "usd", "cost": "7.25", "price": "15", "on_hand": 5})
		for i := range 11 {
			e.create(items, map[string]any{"sku": path("MUG-%02d", i), "currency": "EUR", "description": "Mug"})
		}

		t.Run("get", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, teeLoc, e.read, nil)
			b := r.Body
			if b["sku"] != "TEE-RED-M" || b["currency"] != "USD" || b["cost"] != "7.25" || b["price"] != "15.00" ||
				num(b["on_hand"]) != 5 || num(b["available"]) != 5 || b["oversold"] != false || r.Header.Get("ETag") != `"v1"` {
				t.Fatalf("item = %s", r.Raw)
			}
			e.must(http.StatusNotFound, http.MethodGet, items+"/999", e.read, nil)
			e.must(http.StatusNotFound, http.MethodGet, teeLoc, e.intrude, nil)
		})

		t.Run("search", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				total int64
				first string
			}{
				{items, 12, "MUG-00"},
				{items + "?q=red", 1, "TEE-RED-M"},
				{items + "?sku=tee-red-m", 1, "TEE-RED-M"},
				{items + "?barcode=0001", 1, "TEE-RED-M"},
				{items + "?after=MUG-09", 2, "MUG-10"},
				{items + "?q=nothing", 0, ""},
			} {
				r := e.must(http.StatusOK, http.MethodGet, tc.query, e.read, nil)
				d := data(r)
				if num(r.Body["total"]) != tc.total || (tc.first != "" && d[0]["sku"] != tc.first) {
					t.Errorf("%s = %s", tc.query, r.Raw)
				}
			}
			r := e.must(http.StatusOK, http.MethodGet, items, e.read, nil)
			if next, _ := r.Body["next"].(string); next != items+"?page=2" || len(data(r)) != 10 {
				t.Fatalf("first page: next %v, %d items", r.Body["next"], len(data(r)))
			}
			if r := e.must(http.StatusOK, http.MethodGet, items, e.intrude, nil); num(r.Body["total"]) != 0 {
				t.Fatalf("globex sees acme's items: %s", r.Raw)
			}
		})

		t.Run("create refused", func(t *testing.T) {
			for _, tc := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"sku": "tee-red-m", "currency": "USD"}, "body.sku"},
				{map[string]any{"sku": "", "currency": "USD"}, "body.sku"},
				{map[string]any{"sku": "X", "currency": "ZZZ"}, "body.currency"},
				{map[string]any{"sku": "X"}, "body.currency"},
				{map[string]any{"sku": "X", "currency": "JPY", "price": "1.5"}, "body.price"},
				{map[string]any{"sku": "X", "currency": "USD", "cost": "-1"}, "body.cost"},
				{map[string]any{"sku": "X", "currency": "USD", "on_hand": -1}, "body.on_hand"},
			} {
				wantField(t, e.call(http.MethodPost, items, e.write, tc.body), tc.field)
			}
			e.must(http.StatusForbidden, http.MethodPost, items, e.read, map[string]any{"sku": "RO", "currency": "USD"})
			if r := e.must(http.StatusOK, http.MethodGet, items, e.read, nil); num(r.Body["total"]) != 12 {
				t.Fatalf("a refused create wrote: total %v", r.Body["total"])
			}
		})

		t.Run("update", func(t *testing.T) {
			e.must(http.StatusOK, http.MethodPatch, teeLoc, e.write, map[string]any{"price": "16.50", "description": "Red tee, M"}, "If-Match", `"v1"`)
			e.must(http.StatusPreconditionFailed, http.MethodPatch, teeLoc, e.write, map[string]any{"price": "1"}, "If-Match", `"v1"`)
			e.must(http.StatusForbidden, http.MethodPatch, teeLoc, e.read, map[string]any{"price": "1"})
			e.must(http.StatusNotFound, http.MethodPatch, teeLoc, e.intrude, map[string]any{"price": "1"})
			wantField(t, e.call(http.MethodPatch, teeLoc, e.write, map[string]any{"sku": "mug-01"}), "body.sku")
			wantField(t, e.call(http.MethodPatch, teeLoc, e.write, map[string]any{"currency": "XXY"}), "body.currency")
			wantField(t, e.call(http.MethodPatch, teeLoc, e.write, map[string]any{"currency": "JPY", "price": "16.50"}), "body.price")
			r := e.must(http.StatusOK, http.MethodGet, teeLoc, e.read, nil)
			if r.Body["price"] != "16.50" || r.Body["description"] != "Red tee, M" || r.Body["sku"] != "TEE-RED-M" || r.Header.Get("ETag") != `"v2"` {
				t.Fatalf("after update = %s", r.Raw)
			}
		})

		t.Run("adjust", func(t *testing.T) {
			adj := teeLoc + "/adjustments"
			first := e.must(http.StatusOK, http.MethodPost, adj, e.write, map[string]any{"delta": -2, "reason": "damaged"}, "Idempotency-Key", "adj-1")
			again := e.must(http.StatusOK, http.MethodPost, adj, e.write, map[string]any{"delta": -2, "reason": "damaged"}, "Idempotency-Key", "adj-1")
			if num(first.Body["on_hand"]) != 3 || again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("adjust %s, replay %s (%q)", first.Raw, again.Raw, again.Header.Get("Idempotent-Replayed"))
			}
			wantField(t, e.call(http.MethodPost, adj, e.write, map[string]any{"delta": -5}, "Idempotency-Key", "adj-1"), "header.Idempotency-Key")
			r := e.must(http.StatusOK, http.MethodPost, adj, e.write, map[string]any{"set": 10})
			if num(r.Body["on_hand"]) != 10 || r.Header.Get("ETag") == "" {
				t.Fatalf("set = %s", r.Raw)
			}
			for _, tc := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"delta": 1, "set": 2}, "body.set"},
				{map[string]any{}, "body.delta"},
				{map[string]any{"set": -1}, "body.set"},
				{map[string]any{"delta": 0}, "body.delta"},
				{map[string]any{"delta": "x"}, "body.delta"},
			} {
				wantField(t, e.call(http.MethodPost, adj, e.write, tc.body), tc.field)
			}
			e.must(http.StatusForbidden, http.MethodPost, adj, e.read, map[string]any{"delta": 1})
			e.must(http.StatusNotFound, http.MethodPost, adj, e.intrude, map[string]any{"delta": 1})
			e.must(http.StatusNotFound, http.MethodPost, items+"/999/adjustments", e.write, map[string]any{"delta": 1})
			// A delta below what is on hand is taken: the item shows as oversold, not hidden.
			r = e.must(http.StatusOK, http.MethodPost, adj, e.write, map[string]any{"delta": -12})
			if num(r.Body["available"]) != -2 || r.Body["oversold"] != true {
				t.Fatalf("below zero = %s", r.Raw)
			}
		})

		t.Run("history", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, teeLoc+"/history", e.read, nil)
			d := data(r)
			if num(r.Body["total"]) != 4 || d[0]["kind"] != "adjusted" || d[1]["kind"] != "set" || d[2]["note"] != "damaged" ||
				d[3]["kind"] != "created" || num(d[2]["on_hand_before"]) != 5 || num(d[2]["on_hand_after"]) != 3 {
				t.Fatalf("history = %s", r.Raw)
			}
			if actor, _ := d[0]["actor"].(string); len(actor) < len("api key 1") || actor[:8] != "api key " {
				t.Fatalf("actor = %q", d[0]["actor"])
			}
			e.must(http.StatusNotFound, http.MethodGet, teeLoc+"/history", e.intrude, nil)
		})

		t.Run("sales orders commit stock", func(t *testing.T) {
			contact, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada"})
			job, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
			e.create(path("/api/v2/jobs/%d/sales-orders", job), map[string]any{"currency": "USD",
				"lines": []map[string]any{{"description": "Tee", "sku": "tee-red-m", "quantity": 3, "unit_price": "16.50"}}})
			r := e.must(http.StatusOK, http.MethodGet, teeLoc, e.read, nil)
			if num(r.Body["committed"]) != 3 || num(r.Body["available"]) != -5 {
				t.Fatalf("after a sales order = %s", r.Raw)
			}
			e.must(http.StatusOK, http.MethodPut, path("/api/v2/jobs/%d", job), e.write, map[string]any{"status": "cancelled"})
			r = e.must(http.StatusOK, http.MethodGet, teeLoc, e.read, nil)
			if num(r.Body["committed"]) != 0 {
				t.Fatalf("after cancelling the job = %s", r.Raw)
			}
			it, err := e.svc.GetItem(t.Context(), backoffice.GetItemParams{AccountID: e.acme, ID: tee})
			if err != nil || it.Committed != 0 {
				t.Fatalf("service reads %+v, %v", it, err)
			}
		})
	})
}
