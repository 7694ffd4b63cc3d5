package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
	"github.com/storesync/storesync/internal/platform/shopify"
	"github.com/storesync/storesync/internal/platform/woocommerce"
	bigcommercesim "github.com/storesync/storesync/internal/sim/bigcommerce"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
	"github.com/storesync/storesync/internal/store"
)

// mixedEnv is a syncEnv with a WooCommerce and a BigCommerce simulator beside its Shopify one,
// each on its own loopback server and each delivering its webhooks to the app over HTTPS.
// src0 numbers the flows' accounts.
var src0 atomic.Int64

type mixedEnv struct {
	*syncEnv
	woo    *woocommercesim.Sim
	wooURL string
	bc     *bigcommercesim.Sim
	bcURL  string
}

func newMixedEnv(t *testing.T, dbURL string) *mixedEnv {
	t.Helper()
	e := &mixedEnv{syncEnv: newSyncEnv(t, dbURL)}
	var err error
	if e.woo, err = woocommercesim.New(woocommercesim.Options{Seed: 7, HTTPClient: e.srv.Client()}); err != nil {
		t.Fatal(err)
	}
	wooSrv := httptest.NewServer(e.woo)
	t.Cleanup(func() { _ = e.woo.Close(); wooSrv.Close() })
	e.woo.SetBaseURL(wooSrv.URL)
	e.wooURL = wooSrv.URL
	if e.bc, err = bigcommercesim.New(bigcommercesim.Options{Seed: 7, WebhookClient: e.srv.Client(),
		WebhookRetries: []time.Duration{time.Second, 2 * time.Second}}); err != nil {
		t.Fatal(err)
	}
	bcSrv := httptest.NewServer(e.bc)
	t.Cleanup(func() { _ = e.bc.Close(); bcSrv.Close() })
	e.bcURL = bcSrv.URL
	e.a.Targets.Allow(wooSrv.Listener.Addr().String())
	e.a.Targets.Allow(bcSrv.Listener.Addr().String())
	return e
}

// mixedAccount is an account of the flow, with its API key and its user's email.
type mixedAccount struct {
	id       int64
	key, rep string
}

// account makes an account with a read-write API key and a user (the back office's rep).
func (e *mixedEnv) account(t *testing.T, name string) mixedAccount {
	t.Helper()
	ctx := context.Background()
	acc, err := e.a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "ops", Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: acc.ID, Email: "rep@" + name + ".example",
		Name: "Rita Rep", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	return mixedAccount{id: acc.ID, key: key, rep: "rep@" + name + ".example"}
}

// wooStore adds a simulated WooCommerce store (with the Shipment Tracking extension) with a seeded
// catalog and saves it as a store of the account, through the API as a person would.
func (e *mixedEnv) wooStore(t *testing.T, acc mixedAccount, name string, products, variations int) store.Store {
	t.Helper()
	ck, cs := "ck_"+strings.ReplaceAll(name, "-", ""), "cs_"+strings.ReplaceAll(name, "-", "")
	st, err := e.woo.AddStore(woocommercesim.StoreConfig{Name: name, ConsumerKey: ck, ConsumerSecret: cs, SiteName: name, ShipmentTracking: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedCatalog(products, variations, 3); err != nil {
		t.Fatal(err)
	}
	creds := woocommerce.Credentials{StoreURL: "https://" + name + ".example", ConsumerKey: ck, ConsumerSecret: cs}
	return e.saveStore(t, acc, name, woocommerce.Platform, woocommercesim.BaseURL(e.wooURL, name), creds.Marshal())
}

// bcStore adds a simulated BigCommerce store with a seeded catalog and saves it through the API.
func (e *mixedEnv) bcStore(t *testing.T, acc mixedAccount, hash string, products, variants int) store.Store {
	t.Helper()
	token := "tok" + hash
	if _, err := e.bc.AddStore(bigcommercesim.StoreConfig{Hash: hash, AccessToken: token, Name: hash}); err != nil {
		t.Fatal(err)
	}
	if products > 0 {
		if err := e.bc.SeedCatalog(hash, products, variants); err != nil {
			t.Fatal(err)
		}
	}
	creds := bigcommerce.Credentials{StoreHash: hash, AccessToken: token}
	return e.saveStore(t, acc, hash, bigcommerce.Platform, e.bcURL+bigcommercesim.StorePath(hash), creds.Marshal())
}

// shopifyStore adds a simulated Shopify shop with a seeded catalog and saves it through the API.
func (e *mixedEnv) shopifyStore(t *testing.T, acc mixedAccount, name string, products, variants int) store.Store {
	t.Helper()
	domain, token, secret := name+".myshopify.com", "shpat_"+name, "shpss_"+name
	if _, err := e.sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: name, AccessToken: token, APISecret: secret}); err != nil {
		t.Fatal(err)
	}
	if products > 0 {
		if err := e.sim.SeedCatalog(domain, products, variants); err != nil {
			t.Fatal(err)
		}
	}
	creds := shopify.Credentials{ShopDomain: domain, AccessToken: token, APISecret: secret}
	return e.saveStore(t, acc, name, shopify.Platform, e.simURL+"/shops/"+domain, creds.Marshal())
}

