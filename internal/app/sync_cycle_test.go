package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
)

// cycleEnv is a supplier store whose orders go to its account's built-in back office and whose
// stock comes from it, connected to a reseller store; the back office holds an item per
// supplier variant (10 on hand each) and an upload feed sets some of them.
type cycleEnv struct {
	*syncEnv
	src, dst       store.Store
	srcItems, dst2 []string
	skus           []string // the supplier's variants' SKUs, in srcItems order
	variants       []string // the supplier's variant ids, in srcItems order
	key            string
	feedID         int64
}

func newCycleEnv(t *testing.T, dbURL string) *cycleEnv {
	t.Helper()
	ctx := context.Background()
	e := &cycleEnv{syncEnv: newSyncEnv(t, dbURL)}
	e.src, e.srcItems = e.shop(t, "supplier", 3)
	e.dst, e.dst2 = e.shop(t, "reseller", 3)
	e.connect(t, e.dst, e.src, e.dst2, e.srcItems, 0)
	e.waitSubscribed(t, e.src)
	e.waitSubscribed(t, e.dst)
	byItem := map[string]platform.Variant{}
	for _, v := range e.variantsOf(t, e.src) {
		byItem[v.InventoryItemID] = v
	}
	for _, it := range e.srcItems {
		e.skus = append(e.skus, byItem[it].SKU)
		e.variants = append(e.variants, byItem[it].ID)
		if _, err := e.a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: e.src.AccountID,
			Input:  backoffice.ItemInput{SKU: byItem[it].SKU, Description: byItem[it].Title, Currency: "USD", Price: 1500, Cost: 700},
			OnHand: 10, Actor: "user test"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: e.src.AccountID, Email: "rep@supplier.example",
		Name: "Rita Rep", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	e.key = e.key2(t)
	path := fmt.Sprintf("/api/v2/stores/%d/back-office", e.src.ID)
	if code, raw := e.api(t, e.key, http.MethodPut, path, map[string]any{"business_name": "Supplier", "primary_rep": "rep@supplier.example"}, nil); code != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", path, code, raw)
	}
	var link api.BackOfficeLink
	if code, raw := e.api(t, e.key, http.MethodPost, path+"/verify", nil, &link); code != http.StatusOK || !link.Enabled {
		t.Fatalf("verify: %d %s; want enabled", code, raw)
	}
	master := fmt.Sprintf("/api/v2/stores/%d/inventory-master", e.src.ID)
	if code, raw := e.api(t, e.key, http.MethodPut, master, map[string]any{"master": "warehouse"}, nil); code != http.StatusUnprocessableEntity ||
		!strings.Contains(raw, "body.master") {
		t.Fatalf("a bad master: %d %s; want 422 naming body.master", code, raw)
	}
	var m api.InventoryMaster
	if code, raw := e.api(t, e.key, http.MethodPut, master, map[string]any{"master": "back_office", "match_by": "sku"}, &m); code != http.StatusOK ||
		m.Master != "back_office" {
		t.Fatalf("PUT %s: %d %s", master, code, raw)
	}
	// A feed without an identifier column is refused naming it; then the real one.
	if code, raw := e.api(t, e.key, http.MethodPost, "/api/v2/feeds", map[string]any{"name": "acme", "source": "upload", "format": "csv",
		"mapping": map[string]any{"quantity": "Qty"}}, nil); code != http.StatusUnprocessableEntity || !strings.Contains(raw, "mapping") {
		t.Fatalf("a mapping without identifier: %d %s; want 422 naming the mapping", code, raw)
	}
	if code, raw := e.api(t, e.key, http.MethodPost, "/api/v2/feeds", map[string]any{"name": "acme", "source": "url",
		"url": "http://feeds.example/acme.csv", "mapping": map[string]any{"sku": "Item", "quantity": "Qty"}}, nil); code != http.StatusUnprocessableEntity ||
		!strings.Contains(raw, "HTTPS") {
		t.Fatalf("a plain-HTTP feed: %d %s; want 422 saying HTTPS", code, raw)
	}
	var f api.SupplierFeed
	if code, raw := e.api(t, e.key, http.MethodPost, "/api/v2/feeds", map[string]any{"name": "acme", "source": "upload", "format": "csv",
		"mapping": map[string]any{"sku": "Item", "quantity": "Qty"}}, &f); code != http.StatusCreated {
		t.Fatalf("POST /api/v2/feeds: %d %s", code, raw)
	}
	e.feedID = f.ID
	return e
}

