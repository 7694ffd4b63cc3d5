package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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

// A reseller's Orders page lists its destination store's orders with the filters, and an
// order's page shows each source's eligibility with the reasons and the timeline; another
// account sees none of it.
func TestOrderPages(t *testing.T) {
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
		xa, _, _ := site.person(t, "stranger", "lonely")
		if _, err := site.conns.Connect(ctx, connection.ConnectParams{AccountID: racc.ID, DestinationStoreID: rs[0].ID, SourceStoreKey: ss[0].Key}); err != nil {
			t.Fatal(err)
		}
		o := platform.Order{ID: "gid://o/1", Name: "#1001", FinancialStatus: platform.FinancialPending, FulfillmentStatus: "unfulfilled",
			Customer: &platform.Customer{FirstName: "Ann", LastName: "Lee"}, Total: platform.Money{Amount: 1999, Currency: "USD"},
			Lines:     []platform.OrderLine{{ID: "l1", VariantID: "v1", Title: "Mug", Quantity: 1, UnitPrice: platform.Money{Amount: 1999, Currency: "USD"}}},
			CreatedAt: time.Now().Add(time.Minute), UpdatedAt: time.Now()}
		if err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			_, err := svc.Apply(ctx, tx, rs[0], o)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		a := ra.do("GET", "/orders", nil)
		if a.status != 200 || !strings.Contains(a.body, "#1001") || !strings.Contains(a.body, "19.99 USD") || !strings.Contains(a.body, `href="/orders"`) {
			t.Fatalf("orders page: %d %.400s", a.status, a.body)
		}
		if a := ra.do("GET", "/orders?push_status=pushed", nil); a.status != 200 || strings.Contains(a.body, "#1001") {
			t.Errorf("pushed orders: %d; want the order filtered out", a.status)
		}
		if a := ra.do("GET", "/orders?fulfillment_status=unfulfilled&from="+time.Now().UTC().Format(time.DateOnly), nil); !strings.Contains(a.body, "#1001") {
			t.Errorf("unfulfilled today: order missing")
		}
		if a := ra.do("GET", "/orders?from=2026-02-02&to=2026-02-01", nil); a.status != 422 || !strings.Contains(a.body, `id="filter-error"`) {
			t.Errorf("from after to: %d; want 422 with the error shown", a.status)
		}
		p, err := svc.List(ctx, orders.ListParams{AccountID: racc.ID})
		if err != nil || len(p.Items) != 1 {
			t.Fatal(p, err)
		}
		path := fmt.Sprintf("/orders/%d", p.Items[0].ID)
		a = ra.do("GET", path, nil)
		for _, want := range []string{"northwind", "not eligible", "not paid", "no shipping address", "no line linked to this source", "received", "not eligible for northwind"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("order page lacks %q: %.2000s", want, a.body)
			}
		}
		if strings.Contains(a.body, `action="`+path+`/push"`) {
			t.Errorf("order page offers a push of an order that is not eligible")
		}
		// Pushing by hand is refused with the reasons; a malformed fee is named; nothing is queued.
		if post, page := ra.follow(path+"/push", url.Values{"source_store_id": {strconv.FormatInt(ss[0].ID, 10)}, "shipping_fee": {"4.95"}}); post.status != 303 ||
			!strings.Contains(page.body, "Not pushed") || !strings.Contains(page.body, "not paid") {
			t.Errorf("push of an ineligible order: %d %.2000s", post.status, page.body)
		}
		if _, page := ra.follow(path+"/push", url.Values{"source_store_id": {strconv.FormatInt(ss[0].ID, 10)}, "shipping_fee": {"-1"}}); !strings.Contains(page.body, "shipping fee: must be 0 or more") {
			t.Errorf("negative fee: %.2000s", page.body)
		}
		if _, page := ra.follow(path+"/retry", url.Values{}); !strings.Contains(page.body, "no failed push to retry") {
			t.Errorf("retry with nothing failed: %.2000s", page.body)
		}
		if a := xa.do("POST", path+"/push", url.Values{"source_store_id": {strconv.FormatInt(ss[0].ID, 10)}}); a.status != 404 {
			t.Errorf("another account pushes the order: %d; want 404", a.status)
		}
		if a := xa.do("GET", path, nil); a.status != 404 {
			t.Errorf("another account reads the order: %d; want 404", a.status)
		}
		if a := xa.do("GET", "/orders", nil); strings.Contains(a.body, "#1001") {
			t.Errorf("another account lists the order")
		}
	})
}
