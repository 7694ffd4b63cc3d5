package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Examples drawn per operation, valid and invalid: enough to reach every field, few enough that
// the walk takes seconds per database.
const walkExamples = 8

// The walk sends every operation of the served OpenAPI description inputs generated from the
// description itself, valid and invalid, as an outside fuzzer would, on both databases. No answer
// is a 5xx; every answer's status is one the operation declares and its body matches the declared
// schema; an invalid input is refused with a 4xx naming the field and writes nothing.
func TestOpenAPIWalk(t *testing.T) {
	t.Parallel()
	eachApp(t, func(t *testing.T, a *app.App) {
		w := newWalk(t, a)
		paths := w.doc.Paths.Map()
		keys := make([]string, 0, len(paths))
		for p := range paths {
			keys = append(keys, p)
		}
		sort.Strings(keys)
		n := 0
		for _, p := range keys {
			for method, op := range paths[p].Operations() {
				n++
				route := &routers.Route{Spec: w.doc, Path: p, PathItem: paths[p], Method: method, Operation: op}
				t.Run(op.OperationID, func(t *testing.T) {
					for seed := range walkExamples {
						w.send(t, route, w.request(route, false).Example(seed), false)
						if bad := w.request(route, true).Example(seed); bad.field != "" {
							w.send(t, route, bad, true)
						}
					}
				})
			}
		}
		if n < 40 {
			t.Errorf("walked %d operations only", n)
		}
		// The valid inputs reach the operations: most of them answer 2xx.
		if w.ok < n*walkExamples/3 {
			t.Errorf("only %d of %d valid requests succeeded", w.ok, n*walkExamples)
		}
	})
}

type walk struct {
	t     *testing.T
	a     *app.App
	srv   *httptest.Server
	doc   *openapi3.T
	key   string
	acct  int64
	check map[string]bool // tables with an account_id column
	ok    int             // valid requests answered 2xx
	ctype string          // the Content-Type of the last answer
}

// req is one generated request; field is the location an invalid one must be refused at.
type req struct {
	method, path string
	query        url.Values
	header       http.Header
	body         any
	hasBody      bool
	field        string
}

// registerFileDecoders lets the walk check the pushed-orders report's xlsx answer: a file.
var registerFileDecoders = sync.OnceFunc(func() {
	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
})