func (e *cycleEnv) key2(t *testing.T) string { return e.syncEnv.key(t, e.src.AccountID) }

func (e *cycleEnv) upload(t *testing.T, body string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut,
		fmt.Sprintf("%s%s%d?name=acme.csv", e.srv.URL, api.FeedUploadsPrefix, e.feedID), bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
}

// syncAll starts a run over the API and waits for it to end.
func (e *cycleEnv) syncAll(t *testing.T, steps ...int) api.SyncRun {
	t.Helper()
	var r api.SyncRun
	body := map[string]any{}
	if len(steps) > 0 {
		body["steps"] = steps
	}
	if code, raw := e.api(t, e.key, http.MethodPost, "/api/v2/sync-runs", body, &r); code != http.StatusAccepted {
		t.Fatalf("POST /api/v2/sync-runs: %d %s", code, raw)
	}
	return e.waitRun2(t, r.ID)
}

func (e *cycleEnv) waitRun2(t *testing.T, id int64) api.SyncRun {
	t.Helper()
	var r api.SyncRun
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if code, raw := e.api(t, e.key, http.MethodGet, fmt.Sprintf("/api/v2/sync-runs/%d", id), nil, &r); code != http.StatusOK {
			t.Fatalf("GET sync run: %d %s", code, raw)
		}
		if r.Status == "succeeded" || r.Status == "failed" {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("sync run %d never ended: %+v", id, r)
	return r
}

func (e *cycleEnv) item(t *testing.T, sku string) backoffice.Item {
	t.Helper()
	items, err := e.a.BackOffice.ItemsByIdentifiers(context.Background(), backoffice.ItemsByIdentifiersParams{AccountID: e.src.AccountID, SKUs: []string{sku}})
	if err != nil || len(items) != 1 {
		t.Fatalf("item %s: %v %d", sku, err, len(items))
	}
	return items[0]
}

func stepOf(r api.SyncRun, n int) api.SyncRunStep {
	for _, s := range r.Steps {
		if s.Step == n {
			return s
		}
	}
	return api.SyncRunStep{}
}

func wantCounts(t *testing.T, r api.SyncRun, step int, want map[string]int64) {
	t.Helper()
	st := stepOf(r, step)
	for k, v := range want {
		if st.Counts[k] != v {
			t.Errorf("step %d %s = %d; want %d (counts %v, errors %+v)", step, k, st.Counts[k], v, st.Counts, st.Errors)
		}
	}
}

// TestSyncCycle runs the whole cycle against simulated stores, the built-in back office and an
// uploaded feed: an order placed online becomes a job whose sales order commits its stock (steps
// 1–2), the feed sets two items and refuses a malformed row (step 3), and the supplier store gets
// the back office's available quantities (step 4), which its connection carries on to the
// reseller. Every count is checked; a second run changes nothing; the order's fulfilment then
// relieves the stock once.
func TestSyncCycle(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newCycleEnv(t, dbURL)
		e.upload(t, fmt.Sprintf("Item,Qty\n%s,7\n%s,12\nNOPE-1,5\n%s,abc\n", e.skus[0], e.skus[1], e.skus[2]))
		order := e.createOrder(t, "supplier", e.variants[2], 2) // sold online: the store's own stock drops

		run := e.syncAll(t)
		if run.Status != "succeeded" || run.Trigger != "api" || len(run.Steps) != 4 {
			for _, st := range run.Steps {
				t.Logf("step %d %s: %s %v %+v", st.Step, st.Status, st.Error, st.Counts, st.Errors)
			}
			t.Fatalf("run %+v; want the four steps succeeded", run)
		}
		wantCounts(t, run, 1, map[string]int64{"stores_read": 1, "stores_failed": 0})
		if n := stepOf(run, 1).Counts["orders_fetched"]; n < 1 {
			t.Errorf("step 1 fetched %d orders; want the one placed", n)
		}
		wantCounts(t, run, 2, map[string]int64{"orders_in_back_office": 1, "orders_pending": 0, "orders_failed": 0, "stock_lines_relieved": 0})
		wantCounts(t, run, 3, map[string]int64{"feeds_read": 1, "rows_read": 4, "rows_applied": 3, "rows_refused": 1, "items_changed": 2,
			"items_unknown": 1})
		if errs := stepOf(run, 3).Errors; len(errs) != 1 || !strings.Contains(errs[0].Message, "line 5") {
			t.Errorf("step 3 errors %+v; want the refused line 5 with its reason", errs)
		}
		wantCounts(t, run, 4, map[string]int64{"items_read": 3, "variants_unmatched": 0, "stores_written": 1})
		if got := e.item(t, e.skus[2]); got.OnHand != 10 || got.Committed != 2 || got.Available != 8 {
			t.Errorf("the ordered item: %+v; want 10 on hand, 2 committed by the sales order, 8 available", got)
		}
		want := map[string]int64{e.srcItems[0]: 7, e.srcItems[1]: 12, e.srcItems[2]: 8}
		if got := e.levels(t, e.src, e.srcItems); !equalLevels(got, want) {
			t.Errorf("the supplier store holds %v; want the back office's available %v", got, want)
		}
		e.waitLevels(t, e.dst, map[string]int64{e.dst2[0]: 7, e.dst2[1]: 12, e.dst2[2]: 8}, 60*time.Second)

		// The same cycle again changes nothing.
		again := e.syncAll(t)
		if again.Status != "succeeded" {
			t.Fatalf("second run %+v", again)
		}
		wantCounts(t, again, 3, map[string]int64{"items_changed": 0})
		wantCounts(t, again, 4, map[string]int64{"levels_changed": 0, "items_read": 3})

		// The order ships: steps 1–2 relieve its stock, once.
		c := e.client(t, e.src)
		if _, err := c.CreateFulfillment(ctx, platform.FulfillmentInput{OrderID: order, Tracking: platform.Tracking{Company: "UPS", Number: "1ZCYCLE"}}); err != nil {
			t.Fatal(err)
		}
		shipped := e.syncAll(t, 2, 1)
		wantCounts(t, shipped, 2, map[string]int64{"stock_lines_relieved": 1})
		if got := e.item(t, e.skus[2]); got.OnHand != 8 || got.Committed != 0 || got.Available != 8 {
			t.Errorf("after the fulfilment: %+v; want 8 on hand, none committed", got)
		}
		if r := e.syncAll(t, 1, 2); stepOf(r, 2).Counts["stock_lines_relieved"] != 0 {
			t.Errorf("a later run relieved %d lines again; want none", stepOf(r, 2).Counts["stock_lines_relieved"])
		}
	})
}

