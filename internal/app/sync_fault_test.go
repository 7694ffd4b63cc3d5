package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database/dbtest"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// syncFault is a supplier store whose orders go to its account's built-in back office and whose
// stock comes from it, with a back-office item per variant and an upload feed, on the fault
// harness (storesync a child process that is killed).
type syncFault struct {
	*faultHarness
	shop   *faultShop
	skus   []string          // the store's SKUs, sorted
	items  map[string]string // SKU → inventory item id
	vars   map[string]string // SKU → variant id
	feedID int64
	placed int
	// ordered is the quantity ordered so far by SKU (what the back office has committed).
	ordered map[string]int64
}

// Sizes: 150 products of 4 variants make 600 variants, three batches of step 4.
const (
	syncFaultProducts = 150
	syncFaultVariants = 4
)

func newSyncFault(t *testing.T, dbURL string) *syncFault {
	t.Helper()
	ctx := context.Background()
	e := &syncFault{faultHarness: newFaultHarness(t, dbURL), items: map[string]string{}, vars: map[string]string{}, ordered: map[string]int64{}}
	e.shop = e.faultHarness.shop(t, "sfault-supplier", syncFaultProducts, syncFaultVariants, 1)
	e.start(t)
	c, err := e.a.Stores.Client(e.shop.st)
	if err != nil {
		t.Fatal(err)
	}
	for sku, v := range variantsBySKU(t, c) {
		e.skus = append(e.skus, sku)
		e.items[sku], e.vars[sku] = v.InventoryItemID, v.ID
		if _, err := e.a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: e.shop.st.AccountID,
			Input:  backoffice.ItemInput{SKU: sku, Description: v.Title, Currency: "USD", Price: 1500, Cost: 700},
			OnHand: 10, Actor: "user test"}); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(e.skus)
	if len(e.skus) != syncFaultProducts*syncFaultVariants {
		t.Fatalf("%d variants; want %d", len(e.skus), syncFaultProducts*syncFaultVariants)
	}
	if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: e.shop.st.AccountID, Email: "rep@sfault.example",
		Name: "Rita Rep", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v2/stores/%d/back-office", e.shop.st.ID)
	if code := e.api(t, e.shop.key, http.MethodPut, path, map[string]any{"business_name": "Supplier", "primary_rep": "rep@sfault.example"}, nil); code != http.StatusOK {
		t.Fatalf("PUT %s: %d", path, code)
	}
	var link api.BackOfficeLink
	if code := e.api(t, e.shop.key, http.MethodPost, path+"/verify", nil, &link); code != http.StatusOK || !link.Enabled {
		t.Fatalf("verify: %d %+v; want enabled", code, link)
	}
	master := fmt.Sprintf("/api/v2/stores/%d/inventory-master", e.shop.st.ID)
	if code := e.api(t, e.shop.key, http.MethodPut, master, map[string]any{"master": "back_office", "match_by": "sku"}, nil); code != http.StatusOK {
		t.Fatalf("PUT %s: %d", master, code)
	}
	var f api.SupplierFeed
	if code := e.api(t, e.shop.key, http.MethodPost, "/api/v2/feeds", map[string]any{"name": "acme", "source": "upload", "format": "csv",
		"mapping": map[string]any{"sku": "Item", "quantity": "Qty"}}, &f); code != http.StatusCreated {
		t.Fatalf("POST /api/v2/feeds: %d", code)
	}
	e.feedID = f.ID
	e.waitSubscribed(t, e.shop.st)
	return e
}

// feedQty is the feed's quantity of the i-th SKU in round k: it differs from every other round's.
func feedQty(i, k int) int64 { return int64(40 + (i+13*k)%40) }

// uploadFeed uploads round k's feed: every SKU with its quantity.
func (e *syncFault) uploadFeed(t *testing.T, k int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Item,Qty\n")
	for i, sku := range e.skus {
		fmt.Fprintf(&b, "%s,%d\n", sku, feedQty(i, k))
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut,
		fmt.Sprintf("%s%s%d?name=acme.csv", e.url, api.FeedUploadsPrefix, e.feedID), bytes.NewReader([]byte(b.String())))
	req.Header.Set("Authorization", "Bearer "+e.shop.key)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
}

