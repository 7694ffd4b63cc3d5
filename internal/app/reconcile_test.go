package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// apiRecon is a reconciliation as the API answers it.
type apiRecon struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Trigger      string `json:"trigger"`
	State        string `json:"state"`
	Phase        string `json:"phase"`
	ProductsRead int64  `json:"products_read"`
	VariantsRead int64  `json:"variants_read"`
	LevelsRead   int64  `json:"levels_read"`
	DriftsFixed  int64  `json:"drifts_fixed"`
	Error        string `json:"error"`
}

type apiDrift struct {
	LinkID    *int64 `json:"link_id"`
	Side      string `json:"side"`
	Attribute string `json:"attribute"`
	ItemID    string `json:"item_id"`
	Expected  string `json:"expected"`
	Found     string `json:"found"`
}

// key makes an API key of the account.
func (e *syncEnv) key(t testing.TB, accountID int64) string {
	t.Helper()
	_, k, err := e.a.Accounts.CreateKey(context.Background(), account.CreateKeyParams{AccountID: accountID, Name: "ops",
		Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// call makes an API call over HTTPS and decodes a 2xx answer into out; it returns the status
// and the raw body.
func (e *syncEnv) api(t testing.TB, key, method, path string, body, out any) (int, string) {
	t.Helper()
	return apiCall(t, e.srv, key, method, path, body, out)
}

// reconcile starts a run of the connection over the API and waits for it to finish.
func (e *syncEnv) reconcile(t testing.TB, key string, conn int64, full bool, within ...time.Duration) apiRecon {
	t.Helper()
	var r apiRecon
	if st, body := e.api(t, key, http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", conn), map[string]any{"full": full}, &r); st != http.StatusAccepted {
		t.Fatalf("starting a reconciliation: %d %s", st, body)
	}
	return e.waitRun(t, key, r.ID, within...)
}

func (e *syncEnv) waitRun(t testing.TB, key string, id int64, within ...time.Duration) apiRecon {
	t.Helper()
	limit := 90 * time.Second
	if len(within) > 0 {
		limit = within[0]
	}
	deadline := time.Now().Add(limit)
	var r apiRecon
	phase, since := "", time.Now()
	for time.Now().Before(deadline) {
		if st, body := e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/reconciliations/%d", id), nil, &r); st != http.StatusOK {
			t.Fatalf("reading reconciliation %d: %d %s", id, st, body)
		}
		if r.Phase != phase {
			if phase != "" && testing.Verbose() {
				t.Logf("reconciliation %d: %s took %s", id, phase, time.Since(since).Round(time.Millisecond))
			}
			phase, since = r.Phase, time.Now()
		}
		if r.State == "done" || r.State == "failed" {
			if r.State == "failed" {
				t.Fatalf("reconciliation %d failed: %s", id, r.Error)
			}
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("reconciliation %d still %s (%s) after %s", id, r.State, r.Phase, limit)
	return r
}

func (e *syncEnv) drifts(t testing.TB, key string, id int64) []apiDrift {
	t.Helper()
	var out struct {
		Data []apiDrift `json:"data"`
	}
	if st, body := e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/reconciliations/%d/drifts?limit=1000", id), nil, &out); st != http.StatusOK {
		t.Fatalf("reading drifts: %d %s", st, body)
	}
	return out.Data
}

// setDestination edits a destination's stock directly, as a person in its admin would.
func (e *syncEnv) setDestination(t testing.TB, st store.Store, item string, qty int64) {
	t.Helper()
	c := e.client(t, st)
	locs, err := c.Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: "by-hand-" + item,
		Changes: []platform.InventoryChange{{InventoryItemID: item, LocationID: locs[0].ID, Quantity: qty}}}); err != nil {
		t.Fatal(err)
	}
}

// Webhooks of the source dropped, and a destination edited by hand: a reconciliation finds both,
// records them, and the destination ends equal to the rule; a second run finds nothing.
func TestReconciliationFixesDroppedWebhooksAndEditedDestinations(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const n = 20
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "rsupplier", n)
		dst, dstItems := e.shop(t, "rreseller", n)
		c := e.connect(t, dst, src, dstItems, srcItems, 1)
		e.waitSubscribed(t, src)
		key := e.key(t, dst.AccountID)
		want := func(qty func(int) int64) map[string]int64 {
			out := map[string]int64{}
			for i, it := range dstItems {
				out[it] = inventory.Quantity(qty(i), 1)
			}
			return out
		}
		first := func(i int) int64 { return int64(10 + i) }
		e.setSource(t, src, "first", srcItems, first)
		e.waitLevels(t, dst, want(first), 30*time.Second)

		// Every webhook of the source is dropped from now on: the next changes never arrive.
		e.sim.SetWebhookFaults("rsupplier.myshopify.com", shopifysim.WebhookFaults{DropShare: 1})
		second := func(i int) int64 {
			if i < 10 {
				return int64(30 + i)
			}
			return first(i)
		}
		e.setSource(t, src, "second", srcItems[:10], second)
		e.setDestination(t, dst, dstItems[15], 999)
		waitIdle(t, e)
		if got := e.levels(t, dst, dstItems[:1]); got[dstItems[0]] != inventory.Quantity(first(0), 1) {
			t.Fatalf("a dropped webhook reached the destination: %d", got[dstItems[0]])
		}

		run := e.reconcile(t, key, c.ID, false)
		if run.Kind != "incremental" || run.Trigger != "demand" {
			t.Errorf("run %+v: want an incremental run on demand", run)
		}
		e.waitLevels(t, dst, want(second), 30*time.Second)
		ds := e.drifts(t, key, run.ID)
		var source, dest int
		for _, d := range ds {
			switch {
			case d.Side == "source" && d.Attribute == "quantity":
				source++
			case d.Side == "destination" && d.Attribute == "quantity":
				dest++
				if d.ItemID != dstItems[15] || d.Found != "999" || d.Expected != strconv.FormatInt(inventory.Quantity(first(15), 1), 10) {
					t.Errorf("destination drift %+v: want item %s expected %d found 999", d, dstItems[15], inventory.Quantity(first(15), 1))
				}
			}
		}
		if source != 10 || dest != 1 || run.DriftsFixed != int64(len(ds)) {
			t.Errorf("drifts: %d of the source, %d of the destination (run says %d): want 10 and 1\n%+v", source, dest, run.DriftsFixed, ds)
		}
		if run.LevelsRead < 2*n {
			t.Errorf("levels read %d: want both sides' %d", run.LevelsRead, n)
		}

		// Everything is in step now: the next run fixes nothing.
		waitIdle(t, e)
		again := e.reconcile(t, key, c.ID, false)
		if again.DriftsFixed != 0 {
			t.Errorf("a second run fixed %d drifts: want 0\n%+v", again.DriftsFixed, e.drifts(t, key, again.ID))
		}

		// The API: the runs listed newest first, the source's account refused, bad settings named.
		var list struct {
			Data []apiRecon `json:"data"`
		}
		if st, body := e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/connections/%d/reconciliations", c.ID), nil, &list); st != http.StatusOK ||
			len(list.Data) != 2 || list.Data[0].ID != again.ID {
			t.Errorf("listing runs: %d %s", st, body)
		}
		if st, _ := e.api(t, e.key(t, src.AccountID), http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", c.ID), map[string]any{}, nil); st != http.StatusForbidden {
			t.Errorf("the source's account reconciling: %d, want 403", st)
		}
		if st, body := e.api(t, key, http.MethodPut, "/api/v2/reconciliation-settings", map[string]any{"interval_minutes": 2}, nil); st != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "interval_minutes") {
			t.Errorf("an interval of 2 minutes: %d %s, want 422 naming interval_minutes", st, body)
		}
		var set struct {
			IntervalMinutes int64 `json:"interval_minutes"`
		}
		if st, _ := e.api(t, key, http.MethodGet, "/api/v2/reconciliation-settings", nil, &set); st != http.StatusOK || set.IntervalMinutes != 15 {
			t.Errorf("default settings: %d %+v, want 15 minutes", st, set)
		}
		if st, _ := e.api(t, key, http.MethodPut, "/api/v2/reconciliation-settings", map[string]any{"interval_minutes": 60}, &set); st != http.StatusOK || set.IntervalMinutes != 60 {
			t.Errorf("saving 60 minutes: %d %+v", st, set)
		}
	})
}

