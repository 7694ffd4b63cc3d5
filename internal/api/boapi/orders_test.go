package boapi_test

import (
	"net/http"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestOrdersAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		contact, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada Lovelace", "company": "Analytical",
			"address": map[string]any{"line1": "1 Engine Way", "city": "London", "country": "GB"}})
		job, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
		other, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
		sos := path("/api/v2/jobs/%d/sales-orders", job)

		so, soLoc := e.create(sos, map[string]any{"currency": "usd", "ship_to": map[string]any{"name": "Dock 4", "city": "Leeds"},
			"customer_instructions": "https://shop.example.com/orders/1001", "csr_instructions": "Visa 50.00",
			"lines": []any{
				map[string]any{"description": "Tee", "sku": "G5000-L", "quantity": 12, "unit_price": "8.95",
					"decoration": map[string]any{"design_name": "Crest", "location": "Left chest", "method": "Embroidery", "supplier": "Stitch"}},
				map[string]any{"description": "Cap", "quantity": 2, "unit_price": "16.5"},
			},
			"payments": []any{map[string]any{"amount": "50.00", "payment_type": "card", "card_type": "visa", "reference": "ch_1"}},
		})
		if soLoc != path("%s/%d", sos, so) {
			t.Fatalf("location %s", soLoc)
		}

		t.Run("sales order", func(t *testing.T) {
			r := e.must(http.StatusOK, http.MethodGet, soLoc, e.read, nil)
			b := r.Body
			sold, _ := b["sold_to"].(map[string]any)
			if b["currency"] != "USD" || b["subtotal"] != "140.40" || b["paid"] != "50.00" || b["balance"] != "90.40" ||
				b["status"] != "draft" || sold["name"] != "Ada Lovelace" || sold["city"] != "London" || r.Header.Get("ETag") != `"v1"` {
				t.Fatalf("sales order = %s", r.Raw)
			}
			list := e.must(http.StatusOK, http.MethodGet, sos, e.read, nil)
			if num(list.Body["total"]) != 1 || num(data(list)[0]["id"]) != so {
				t.Fatalf("list = %s", list.Raw)
			}
			e.must(http.StatusOK, http.MethodPut, soLoc, e.write, map[string]any{"status": "confirmed", "csr_instructions": "ok"}, "If-Match", `"v1"`)
			e.must(http.StatusPreconditionFailed, http.MethodPut, soLoc, e.write, map[string]any{"status": "invoiced"}, "If-Match", `"v1"`)
			wantField(t, e.call(http.MethodPut, soLoc, e.write, map[string]any{"status": "closed"}), "body.status")
			wantField(t, e.call(http.MethodPut, soLoc, e.write, map[string]any{"status": "paid"}), "body.status")
			if got := e.must(http.StatusOK, http.MethodGet, soLoc, e.read, nil).Body; got["status"] != "confirmed" || got["csr_instructions"] != "ok" {
				t.Fatalf("after update = %v", got)
			}
			// The order belongs to its job: another job's path does not reach it.
			e.must(http.StatusNotFound, http.MethodGet, path("/api/v2/jobs/%d/sales-orders/%d", other, so), e.read, nil)
			e.must(http.StatusNotFound, http.MethodPut, path("/api/v2/jobs/%d/sales-orders/%d", other, so), e.write, map[string]any{"status": "draft"})
		})

		t.Run("sales order lines", func(t *testing.T) {
			lines := soLoc + "/line-items"
			r := e.must(http.StatusOK, http.MethodGet, lines, e.read, nil)
			items := data(r)
			if len(items) != 2 || items[0]["total"] != "107.40" || items[1]["unit_price"] != "16.50" {
				t.Fatalf("lines = %s", r.Raw)
			}
			if d, _ := items[0]["decoration"].(map[string]any); d["location"] != "Left chest" || d["method"] != "Embroidery" {
				t.Fatalf("decoration = %v", items[0]["decoration"])
			}
			id, loc := e.create(lines, map[string]any{"description": "Tote", "quantity": 3, "unit_price": "7.25", "sku": "BE008"})
			if loc != path("%s/%d", lines, id) {
				t.Fatalf("location %s", loc)
			}
			e.must(http.StatusOK, http.MethodPut, loc, e.write, map[string]any{"quantity": 4, "unit_price": "7.00"}, "If-Match", `"v1"`)
			got := e.must(http.StatusOK, http.MethodGet, loc, e.read, nil)
			if got.Body["total"] != "28.00" || got.Body["sku"] != "BE008" || got.Header.Get("ETag") != `"v2"` {
				t.Fatalf("line after update = %s", got.Raw)
			}
			if b := e.must(http.StatusOK, http.MethodGet, soLoc, e.read, nil).Body; b["subtotal"] != "168.40" {
				t.Fatalf("subtotal %v does not follow the lines", b["subtotal"])
			}
			// Lines belong to their order alone.
			so2, so2Loc := e.create(sos, map[string]any{"currency": "USD"})
			e.must(http.StatusNotFound, http.MethodGet, path("%s/line-items/%d", so2Loc, id), e.read, nil)
			e.must(http.StatusNotFound, http.MethodPut, path("%s/line-items/%d", so2Loc, id), e.write, map[string]any{"quantity": 1})
			_ = so2
			wantField(t, e.call(http.MethodPost, lines, e.write, map[string]any{"description": "x", "quantity": 1, "unit_price": "1.234"}), "body.unit_price")
			wantField(t, e.call(http.MethodPost, lines, e.write, map[string]any{"description": "x", "quantity": 0, "unit_price": "1"}), "body.quantity")
			wantField(t, e.call(http.MethodPut, loc, e.write, map[string]any{"quantity": "many"}), "body.quantity")
		})

		t.Run("sales order payments", func(t *testing.T) {
			pays := soLoc + "/payments"
			_, loc := e.create(pays, map[string]any{"amount": "-5.00", "payment_type": "card", "adjustment_type": "surcharge"})
			if loc != pays {
				t.Fatalf("payment location %s", loc)
			}
			r := e.must(http.StatusOK, http.MethodGet, pays, e.read, nil)
			if items := data(r); len(items) != 2 || items[0]["amount"] != "50.00" || items[0]["card_type"] != "visa" || items[1]["amount"] != "-5.00" {
				t.Fatalf("payments = %s", r.Raw)
			}
			wantField(t, e.call(http.MethodPost, pays, e.write, map[string]any{"amount": "1.00", "payment_type": "bitcoin"}), "body.payment_type")
			wantField(t, e.call(http.MethodPost, pays, e.write, map[string]any{"amount": "1.00", "payment_type": "card", "card_type": "diners"}), "body.card_type")
			wantField(t, e.call(http.MethodPost, pays, e.write, map[string]any{"amount": 1, "payment_type": "card"}), "body.amount")
			wantField(t, e.call(http.MethodPost, pays, e.write, map[string]any{"amount": "0", "payment_type": "card"}), "body.amount")
		})

		t.Run("purchase orders", func(t *testing.T) {
			pos := path("/api/v2/jobs/%d/purchase-orders", job)
			po, poLoc := e.create(pos, map[string]any{"supplier": "sanmar", "currency": "USD",
				"lines": []any{map[string]any{"description": "Tee blank", "quantity": 12, "unit_price": "4.10"}}})
			r := e.must(http.StatusOK, http.MethodGet, poLoc, e.read, nil)
			if r.Body["supplier"] != "sanmar" || r.Body["subtotal"] != "49.20" || r.Body["status"] != "draft" || num(r.Body["id"]) != po {
				t.Fatalf("purchase order = %s", r.Raw)
			}
			if l := e.must(http.StatusOK, http.MethodGet, pos, e.read, nil); num(l.Body["total"]) != 1 {
				t.Fatalf("purchase orders = %s", l.Raw)
			}
			e.must(http.StatusOK, http.MethodPut, poLoc, e.write, map[string]any{"status": "sent"}, "If-Match", `"v1"`)
			wantField(t, e.call(http.MethodPut, poLoc, e.write, map[string]any{"supplier": "acme-sweatshop"}), "body.supplier")
			wantField(t, e.call(http.MethodPut, poLoc, e.write, map[string]any{"status": "closed"}), "body.status")
			wantField(t, e.call(http.MethodPost, pos, e.write, map[string]any{"supplier": "sanmar", "currency": "ZZZ"}), "body.currency")
			wantField(t, e.call(http.MethodPost, pos, e.write, map[string]any{"supplier": "sanmar", "currency": "USD",
				"lines": []any{map[string]any{"description": "", "quantity": 1, "unit_price": "1"}}}), "body.lines[0].description")

			lines := e.must(http.StatusOK, http.MethodGet, poLoc+"/line-items", e.read, nil)
			items := data(lines)
			if len(items) != 1 || items[0]["order"] != "purchase_order" {
				t.Fatalf("PO lines = %s", lines.Raw)
			}
			lineLoc := path("%s/line-items/%d", poLoc, num(items[0]["id"]))
			e.must(http.StatusOK, http.MethodPut, lineLoc, e.write, map[string]any{"unit_price": "4.00"})
			if got := e.must(http.StatusOK, http.MethodGet, lineLoc, e.read, nil).Body; got["total"] != "48.00" {
				t.Fatalf("PO line = %v", got)
			}
			// PO lines have no create of their own, and a PO line is not reachable as an SO line.
			if r := e.call(http.MethodPost, poLoc+"/line-items", e.write, map[string]any{"description": "x", "quantity": 1, "unit_price": "1"}); r.Status < 400 {
				t.Fatalf("POST of a PO line answered %d", r.Status)
			}
			e.must(http.StatusNotFound, http.MethodGet, path("%s/line-items/%d", soLoc, num(items[0]["id"])), e.read, nil)

			e.create(poLoc+"/payments", map[string]any{"amount": "48.00", "payment_type": "card", "reference": "PO-pay"})
			if p := e.must(http.StatusOK, http.MethodGet, poLoc+"/payments", e.read, nil); num(p.Body["total"]) != 1 {
				t.Fatalf("PO payments = %s", p.Raw)
			}
			if b := e.must(http.StatusOK, http.MethodGet, poLoc, e.read, nil).Body; b["paid"] != "48.00" || b["balance"] != "0.00" {
				t.Fatalf("PO totals = %v", b)
			}
		})

		t.Run("pagination of lines", func(t *testing.T) {
			_, loc := e.create(sos, map[string]any{"currency": "JPY"})
			for i := range 11 {
				e.create(loc+"/line-items", map[string]any{"description": path("item %d", i), "quantity": 1, "unit_price": "1500"})
			}
			r := e.must(http.StatusOK, http.MethodGet, loc+"/line-items", e.read, nil)
			next, _ := r.Body["next"].(string)
			if len(data(r)) != 10 || num(r.Body["total"]) != 11 || next != loc+"/line-items?page=2" {
				t.Fatalf("page 1 = %d items, next %q", len(data(r)), next)
			}
			r = e.must(http.StatusOK, http.MethodGet, next, e.read, nil)
			if items := data(r); len(items) != 1 || items[0]["description"] != "item 10" || items[0]["unit_price"] != "1500" {
				t.Fatalf("page 2 = %s", r.Raw)
			}
		})
	})
}