// placeOrders places n paid orders of one or two lines on the store, in-process.
func (e *syncFault) placeOrders(t *testing.T, n int) {
	t.Helper()
	for range n {
		i := e.placed
		e.placed++
		var lines []map[string]any
		for j := range 1 + i%2 {
			sku := e.skus[(i*7+j*3)%len(e.skus)]
			q := 1 + (i+j)%3
			lines = append(lines, map[string]any{"variantId": e.vars[sku], "quantity": q})
			e.ordered[sku] += int64(q)
		}
		if _, _, err := e.place(placedOrder{dest: e.shop, kind: kindEligible}, lines, i); err != nil {
			t.Fatal(err)
		}
	}
}

// stepState reads a step's status and counts from the database (faster than the API, to catch
// a short step running).
func (e *syncFault) stepState(t *testing.T, run int64, step int) (string, map[string]int64) {
	t.Helper()
	var status, counts string
	if err := e.a.DB.QueryRow(context.Background(), `SELECT status, counts FROM sync_run_steps WHERE run_id = $1 AND step = $2`, run, step).
		Scan(&status, &counts); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	_ = json.Unmarshal([]byte(counts), &out)
	return status, out
}

// killInStep waits until the run's step k runs (for step 4, until it has written a batch) and
// kills the child; it reports false when the step ended before it could.
func (e *syncFault) killInStep(t *testing.T, run int64, k int) bool {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		status, counts := e.stepState(t, run, k)
		switch {
		case status == "running" && (k != 4 || counts["levels_changed"] > 0):
			e.kill(t)
			return true
		case status == "succeeded" || status == "failed":
			return false
		}
	}
	t.Fatalf("step %d of run %d never ran", k, run)
	return false
}

func (e *syncFault) waitRun(t *testing.T, id int64, within time.Duration) api.SyncRun {
	t.Helper()
	var r api.SyncRun
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if code := e.api(t, e.shop.key, http.MethodGet, fmt.Sprintf("/api/v2/sync-runs/%d", id), nil, &r); code != http.StatusOK {
			t.Fatalf("GET sync run %d: %d", id, code)
		}
		if r.Status == "succeeded" || r.Status == "failed" {
			return r
		}
	}
	t.Fatalf("sync run %d not ended in %s: %+v", id, within, r)
	return r
}

// check asserts round k's result: the back office's on-hand is the feed's, its committed the
// orders' (each once), the store holds the available, and the hub kept each order once.
func (e *syncFault) check(t *testing.T, k int) {
	t.Helper()
	ctx := context.Background()
	got, err := e.a.BackOffice.ItemsByIdentifiers(ctx, backoffice.ItemsByIdentifiersParams{AccountID: e.shop.st.AccountID, SKUs: e.skus})
	if err != nil {
		t.Fatal(err)
	}
	bySKU := map[string]backoffice.Item{}
	for _, it := range got {
		bySKU[it.SKU] = it
	}
	levels := e.shop.sh.AvailableByItem()
	bad := 0
	for i, sku := range e.skus {
		it := bySKU[sku]
		want := feedQty(i, k) - e.ordered[sku]
		if it.OnHand != feedQty(i, k) || it.Committed != e.ordered[sku] || it.Available != want || levels[e.items[sku]] != max(want, 0) {
			if bad++; bad <= 5 {
				t.Errorf("round %d %s: back office %d on hand, %d committed, %d available, the store %d; want %d, %d, %d, %d", k, sku,
					it.OnHand, it.Committed, it.Available, levels[e.items[sku]], feedQty(i, k), e.ordered[sku], want, max(want, 0))
			}
		}
	}
	if bad > 0 {
		t.Errorf("round %d: %d of %d SKUs wrong", k, bad, len(e.skus))
	}
	var kept int
	if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM orders WHERE version > 0 AND store_id = $1`, e.shop.st.ID).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != e.placed {
		t.Errorf("round %d: the hub kept %d orders; want the %d placed, each once", k, kept, e.placed)
	}
	var runs int
	if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM sync_runs WHERE account_id = $1`, e.shop.st.AccountID).Scan(&runs); err != nil {
		t.Fatal(err)
	}
	if runs != k+1 {
		t.Errorf("round %d: %d runs for the account; want %d, one a round", k, runs, k+1)
	}
}

