package boapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// rows counts the rows of the back office's tables of every account.
func rows(t *testing.T, db *database.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tbl := range []string{"bo_contacts", "bo_jobs", "bo_sales_orders", "bo_purchase_orders", "bo_line_items", "bo_payments"} {
		var n int64
		if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}

// The API refuses what the databases would keep differently or not at all, on both databases,
// naming the field, and writes nothing.
func TestStrictInput(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		e := newEnv(t, db)
		contact, contactLoc := e.create("/api/v2/contacts", map[string]any{"name": "Ada"})
		job, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
		sos := path("/api/v2/jobs/%d/sales-orders", job)
		_, soLoc := e.create(sos, map[string]any{"currency": "USD"})
		before := rows(t, db)
		for _, tc := range []struct {
			name, method, path string
			body               any
			location           string
		}{
			{"NUL in a name", "POST", "/api/v2/contacts", `{"name":"Ada\u0000Lovelace"}`, "body.name"},
			{"NUL in a nested field", "POST", "/api/v2/contacts", `{"name":"Ada","address":{"city":"Lon\u0000don"}}`, "body.address.city"},
			{"control character in a phone", "POST", "/api/v2/contacts", `{"name":"Ada","phone":"555\u001b[2J"}`, "body.phone"},
			{"newline in a name", "POST", "/api/v2/contacts", `{"name":"Ada\nLovelace"}`, "body.name"},
			{"carriage return in notes", "POST", sos, `{"currency":"USD","customer_instructions":"a\rb"}`, "body.customer_instructions"},
			{"NUL in a line of an order", "POST", sos, `{"currency":"USD","lines":[{"description":"T\u0000","quantity":1,"unit_price":"1"}]}`, "body.lines[0].description"},
			{"null for a string", "POST", "/api/v2/contacts", `{"name":null}`, "body.name"},
			{"null for an object", "PUT", contactLoc, `{"address":null}`, "body.address"},
			{"NUL in a query", "GET", "/api/v2/contacts?email=a%00b", nil, "query.email"},
			{"NUL in the path", "GET", "/api/v2/contacts/1%00", nil, "path.id"},
			{"page past the maximum", "GET", "/api/v2/contacts?page=9223372036854775807", nil, "query.page"},
			{"id past the maximum", "GET", "/api/v2/contacts/9223372036854775807", nil, "path.id"},
			{"not a country", "POST", "/api/v2/contacts", map[string]any{"name": "Ada", "address": map[string]any{"country": "QQ"}}, "body.address.country"},
			{"a reserved country code", "POST", sos, map[string]any{"currency": "USD", "ship_to": map[string]any{"country": "UK"}}, "body.ship_to.country"},
			{"not an email", "POST", "/api/v2/contacts", map[string]any{"name": "Ada", "email": "Ada <ada@example.com>"}, "body.email"},
			{"not an email in an address", "POST", sos, map[string]any{"currency": "USD", "bill_to": map[string]any{"email": "nope"}}, "body.bill_to.email"},
			{"not a currency", "POST", sos, map[string]any{"currency": "QQQ"}, "body.currency"},
			{"store contact without store_id", "POST", "/api/v2/store-contacts", map[string]any{"name": "Ada"}, "body.store_id"},
			{"store job without store_id", "POST", "/api/v2/store-jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep}, "body.store_id"},
			{"line total out of range", "POST", soLoc + "/line-items", map[string]any{"description": "Gold", "quantity": 1000000000, "unit_price": "999999999999999"}, "body.unit_price"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call(tc.method, tc.path, e.write, tc.body)
				wantField(t, r, tc.location)
				if len(r.Raw) > 2000 {
					t.Errorf("the 422 is %d bytes long", len(r.Raw))
				}
			})
		}
		// Multi-line notes may hold line feeds and tabs.
		e.must(http.StatusOK, http.MethodPut, soLoc, e.write, map[string]any{"customer_instructions": "Line 1\n\tLine 2"})
		// Totals that would overflow together are refused too, and the order stays readable.
		lines := soLoc + "/line-items"
		e.create(lines, map[string]any{"description": "Gold", "quantity": 1000000, "unit_price": "90000000000"})
		wantField(t, e.call(http.MethodPost, lines, e.write, map[string]any{"description": "More", "quantity": 1000000, "unit_price": "90000000000"}), "body.unit_price")
		if got := e.must(http.StatusOK, http.MethodGet, soLoc, e.read, nil).Body["subtotal"]; got != "90000000000000000.00" {
			t.Errorf("subtotal %v", got)
		}
		after := rows(t, db)
		after["bo_line_items"]--
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: %d rows before, %d after refused requests", k, v, after[k])
			}
		}
	})
}

