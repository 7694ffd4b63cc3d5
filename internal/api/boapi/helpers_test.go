package boapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/api/boapi"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var start = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// env is a running API with two accounts: acme (the one under test) and globex (the intruder).
type env struct {
	t       *testing.T
	srv     *apitest.Server
	svc     *backoffice.Service
	clock   *clock
	acme    int64
	write   string // acme read_write key
	read    string // acme read key
	intrude string // globex read_write key
	rep     string // a user of acme
}

func newEnv(t *testing.T, db *database.DB) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: start}}
	e.svc = backoffice.NewService(db, e.clock.Now)
	e.srv = apitest.New(t, db, apitest.Options{Now: e.clock.Now, Register: func(api huma.API) { boapi.Register(api, e.svc) }})
	e.acme = e.srv.CreateAccount(t, "acme")
	globex := e.srv.CreateAccount(t, "globex")
	e.rep = "rep@acme.test"
	e.srv.CreateUser(t, e.acme, e.rep)
	e.srv.CreateUser(t, e.acme, "csr@acme.test")
	e.srv.CreateUser(t, globex, "rep@globex.test")
	e.write = e.srv.CreateKey(t, e.acme, account.PermissionReadWrite)
	e.read = e.srv.CreateKey(t, e.acme, account.PermissionRead)
	e.intrude = e.srv.CreateKey(t, globex, account.PermissionReadWrite)
	for _, it := range []backoffice.PutListItemParams{
		{List: backoffice.ListPaymentTypes, Code: "card", Name: "Credit card"},
		{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"},
		{List: backoffice.ListAdjustmentTypes, Code: "surcharge", Name: "Card surcharge"},
		{List: backoffice.ListSuppliers, Code: "sanmar", Name: "SanMar"},
		{List: backoffice.ListCommissionCodes, Code: "STD", Name: "Standard", Kind: backoffice.KindDropship},
		{List: backoffice.ListCommissionCodes, Code: "STORE", Name: "Store", Kind: backoffice.KindStore},
		{List: backoffice.ListPaymentTerms, Code: "net30", Name: "Net 30"},
		{List: backoffice.ListProductIndices, Code: "apparel", Name: "Apparel"},
	} {
		it.AccountID, it.Active = e.acme, true
		if _, err := e.svc.PutListItem(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// resp is an answer of the API.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// call sends a request with key; body is JSON-encoded unless it is a string (sent as is).
func (e *env) call(method, path, key string, body any, headers ...string) resp {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL()+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// must sends a request and fails the test unless the status is want.
func (e *env) must(want int, method, path, key string, body any, headers ...string) resp {
	e.t.Helper()
	r := e.call(method, path, key, body, headers...)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// create POSTs body and returns the new object's location, checking the fixed answer shape.
func (e *env) create(path string, body any) (int64, string) {
	e.t.Helper()
	r := e.must(http.StatusCreated, http.MethodPost, path, e.write, body)
	id, _ := r.Body["id"].(float64)
	loc, _ := r.Body["location"].(string)
	if id == 0 || !strings.HasPrefix(loc, "/api/v2/") || r.Header.Get("Location") != loc || r.Header.Get("ETag") == "" {
		e.t.Fatalf("POST %s answered %v with Location %q ETag %q", path, r.Body, r.Header.Get("Location"), r.Header.Get("ETag"))
	}
	return int64(id), loc
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func data(r resp) []map[string]any {
	var out []map[string]any
	items, _ := r.Body["data"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// wantField checks a 422 that names the field at location. A missing required property is
// reported at "body" with its name in the message.
func wantField(t *testing.T, r resp, location string) {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422 naming %s: %s", r.Status, location, r.Raw)
	}
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		if m["location"] == location {
			return
		}
		msg, _ := m["message"].(string)
		if field, ok := strings.CutPrefix(location, "body."); ok && m["location"] == "body" && strings.Contains(msg, "property "+field+" ") {
			return
		}
	}
	t.Fatalf("422 does not name %s: %s", location, r.Raw)
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