// bulkOperations lists the shop's bulk operations as the simulator keeps them.
func (e *syncEnv) bulkOperations(t testing.TB, domain, token string) int {
	t.Helper()
	body := []byte(`{"query": "{ bulkOperations(first: 50) { nodes { id status } } }"}`)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
		e.simURL+"/shops/"+domain+"/admin/api/"+shopifysim.APIVersion+"/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			BulkOperations struct {
				Nodes []struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				} `json:"nodes"`
			} `json:"bulkOperations"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return len(out.Data.BulkOperations.Nodes)
}

// A full pass reads the source through its export, which stays running for a while: the run's
// job snoozes between polls (the run is seen waiting in its export phase), a second connection's
// full pass of the same source adopts the running export instead of starting another, and both
// fix the drifts of webhooks dropped meanwhile.
func TestFullReconciliationStreamsTheExport(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		const n = 30
		e := newSyncEnv(t, dbURL)
		src, _ := e.shop(t, "fsupplier", n)
		dst1, _ := e.shop(t, "freseller-one", n)
		dst2, _ := e.shop(t, "freseller-two", n)
		c1, srcItems, items1 := e.connectProducts(t, dst1, src, 0)
		c2, _, items2 := e.connectProducts(t, dst2, src, 3)
		e.waitSubscribed(t, src)
		key1, key2 := e.key(t, dst1.AccountID), e.key(t, dst2.AccountID)
		e.sim.SetWebhookFaults("fsupplier.myshopify.com", shopifysim.WebhookFaults{DropShare: 1})
		qty := func(i int) int64 { return int64(7 + 2*i) }
		e.setSource(t, src, "dropped", srcItems, qty)
		waitIdle(t, e)
		const bulk = 7 * time.Second
		e.sim.SetFaults("fsupplier.myshopify.com", shopifysim.Faults{BulkDuration: bulk})

		start := time.Now()
		var r1, r2 apiRecon
		if st, body := e.api(t, key1, http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", c1.ID), map[string]any{"full": true}, &r1); st != http.StatusAccepted {
			t.Fatalf("starting: %d %s", st, body)
		}
		// Wait until the first has started its export, then start the second: it adopts.
		deadline := time.Now().Add(30 * time.Second)
		for r1.Phase != "export" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			e.api(t, key1, http.MethodGet, fmt.Sprintf("/api/v2/reconciliations/%d", r1.ID), nil, &r1)
		}
		if r1.Phase != "export" {
			t.Fatalf("the full pass never reached its export: %+v", r1)
		}
		// The job queue stops (as at a shutdown) while the export runs, and starts again: the
		// run's job polls the export whose handle it kept, it does not start another.
		if err := e.a.Jobs.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := e.a.Jobs.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st, body := e.api(t, key2, http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", c2.ID), map[string]any{"full": true}, &r2); st != http.StatusAccepted {
			t.Fatalf("starting: %d %s", st, body)
		}
		// Asking again while it runs answers the same run: no pile-up.
		var again apiRecon
		e.api(t, key2, http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", c2.ID), map[string]any{"full": true}, &again)
		if again.ID != r2.ID {
			t.Errorf("a second request while a run is active started run %d, want %d again", again.ID, r2.ID)
		}
		r1, r2 = e.waitRun(t, key1, r1.ID), e.waitRun(t, key2, r2.ID)
		if took := time.Since(start); took < bulk {
			t.Errorf("the full pass finished in %s, before its export could (%s)", took, bulk)
		}
		if ops := e.bulkOperations(t, "fsupplier.myshopify.com", "shpat_fsupplier"); ops != 1 {
			t.Errorf("%d bulk operations on the source: want 1, the second pass adopting the first's", ops)
		}
		for _, r := range []apiRecon{r1, r2} {
			if r.Kind != "full" || r.ProductsRead != n || r.VariantsRead != n || r.State != "done" {
				t.Errorf("run %+v: want a full pass that read %d products and variants", r, n)
			}
		}
		// The pass that reads the stream first records the dropped levels (deciding both
		// destinations); the other finds the hub up to date on the source side.
		if r1.DriftsFixed+r2.DriftsFixed < n {
			t.Errorf("the passes fixed %d and %d drifts, want at least the %d dropped levels in all", r1.DriftsFixed, r2.DriftsFixed, n)
		}
		want1, want2 := map[string]int64{}, map[string]int64{}
		for i := range srcItems {
			want1[items1[i]] = inventory.Quantity(qty(i), 0)
			want2[items2[i]] = inventory.Quantity(qty(i), 3)
		}
		e.waitLevels(t, dst1, want1, 30*time.Second)
		e.waitLevels(t, dst2, want2, 30*time.Second)
	})
}

// variantsOf reads the store's variants through its client, in variant id order.
func (e *syncEnv) variantsOf(t testing.TB, st store.Store) []platform.Variant {
	t.Helper()
	c := e.client(t, st)
	var out []platform.Variant
	for cur := ""; ; {
		pg, err := c.ListProducts(context.Background(), platform.ListParams{Cursor: cur, Limit: 250})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Items {
			out = append(out, p.Variants...)
		}
		if cur = pg.NextCursor; cur == "" {
			break
		}
	}
	slices.SortFunc(out, func(a, b platform.Variant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// connectProducts connects dst to src with the buffer and links their variants one to one, in
// variant id order, by their real product and variant ids; it returns both sides' items.
func (e *syncEnv) connectProducts(t testing.TB, dst, src store.Store, buffer int64) (connection.Connection, []string, []string) {
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
	sv, dv := e.variantsOf(t, src), e.variantsOf(t, dst)
	if len(sv) != len(dv) {
		t.Fatalf("%d source variants, %d destination variants", len(sv), len(dv))
	}
	links := make([]catalog.LinkInput, len(sv))
	srcItems, dstItems := make([]string, len(sv)), make([]string, len(sv))
	for i := range sv {
		links[i] = catalog.LinkInput{SourceStoreID: src.ID, SourceProductID: sv[i].ProductID, SourceVariantID: sv[i].ID,
			SourceInventoryItemID: sv[i].InventoryItemID, DestinationStoreID: dst.ID, DestinationProductID: dv[i].ProductID,
			DestinationVariantID: dv[i].ID, DestinationInventoryItemID: dv[i].InventoryItemID, Identifier: sv[i].SKU}
		srcItems[i], dstItems[i] = sv[i].InventoryItemID, dv[i].InventoryItemID
	}
	err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, srcItems, dstItems
}

// The schedule starts a run of a connection once its account's interval has passed since the
// connection was made (a full pass, the first), never a second while one is active, and the
// next after the interval since the last run began.
func TestReconciliationSchedule(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newSyncEnv(t, dbURL)
		src, srcItems := e.shop(t, "ssupplier", 2)
		dst, dstItems := e.shop(t, "sreseller", 2)
		c := e.connect(t, dst, src, dstItems, srcItems, 0)
		ctx := context.Background()
		key := e.key(t, dst.AccountID)
		if n, err := e.a.Reconcile.Schedule(ctx); err != nil || n != 0 {
			t.Fatalf("a new connection: %d runs started (%v), want none before its interval", n, err)
		}
		if st, _ := e.api(t, key, http.MethodPut, "/api/v2/reconciliation-settings", map[string]any{"interval_minutes": 5}, nil); st != http.StatusOK {
			t.Fatalf("saving 5 minutes: %d", st)
		}
		backdate := func(table string, minutes int) {
			t.Helper()
			if _, err := e.a.DB.Exec(ctx, `UPDATE `+table+` SET created_at = $1 WHERE `+map[string]string{"connections": "id", "reconciliations": "connection_id"}[table]+` = $2`,
				time.Now().UTC().Add(-time.Duration(minutes)*time.Minute), c.ID); err != nil {
				t.Fatal(err)
			}
		}
		backdate("connections", 6)
		n, err := e.a.Reconcile.Schedule(ctx)
		if err != nil || n != 1 {
			t.Fatalf("after 6 minutes: %d runs started (%v), want 1", n, err)
		}
		if n, _ := e.a.Reconcile.Schedule(ctx); n != 0 {
			t.Errorf("a second tick started %d runs while one is active, want 0", n)
		}
		var list struct {
			Data []apiRecon `json:"data"`
		}
		e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/connections/%d/reconciliations", c.ID), nil, &list)
		if len(list.Data) != 1 || list.Data[0].Kind != "full" || list.Data[0].Trigger != "schedule" {
			t.Fatalf("runs %+v: want one scheduled full pass", list.Data)
		}
		e.waitRun(t, key, list.Data[0].ID)
		if n, _ := e.a.Reconcile.Schedule(ctx); n != 0 {
			t.Errorf("right after a run: %d started, want 0", n)
		}
		backdate("reconciliations", 6)
		if n, _ := e.a.Reconcile.Schedule(ctx); n != 1 {
			t.Errorf("5 minutes after the last run: %d started, want 1", n)
		}
		e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/connections/%d/reconciliations", c.ID), nil, &list)
		if len(list.Data) != 2 || list.Data[0].Kind != "incremental" {
			t.Errorf("runs %+v: want an incremental run after the day's full pass", list.Data)
		}
	})
}
