package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// proofShop is a simulated shop saved as a store of a new account with a read-write API key.
type proofShop struct {
	st     store.Store
	c      platform.Store
	key    string // the account's API key
	domain string
}

func (e *syncEnv) proofShop(t *testing.T, cfg shopifysim.ShopConfig, products, variants int) proofShop {
	t.Helper()
	ctx := context.Background()
	name := cfg.Name
	cfg.Domain, cfg.AccessToken, cfg.APISecret = name+".myshopify.com", "shpat_"+name, "shpss_"+name
	if _, err := e.sim.AddShop(cfg); err != nil {
		t.Fatal(err)
	}
	if products > 0 {
		if err := e.sim.SeedCatalog(cfg.Domain, products, variants); err != nil {
			t.Fatal(err)
		}
	}
	acc, err := e.a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "ops", Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: shopify.Platform, BaseURL: e.simURL + "/shops/" + cfg.Domain,
		Credentials: shopify.Credentials{ShopDomain: cfg.Domain, AccessToken: cfg.AccessToken, APISecret: cfg.APISecret}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	return proofShop{st: st, c: e.client(t, st), key: key, domain: cfg.Domain}
}

// call makes one request to the app's API over HTTPS, decoding a 2xx answer into out.
func (e *syncEnv) call(t *testing.T, key, method, path string, body, out any) int {
	t.Helper()
	code, raw := apiCall(t, e.srv, key, method, path, body, out)
	if code >= 300 {
		t.Logf("%s %s: %d %s", method, path, code, raw)
	}
	return code
}

// apiRunState is the part of an import, map or reconciliation run the proof reads.
type apiRunState struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	Done   int64  `json:"done"`
	Failed int64  `json:"failed"`
}

// importAll imports the source's whole catalog into the connection and waits for the run to end.
func (e *syncEnv) importAll(t *testing.T, key string, conn int64) apiRunState {
	t.Helper()
	var r apiRunState
	if code := e.call(t, key, "POST", fmt.Sprintf("/api/v2/connections/%d/imports", conn), map[string]any{"all": true}, &r); code != 202 {
		t.Fatalf("import: %d", code)
	}
	// Generous: SQLite under -race beside the package's other tests and packages is slow; a
	// healthy import ends in seconds.
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code := e.call(t, key, "GET", fmt.Sprintf("/api/v2/connections/%d/imports/%d", conn, r.ID), nil, &r); code != 200 {
			t.Fatalf("GET import: %d", code)
		}
		if r.State == "completed" || r.State == "failed" {
			return r
		}
	}
	t.Fatalf("import %d never ended: %+v", r.ID, r)
	return r
}

// reconcileNow runs a reconciliation of the connection on demand through the API and waits until
// it has ended, failing the test unless it completed.
func (e *syncEnv) reconcileNow(t *testing.T, key string, conn int64) {
	t.Helper()
	var r apiRunState
	if code := e.call(t, key, "POST", fmt.Sprintf("/api/v2/connections/%d/reconcile", conn), map[string]any{"full": false}, &r); code != 202 {
		t.Fatalf("POST reconcile: %d; want 202 with the run", code)
	}
	if r.ID == 0 || r.State == "" {
		t.Fatalf("POST reconcile answered %+v; want the run with its id and state", r)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var list struct {
			Data []apiRunState `json:"data"`
		}
		if code := e.call(t, key, "GET", fmt.Sprintf("/api/v2/connections/%d/reconciliations", conn), nil, &list); code != 200 {
			t.Fatalf("GET reconciliations: %d", code)
		}
		for _, run := range list.Data {
			if run.ID != r.ID {
				continue
			}
			switch run.State {
			case "completed", "done":
				return
			case "failed", "cancelled":
				t.Fatalf("reconciliation %d of connection %d ended %s", run.ID, conn, run.State)
			}
		}
	}
	t.Fatalf("reconciliation %d of connection %d never ended", r.ID, conn)
}

