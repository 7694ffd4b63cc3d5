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
	"github.com/storesync/storesync/internal/secret"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/web"
)

// A reseller sets every order setting of a connection on its page (a wrong value shown on the
// form, nothing saved) and downloads the pushed-orders report; the supplier has the report but not
// the settings; a third account has neither.
func TestOrderSettingsPage(t *testing.T) {
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
		sa, _, ss := site.person(t, "supplier", "northwind")
		xa, _, _ := site.person(t, "stranger", "lonely")
		c, err := site.conns.Connect(ctx, connection.ConnectParams{AccountID: racc.ID, DestinationStoreID: rs[0].ID, SourceStoreKey: ss[0].Key})
		if err != nil {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/connections/%d", c.ID)
		if a := ra.do("GET", page, nil); a.status != 200 || !strings.Contains(a.body, `id="order-settings"`) || !strings.Contains(a.body, `id="report"`) ||
			!strings.Contains(a.body, `name="forward_customer" checked`) {
			t.Fatalf("reseller's connection page: %d %.300s", a.status, a.body)
		}
		if a := sa.do("GET", page, nil); a.status != 200 || strings.Contains(a.body, `id="order-settings"`) || !strings.Contains(a.body, `id="report"`) {
			t.Fatalf("supplier's connection page: %d; want the report, not the order settings", a.status)
		}
		before, err := svc.GetSettings(ctx, racc.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"automatic": {"on"}, "hold_window": {"2m"}, "lock_date": {"2026-01-20T09:00"}, "email_contact": {"other"},
			"contact_email": {"not an address"}, "shipping_rule": {"free_above"}, "shipping_amount": {"4.95"}, "free_above": {"50"},
			"shipping_currency": {"USD"}, "pass_discounts": {"on"}, "line_prices": {"destination_less"}, "line_discount_percent": {"15"},
			"on_destination_cancel": {"flag"}, "on_source_cancel": {"cancel_and_refund"}}
		if a := ra.do("POST", page+"/order-settings", form); a.status != 422 || !strings.Contains(a.body, `id="order-settings-errors"`) ||
			!strings.Contains(a.body, "contact_email") || !strings.Contains(a.body, `value="not an address"`) {
			t.Fatalf("bad contact email: %d %.400s; want 422 with the form shown again", a.status, a.body)
		}
		if now, _ := svc.GetSettings(ctx, racc.ID, c.ID); now.Settings != before.Settings {
			t.Fatalf("settings after a refused form %+v; want unchanged", now.Settings)
		}
		form.Set("contact_email", "orders@harbor.test")
		post, got := ra.follow(page+"/order-settings", form)
		if post.status != http.StatusSeeOther || !strings.Contains(got.body, "Order settings saved") || !strings.Contains(got.body, `value="4.95"`) {
			t.Fatalf("saving order settings: %d %.300s", post.status, got.body)
		}
		s, err := svc.GetSettings(ctx, racc.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := orders.Receive{ForwardCustomer: false, EmailContact: orders.ContactOther, ContactEmail: "orders@harbor.test",
			ShippingRule: orders.ShippingFreeAbove, ShippingAmount: 495, FreeAbove: 5000, ShippingCurrency: "USD", PassDiscounts: true,
			LinePrices: orders.PricesDestinationLess, LineDiscountBP: 1500}
		if s.Settings.PushMode != orders.PushAutomatic || s.Settings.Hold != 2*time.Minute || s.Settings.Receive != want ||
			!s.Settings.LockDate.Equal(time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)) ||
			s.Settings.Cancel != (orders.CancelSettings{OnDestinationCancel: orders.OnDestinationCancelFlag, OnSourceCancel: orders.OnSourceCancelAndRefund}) {
			t.Fatalf("saved %+v; want automatic, 2m, the lock date and %+v", s.Settings, want)
		}
		if a := sa.do("POST", page+"/order-settings", form); a.status != http.StatusForbidden {
			t.Errorf("supplier saving order settings: %d; want 403", a.status)
		}
		// The report: a CSV with its header for both sides; a bad range refused; nothing for a stranger.
		day := time.Now().UTC().Format(time.DateOnly)
		for _, b := range []browser{ra, sa} {
			a := b.do("GET", page+"/report?from="+day+"&to="+day+"&format=csv", nil)
			if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(a.body, "pushed_at,destination_store,destination_order") {
				t.Fatalf("csv report: %d %s %.200s", a.status, a.header.Get("Content-Type"), a.body)
			}
		}
		if a := ra.do("GET", page+"/report?from="+day+"&to="+day+"&format=xlsx", nil); a.status != 200 || !strings.HasPrefix(a.body, "PK") {
			t.Fatalf("xlsx report: %d", a.status)
		}
		if a := ra.do("GET", page+"/report?from=2026-02-02&to=2026-02-01", nil); a.status != 422 || !strings.Contains(a.body, "from is after to") {
			t.Fatalf("from after to: %d %.300s", a.status, a.body)
		}
		if a := ra.do("GET", page+"/report?from=2026-02-02&to=2026-02-03&format=pdf", nil); a.status != 422 {
			t.Fatalf("bad format: %d", a.status)
		}
		if a := xa.do("GET", page+"/report?from="+day+"&to="+day, nil); a.status != 404 {
			t.Fatalf("stranger's report: %d; want 404", a.status)
		}
	})
}
