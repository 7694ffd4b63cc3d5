package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/webhook"
)

type connEnv struct {
	t      *testing.T
	db     *database.DB
	s      *apitest.Server
	stores *store.Service
	box    *secret.Box
}

func newConnEnv(t *testing.T, db *database.DB) connEnv {
	t.Helper()
	jc, err := jobs.New(db, nil, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(k)
	stores := store.NewService(db, nil, box, nil)
	svc := connection.NewService(db, stores, webhook.NewService(db, jc, nil, nil, nil), nil)
	s := apitest.New(t, db, apitest.Options{Register: func(h huma.API) { api.Connections(svc)(h) }})
	return connEnv{t: t, db: db, s: s, stores: stores, box: box}
}

func (e connEnv) store(accountID int64, name string) store.Store {
	e.t.Helper()
	return connectiontest.Store(e.t, e.db, e.stores, e.box, accountID, name)
}

// call sends a request and returns the status and body (decoded, and raw).
func (e connEnv) call(method, path, auth, body string) (int, map[string]any, string) {
	e.t.Helper()
	status, m, _ := do(e.t, e.s.Client(), method, e.s.URL()+path, auth, body)
	raw, err := json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return status, m, string(raw)
}

// errorAt reports whether a problem document names location.
func errorAt(m map[string]any, location string) bool {
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if d, _ := e.(map[string]any); d["location"] == location {
			return true
		}
	}
	return false
}