func (e *mixedEnv) saveStore(t *testing.T, acc mixedAccount, name string, pl store.Platform, baseURL string, creds []byte) store.Store {
	t.Helper()
	var out struct {
		ID int64 `json:"id"`
	}
	if code := e.call(t, acc.key, http.MethodPost, "/api/v2/stores", map[string]any{"name": name, "platform": string(pl), "base_url": baseURL,
		"credentials": jsonRaw(string(creds))}, &out); code != http.StatusCreated {
		t.Fatalf("saving %s store %s: %d", pl, name, code)
	}
	st, err := e.a.Stores.Get(context.Background(), store.GetParams{AccountID: acc.id, ID: out.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.stores = append(e.stores, st)
	e.mu.Unlock()
	return st
}

// TestMixedPlatformFlows runs every flow across platforms over real HTTP: a WooCommerce supplier
// feeding a Shopify reseller and a Shopify supplier feeding a BigCommerce reseller. For each:
// the reseller connects to the supplier's store key, imports its catalog, and its stock follows
// the supplier's (a change there reaches it by webhook); its store sends orders to its back
// office; an order placed on it is pushed to the supplier once, the supplier ships it with two
// parcels, and the tracking reaches the reseller's order; the order is a job with its sales order
// in the back office; a reconciliation of the connection ends with nothing to correct; a sync
// cycle writes the supplier's back-office stock to its store, and the reseller's follows.
func TestMixedPlatformFlows(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newMixedEnv(t, dbURL)
		for _, tc := range []struct {
			name     string
			src, dst func(t *testing.T, acc mixedAccount) store.Store
		}{
			{"woocommerce source to shopify destination",
				func(t *testing.T, acc mixedAccount) store.Store { return e.wooStore(t, acc, "woo-supplier", 3, 2) },
				func(t *testing.T, acc mixedAccount) store.Store { return e.shopifyStore(t, acc, "shop-reseller", 0, 0) }},
			{"shopify source to bigcommerce destination",
				func(t *testing.T, acc mixedAccount) store.Store { return e.shopifyStore(t, acc, "shop-supplier", 3, 2) },
				func(t *testing.T, acc mixedAccount) store.Store { return e.bcStore(t, acc, "bcreseller", 0, 0) }},
		} {
			t.Run(tc.name, func(t *testing.T) { e.mixedFlow(t, tc.src, tc.dst) })
		}
	})
}