// TestSecondSyncAllIsRefused: a Sync All while one runs is a 409 naming the running run, and
// bad steps are a 422 naming them; nothing is recorded for either.
func TestSecondSyncAllIsRefused(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newSyncEnv(t, dbURL)
		st, _ := e.shop(t, "solo", 1)
		key := e.key(t, st.AccountID)
		code, raw := e.api(t, key, http.MethodPost, "/api/v2/sync-runs", map[string]any{"steps": []int{5}}, nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "body.steps") {
			t.Fatalf("steps [5]: %d %s; want 422 naming body.steps", code, raw)
		}
		// A run is queued (the job waits: the queue is stopped), so the next start is refused.
		if err := e.a.Jobs.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		var first api.SyncRun
		if code, raw := e.api(t, key, http.MethodPost, "/api/v2/sync-runs", nil, &first); code != http.StatusAccepted || first.Status != "queued" {
			t.Fatalf("first: %d %s", code, raw)
		}
		code, raw = e.api(t, key, http.MethodPost, "/api/v2/sync-runs", map[string]any{"steps": []int{1}}, nil)
		if code != http.StatusConflict || !strings.Contains(raw, fmt.Sprintf("sync run %d", first.ID)) {
			t.Fatalf("second: %d %s; want 409 naming run %d", code, raw, first.ID)
		}
		var list struct{ Data []api.SyncRun }
		if code, _ := e.api(t, key, http.MethodGet, "/api/v2/sync-runs", nil, &list); code != http.StatusOK || len(list.Data) != 1 {
			t.Fatalf("runs %d; want the one", len(list.Data))
		}
	})
}

