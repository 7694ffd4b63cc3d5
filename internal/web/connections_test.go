package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/connection/connectiontest"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/web"
)

// browser is one person logged in to the dashboard over real HTTPS, not following redirects.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func (b browser) do(method, path string, form url.Values) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, b.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// follow posts a form and reads the page it redirects to (post-redirect-get).
func (b browser) follow(path string, form url.Values) (answer, answer) {
	b.t.Helper()
	post := b.do("POST", path, form)
	if post.status != http.StatusSeeOther {
		return post, answer{}
	}
	return post, b.do("GET", post.header.Get("Location"), nil)
}

type connSite struct {
	srv    *httptest.Server
	stores *store.Service
	conns  *connection.Service
	acc    *account.Service
	db     *database.DB
	box    *secret.Box
	// reseller is the account conn reads connections as.
	reseller int64
}

func newConnSite(t *testing.T, db *database.DB) *connSite {
	t.Helper()
	k, err := secret.ParseKey(secret.NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	s := &connSite{db: db, box: secret.NewBox(k), acc: account.NewService(db, nil)}
	s.stores = store.NewService(db, nil, s.box, nil)
	s.conns = connection.NewService(db, s.stores, nil, nil)
	mux := http.NewServeMux()
	web.Register(mux, web.Deps{Accounts: s.acc, Stores: s.stores, Connections: s.conns, Problem: server.WriteProblem})
	s.srv = httptest.NewTLSServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// person makes an account with a user and a store, and logs the user in.
func (s *connSite) person(t *testing.T, name string, stores ...string) (browser, account.Account, []store.Store) {
	t.Helper()
	ctx := context.Background()
	a, err := s.acc.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	mail := name + "@example.com"
	if _, err := s.acc.CreateUser(ctx, account.CreateUserParams{AccountID: a.ID, Email: mail, Password: password}); err != nil {
		t.Fatal(err)
	}
	var out []store.Store
	for _, n := range stores {
		out = append(out, connectiontest.Store(t, s.db, s.stores, s.box, a.ID, n))
	}
	c := *s.srv.Client() // a client of its own: its own cookies
	b := browser{t: t, srv: s.srv, c: &c}
	b.c.Jar, _ = cookiejar.New(nil)
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if a := b.do("POST", "/login", url.Values{"email": {mail}, "password": {password}}); a.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d", name, a.status)
	}
	return b, a, out
}

// A reseller connects its store to a supplier's by key, sets its settings (errors shown on the
// form), disconnects and reconnects; the supplier sees it among its destinations and blocks and
// unblocks it; neither sees the other's other stores, and a third account sees nothing.
func TestConnectionPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		site := newConnSite(t, db)
		ra, racc, rs := site.person(t, "reseller", "harbor", "hidden-shop")
		site.reseller = racc.ID
		sa, _, ss := site.person(t, "supplier", "northwind")
		xa, _, _ := site.person(t, "stranger", "lonely")

		if a := ra.do("GET", "/connections", nil); a.status != 200 || !strings.Contains(a.body, "Add new connection") {
			t.Fatalf("connections page: %d", a.status)
		}
		// A wrong key is shown on the form, with what was typed, and adds nothing.
		a := ra.do("POST", "/connections", url.Values{"destination_store_id": {strconv.FormatInt(rs[0].ID, 10)}, "source_store_key": {"store_nope"}})
		if a.status != 404 || !strings.Contains(a.body, `id="add-error"`) || !strings.Contains(a.body, `value="store_nope"`) {
			t.Errorf("unknown key: %d %.300s", a.status, a.body)
		}
		if a := ra.do("POST", "/connections", url.Values{"destination_store_id": {strconv.FormatInt(rs[0].ID, 10)}, "source_store_key": {rs[0].Key}}); a.status != 409 {
			t.Errorf("connect to itself: %d %s", a.status, a.body)
		}
		post, page := ra.follow("/connections", url.Values{"destination_store_id": {strconv.FormatInt(rs[0].ID, 10)}, "source_store_key": {ss[0].Key}})
		if post.status != 303 || !strings.Contains(page.body, "now follows northwind") || !strings.Contains(page.body, "Product sync settings") {
			t.Fatalf("connect: %d → %d %.300s", post.status, page.status, page.body)
		}
		path := post.header.Get("Location")
		if again := ra.do("GET", path, nil); strings.Contains(again.body, "now follows") {
			t.Error("the message was shown twice")
		}
		if list := ra.do("GET", "/connections", nil); !strings.Contains(list.body, `<a href="`+path+`">northwind</a>`) {
			t.Errorf("the connected list lacks northwind")
		}

		// Settings: wrong values are shown beside their fields and change nothing.
		form := url.Values{"identifier": {"barcode"}, "attr_title": {"on"}, "buffer": {"-2"}, "markup_kind": {"percent"}, "markup_percent": {"-150"},
			"rounding": {"0.99"}, "rounding_mode": {"up"}, "compare_at_rule": {"follow"}}
		a = ra.do("POST", path+"/settings", form)
		if a.status != 422 || !strings.Contains(a.body, "buffer: must be 0 or more") || !strings.Contains(a.body, "price.markup.percent: must be -100 or more") ||
			!strings.Contains(a.body, `value="-150"`) {
			t.Errorf("bad settings: %d %.2000s", a.status, a.body)
		}
		c := site.conn(t, path)
		if c.Settings.Buffer != 0 || c.Settings.Identifier != "sku" {
			t.Errorf("refused settings were saved: %+v", c.Settings)
		}
		form.Set("buffer", "3")
		form.Set("markup_kind", "tiers")
		form.Set("tiers", "0 10 percent 50\n10 - fixed 4.00")
		if post, page := ra.follow(path+"/settings", form); post.status != 303 || !strings.Contains(page.body, "settings saved") {
			t.Errorf("settings: %d %.300s", post.status, post.body)
		}
		c = site.conn(t, path)
		if c.Settings.Buffer != 3 || c.Settings.Identifier != "barcode" || len(c.Settings.Price.Markup.Tiers) != 2 || c.Settings.Attributes.Description {
			t.Errorf("saved settings %+v", c.Settings)
		}

		// The supplier sees its destination, not the reseller's other store, and no settings form.
		list := sa.do("GET", "/connections", nil)
		if !strings.Contains(list.body, "harbor") || strings.Contains(list.body, "hidden-shop") || strings.Contains(list.body, rs[1].Key) {
			t.Errorf("supplier's list: %.2000s", list.body)
		}
		if p := sa.do("GET", path, nil); p.status != 200 || strings.Contains(p.body, "Product sync settings") || !strings.Contains(p.body, "Block this destination") {
			t.Errorf("supplier's connection page: %d", p.status)
		}
		if a := sa.do("POST", path+"/settings", form); a.status != 303 || site.conn(t, path).Settings.Buffer != 3 {
			t.Errorf("supplier changed the settings: %d", a.status)
		}
		_, page = sa.follow(path+"/block", url.Values{})
		if !strings.Contains(page.body, "Blocked:") || site.conn(t, path).State != connection.StateBlocked {
			t.Errorf("block: %.300s", page.body)
		}
		_, page = ra.follow(path+"/reconnect", url.Values{})
		if !strings.Contains(page.body, "blocked this connection") || site.conn(t, path).State != connection.StateBlocked {
			t.Errorf("reseller reconnected a blocked one: %.300s", page.body)
		}
		if l := ra.do("GET", "/connections", nil); !strings.Contains(l.body, "Blocked by the source") || !strings.Contains(l.body, `<a href="`+path+`">northwind</a>`) {
			t.Error("the reseller's blocked list lacks northwind")
		}
		_, _ = ra.follow(path+"/unblock", url.Values{})
		if site.conn(t, path).State != connection.StateBlocked {
			t.Error("the reseller unblocked")
		}
		sa.follow(path+"/unblock", url.Values{})

		// Disconnect keeping the products with their stock at 0, then reconnect.
		_, page = ra.follow(path+"/disconnect", url.Values{"products": {"keep"}, "zero_stock": {"on"}})
		c = site.conn(t, path)
		if !strings.Contains(page.body, "Disconnected:") || c.State != connection.StateDisconnected || c.Disconnect == nil || !c.Disconnect.ZeroStock ||
			!strings.Contains(page.body, "pending</strong>: 0 of 0 products done") {
			t.Errorf("disconnect: %+v %.300s", c, page.body)
		}
		_, page = ra.follow(path+"/reconnect", url.Values{})
		if !strings.Contains(page.body, "Reconnected") || site.conn(t, path).State != connection.StateConnected {
			t.Errorf("reconnect: %.300s", page.body)
		}

		// The stranger sees nothing.
		if p := xa.do("GET", path, nil); p.status != 404 {
			t.Errorf("stranger reads the connection: %d", p.status)
		}
		if p := xa.do("POST", path+"/block", url.Values{}); p.status != 404 || site.conn(t, path).State != connection.StateConnected {
			t.Errorf("stranger blocks: %d", p.status)
		}
		if p := xa.do("GET", "/connections", nil); strings.Contains(p.body, "northwind") || strings.Contains(p.body, "harbor") {
			t.Error("the stranger's page shows the connection")
		}
	})
}

// conn reads the connection of a dashboard path as its destination sees it.
func (s *connSite) conn(t *testing.T, path string) connection.Connection {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/connections/%d", &id); err != nil {
		t.Fatal(err)
	}
	c, err := s.conns.Get(context.Background(), connection.GetParams{AccountID: s.reseller, ID: id})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
