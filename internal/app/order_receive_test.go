package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
)

// TestOrderReceive checks over real HTTP, on the simulator, what a pushed source order carries
// under a connection's receive settings (the destination store standing in for the customer, an
// email of one's choosing, a shipping rule, discounts passed through, destination prices less a
// percentage; then the customer forwarded with the original shipping line), that bad settings are
// refused naming the field with nothing changed, and the pushed-orders report in its three
// formats, with its refusals and its scope.
func TestOrderReceive(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		src, _ := e.shop(t, "recv-supplier", 2)
		dst, _ := e.shop(t, "recv-reseller", 2)
		dstVariants, dstItems := e.storeVariants(t, dst)
		srcVariants, srcItems := e.storeVariants(t, src)
		c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: src.ID, SourceProductID: "sp", SourceVariantID: srcVariants[0], SourceInventoryItemID: srcItems[0],
				DestinationStoreID: dst.ID, DestinationProductID: "dp", DestinationVariantID: dstVariants[0], DestinationInventoryItemID: dstItems[0],
				SourcePrice: &platform.Money{Amount: 1100, Currency: "USD"}}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		e.waitSubscribed(t, dst)
		srv := httptest.NewTLSServer(e.a.Handler(app.ServeOptions{}))
		t.Cleanup(srv.Close)
		key := func(acc int64) string {
			_, k, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc, Name: "ops", Permission: account.PermissionReadWrite})
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		dkey, skey := key(dst.AccountID), key(src.AccountID)
		settingsPath := fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID)
		var before api.OrderSettings
		if st, body := apiCall(t, srv, dkey, http.MethodGet, settingsPath, nil, &before); st != http.StatusOK ||
			!before.ForwardCustomer || before.EmailContact != "customer" || before.ShippingRule != "none" || before.LinePrices != "source" {
			t.Fatalf("GET order settings: %d %s; want the defaults", st, body)
		}
		// Bad values: 422 naming the field, nothing changed.
		for body, field := range map[string]string{
			`{"push_mode":"automatic","email_contact":"other","contact_email":"not an address"}`:                          "body.contact_email",
			`{"push_mode":"automatic","shipping_rule":"flat_per_order","shipping_amount":"4.95"}`:                         "body.shipping_currency",
			`{"push_mode":"automatic","shipping_rule":"flat_per_order","shipping_amount":"-1","shipping_currency":"USD"}`: "body.shipping_amount",
			`{"push_mode":"automatic","line_prices":"destination_less","line_discount_percent":"120"}`:                    "body.line_discount_percent",
			`{"push_mode":"automatic","email_contact":"fax"}`:                                                             "body.email_contact",
		} {
			var raw map[string]any
			st, text := apiCall(t, srv, dkey, http.MethodPut, settingsPath, jsonRaw(body), &raw)
			if st != http.StatusUnprocessableEntity || !strings.Contains(text, `"location":"`+field+`"`) {
				t.Fatalf("PUT %s: %d %s; want 422 naming %s", body, st, text, field)
			}
		}
		var after api.OrderSettings
		apiCall(t, srv, dkey, http.MethodGet, settingsPath, nil, &after)
		if after != before {
			t.Fatalf("settings after refusals %+v; want unchanged %+v", after, before)
		}

		dc, sc := e.client(t, dst), e.client(t, src)
		place := func(k string, qty int64, discount int64, ship int64) platform.Order {
			t.Helper()
			in := platform.OrderInput{IdempotencyKey: k, Currency: "USD", Email: "ann@example.com", FinancialStatus: platform.FinancialPaid,
				Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
				ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Province: "TX", Zip: "73301", Country: "United States", CountryCode: "US"},
				Lines: []platform.OrderLineInput{{VariantID: dstVariants[0], Quantity: qty, UnitPrice: &platform.Money{Amount: 2000, Currency: "USD"}},
					{VariantID: dstVariants[1], Quantity: 1, UnitPrice: &platform.Money{Amount: 2000, Currency: "USD"}}}}
			if discount > 0 {
				in.Discounts = []platform.Discount{{Code: "SPRING", Amount: platform.Money{Amount: discount, Currency: "USD"}}}
			}
			if ship > 0 {
				in.ShippingLines = []platform.ShippingLine{{Title: "Express", Code: "EXP", Price: platform.Money{Amount: ship, Currency: "USD"}}}
			}
			o, err := dc.CreateOrder(ctx, in)
			if err != nil {
				t.Fatalf("placing order %s: %v", k, err)
			}
			return o
		}
		sourceOrder := func(name string) platform.Order {
			t.Helper()
			deadline := time.Now().Add(60 * time.Second)
			for {
				var found []platform.Order
				cursor := ""
				for {
					p, err := sc.ListOrders(ctx, platform.ListParams{Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					for _, o := range p.Items {
						if slices.Contains(o.Tags, name) {
							found = append(found, o)
						}
					}
					if cursor = p.NextCursor; cursor == "" {
						break
					}
				}
				if len(found) > 1 {
					t.Fatalf("%d source orders tagged %s; want 1", len(found), name)
				}
				if len(found) == 1 {
					return found[0]
				}
				if time.Now().After(deadline) {
					t.Fatalf("no source order tagged %s", name)
				}
				time.Sleep(200 * time.Millisecond)
			}
		}

		// The destination store stands in for the customer; another email; 1.50 a unit; the
		// discount passed through (shared: the part is 3 × 20.00 of 80.00); 10 % off the
		// destination's price.
		put := `{"push_mode":"automatic","forward_customer":false,"email_contact":"other","contact_email":"ops@reseller.test",
			"shipping_rule":"flat_per_item","shipping_amount":"1.50","shipping_currency":"usd","pass_discounts":true,
			"line_prices":"destination_less","line_discount_percent":"10"}`
		var set api.OrderSettings
		if st, text := apiCall(t, srv, dkey, http.MethodPut, settingsPath, jsonRaw(put), &set); st != http.StatusOK ||
			set.ShippingAmount != "1.50" || set.ShippingCurrency != "USD" || set.LineDiscountPercent != "10.00" || set.ForwardCustomer {
			t.Fatalf("PUT order settings: %d %s", st, text)
		}
		o1 := place("recv-one", 3, 800, 0)
		got := sourceOrder(o1.Name)
		if got.Email != "ops@reseller.test" {
			t.Errorf("source order email %q; want the other address", got.Email)
		}
		if got.Customer == nil || got.Customer.FirstName != dst.Name || got.Customer.LastName != "" {
			t.Errorf("source order customer %+v; want the destination store %s in the customer's place", got.Customer, dst.Name)
		}
		if a := got.ShippingAddress; a == nil || a.Address1 != "1 Main St" || a.LastName != "Lee" {
			t.Errorf("source order shipping address %+v; want the customer's", a)
		}
		if len(got.Lines) != 1 || got.Lines[0].VariantID != srcVariants[0] || got.Lines[0].Quantity != 3 || got.Lines[0].UnitPrice.Amount != 1800 {
			t.Errorf("source order lines %+v; want 3 × 18.00 of the source's variant", got.Lines)
		}
		if got.TotalShipping.Amount != 450 {
			t.Errorf("source order shipping %s; want 4.50 (3 units × 1.50)", got.TotalShipping)
		}
		if len(got.Discounts) != 1 || got.Discounts[0].Amount.Amount != 600 || got.Discounts[0].Code != "SPRING" {
			t.Errorf("source order discounts %+v; want SPRING 6.00 (8.00 × 60/80)", got.Discounts)
		}
		if got.Total.Amount != 5400+450-600 {
			t.Errorf("source order total %s; want 52.50", got.Total)
		}
		tag := shopify.PushTag(fmt.Sprintf("storesync-push:%d:%s:%d", dst.ID, o1.ID, src.ID))
		if !slices.Contains(got.Tags, dst.Name) || !slices.Contains(got.Tags, o1.Name) || !slices.Contains(got.Tags, tag) {
			t.Errorf("source order tags %v; want %s, %s and the push tag %s", got.Tags, dst.Name, o1.Name, tag)
		}
		if !strings.Contains(got.Note, o1.Name) || !strings.Contains(got.Note, dst.Name) {
			t.Errorf("source order note %q; want the destination order and store", got.Note)
		}

		// The customer forwarded with the customer's email, the original shipping line (shared),
		// the source's own price.
		put = `{"push_mode":"automatic","pass_shipping_line":true,"shipping_rule":"flat_per_order","shipping_amount":"9","shipping_currency":"USD"}`
		if st, text := apiCall(t, srv, dkey, http.MethodPut, settingsPath, jsonRaw(put), &set); st != http.StatusOK {
			t.Fatalf("PUT order settings: %d %s", st, text)
		}
		o2 := place("recv-two", 1, 0, 1000)
		got = sourceOrder(o2.Name)
		if got.Email != "ann@example.com" || got.Customer == nil || got.Customer.FirstName != "Ann" || got.Customer.LastName != "Lee" {
			t.Errorf("source order email %q customer %+v; want Ann Lee's", got.Email, got.Customer)
		}
		if len(got.Lines) != 1 || got.Lines[0].UnitPrice.Amount != 1100 || got.TotalShipping.Amount != 500 || len(got.Discounts) != 0 {
			t.Errorf("source order lines %+v shipping %s discounts %+v; want 11.00 (the source's), Express 5.00 (10.00 × 20/40), none",
				got.Lines, got.TotalShipping, got.Discounts)
		}

		// The report: both pushes, in three formats, for the destination's account and the source's.
		day := time.Now().UTC().Format(time.DateOnly)
		rpath := fmt.Sprintf("/api/v2/reports/pushed-orders?connection_id=%d&from=%s&to=%s", c.ID, day, day)
		waitPushed := func() {
			deadline := time.Now().Add(30 * time.Second)
			for {
				var rep api.PushedOrdersReport
				apiCall(t, srv, dkey, http.MethodGet, rpath, nil, &rep)
				if len(rep.Pushes) == 2 {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("report %+v; want 2 pushes", rep)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		waitPushed()
		for _, k := range []string{dkey, skey} {
			var rep api.PushedOrdersReport
			if st, text := apiCall(t, srv, k, http.MethodGet, rpath, nil, &rep); st != http.StatusOK || len(rep.Pushes) != 2 || len(rep.Totals) != 1 {
				t.Fatalf("GET report: %d %s", st, text)
			}
			p := rep.Pushes[0]
			if p.DestinationOrder != o1.Name || p.SourceStore != src.Name || p.SourceOrder == "" || len(p.Lines) != 1 ||
				p.Lines[0].Quantity != 3 || p.Lines[0].Total != "54.00" || p.Shipping != "4.50" || p.Discount != "6.00" || p.Total != "52.50" {
				t.Fatalf("report push %+v; want %s: 3 × 18.00 = 54.00, shipping 4.50, discount 6.00, total 52.50", p, o1.Name)
			}
			if tot := rep.Totals[0]; tot.Pushes != 2 || tot.Units != 4 || tot.Lines != "65.00" || tot.Shipping != "9.50" || tot.Total != "68.50" {
				t.Fatalf("report totals %+v; want 2 pushes, 4 units, lines 65.00, shipping 9.50, total 68.50", tot)
			}
		}
		get := func(path string) (int, string, []byte) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+dkey)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Content-Type"), raw
		}
		st, ct, raw := get(rpath + "&format=csv")
		rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if st != http.StatusOK || !strings.HasPrefix(ct, "text/csv") || err != nil || len(rows) != 4 || rows[0][2] != "destination_order" ||
			rows[1][2] != o1.Name || rows[1][11] != "54.00" || rows[3][0] != "total" || rows[3][14] != "68.50" {
			t.Fatalf("csv report: %d %s %v\n%s", st, ct, err, raw)
		}
		st, ct, raw = get(rpath + "&format=xlsx")
		if st != http.StatusOK || !strings.Contains(ct, "spreadsheetml") {
			t.Fatalf("xlsx report: %d %s", st, ct)
		}
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		xrows, err := f.GetRows("Pushed orders")
		if err != nil || len(xrows) != 4 || xrows[1][2] != o1.Name || xrows[3][14] != "68.5" {
			t.Fatalf("xlsx rows %v %v", xrows, err)
		}
		_ = f.Close()
		// Refusals: 422 naming the parameter.
		for q, field := range map[string]string{
			fmt.Sprintf("connection_id=%d&from=2026-02-02&to=2026-02-01", c.ID):      "query.from",
			fmt.Sprintf("connection_id=%d&from=2026-02-31&to=2026-03-01", c.ID):      "query.from",
			fmt.Sprintf("connection_id=%d&from=2026-2-1&to=2026-03-01", c.ID):        "query.from",
			fmt.Sprintf("connection_id=%d&from=%s&to=%s&format=pdf", c.ID, day, day): "query.format",
			fmt.Sprintf("connection_id=%d&from=%s&to=%s", c.ID+1000, day, day):       "query.connection_id",
		} {
			st, _, raw := get("/api/v2/reports/pushed-orders?" + q)
			if st != http.StatusUnprocessableEntity || !strings.Contains(string(raw), `"location":"`+field+`"`) {
				t.Fatalf("report %s: %d %s; want 422 naming %s", q, st, raw, field)
			}
		}
		// Another account sees no such connection.
		other, err := e.a.Accounts.CreateAccount(ctx, "recv-stranger")
		if err != nil {
			t.Fatal(err)
		}
		if st, text := apiCall(t, srv, key(other.ID), http.MethodGet, rpath, nil, nil); st != http.StatusUnprocessableEntity {
			t.Fatalf("report for a stranger: %d %s; want 422", st, text)
		}
	})
}

// jsonRaw is a JSON body as written.
func jsonRaw(s string) json.RawMessage { return json.RawMessage(s) }