func (e *mixedEnv) mixedFlow(t *testing.T, newSrc, newDst func(t *testing.T, acc mixedAccount) store.Store) {
	ctx := context.Background()
	supplier, reseller := e.account(t, fmt.Sprint("supplier-", src0.Add(1))), e.account(t, fmt.Sprint("reseller-", src0.Add(1)))
	key, resellerID := reseller.key, reseller.id
	src, dst := newSrc(t, supplier), newDst(t, reseller)
	e.waitSubscribed(t, src)
	e.waitSubscribed(t, dst)
	sc, dc := e.client(t, src), e.client(t, dst)

	// Connect by the supplier's store key and import its whole catalog.
	var conn api.Connection
	if code := e.call(t, key, http.MethodPost, "/api/v2/connections", map[string]any{"destination_store_id": dst.ID, "source_store_key": src.Key},
		&conn); code != http.StatusCreated || conn.State != string(connection.StateConnected) {
		t.Fatalf("connecting: %d %+v", code, conn)
	}
	if r := e.importAll(t, key, conn.ID); r.State != "completed" || r.Failed != 0 || r.Done != 3 {
		t.Fatalf("import: %+v; want 3 products done", r)
	}
	srcBySKU, dstBySKU := variantsBySKU(t, sc), variantsBySKU(t, dc)
	if len(srcBySKU) != 6 || len(dstBySKU) != len(srcBySKU) {
		t.Fatalf("after the import the destination has %d variants of the source's %d; want all 6", len(dstBySKU), len(srcBySKU))
	}
	// The destination holds the source's stock (the rule, buffer 0), and follows a change.
	want := map[string]int64{}
	var sku string
	for s, v := range srcBySKU {
		want[dstBySKU[s].InventoryItemID] = levelOf(t, sc, v.InventoryItemID)
		if sku == "" || s < sku {
			sku = s
		}
	}
	e.waitLevels(t, dst, want, 90*time.Second)
	locs, err := sc.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: "mixed-stock-" + src.Key, Changes: []platform.InventoryChange{{
		InventoryItemID: srcBySKU[sku].InventoryItemID, LocationID: locs[0].ID, Quantity: 37}}}); err != nil {
		t.Fatal(err)
	}
	want[dstBySKU[sku].InventoryItemID] = 37
	e.waitLevels(t, dst, want, 90*time.Second)

	// The reseller's store sends its orders to the account's back office.
	bo := fmt.Sprintf("/api/v2/stores/%d/back-office", dst.ID)
	var link api.BackOfficeLink
	if code := e.call(t, key, http.MethodPut, bo, map[string]any{"business_name": "Mixed Club", "primary_rep": reseller.rep},
		&link); code != http.StatusOK {
		t.Fatalf("PUT %s: %d", bo, code)
	}
	if code := e.call(t, key, http.MethodPost, bo+"/verify", nil, &link); code != http.StatusOK || !link.Enabled {
		t.Fatalf("verifying the back-office link: %d %+v", code, link)
	}
	time.Sleep(1100 * time.Millisecond) // stores stamp orders to the second: the next is after the link's start

	// Orders of synced products go to the supplier at once.
	if code := e.call(t, key, http.MethodPut, fmt.Sprintf("/api/v2/connections/%d/order-settings", conn.ID),
		map[string]any{"push_mode": "automatic"}, nil); code != http.StatusOK {
		t.Fatalf("order settings: %d", code)
	}
	placed, err := dc.CreateOrder(ctx, platform.OrderInput{IdempotencyKey: "mixed-" + dst.Key, Currency: "USD", Email: "ann@example.com",
		FinancialStatus: platform.FinancialPaid,
		Customer:        &platform.Customer{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"},
		ShippingAddress: &platform.Address{FirstName: "Ann", LastName: "Lee", Address1: "1 Main St", City: "Austin", Province: "Texas",
			ProvinceCode: "TX", Zip: "73301", Country: "United States", CountryCode: "US"},
		Lines: []platform.OrderLineInput{{VariantID: dstBySKU[sku].ID, Quantity: 2}}})
	if err != nil {
		t.Fatalf("placing the reseller's order: %v", err)
	}
	var order api.Order
	within(t, 90*time.Second, func() bool {
		order = e.orderOn(t, key, dst.ID, placed.ID)
		return order.PushStatus == "pushed" && len(order.Pushes) == 1 && order.Pushes[0].SourceOrderID != ""
	}, func() string {
		return fmt.Sprintf("order %s on %s: push status %q, pushes %+v", placed.Name, dst, order.PushStatus, order.Pushes)
	})
	pushed, err := sc.Order(ctx, order.Pushes[0].SourceOrderID)
	if err != nil {
		t.Fatalf("reading the pushed order on the source: %v", err)
	}
	if len(pushed.Lines) != 1 || pushed.Lines[0].SKU != sku || pushed.Lines[0].Quantity != 2 {
		t.Fatalf("the source order %s: %+v; want 2 × %s", pushed.ID, pushed.Lines, sku)
	}
	if n := countOrders(t, sc); n != 1 {
		t.Fatalf("the source has %d orders; want the one push", n)
	}

	// The supplier ships it in two parcels; the tracking reaches the reseller's order.
	if _, err := sc.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: pushed.ID,
		Tracking:     platform.Tracking{Company: "UPS", Number: "1ZMIXED0001"},
		MoreTracking: []platform.Tracking{{Number: "1ZMIXED0002"}}}); err != nil {
		t.Fatalf("shipping the source order: %v", err)
	}
	var numbers []string
	within(t, 120*time.Second, func() bool {
		fs, err := dc.Fulfillments(ctx, placed.ID)
		if err != nil {
			t.Fatal(err)
		}
		numbers = numbers[:0]
		for _, f := range fs {
			for _, tr := range f.Tracking {
				numbers = append(numbers, tr.Number)
			}
		}
		return len(fs) == 1 && strings.Contains(strings.Join(numbers, " "), "1ZMIXED0001") && strings.Contains(strings.Join(numbers, " "), "1ZMIXED0002")
	}, func() string {
		return fmt.Sprintf("the reseller's order %s has tracking %v; want one fulfilment with both parcels", placed.Name, numbers)
	})
	within(t, 60*time.Second, func() bool {
		order = e.orderOn(t, key, dst.ID, placed.ID)
		return order.FulfillmentStatus == "fulfilled"
	}, func() string {
		return fmt.Sprintf("order %s is %s; want fulfilled", placed.Name, order.FulfillmentStatus)
	})

	// The order is one job with its sales order in the reseller's back office.
	var jobs []boJob
	within(t, 60*time.Second, func() bool {
		jobs = nil
		for ref, js := range boJobs(t, e.a.DB, resellerID) {
			if strings.HasSuffix(ref, " order "+placed.ID) {
				jobs = append(jobs, js...)
			}
		}
		return len(jobs) > 0
	}, func() string { return "no back-office job for order " + placed.Name })
	if len(jobs) != 1 || jobs[0].lines != 1 || jobs[0].description != "Mixed Club "+placed.Name {
		t.Fatalf("back-office jobs of %s: %+v; want one, one line", placed.Name, jobs)
	}

	// Nothing is left to correct: the destination holds the source's stock, the pushed order's
	// sale included.
	e.reconcileNow(t, key, conn.ID)
	if n := countOrders(t, sc); n != 1 {
		t.Fatalf("the source has %d orders at the end; want the one push", n)
	}
	for s, v := range srcBySKU {
		want[dstBySKU[s].InventoryItemID] = levelOf(t, sc, v.InventoryItemID)
	}
	e.waitLevels(t, dst, want, 60*time.Second)

	// The sync cycle: the supplier's stock is its back office's, which a run writes to its store;
	// the reseller's follows.
	for s, v := range srcBySKU {
		if _, err := e.a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: supplier.id, OnHand: 20, Actor: "user test",
			Input: backoffice.ItemInput{SKU: s, Description: v.Title, Currency: "USD", Price: 1500, Cost: 700}}); err != nil {
			t.Fatal(err)
		}
	}
	master := fmt.Sprintf("/api/v2/stores/%d/inventory-master", src.ID)
	if code := e.call(t, supplier.key, http.MethodPut, master, map[string]any{"master": "back_office", "match_by": "sku"}, nil); code != http.StatusOK {
		t.Fatalf("PUT %s: %d", master, code)
	}
	var run api.SyncRun
	if code := e.call(t, supplier.key, http.MethodPost, "/api/v2/sync-runs", map[string]any{}, &run); code != http.StatusAccepted {
		t.Fatalf("POST /api/v2/sync-runs: %d", code)
	}
	within(t, 3*time.Minute, func() bool {
		e.call(t, supplier.key, http.MethodGet, fmt.Sprintf("/api/v2/sync-runs/%d", run.ID), nil, &run)
		return run.Status == "succeeded" || run.Status == "failed"
	}, func() string { return fmt.Sprintf("sync run %d is %s", run.ID, run.Status) })
	if run.Status != "succeeded" {
		for _, st := range run.Steps {
			t.Logf("step %d %s: %s %v %+v", st.Step, st.Status, st.Error, st.Counts, st.Errors)
		}
		t.Fatalf("sync run %d %s; want succeeded", run.ID, run.Status)
	}
	for s, v := range srcBySKU {
		if got := levelOf(t, sc, v.InventoryItemID); got != 20 {
			t.Errorf("after the sync run the supplier's %s holds %d; want the back office's 20", s, got)
		}
		want[dstBySKU[s].InventoryItemID] = 20
	}
	e.waitLevels(t, dst, want, 60*time.Second)
}

