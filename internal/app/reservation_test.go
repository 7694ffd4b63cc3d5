package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// TestReservationsOverHTTP runs reservations over real HTTP: one source, two destinations of two
// other accounts. An order on destination A of a linked variant (A's own stock drops with it, as
// a storefront sale does) lowers destination B at once, while the source store still has its
// stock untouched; duplicated order webhooks reserve once; a cancel gives it back. A pushed
// order is then released by the source's own decrement without the destinations' quantities
// ever going back up in between.
func TestReservationsOverHTTP(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "supplier", 2)
		dstA, itemsA := e.shop(t, "reseller-a", 2)
		dstB, itemsB := e.shop(t, "reseller-b", 2)
		srcVariants := e.variantIDs(t, "supplier")
		varsA := e.variantIDs(t, "reseller-a")
		cA := e.connectVariants(t, dstA, src, varsA, itemsA, srcItems, 0)
		e.connectVariants(t, dstB, src, e.variantIDs(t, "reseller-b"), itemsB, srcItems, 1)
		for _, st := range []store.Store{src, dstA, dstB} {
			e.waitSubscribed(t, st)
		}
		// Every order webhook of A is delivered twice.
		e.sim.SetWebhookFaults("reseller-a.myshopify.com", shopifysim.WebhookFaults{DuplicateShare: 1})

		e.setSource(t, src, "start", srcItems, func(int) int64 { return 50 })
		e.waitLevels(t, dstA, map[string]int64{itemsA[0]: 50, itemsA[1]: 50}, 60*time.Second)
		e.waitLevels(t, dstB, map[string]int64{itemsB[0]: 49, itemsB[1]: 49}, 60*time.Second)

		// An order of 3 on A: B drops to 50 − 3 − 1 before the source has any order; A ends at its
		// own decrement (the write's compare-and-set re-reads it and sets the rule's 47).
		order1 := e.createOrder(t, "reseller-a", varsA[0], 3)
		e.waitLevels(t, dstB, map[string]int64{itemsB[0]: 46, itemsB[1]: 49}, 60*time.Second)
		e.waitLevels(t, dstA, map[string]int64{itemsA[0]: 47, itemsA[1]: 50}, 60*time.Second)
		if got := e.levels(t, src, srcItems); got[srcItems[0]] != 50 {
			t.Fatalf("the source has %d; want its 50 untouched (it has no order)", got[srcItems[0]])
		}
		waitIdle(t, e)
		held := e.reservations(t, dstA, cA, "held")
		if len(held) != 1 || held[0].Quantity != 3 || held[0].OrderID != order1 || held[0].SourceInventoryItemID != srcItems[0] {
			t.Fatalf("held %+v; want one of 3 for %s (the duplicated webhooks reserve once)", held, order1)
		}
		if got := e.levels(t, dstB, itemsB[:1]); got[itemsB[0]] != 46 {
			t.Errorf("B has %d after the duplicates; want 46", got[itemsB[0]])
		}

		page := e.dashboardPage(t, dstA.AccountID, fmt.Sprintf("/connections/%d", cA.ID))
		if !strings.Contains(page, `<strong id="held-count">1</strong>`) || !strings.Contains(page, held[0].OrderName) {
			t.Errorf("the connection's page does not show the one held reservation of %s:\n%s", held[0].OrderName, page)
		}

		// The cancel (with restock on A) gives it back everywhere.
		e.cancelOrder(t, "reseller-a", order1)
		e.waitLevels(t, dstB, map[string]int64{itemsB[0]: 49}, 60*time.Second)
		e.waitLevels(t, dstA, map[string]int64{itemsA[0]: 50}, 60*time.Second)
		if rs := e.reservations(t, dstA, cA, "released"); len(rs) != 1 || rs[0].Reason != inventory.ReasonOrderCancelled {
			t.Fatalf("released %+v; want the cancelled one", rs)
		}

		// Another order of 2, pushed to the source: the source's own decrement releases it, and
		// B never goes back up to 49 in between.
		order2 := e.createOrder(t, "reseller-a", varsA[0], 2)
		e.waitLevels(t, dstB, map[string]int64{itemsB[0]: 47}, 60*time.Second)
		waitIdle(t, e)
		var stop atomic.Bool
		var wg sync.WaitGroup
		var seen sync.Map // quantities B's target held meanwhile
		wg.Go(func() {
			for !stop.Load() {
				ts, err := e.a.Inventory.Targets(ctx, inventory.TargetsParams{StoreID: dstB.ID})
				if err == nil {
					for _, tg := range ts {
						if tg.InventoryItemID == itemsB[0] {
							seen.Store(tg.Desired, true)
						}
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
		// The push records, before it creates the source order, when it does so (at the
		// platform's precision, whole seconds).
		at := time.Now().Truncate(time.Second)
		err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			n, err := e.a.Inventory.MarkPushed(ctx, tx, inventory.MarkPushedParams{AccountID: dstA.AccountID,
				DestinationStoreID: dstA.ID, OrderID: order2, At: at})
			if err == nil && n != 1 {
				err = fmt.Errorf("marked %d pushed; want 1", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		e.createOrder(t, "supplier", srcVariants[0], 2) // the pushed order decrements the source: 48
		deadline := time.Now().Add(60 * time.Second)
		for len(e.reservations(t, dstA, cA, "pushed")) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		waitIdle(t, e)
		stop.Store(true)
		wg.Wait()
		seen.Range(func(k, _ any) bool {
			if k.(int64) != 47 {
				t.Errorf("B's target was %d between the push and its release; want 47 throughout", k)
			}
			return true
		})
		rs := e.reservations(t, dstA, cA, "released")
		if len(rs) != 2 || rs[0].OrderID != order2 || rs[0].Reason != inventory.ReasonReflected {
			t.Fatalf("released %+v; want order %s released as reflected", rs, order2)
		}
		e.waitLevels(t, dstB, map[string]int64{itemsB[0]: 47}, 30*time.Second)
		e.waitLevels(t, dstA, map[string]int64{itemsA[0]: 48}, 30*time.Second)

		// Over the API: the destination's account lists them; the source's may not.
		var out struct {
			Data []struct {
				OrderID string `json:"order_id"`
				State   string `json:"state"`
			} `json:"data"`
			Total int64 `json:"total"`
		}
		status := e.apiGet(t, dstA.AccountID, fmt.Sprintf("/api/v2/connections/%d/reservations?state=released", cA.ID), &out)
		if status != http.StatusOK || out.Total != 2 || len(out.Data) != 2 || out.Data[0].OrderID != order2 || out.Data[0].State != "released" {
			t.Errorf("GET reservations: %d %+v; want both released, newest first", status, out)
		}
		if status := e.apiGet(t, src.AccountID, fmt.Sprintf("/api/v2/connections/%d/reservations", cA.ID), nil); status != http.StatusForbidden {
			t.Errorf("the source's account: %d; want 403", status)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				OperationID string `json:"operationId"`
			} `json:"paths"`
		}
		if status := e.apiGet(t, dstA.AccountID, "/api/openapi.json", &doc); status != http.StatusOK ||
			doc.Paths["/api/v2/connections/{id}/reservations"]["get"].OperationID != "list-reservations" {
			t.Errorf("the OpenAPI document (%d) has no list-reservations operation", status)
		}
	})
}

// variantIDs reads the shop's variant ids in id order (the order shop returns their items in).
func (e *syncEnv) variantIDs(t testing.TB, name string) []string {
	t.Helper()
	var out struct {
		ProductVariants struct {
			Nodes []struct {
				ID string `json:"id"`
			} `json:"nodes"`
		} `json:"productVariants"`
	}
	e.gql(t, name, `query { productVariants(first: 250) { nodes { id } } }`, nil, &out)
	ids := make([]string, 0, len(out.ProductVariants.Nodes))
	for _, n := range out.ProductVariants.Nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

// connectVariants connects dst to src with the buffer, linking dst's variants (with their real
// ids, which orders name) to src's items one to one.
func (e *syncEnv) connectVariants(t testing.TB, dst, src store.Store, dstVariants, dstItems, srcItems []string, buffer int64) connection.Connection {
	t.Helper()
	ctx := context.Background()
	c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Settings
	s.Buffer = buffer
	if c, err = e.a.Connections.UpdateSettings(ctx, connection.SettingsParams{AccountID: dst.AccountID, ID: c.ID, Settings: s}); err != nil {
		t.Fatal(err)
	}
	links := make([]catalog.LinkInput, len(srcItems))
	for i := range srcItems {
		links[i] = catalog.LinkInput{SourceStoreID: src.ID, SourceProductID: fmt.Sprint("sp", i), SourceVariantID: fmt.Sprint("sv", i),
			SourceInventoryItemID: srcItems[i], DestinationStoreID: dst.ID, DestinationProductID: fmt.Sprint("dp", i),
			DestinationVariantID: dstVariants[i], DestinationInventoryItemID: dstItems[i], Identifier: fmt.Sprint("SKU-", i)}
	}
	err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// createOrder creates a paid order of qty of the variant on the shop, decrementing its stock as
// a storefront sale does, and returns its id.
func (e *syncEnv) createOrder(t testing.TB, name, variantID string, qty int) string {
	t.Helper()
	var out struct {
		OrderCreate struct {
			Order      *struct{ ID string } `json:"order"`
			UserErrors []struct{ Message string }
		} `json:"orderCreate"`
	}
	e.gql(t, name, `mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order, options: {inventoryBehaviour: DECREMENT_IGNORING_POLICY}) { order { id } userErrors { message } }
}`, map[string]any{"order": map[string]any{"financialStatus": "PAID", "email": "buyer@example.com",
		"lineItems": []any{map[string]any{"variantId": variantID, "quantity": qty}}}}, &out)
	if out.OrderCreate.Order == nil {
		t.Fatalf("orderCreate on %s: %+v", name, out.OrderCreate.UserErrors)
	}
	return out.OrderCreate.Order.ID
}

func (e *syncEnv) cancelOrder(t testing.TB, name, orderID string) {
	t.Helper()
	var out struct {
		OrderCancel struct {
			OrderCancelUserErrors []struct{ Message string } `json:"orderCancelUserErrors"`
		} `json:"orderCancel"`
	}
	e.gql(t, name, `mutation($id: ID!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: true) { orderCancelUserErrors { message } }
}`, map[string]any{"id": orderID}, &out)
	if len(out.OrderCancel.OrderCancelUserErrors) > 0 {
		t.Fatalf("orderCancel on %s: %+v", name, out.OrderCancel.OrderCancelUserErrors)
	}
}

// gql runs a GraphQL request on the simulated shop with its token, waiting out throttling.
func (e *syncEnv) gql(t testing.TB, name, query string, vars map[string]any, into any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
			e.simURL+"/shops/"+name+".myshopify.com/admin/api/"+shopifysim.APIVersion+"/graphql.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", "shpat_"+name)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Errors []json.RawMessage `json:"errors"`
			Data   json.RawMessage   `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Errors) > 0 {
			if attempt < 10 { // throttled: the bucket refills in a second or two
				time.Sleep(time.Second)
				continue
			}
			t.Fatalf("GraphQL on %s: %s", name, out.Errors[0])
		}
		if err := json.Unmarshal(out.Data, into); err != nil {
			t.Fatal(err)
		}
		return
	}
}

func (e *syncEnv) reservations(t testing.TB, dst store.Store, c connection.Connection, state string) []inventory.Reservation {
	t.Helper()
	pg, err := e.a.Inventory.Reservations(context.Background(), inventory.ListReservationsParams{AccountID: dst.AccountID,
		ConnectionID: c.ID, State: state, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return pg.Items
}

// apiGet GETs path over HTTPS with a new API key of the account, decoding a 2xx answer into out.
func (e *syncEnv) apiGet(t testing.TB, accountID int64, path string, out any) int {
	t.Helper()
	ctx := context.Background()
	_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: accountID, Name: "reservations", Permission: account.PermissionRead})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := apiCall(t, e.srv, key, http.MethodGet, path, nil, out)
	return code
}

// dashboardPage logs a new user of the account in to the dashboard and GETs path.
func (e *syncEnv) dashboardPage(t testing.TB, accountID int64, path string) string {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("ops%d@reseller.example", accountID)
	if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: accountID, Email: email, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	c := new(http.Client)
	*c = *e.srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	form := url.Values{"email": {email}, "password": {"long enough password"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+path, nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}