func newWalk(t *testing.T, a *app.App) *walk {
	t.Helper()
	registerFileDecoders()
	ctx := context.Background()
	w := &walk{t: t, a: a}
	w.srv = httptest.NewTLSServer(a.Handler(app.ServeOptions{}))
	t.Cleanup(w.srv.Close)
	acc, err := a.Accounts.CreateAccount(ctx, "walk")
	if err != nil {
		t.Fatal(err)
	}
	w.acct = acc.ID
	if _, err := a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: "rep@walk.test", Name: "Rep",
		Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	if _, w.key, err = a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "walk",
		Permission: account.PermissionReadWrite}); err != nil {
		t.Fatal(err)
	}
	for _, it := range []backoffice.PutListItemParams{
		{List: backoffice.ListPaymentTypes, Code: "card", Name: "Card"},
		{List: backoffice.ListSuppliers, Code: "sanmar", Name: "SanMar"},
	} {
		it.AccountID, it.Active = acc.ID, true
		if _, err := a.BackOffice.PutListItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	// Objects for path ids to find: a contact, a job with a sales order, a line and a payment,
	// a purchase order.
	for _, c := range []struct{ path, body string }{
		{"/api/v2/contacts", `{"name":"Ada"}`},
		{"/api/v2/jobs", `{"contact_id":1,"primary_rep":"rep@walk.test"}`},
		{"/api/v2/jobs/1/sales-orders", `{"currency":"USD","lines":[{"description":"Tee","quantity":2,"unit_price":"8.50"}],"payments":[{"amount":"5","payment_type":"card"}]}`},
		{"/api/v2/jobs/1/purchase-orders", `{"currency":"USD","supplier":"sanmar","lines":[{"description":"Tee","quantity":2,"unit_price":"4"}]}`},
	} {
		status, body := w.do(http.MethodPost, c.path, nil, []byte(c.body))
		if status != http.StatusCreated {
			t.Fatalf("setting up %s: %d %s", c.path, status, body)
		}
	}
	// Two stores and a connection between them, for the connections' ids to find.
	dst := simStore(t, a, acc.ID, "walk-destination.myshopify.com", "tok-walk-d", "s")
	src := simStore(t, a, acc.ID, "walk-source.myshopify.com", "tok-walk-s", "s")
	if status, body := w.do(http.MethodPost, "/api/v2/connections", nil,
		[]byte(fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":%q}`, dst.ID, src.Key))); status != http.StatusCreated {
		t.Fatalf("setting up a connection: %d %s", status, body)
	}
	// A destination order for the orders' ids to find, eligible for the source (a linked line),
	// its push failed: pushes and retries are queued (no job runs here).
	if err := a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		now := time.Now().UTC()
		var cid int64
		if err := tx.QueryRow(ctx, `SELECT id FROM connections WHERE destination_store_id = $1`, dst.ID).Scan(&cid); err != nil {
			return err
		}
		if err := a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: cid, At: now, Links: []catalog.LinkInput{{
			SourceStoreID: src.ID, SourceProductID: "sp", SourceVariantID: "sv", SourceInventoryItemID: "si",
			DestinationStoreID: dst.ID, DestinationProductID: "dp", DestinationVariantID: "dv", DestinationInventoryItemID: "di",
			SourcePrice: &platform.Money{Amount: 100, Currency: "USD"}, DestinationPrice: &platform.Money{Amount: 150, Currency: "USD"}}}}); err != nil {
			return err
		}
		_, err := a.Orders.Apply(ctx, tx, dst, platform.Order{ID: "walk-1", Name: "#1", FinancialStatus: platform.FinancialPaid,
			Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee"},
			ShippingAddress: &platform.Address{Address1: "1 Main St", City: "Austin", CountryCode: "US"},
			Lines:           []platform.OrderLine{{ID: "l1", VariantID: "dv", Quantity: 1, Current: 1, UnitPrice: platform.Money{Amount: 100, Currency: "USD"}}},
			Total:           platform.Money{Amount: 100, Currency: "USD"}, CreatedAt: now.Add(time.Second), UpdatedAt: now})
		if err != nil {
			return err
		}
		// Its push failed once, so a retry has something to queue.
		if _, err = tx.Exec(ctx, `UPDATE order_pushes SET status = 'failed', error = 'walk' WHERE connection_id = $1`, cid); err != nil {
			return err
		}
		// Three flags on it, so that clearing one (ids 1 to 3) finds it.
		for i := range 3 {
			if _, err := tx.Exec(ctx, `INSERT INTO order_flags (order_id, account_id, kind, detail, dedupe_key, created_at)
				SELECT id, account_id, 'line_edited', 'walk', $2, $3 FROM orders WHERE platform_order_id = $1`,
				"walk-1", fmt.Sprint("walk-", i), now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	status, raw := w.do(http.MethodGet, "/api/openapi.json", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d", status)
	}
	w.doc, err = openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	w.check = w.accountTables()
	return w
}

func (w *walk) do(method, path string, h http.Header, body []byte) (int, []byte) {
	w.t.Helper()
	r, err := http.NewRequestWithContext(w.t.Context(), method, w.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	maps.Copy(r.Header, h)
	r.Header.Set("Authorization", "Bearer "+w.key)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	res, err := w.srv.Client().Do(r)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	w.ctype = res.Header.Get("Content-Type")
	return res.StatusCode, raw
}

// accountTables lists the tables whose rows belong to an account.
func (w *walk) accountTables() map[string]bool {
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'account_id'`
	if w.a.DB.Dialect() == database.Postgres {
		q = `SELECT table_name FROM information_schema.columns WHERE column_name = 'account_id' AND table_schema = current_schema()`
	}
	rows, err := w.a.DB.Query(context.Background(), q)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			w.t.Fatal(err)
		}
		out[name] = true
	}
	if len(out) < 8 {
		w.t.Fatalf("found %d account tables: %v", len(out), out)
	}
	return out
}

func (w *walk) counts() map[string]int64 {
	out := map[string]int64{}
	for tbl := range w.check {
		var n int64
		if err := w.a.DB.QueryRow(context.Background(), "SELECT count(*) FROM "+tbl+" WHERE account_id = $1", w.acct).Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}

// send sends one generated request and checks the answer against the description.
func (w *walk) send(t *testing.T, route *routers.Route, r req, invalid bool) {
	t.Helper()
	var body []byte
	if r.hasBody {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			t.Fatalf("encoding a generated body: %v", err)
		}
	}
	target := r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var before map[string]int64
	if invalid {
		before = w.counts()
	}
	status, raw := w.do(r.method, target, r.header, body)
	what := fmt.Sprintf("%s %s %s", r.method, target, truncate(string(body), 300))
	// No 5xx, but the 502 or 503 an operation that asks a store's platform declares, for a
	// platform that cannot be reached (the walk's stores point nowhere).
	if declared := route.Operation.Responses.Value(strconv.Itoa(status)) != nil; status == 500 || (status > 500 && !declared) {
		t.Fatalf("%s: %d %s", what, status, raw)
	}
	if route.Operation.Responses.Value(strconv.Itoa(status)) == nil {
		t.Errorf("%s: status %d is not declared: %s", what, status, truncate(string(raw), 300))
	}
	hr, _ := http.NewRequestWithContext(t.Context(), r.method, w.srv.URL+target, bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hdr := http.Header{"Content-Type": {contentType(status, raw)}}
	if ct := w.ctype; status < 300 && ct != "" && !strings.HasPrefix(ct, "application/json") {
		hdr.Set("Content-Type", ct) // a file (the pushed-orders report's csv and xlsx)
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: hr, Route: route},
		Status:                 status, Header: hdr, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		t.Errorf("%s: the answer %d does not match the description: %v\n%s", what, status, err, truncate(string(raw), 300))
	}
	if !invalid {
		if status < 300 {
			w.ok++
		}
		return
	}
	if status < 400 {
		t.Errorf("%s: invalid %s accepted with %d", what, r.field, status)
		return
	}
	if !namesField(raw, r.field) {
		t.Errorf("%s: the %d does not name %s: %s", what, status, r.field, truncate(string(raw), 400))
	}
	after := w.counts()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: refused with %d, yet %s went from %d to %d rows", what, status, k, v, after[k])
		}
	}
}

func contentType(status int, raw []byte) string {
	if status >= 400 {
		return "application/problem+json"
	}
	if len(raw) == 0 {
		return ""
	}
	return "application/json"
}

// namesField reports whether a problem document names the field at loc: as an error location, or
// (for a missing required property) in the message of an error at the object holding it.
func namesField(raw []byte, loc string) bool {
	var p struct {
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(raw, &p)
	for _, e := range p.Errors {
		if e.Location == loc || strings.HasPrefix(e.Location, loc+".") || strings.HasPrefix(e.Location, loc+"[") {
			return true
		}
		parent, name := loc[:max(strings.LastIndex(loc, "."), 0)], loc[strings.LastIndex(loc, ".")+1:]
		if e.Location == parent && strings.Contains(e.Message, "property "+name+" ") {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
