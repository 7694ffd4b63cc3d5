package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// TestOrderPush runs the order push over real HTTP with the Shopify simulator: an automatic push
// creates exactly one source order with only the source's lines, tagged with the destination
// store's name and order name, even when the simulator loses orderCreate's answer and its search
// lags; a manual push carries a shipping fee; bad pushes are refused with the field or the reasons.
func TestOrderPush(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		src, _ := e.shop(t, "push-supplier", 2)
		dst, _ := e.shop(t, "push-reseller", 2)
		dstVariants, dstItems := e.storeVariants(t, dst)
		srcVariants, srcItems := e.storeVariants(t, src)
		c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
		if err != nil {
			t.Fatal(err)
		}
		err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, At: time.Now(), Links: []catalog.LinkInput{{
				SourceStoreID: src.ID, SourceProductID: "sp", SourceVariantID: srcVariants[0], SourceInventoryItemID: srcItems[0],
				DestinationStoreID: dst.ID, DestinationProductID: "dp", DestinationVariantID: dstVariants[0], DestinationInventoryItemID: dstItems[0]}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		e.waitSubscribed(t, dst)
		srv := httptest.NewTLSServer(e.a.Handler(app.ServeOptions{}))
		t.Cleanup(srv.Close)
		_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: dst.AccountID, Name: "ops", Permission: account.PermissionReadWrite})
		if err != nil {
			t.Fatal(err)
		}
		call := func(method, path, body string, out any) int {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			raw, _ := io.ReadAll(resp.Body)
			if out != nil {
				_ = json.Unmarshal(raw, out)
			}
			return resp.StatusCode
		}
		find := func(name string) api.Order {
			t.Helper()
			var l struct {
				Data []api.Order `json:"data"`
			}
			call(http.MethodGet, "/api/v2/orders", "", &l)
			for _, o := range l.Data {
				if o.Name == name {
					var d api.Order
					call(http.MethodGet, fmt.Sprintf("/api/v2/orders/%d", o.ID), "", &d)
					return d
				}
			}
			return api.Order{}
		}
		waitStatus := func(name, status string, within time.Duration) api.Order {
			t.Helper()
			deadline := time.Now().Add(within)
			for {
				o := find(name)
				if o.PushStatus == status && len(o.Pushes) == 1 {
					return o
				}
				if time.Now().After(deadline) {
					t.Fatalf("order %s: push status %q (%+v); want %s", name, o.PushStatus, o.Pushes, status)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		dc, sc := e.client(t, dst), e.client(t, src)
		place := func(key string, paid bool, variants ...string) platform.Order {
			t.Helper()
			in := platform.OrderInput{IdempotencyKey: key, Currency: "USD", Email: "ann@example.com",
				Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
				ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Province: "TX", Zip: "73301", Country: "United States", CountryCode: "US"}}
			if paid {
				in.FinancialStatus = platform.FinancialPaid
			}
			for _, v := range variants {
				in.Lines = append(in.Lines, platform.OrderLineInput{VariantID: v, Quantity: 1})
			}
			o, err := dc.CreateOrder(ctx, in)
			if err != nil {
				t.Fatalf("placing order %s: %v", key, err)
			}
			return o
		}
		// sourceOrders are the source's orders tagged with the destination order's name.
		sourceOrders := func(name string) []platform.Order {
			t.Helper()
			var out []platform.Order
			cursor := ""
			for {
				p, err := sc.ListOrders(ctx, platform.ListParams{Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range p.Items {
					if slices.Contains(o.Tags, name) {
						out = append(out, o)
					}
				}
				if p.NextCursor == "" {
					return out
				}
				cursor = p.NextCursor
			}
		}

		// Automatic push, the source losing the first orderCreate's answer and its search lagging.
		if st := call(http.MethodPut, fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID), `{"push_mode":"automatic"}`, nil); st != http.StatusOK {
			t.Fatalf("PUT order settings: %d", st)
		}
		e.sim.SetFaults(src.Address, shopifysim.Faults{SearchLag: 2 * time.Second})
		e.sim.AddCallFault(src.Address, shopifysim.CallFault{Field: "orderCreate", Calls: []int{1}, Mode: shopifysim.LoseResponse})
		o1 := place("push-one", true, dstVariants[0], dstVariants[1])
		got := waitStatus(o1.Name, "pushed", 90*time.Second)
		made := sourceOrders(o1.Name)
		if len(made) != 1 {
			t.Fatalf("source orders tagged %s: %d; want exactly 1", o1.Name, len(made))
		}
		if !slices.Contains(made[0].Tags, dst.Name) || len(made[0].Lines) != 1 || made[0].Lines[0].VariantID != srcVariants[0] {
			t.Fatalf("source order %+v; want only the source's line, tagged %s", made[0], dst.Name)
		}
		if p := got.Pushes[0]; p.SourceOrderID != made[0].ID || p.PushedAt == nil {
			t.Fatalf("push %+v; want the source order %s recorded", p, made[0].ID)
		}
		// The reservation of the pushed line is no longer held: marked pushed in the push's
		// completing transaction (released once a source level recorded after that reflects it;
		// here the source's level webhook came during the snooze, before the mark: see the report).
		var mine []inventory.Reservation
		for _, state := range []string{"held", "pushed", "released"} {
			for _, r := range e.reservations(t, dst, c, state) {
				if r.OrderID == o1.ID {
					mine = append(mine, r)
				}
			}
		}
		if len(mine) != 1 || mine[0].State == "held" || mine[0].PushedAt == nil {
			t.Fatalf("reservations of %s: %+v; want one marked pushed", o1.Name, mine)
		}
		e.sim.ClearCallFaults(src.Address)
		e.sim.SetFaults(src.Address, shopifysim.Faults{})

		// Manual push with a fee, after refusals naming the field or the reason.
		if st := call(http.MethodPut, fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID), `{"push_mode":"manual"}`, nil); st != http.StatusOK {
			t.Fatalf("PUT order settings: %d", st)
		}
		o2 := place("push-two", true, dstVariants[0])
		got = waitStatus(o2.Name, "not_pushed", 30*time.Second)
		path := fmt.Sprintf("/api/v2/orders/%d/push", got.ID)
		var problem struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		for body, loc := range map[string]string{
			`{"shipping_fee":"-1"}`:                          "body.shipping_fee",
			`{"shipping_fee":"4.9.5"}`:                       "body.shipping_fee",
			fmt.Sprintf(`{"source_store_ids":[%d]}`, dst.ID): "body.source_store_ids",
		} {
			problem.Errors = nil
			if st := call(http.MethodPost, path, body, &problem); st != http.StatusUnprocessableEntity || len(problem.Errors) != 1 || problem.Errors[0].Location != loc {
				t.Fatalf("POST push %s: %d %+v; want 422 naming %s", body, st, problem, loc)
			}
		}
		var accepted struct {
			Pushes []api.OrderPush `json:"pushes"`
		}
		if st := call(http.MethodPost, path, fmt.Sprintf(`{"source_store_ids":[%d],"shipping_fee":"4.95"}`, src.ID), &accepted); st != http.StatusAccepted || len(accepted.Pushes) != 1 {
			t.Fatalf("POST push: %d %+v; want 202 with the push", st, accepted)
		}
		waitStatus(o2.Name, "pushed", 60*time.Second)
		made = sourceOrders(o2.Name)
		if len(made) != 1 || made[0].TotalShipping.Amount != 495 {
			t.Fatalf("source orders of %s: %+v; want one with 4.95 shipping", o2.Name, made)
		}

		// An unpaid order is not eligible: 409 with the reason, nothing pushed.
		o3 := place("push-three", false, dstVariants[0])
		got = waitStatus(o3.Name, "not_pushed", 30*time.Second)
		var conflict struct {
			Detail string `json:"detail"`
		}
		if st := call(http.MethodPost, fmt.Sprintf("/api/v2/orders/%d/push", got.ID), `{}`, &conflict); st != http.StatusConflict ||
			!strings.Contains(conflict.Detail, "not paid") {
			t.Fatalf("POST push of an unpaid order: %d %+v; want 409 with the reason", st, conflict)
		}
		if n := len(sourceOrders(o3.Name)); n != 0 {
			t.Fatalf("source orders of the unpaid %s: %d; want 0", o3.Name, n)
		}
	})
}