// TestScheduleStartsOneRunPerSlot: a schedule's due slot starts one run, triggered by the
// schedule, however many ticks (two processes' alike) see it; a bad expression is a 422 naming
// it; an account with a store gets the daily default.
func TestScheduleStartsOneRunPerSlot(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		ctx := context.Background()
		e := newSyncEnv(t, dbURL)
		st, _ := e.shop(t, "scheduled", 1)
		key := e.key(t, st.AccountID)
		if err := e.a.SyncSchedules.EnsureDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		var list struct{ Data []api.SyncSchedule }
		if code, raw := e.api(t, key, http.MethodGet, "/api/v2/sync-schedules", nil, &list); code != http.StatusOK || len(list.Data) != 1 ||
			list.Data[0].Expression != "daily at 02:00" {
			t.Fatalf("schedules: %d %s; want the daily default", code, raw)
		}
		code, raw := e.api(t, key, http.MethodPost, "/api/v2/sync-schedules", map[string]any{"expression": "every fortnight", "steps": []int{1}}, nil)
		if code != http.StatusUnprocessableEntity || !strings.Contains(raw, "expression") {
			t.Fatalf("a bad expression: %d %s; want 422 naming it", code, raw)
		}
		var sc api.SyncSchedule
		if code, raw := e.api(t, key, http.MethodPost, "/api/v2/sync-schedules", map[string]any{"expression": "every 30 minutes",
			"time_zone": "Europe/Paris", "steps": []int{3, 1}}, &sc); code != http.StatusCreated && code != http.StatusOK {
			t.Fatalf("POST schedule: %d %s", code, raw)
		}
		if _, err := e.a.DB.Exec(ctx, `UPDATE sync_schedules SET next_at = $2 WHERE id = $1`, sc.ID, time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 2)
		for range 2 {
			go func() { _, err := e.a.SyncSchedules.Tick(ctx); done <- err }()
		}
		for range 2 {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		rs, err := e.a.SyncRuns.List(ctx, syncrunList(st.AccountID))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Trigger != "schedule" || len(rs[0].Steps) != 2 || rs[0].Steps[0].Step != 1 || rs[0].Steps[1].Step != 3 {
			t.Fatalf("runs %+v; want one run of steps 1 and 3 started by the schedule", rs)
		}
		var got api.SyncSchedule
		e.api(t, key, http.MethodGet, fmt.Sprintf("/api/v2/sync-schedules/%d", sc.ID), nil, &got)
		if got.NextAt == nil || !got.NextAt.After(time.Now()) || got.LastRunID == nil || *got.LastRunID != rs[0].ID {
			t.Errorf("schedule %+v; want its next slot ahead and its last run %d", got, rs[0].ID)
		}
	})
}

func syncrunList(accountID int64) syncrun.ListParams { return syncrun.ListParams{AccountID: accountID} }

// TestFeedSetsTitlesAndPrices: a feed that maps a title and a price sets them on the back
// office's items with their counts; a row without a count changes only its details.
func TestFeedSetsTitlesAndPrices(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, dbURL string) {
		e := newCycleEnv(t, dbURL)
		path := fmt.Sprintf("/api/v2/feeds/%d", e.feedID)
		if code, raw := e.api(t, e.key, http.MethodPut, path, map[string]any{"name": "acme", "source": "upload", "format": "csv",
			"mapping": map[string]any{"sku": "Item", "quantity": "Qty", "title": "Name", "price": "Price", "cost": "Cost", "currency": "USD"}}, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, code, raw)
		}
		e.upload(t, fmt.Sprintf("Item,Qty,Name,Price,Cost\n%s,7,Blue mug,19.99,8.20\n%s,,Red cup,,\n%s,10,,,\n", e.skus[0], e.skus[1], e.skus[2]))
		run := e.syncAll(t, 3)
		if run.Status != "succeeded" {
			t.Fatalf("run %+v; want succeeded", run)
		}
		wantCounts(t, run, 3, map[string]int64{"items_changed": 1, "items_updated": 2, "rows_applied": 3})
		if it := e.item(t, e.skus[0]); it.OnHand != 7 || it.Description != "Blue mug" || it.Price != 1999 || it.Cost != 820 {
			t.Errorf("%s = %+v; want on hand 7, Blue mug, 19.99, cost 8.20", e.skus[0], it)
		}
		if it := e.item(t, e.skus[1]); it.OnHand != 10 || it.Description != "Red cup" || it.Price != 1500 {
			t.Errorf("%s = %+v; want on hand 10 kept, Red cup, price kept", e.skus[1], it)
		}
	})
}