// A known path with a wrong method is a 405 listing the methods; without a key, anything under
// /api/v1 or /api/v2 is a 401 first.
func TestMethodsAndAuthenticationFirst(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		e := newEnv(t, db)
		r := e.call(http.MethodDelete, "/api/v2/contacts", e.write, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD, POST" {
			t.Errorf("DELETE /api/v2/contacts: %d, Allow %q: %s", r.Status, r.Header.Get("Allow"), r.Raw)
		}
		r = e.call(http.MethodPatch, "/api/v2/jobs/12", e.write, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD, PUT" {
			t.Errorf("PATCH /api/v2/jobs/12: %d, Allow %q", r.Status, r.Header.Get("Allow"))
		}
		for _, p := range []string{"/api/v2/contacts", "/api/v2/no-such-thing", "/api/v1/jobs/1/x"} {
			r := e.call(http.MethodDelete, p, "", nil)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("DELETE %s without a key: %d, want 401", p, r.Status)
			}
		}
		if r := e.call(http.MethodGet, "/api/v2/no-such-thing", e.read, nil); r.Status != http.StatusNotFound {
			t.Errorf("unknown path with a key: %d, want 404", r.Status)
		}
	})
}

// A POST with an Idempotency-Key runs once: a retry gets the first answer, marked replayed; the
// same key with another body is a 422; after 24 hours the key is free again.
func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		e := newEnv(t, db)
		contact, _ := e.create("/api/v2/contacts", map[string]any{"name": "Ada"})
		job, _ := e.create("/api/v2/jobs", map[string]any{"contact_id": contact, "primary_rep": e.rep})
		_, soLoc := e.create(path("/api/v2/jobs/%d/sales-orders", job), map[string]any{"currency": "USD"})
		pays := soLoc + "/payments"
		pay := map[string]any{"amount": "25.00", "payment_type": "card"}
		first := e.must(http.StatusCreated, http.MethodPost, pays, e.write, pay, "Idempotency-Key", "k-1")
		again := e.must(http.StatusCreated, http.MethodPost, pays, e.write, pay, "Idempotency-Key", "k-1")
		if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Location") != first.Header.Get("Location") {
			t.Errorf("retry answered %s (replayed %q), first %s", again.Raw, again.Header.Get("Idempotent-Replayed"), first.Raw)
		}
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Error("the first answer says it is replayed")
		}
		count := func() int64 { return num(e.must(http.StatusOK, http.MethodGet, pays, e.read, nil).Body["total"]) }
		if n := count(); n != 1 {
			t.Fatalf("%d payments after a retry, want 1", n)
		}
		other := map[string]any{"amount": "30.00", "payment_type": "card"}
		wantField(t, e.call(http.MethodPost, pays, e.write, other, "Idempotency-Key", "k-1"), "header.Idempotency-Key")
		// Another account's key of the same name is its own.
		if r := e.call(http.MethodPost, pays, e.intrude, pay, "Idempotency-Key", "k-1"); r.Status != http.StatusNotFound {
			t.Errorf("another account with the same key: %d, want 404 (its own request)", r.Status)
		}
		e.clock.Set(start.Add(24*time.Hour + time.Minute))
		fresh := e.must(http.StatusCreated, http.MethodPost, pays, e.write, pay, "Idempotency-Key", "k-1")
		if fresh.Header.Get("Idempotent-Replayed") != "" || count() != 2 {
			t.Errorf("after 24 h the key still replays: %s", fresh.Raw)
		}
		var kept int64
		if err := db.QueryRow(context.Background(), "SELECT count(*) FROM api_idempotency_keys").Scan(&kept); err != nil || kept != 1 {
			t.Errorf("%d keys kept after the prune (%v), want 1", kept, err)
		}
		wantField(t, e.call(http.MethodPost, pays, e.write, pay, "Idempotency-Key", strings.Repeat("k", 256)), "header.Idempotency-Key")

		// While the first request with a key still runs, the same request again is a 409 and runs
		// nothing. (The running request is the row it claimed, answer not yet kept.)
		raw, _ := json.Marshal(pay)
		sum := sha256.Sum256(append([]byte("POST "+pays+"\n"), raw...))
		if _, err := db.Exec(context.Background(), `INSERT INTO api_idempotency_keys (account_id, idem_key, request_hash, created_at)
			VALUES ($1, 'busy', $2, $3)`, e.acme, hex.EncodeToString(sum[:]), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if r := e.call(http.MethodPost, pays, e.write, pay, "Idempotency-Key", "busy"); r.Status != http.StatusConflict || count() != 2 {
			t.Errorf("a retry while the first runs: %d, %d payments: %s", r.Status, count(), r.Raw)
		}
	})
}