// variantsBySKU is every variant of the store's catalog by SKU.
func variantsBySKU(t *testing.T, c platform.Store) map[string]platform.Variant {
	t.Helper()
	out := map[string]platform.Variant{}
	for _, p := range catalogOf(t, c) {
		for _, v := range p.Variants {
			out[v.SKU] = v
		}
	}
	return out
}

// levelsOf reads the items' available quantities at the store's first location from the shop.
func levelsOf(t *testing.T, c platform.Store, items []string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	locs, err := c.Locations(ctx)
	if err != nil || len(locs) == 0 {
		t.Fatalf("locations: %v", err)
	}
	ls, err := c.InventoryLevels(ctx, locs[0].ID, items)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, l := range ls {
		out[l.InventoryItemID] = l.Available
	}
	return out
}

// proofDest is one destination of the proof: its shop, connection, rule and variants by SKU.
type proofDest struct {
	proofShop
	conn     int64
	buffer   int64
	price    func(sourceMinor int64) int64 // the price rule, computed by hand
	currency string
	bySKU    map[string]platform.Variant
}

// drift lists the destination's variants whose quantity on the shop is not the rule's.
func (d proofDest) drift(t *testing.T, source map[string]int64) []string {
	t.Helper()
	items := make([]string, 0, len(d.bySKU))
	for _, v := range d.bySKU {
		items = append(items, v.InventoryItemID)
	}
	got := levelsOf(t, d.c, items)
	var out []string
	for sku, v := range d.bySKU {
		want := max(0, source[sku]-d.buffer)
		if g, ok := got[v.InventoryItemID]; !ok || g != want {
			out = append(out, fmt.Sprintf("%s: %d, want %d", sku, g, want))
		}
	}
	return out
}