// TestSyncRunSurvivesKillInEachStep: a supplier store mastered by its back office, with 600
// variants, a feed and orders; round 0 is a run left alone, then for each step k a new feed
// and new orders, a run started over the API and the child SIGKILLed while step k runs (step 4
// after it wrote a batch), started again; the run's job is rescued and the run ends once,
// succeeded, with the back office holding the feed's on-hand and the orders committed once, the
// store the back office's available, the hub each order once and one run a round.
//
// Each kill costs the job rescue delay (faultRescueAfter, 21 s).
func TestSyncRunSurvivesKillInEachStep(t *testing.T) { //nolint:paralleltest // child processes; each database in turn
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			begin := time.Now()
			e := newSyncFault(t, dbtest.NewURL(t, d))
			t.Logf("set up in %s", time.Since(begin).Round(time.Millisecond))
			// Slow calls to the store, so every step lasts long enough to be killed in.
			e.sim.SetFaults(e.shop.domain, shopifysim.Faults{Latency: 40 * time.Millisecond})
			var base api.SyncRun
			for k := range 5 {
				roundStart := time.Now()
				e.uploadFeed(t, k)
				e.placeOrders(t, 4)
				var r api.SyncRun
				if code := e.api(t, e.shop.key, http.MethodPost, "/api/v2/sync-runs", map[string]any{"steps": []int{1, 2, 3, 4}}, &r); code != http.StatusAccepted {
					t.Fatalf("POST /api/v2/sync-runs: %d", code)
				}
				killed := false
				if k > 0 {
					if killed = e.killInStep(t, r.ID, k); killed {
						e.start(t)
					}
				}
				r = e.waitRun(t, r.ID, 3*time.Minute)
				if r.Status != "succeeded" {
					for _, st := range r.Steps {
						t.Logf("step %d %s: %s %v %+v", st.Step, st.Status, st.Error, st.Counts, st.Errors)
					}
					t.Fatalf("round %d: run %d %s; want succeeded", k, r.ID, r.Status)
				}
				if k > 0 && !killed {
					t.Errorf("round %d: step %d ended before the child could be killed in it", k, k)
				}
				e.check(t, k)
				// Against the unkilled run: the feed's rows, the items and variants read.
				if k == 0 {
					base = r
				} else {
					for _, c := range []struct {
						step int
						name string
					}{{3, "rows_read"}, {3, "rows_applied"}, {4, "items_read"}, {4, "stores_written"}} {
						if got, want := stepOf(r, c.step).Counts[c.name], stepOf(base, c.step).Counts[c.name]; got < want {
							t.Errorf("round %d: step %d %s = %d; the unkilled run's %d", k, c.step, c.name, got, want)
						}
					}
					if n := stepOf(r, 4).Counts["levels_changed"]; n > int64(len(e.skus)) {
						t.Errorf("round %d: step 4 changed %d levels of %d variants: a batch counted twice", k, n, len(e.skus))
					}
				}
				t.Logf("round %d (kill in step %d: %t) in %s: step counts %v", k, k, killed, time.Since(roundStart).Round(time.Millisecond), countsOf(r))
			}
			t.Logf("%s: %d kills, %s", d, e.kills, time.Since(begin).Round(time.Millisecond))
		})
	}
}

func countsOf(r api.SyncRun) []map[string]int64 {
	var out []map[string]int64
	for _, s := range r.Steps {
		out = append(out, s.Counts)
	}
	return out
}