// Destination account A connects to account B's source store by its key; each side sees what it
// should and can do what it may; bad input is refused, naming the field, and changes nothing; a
// third account sees and does nothing.
func TestConnectionsAcrossAccounts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		e := newConnEnv(t, db)
		a, b, x := e.s.CreateAccount(t, "reseller"), e.s.CreateAccount(t, "supplier"), e.s.CreateAccount(t, "stranger")
		ka, kb, kx := "Bearer "+e.s.CreateKey(t, a, account.PermissionReadWrite), "Bearer "+e.s.CreateKey(t, b, account.PermissionReadWrite),
			"Bearer "+e.s.CreateKey(t, x, account.PermissionReadWrite)
		dest, secret := e.store(a, "harbor"), e.store(a, "hidden-shop")
		src, bOther := e.store(b, "northwind"), e.store(b, "northwind-two")

		body := fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":%q}`, dest.ID, src.Key)
		status, m, hdr := do(t, e.s.Client(), "POST", e.s.URL()+"/api/v2/connections", ka, body)
		if status != 201 || m["state"] != "connected" || m["role"] != "destination" || m["settings"] == nil {
			t.Fatalf("connect: %d %v", status, m)
		}
		loc := hdr.Get("Location")
		id := int64(m["id"].(float64))
		if status, got, _ := e.call("GET", loc, ka, ""); status != 200 || int64(got["id"].(float64)) != id {
			t.Fatalf("GET Location %s: %d %v", loc, status, got)
		}

		// Bad input: nothing is created.
		bad := []struct {
			name, auth, body string
			status           int
			field            string
		}{
			{"twice", ka, body, 409, "body.source_store_key"},
			{"itself", ka, fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":%q}`, dest.ID, dest.Key), 409, "body.source_store_key"},
			{"unknown key", ka, fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":"store_unknown"}`, dest.ID), 404, "body.source_store_key"},
			{"destination of another account", ka, fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":%q}`, bOther.ID, src.Key), 404, "body.destination_store_id"},
			{"stranger's destination", kx, body, 404, "body.destination_store_id"},
			{"empty key", ka, fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":""}`, dest.ID), 422, "body.source_store_key"},
		}
		for _, c := range bad {
			status, got, _ := e.call("POST", "/api/v2/connections", c.auth, c.body)
			if status != c.status || !errorAt(got, c.field) {
				t.Errorf("%s: %d %v, want %d naming %s", c.name, status, got, c.status, c.field)
			}
		}
		if _, got, _ := e.call("GET", "/api/v2/connections", ka, ""); got["total"] != 1.0 {
			t.Errorf("after refused connects A has %v connections", got["total"])
		}

		// B sees its destination by name and key, nothing else of A.
		_, got, raw := e.call("GET", "/api/v2/connections?role=source", kb, "")
		data := got["data"].([]any)
		if len(data) != 1 {
			t.Fatalf("B's destinations: %v", got)
		}
		c := data[0].(map[string]any)
		d := c["destination"].(map[string]any)
		if d["name"] != "harbor" || d["store_key"] != dest.Key || d["store_id"] != nil || c["settings"] != nil || c["role"] != "source" {
			t.Errorf("B sees %v", c)
		}
		if strings.Contains(raw, secret.Key) || strings.Contains(raw, "hidden-shop") {
			t.Errorf("B sees A's other store: %s", raw)
		}
		if _, got, _ := e.call("GET", "/api/v2/connections?role=destination", kb, ""); got["total"] != 0.0 {
			t.Errorf("B is a destination: %v", got)
		}

		path := fmt.Sprintf("/api/v2/connections/%d", id)
		// Settings: refused values are named and change nothing; the source cannot set them.
		for _, c := range []struct{ mut, field string }{
			{`"buffer":-1`, "body.buffer"},
			{`"price":{"markup":{"kind":"percent","percent":"-101"},"rounding":"none","rounding_mode":"up","compare_at":{"rule":"follow"}}`, "body.price.markup.percent"},
		} {
			status, got, _ := e.call("PUT", path+"/settings", ka, settingsJSON(c.mut))
			if status != 422 || !errorAt(got, c.field) {
				t.Errorf("settings %s: %d %v, want 422 naming %s", c.mut, status, got, c.field)
			}
		}
		if _, got, _ := e.call("GET", path, ka, ""); got["settings"].(map[string]any)["buffer"] != 0.0 {
			t.Errorf("refused settings changed the buffer: %v", got["settings"])
		}
		if status, _, _ := e.call("PUT", path+"/settings", kb, settingsJSON(`"buffer":2`)); status != 403 {
			t.Errorf("source set settings: %d", status)
		}
		status, got, _ = e.call("PUT", path+"/settings", ka, settingsJSON(`"buffer":2`))
		if status != 200 || got["settings"].(map[string]any)["buffer"] != 2.0 {
			t.Errorf("settings: %d %v", status, got)
		}

		// Block and unblock belong to B, disconnect and reconnect to A.
		steps := []struct {
			auth, action, body string
			status             int
			state              string
		}{
			{ka, "block", "", 403, "connected"},
			{kb, "block", "", 200, "blocked"},
			{ka, "unblock", "", 403, "blocked"},
			{ka, "reconnect", "", 409, "blocked"},
			{kb, "unblock", "", 200, "connected"},
			{kb, "disconnect", `{"products":"keep"}`, 403, "connected"},
			{ka, "disconnect", `{"products":"archive"}`, 422, "connected"},
			{ka, "disconnect", `{"products":"keep","zero_stock":true}`, 200, "disconnected"},
			{ka, "disconnect", `{"products":"keep"}`, 409, "disconnected"},
			{kb, "reconnect", "", 403, "disconnected"},
			{ka, "reconnect", "", 200, "connected"},
			{kx, "block", "", 404, "connected"},
			{kx, "disconnect", `{"products":"delete"}`, 404, "connected"},
		}
		for _, s := range steps {
			status, got, _ := e.call("POST", path+"/"+s.action, s.auth, s.body)
			if status != s.status {
				t.Errorf("%s: %d %v, want %d", s.action, status, got, s.status)
			}
			if _, now, _ := e.call("GET", path, ka, ""); now["state"] != s.state {
				t.Errorf("after %s (%d): state %v, want %s", s.action, status, now["state"], s.state)
			}
		}
		_, got, _ = e.call("GET", path, ka, "")
		if da := got["disconnect_action"].(map[string]any); da["products"] != "keep" || da["zero_stock"] != true || da["status"] != "cancelled" {
			t.Errorf("disconnect action after reconnect: %v", da)
		}
		if _, got, _ := e.call("GET", "/api/v2/connections?state=connected&role=destination", ka, ""); got["total"] != 1.0 {
			t.Errorf("A's connected: %v", got["total"])
		}

		// The stranger sees nothing and can change nothing.
		for _, c := range []struct{ method, path, body string }{
			{"GET", path, ""}, {"PUT", path + "/settings", settingsJSON(`"buffer":5`)}, {"POST", path + "/unblock", ""}, {"POST", path + "/reconnect", ""},
		} {
			if status, _, _ := e.call(c.method, c.path, kx, c.body); status != 404 {
				t.Errorf("stranger %s %s: %d", c.method, c.path, status)
			}
		}
		if _, got, _ := e.call("GET", "/api/v2/connections", kx, ""); got["total"] != 0.0 {
			t.Errorf("stranger lists %v", got)
		}
	})
}

// settingsJSON is the default settings with one member replaced.
func settingsJSON(member string) string {
	def := map[string]string{
		"identifier": `"identifier":"sku"`,
		"attributes": `"attributes":{"title":true,"description":true,"images":true,"vendor":true,"product_type":true,"tags":true,"price":true,"compare_at_price":true,"weight":true,"options":true,"variants":false}`,
		"buffer":     `"buffer":0`,
		"price":      `"price":{"markup":{"kind":"percent","percent":"25"},"rounding":"0.99","rounding_mode":"up","compare_at":{"rule":"follow"}}`,
	}
	name := strings.Trim(strings.SplitN(member, ":", 2)[0], `"`)
	def[name] = member
	return "{" + def["identifier"] + "," + def["attributes"] + "," + def["buffer"] + "," + def["price"] + "}"
}

// A list is paged as the other lists of v2: ten a page, a total, a link to the next page.
func TestConnectionsArePaged(t *testing.T) {
	t.Parallel()
	e := newConnEnv(t, dbtest.New(t, database.SQLite))
	a := e.s.CreateAccount(t, "many")
	k := "Bearer " + e.s.CreateKey(t, a, account.PermissionReadWrite)
	dest := e.store(a, "dest")
	for i := range 12 {
		src := e.store(a, fmt.Sprintf("src%d", i))
		if status, got, _ := e.call("POST", "/api/v2/connections", k, fmt.Sprintf(`{"destination_store_id":%d,"source_store_key":%q}`, dest.ID, src.Key)); status != 201 {
			t.Fatalf("connect %d: %d %v", i, status, got)
		}
	}
	_, got, _ := e.call("GET", "/api/v2/connections?role=destination", k, "")
	next, _ := got["next"].(string)
	if len(got["data"].([]any)) != 10 || got["total"] != 12.0 || got["per_page"] != 10.0 || !strings.Contains(next, "page=2") || !strings.Contains(next, "role=destination") {
		t.Fatalf("page 1: %v", got)
	}
	_, got, _ = e.call("GET", next, k, "")
	if len(got["data"].([]any)) != 2 || got["next"] != nil {
		t.Errorf("page 2: %v", got)
	}
	if status, got, _ := e.call("GET", "/api/v2/connections?state=broken", k, ""); status != 422 || !errorAt(got, "query.state") {
		t.Errorf("bad state: %d %v", status, got)
	}
}