// TestSyncProof is issue 9's "done when", over real HTTP against the simulator on each
// database: one source shop, two destinations in two other accounts connected through the API
// by the source's store key, the source's catalog imported with a different price rule each (the
// prices exact); then 1,000 random source stock changes made through the simulator's GraphQL
// API, whose webhooks it duplicates, reorders and drops (10 % each). Once the hub is quiet some
// destination quantity is wrong (the dropped webhooks: so the proof cannot pass vacuously); after
// a reconciliation every destination quantity is its rule's exactly, and no inventory write was
// throttled or failed. Last, disconnect keep (zero_stock) leaves one destination's products with
// stock 0, and disconnect delete removes the other's.
func TestSyncProof(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const products, variants, changes = 50, 2, 1000
		t0 := time.Now()
		e := newSyncEnv(t, dbURL)
		// The source is on Plus so 1,000 single-change calls are not slowed by its bucket.
		src := e.proofShop(t, shopifysim.ShopConfig{Name: "proof-supplier", Plan: shopifysim.PlanPlus}, products, variants)
		dests := []*proofDest{
			{proofShop: e.proofShop(t, shopifysim.ShopConfig{Name: "proof-reseller-usd"}, 0, 0), buffer: 2, currency: "USD",
				// +25 %, to the cent half up, then up to .99
				price: func(p int64) int64 { v := (p*125 + 50) / 100; return v/100*100 + 99 }},
			{proofShop: e.proofShop(t, shopifysim.ShopConfig{Name: "proof-reseller-eur", Currency: "EUR"}, 0, 0), buffer: 0, currency: "EUR",
				// +2.50 USD, then × 0.92 into EUR, to the cent half up
				price: func(p int64) int64 { return ((p+250)*92 + 50) / 100 }},
		}
		rules := []map[string]any{
			{"markup": map[string]any{"kind": "percent", "percent": "25"}, "rounding": "0.99", "rounding_mode": "up", "compare_at": map[string]any{"rule": "none"}},
			{"markup": map[string]any{"kind": "fixed", "amount": "2.50"}, "rounding": "none", "rounding_mode": "up", "compare_at": map[string]any{"rule": "none"},
				"exchange": map[string]any{"from": "USD", "to": "EUR", "rate": "0.92"}},
		}
		srcVariants := variantsBySKU(t, src.c)
		if len(srcVariants) != products*variants {
			t.Fatalf("source has %d variants; want %d", len(srcVariants), products*variants)
		}

		// Connect and import through the API, each destination with its own account's key.
		for i, d := range dests {
			var c struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			}
			if code := e.call(t, d.key, "POST", "/api/v2/connections", map[string]any{"destination_store_id": d.st.ID, "source_store_key": src.st.Key}, &c); code != 201 || c.State != "connected" {
				t.Fatalf("connecting %s: %d %+v", d.st.Name, code, c)
			}
			d.conn = c.ID
			settings := map[string]any{"identifier": "sku", "buffer": d.buffer,
				"attributes": map[string]bool{"title": true, "description": true, "images": false, "vendor": true, "product_type": true, "tags": true,
					"price": true, "compare_at_price": true, "weight": true, "options": true, "variants": true},
				"price": rules[i]}
			if code := e.call(t, d.key, "PUT", fmt.Sprintf("/api/v2/connections/%d/settings", d.conn), settings, nil); code != 200 {
				t.Fatalf("settings of %s: %d", d.st.Name, code)
			}
			if r := e.importAll(t, d.key, d.conn); r.State != "completed" || r.Done != products || r.Failed != 0 {
				t.Fatalf("import into %s: %+v; want %d products done", d.st.Name, r, products)
			}
			d.bySKU = variantsBySKU(t, d.c)
			if len(d.bySKU) != products*variants {
				t.Fatalf("%s has %d variants after the import; want %d", d.st.Name, len(d.bySKU), products*variants)
			}
			for sku, sv := range srcVariants {
				dv, ok := d.bySKU[sku]
				want := platform.Money{Amount: d.price(sv.Price.Amount), Currency: d.currency}
				if !ok || dv.Price != want {
					t.Errorf("%s %s: price %v for source %v; want %v", d.st.Name, sku, dv.Price, sv.Price, want)
				}
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		e.waitSubscribed(t, src.st)
		e.waitQuiet(t)
		t.Logf("set up in %s", time.Since(t0))

		// 1,000 random changes, one GraphQL call (one webhook) each, over unreliable webhooks.
		e.sim.SetWebhookFaults(src.domain, shopifysim.WebhookFaults{DuplicateShare: 0.1, ReorderShare: 0.1, DropShare: 0.1})
		e.throttled.Store(0) // from here on, every throttled inventory write counts
		skus := make([]string, 0, len(srcVariants))
		for sku := range srcVariants {
			skus = append(skus, sku)
		}
		source := map[string]int64{}
		for sku, v := range srcVariants {
			source[sku] = derefOr(v.Quantity)
		}
		locs, err := src.c.Locations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(9, 1000))
		t0 = time.Now()
		for i := range changes {
			sku := skus[rnd.IntN(len(skus))]
			q := source[sku] + 1 + int64(rnd.IntN(40)) // always a change, so always a webhook
			if rnd.IntN(3) == 0 {
				q = int64(rnd.IntN(3)) // now and then near zero, below a buffer
			}
			if q == source[sku] {
				q++
			}
			_, err := src.c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: fmt.Sprintf("proof-%d", i),
				Changes: []platform.InventoryChange{{InventoryItemID: srcVariants[sku].InventoryItemID, LocationID: locs[0].ID, Quantity: q}}})
			if err != nil {
				t.Fatal(err)
			}
			source[sku] = q
		}
		t.Logf("%d changes made in %s", changes, time.Since(t0))
		e.waitQuiet(t)
		t.Logf("the hub was quiet %s after the first change", time.Since(t0))

		// Webhooks alone leave drift: the dropped ones were the last word on some items. (With no
		// fault at all nothing drifts: two changes of one item within a second are ordered by
		// their trigger time, and a full tie reads the level again; see TestSameSecondChangesEndWithTheLast.)
		drifted := 0
		for _, d := range dests {
			drifted += len(d.drift(t, source))
		}
		if drifted == 0 {
			t.Fatal("every destination quantity is right before any reconciliation; the faults did not bite, so the proof proves nothing")
		}
		t.Logf("%d destination variants drifted before reconciliation", drifted)

		// Reconciliation fixes all of it.
		for _, d := range dests {
			e.reconcileNow(t, d.key, d.conn)
		}
		e.waitQuiet(t)
		for _, d := range dests {
			if wrong := d.drift(t, source); len(wrong) > 0 {
				t.Errorf("%s after reconciliation: %d variants wrong: %v", d.st.Name, len(wrong), wrong)
			}
		}
		if n := e.throttled.Load(); n != 0 {
			t.Errorf("%d inventorySetQuantities calls were throttled; want none", n)
		}
		// No job failed an attempt: a throttled answer (or any other) reaching a caller would be
		// an error recorded on its job.
		rows, err := e.a.DB.Query(context.Background(), `SELECT id, kind, state FROM river_job WHERE state IN ('discarded', 'cancelled') OR errors IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var kind, state string
			if err := rows.Scan(&id, &kind, &state); err != nil {
				t.Fatal(err)
			}
			t.Errorf("job %d (%s, %s) failed an attempt; want every job done at its first", id, kind, state)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()

		// Disconnect: keep with zero stock on one, delete on the other.
		keep, del := dests[0], dests[1]
		if code := e.call(t, keep.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", keep.conn), map[string]any{"products": "keep", "zero_stock": true}, nil); code != 200 {
			t.Fatalf("disconnect keep: %d", code)
		}
		if code := e.call(t, del.key, "POST", fmt.Sprintf("/api/v2/connections/%d/disconnect", del.conn), map[string]any{"products": "delete"}, nil); code != 200 {
			t.Fatalf("disconnect delete: %d", code)
		}
		for _, d := range dests {
			a := e.awaitDisconnect(t, d.key, d.conn)
			if a.State != "disconnected" || a.DisconnectAction.Status != "done" || a.DisconnectAction.Done != products || a.DisconnectAction.Failed != 0 || a.Counts.LinkedProducts != 0 {
				t.Errorf("%s after its disconnect: %s %+v, %d linked", d.st.Name, a.State, *a.DisconnectAction, a.Counts.LinkedProducts)
			}
		}
		kept := variantsBySKU(t, keep.c)
		if len(kept) != products*variants {
			t.Errorf("%s kept %d variants; want all %d", keep.st.Name, len(kept), products*variants)
		}
		items := make([]string, 0, len(kept))
		for _, v := range kept {
			items = append(items, v.InventoryItemID)
		}
		for it, q := range levelsOf(t, keep.c, items) {
			if q != 0 {
				t.Errorf("%s item %s: stock %d after disconnect keep with zero_stock; want 0", keep.st.Name, it, q)
			}
		}
		if left := catalogOf(t, del.c); len(left) != 0 {
			t.Errorf("%s has %d products after disconnect delete; want none", del.st.Name, len(left))
		}
	})
}

func derefOr(q *int64) int64 {
	if q == nil {
		return 0
	}
	return *q
}

// awaitDisconnect reads the connection until its disconnect action is no longer pending.
func (e *syncEnv) awaitDisconnect(t *testing.T, key string, conn int64) apiDisconnect {
	t.Helper()
	var c apiDisconnect
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code := e.call(t, key, "GET", fmt.Sprintf("/api/v2/connections/%d", conn), nil, &c); code != 200 {
			t.Fatalf("GET connection: %d", code)
		}
		if c.DisconnectAction != nil && c.DisconnectAction.Status != "pending" {
			return c
		}
	}
	t.Fatalf("the disconnect of connection %d never ended: %+v", conn, c.DisconnectAction)
	return c
}

// waitQuiet waits until the simulator has sent every webhook and no job is left to run, for up to
// 3 minutes (a loaded machine under -race is slow), and says which jobs were left if not.
func (e *syncEnv) waitQuiet(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := e.sim.WebhooksIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var n int
		if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	rows, err := e.a.DB.Query(ctx, `SELECT kind, state, COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending') GROUP BY kind, state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			t.Fatal(err)
		}
		t.Logf("left: %d %s jobs %s", n, kind, state)
	}
	t.Fatal("the hub never became quiet")
}
