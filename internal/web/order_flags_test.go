package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/web"
)

// An order flagged (its source order cancelled after the push) shows the flag with a Clear
// button; the Orders page filters by flagged; a clear is shown with who did it, once.
func TestOrderFlagsPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		k, err := secret.ParseKey(secret.NewKeyText())
		if err != nil {
			t.Fatal(err)
		}
		site := &connSite{db: db, box: secret.NewBox(k), acc: account.NewService(db, nil)}
		site.stores = store.NewService(db, nil, site.box, nil)
		site.conns = connection.NewService(db, site.stores, nil, nil)
		jc, err := jobs.New(db, nil, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		svc := orders.NewService(db, jc, site.stores, orders.Config{})
		mux := http.NewServeMux()
		web.Register(mux, web.Deps{Accounts: site.acc, Stores: site.stores, Connections: site.conns, Orders: svc, Problem: server.WriteProblem})
		site.srv = httptest.NewTLSServer(mux)
		t.Cleanup(site.srv.Close)

		ra, racc, rs := site.person(t, "reseller", "harbor")
		_, _, ss := site.person(t, "supplier", "northwind")
		if _, err := site.conns.Connect(ctx, connection.ConnectParams{AccountID: racc.ID, DestinationStoreID: rs[0].ID, SourceStoreKey: ss[0].Key}); err != nil {
			t.Fatal(err)
		}
		o := platform.Order{ID: "gid://o/1", Name: "#1001", FinancialStatus: platform.FinancialPaid, FulfillmentStatus: "unfulfilled",
			Customer: &platform.Customer{FirstName: "Ann", LastName: "Lee"}, Total: platform.Money{Amount: 1999, Currency: "USD"},
			CreatedAt: time.Now().Add(time.Minute), UpdatedAt: time.Now()}
		at := time.Now()
		err = db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if _, err := svc.Apply(ctx, tx, rs[0], o); err != nil {
				return err
			}
			// As if pushed: the source order so-1 (the push itself is tested in internal/orders).
			if _, err := tx.Exec(ctx, `UPDATE order_pushes SET status = 'pushed', source_order_id = 'so-1', source_order_name = '#S1'`); err != nil {
				return err
			}
			return svc.SourceOrderChanged(ctx, tx, ss[0], platform.Order{ID: "so-1", CancelledAt: &at})
		})
		if err != nil {
			t.Fatal(err)
		}
		if a := ra.do("GET", "/orders?flagged=true", nil); a.status != 200 || !strings.Contains(a.body, "#1001") || !strings.Contains(a.body, "1 flagged") {
			t.Fatalf("flagged orders: %d %.2000s", a.status, a.body)
		}
		if a := ra.do("GET", "/orders?flagged=false", nil); a.status != 200 || strings.Contains(a.body, "#1001") {
			t.Errorf("orders not flagged: %d; want #1001 filtered out", a.status)
		}
		if a := ra.do("GET", "/orders?flagged=maybe", nil); a.status != 422 || !strings.Contains(a.body, `id="filter-error"`) {
			t.Errorf("flagged=maybe: %d; want 422 with the error shown", a.status)
		}
		p, err := svc.List(ctx, orders.ListParams{AccountID: racc.ID})
		if err != nil || len(p.Items) != 1 {
			t.Fatal(p, err)
		}
		path := fmt.Sprintf("/orders/%d", p.Items[0].ID)
		full, err := svc.Get(ctx, racc.ID, p.Items[0].ID)
		if err != nil || len(full.Flags) != 1 {
			t.Fatalf("flags %+v, %v; want 1", full.Flags, err)
		}
		clearPath := fmt.Sprintf("%s/flags/%d/clear", path, full.Flags[0].ID)
		a := ra.do("GET", path, nil)
		for _, want := range []string{`id="flags"`, "source cancelled", "#S1", "northwind", `action="` + clearPath + `"`} {
			if !strings.Contains(a.body, want) {
				t.Errorf("order page lacks %q: %.3000s", want, a.body)
			}
		}
		if post, page := ra.follow(clearPath, url.Values{}); post.status != 303 || !strings.Contains(page.body, "Flag cleared") ||
			!strings.Contains(page.body, "cleared ") || strings.Contains(page.body, `action="`+clearPath+`"`) {
			t.Errorf("clear: %d %.3000s", post.status, page.body)
		}
		if _, page := ra.follow(clearPath, url.Values{}); !strings.Contains(page.body, "Not cleared") {
			t.Errorf("clear again: %.2000s; want it refused", page.body)
		}
		if a := ra.do("GET", "/orders?flagged=true", nil); strings.Contains(a.body, "#1001") {
			t.Errorf("flagged orders after the clear still list #1001")
		}
		if post, _ := ra.follow(path+"/flags/99999/clear", url.Values{}); post.status != 404 {
			t.Errorf("clear an unknown flag: %d; want 404", post.status)
		}
	})
}