// orderOn finds the store's order by its platform id through the API and reads it whole.
func (e *mixedEnv) orderOn(t *testing.T, key string, storeID int64, platformID string) api.Order {
	t.Helper()
	var l struct {
		Data []api.Order `json:"data"`
	}
	e.call(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders?store_id=%d", storeID), nil, &l)
	for _, o := range l.Data {
		if o.PlatformOrderID == platformID {
			var d api.Order
			e.call(t, key, http.MethodGet, fmt.Sprintf("/api/v2/orders/%d", o.ID), nil, &d)
			return d
		}
	}
	return api.Order{}
}

// levelOf is the item's available quantity at the store's first location.
func levelOf(t *testing.T, c platform.Store, item string) int64 {
	t.Helper()
	locs, err := c.Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ls, err := c.InventoryLevels(context.Background(), locs[0].ID, []string{item})
	if err != nil || len(ls) != 1 {
		t.Fatalf("levels of %s: %+v %v", item, ls, err)
	}
	return ls[0].Available
}

// countOrders is how many orders the store has.
func countOrders(t *testing.T, c platform.Store) int {
	t.Helper()
	n := 0
	for cursor := ""; ; {
		p, err := c.ListOrders(context.Background(), platform.ListParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Items)
		if p.NextCursor == "" {
			return n
		}
		cursor = p.NextCursor
	}
}
