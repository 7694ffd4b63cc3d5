package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database/dbtest"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// BenchmarkStoreOrdersToBackOffice measures the back-office link end to end over real HTTP
// against the simulator: customers' orders placed on a store (its own storefront, in-process)
// reach storesync by the shop's signed webhooks, and each becomes a Pending job with its sales
// order (a line per order line, the card payment) in the account's built-in back office, by a
// backoffice_send job. Phase 1 places N orders at once (STORESYNC_BENCH_ORDERS, default 200) and
// reports orders/s: N over the time from the first order created (the simulator's stamp) to the
// last job created (the job's created_at). Phase 2 places N more at a steady half that rate and
// reports the latency of each (job created − order created): p50 and p99. The shop is on
// Shopify Plus (the platform's rate limit is not what is measured); each order has 1 to 3 lines
// of 20 variants.
//
//	go test -run '^$' -bench StoreOrdersToBackOffice -benchtime 1x ./internal/app/
func BenchmarkStoreOrdersToBackOffice(b *testing.B) {
	n := envInt(benchOrdersEnv, 200)
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			// serve's default of 100 workers; the rest as every app test
			e := newSyncEnv(b, dbtest.NewURL(b, d), func(c *config.Config) { c.Workers = 100 })
			bo := e.benchBackOfficeSetUp(b, 20)
			for round := 0; b.Loop(); round++ {
				rnd := rand.New(rand.NewPCG(uint64(round), 21))
				// Phase 1: everything at once.
				placed := make(map[string]int, n) // order id → lines
				for i := range n {
					id, lines := bo.place(b, rnd, fmt.Sprintf("r%d-burst-%d", round, i))
					placed[id] = lines
				}
				lat := bo.waitJobs(b, placed, 10*time.Minute)
				first, last := lat[0].placed, lat[0].made
				for _, l := range lat {
					first, last = minTime(first, l.placed), maxTime(last, l.made)
				}
				rate := float64(n) / last.Sub(first).Seconds()
				e.waitBackOfficeQuiet(b)
				bo.checkJobs(b, placed)

				// Phase 2: a steady half of that rate.
				half := rate / 2
				tick := time.NewTicker(time.Duration(float64(time.Second) / half))
				placed = make(map[string]int, n)
				for i := range n {
					<-tick.C
					id, lines := bo.place(b, rnd, fmt.Sprintf("r%d-steady-%d", round, i))
					placed[id] = lines
				}
				tick.Stop()
				lat = bo.waitJobs(b, placed, 10*time.Minute)
				ds := make([]time.Duration, len(lat))
				for i, l := range lat {
					ds[i] = l.made.Sub(l.placed)
				}
				slices.Sort(ds)
				e.waitBackOfficeQuiet(b)
				bo.checkJobs(b, placed)
				b.ReportMetric(rate, "orders/s")
				b.ReportMetric(half, "half-orders/s")
				b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "p50-ms")
				b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*99/100)].Milliseconds()), "p99-ms")
				b.ReportMetric(float64(ds[len(ds)-1].Milliseconds()), "max-ms")
			}
		})
	}
}

// benchBackOffice is a store whose back-office link to the account's built-in back office is
// enabled.
type benchBackOffice struct {
	e        *syncEnv
	st       store.Store
	shop     *shopifysim.Shop
	variants []string
}

// benchBackOfficeSetUp adds a shop on Shopify Plus with products one-variant products, a rep and
// the payment and card types in its account's back office, and enables its link over the API.
func (e *syncEnv) benchBackOfficeSetUp(b testing.TB, products int) *benchBackOffice {
	b.Helper()
	ctx := context.Background()
	bo := &benchBackOffice{e: e}
	bo.st, bo.shop = e.benchPushShop(b, "bench-bo-shop", products)
	bo.variants, _ = e.storeVariants(b, bo.st)
	e.waitSubscribed(b, bo.st)
	if _, err := e.a.Accounts.CreateUser(ctx, account.CreateUserParams{AccountID: bo.st.AccountID, Email: "rep@bench-bo-shop.example",
		Name: "Rita Rep", Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	for _, it := range []backoffice.PutListItemParams{{List: backoffice.ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
		{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"}} {
		it.AccountID, it.Active = bo.st.AccountID, true
		if _, err := e.a.BackOffice.PutListItem(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
	key := e.key(b, bo.st.AccountID)
	path := fmt.Sprintf("/api/v2/stores/%d/back-office", bo.st.ID)
	if code, raw := e.api(b, key, http.MethodPut, path, map[string]any{"business_name": "Bench Club", "primary_rep": "rep@bench-bo-shop.example"}, nil); code != http.StatusOK {
		b.Fatalf("back-office link: %d %s", code, raw)
	}
	if code, raw := e.api(b, key, http.MethodPost, path+"/verify", nil, nil); code != http.StatusOK {
		b.Fatalf("verifying the back-office link: %d %s", code, raw)
	}
	// orders placed in the second the link was enabled are sent; wait it out all the same, so
	// that the first order is not the one the start's rounding decides
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	return bo
}

// place places one paid order of 1 to 3 lines on the store, in-process, and returns its id
// (numeric) and its number of lines.
func (bo *benchBackOffice) place(b testing.TB, rnd *rand.Rand, key string) (string, int) {
	b.Helper()
	var lines []any
	for range 1 + rnd.IntN(3) {
		lines = append(lines, map[string]any{"variantId": bo.variants[rnd.IntN(len(bo.variants))], "quantity": 1 + rnd.IntN(2)})
	}
	addr := map[string]any{"firstName": "Ann", "lastName": "Lee", "address1": "1 King Street", "city": "Toronto", "provinceCode": "ON",
		"zip": "M5V 2T6", "countryCode": "CA"}
	email := key + "@example.com"
	data, err := bo.e.sim.Exec(context.Background(), bo.shop.Domain(), faultOrderCreate, map[string]any{"order": map[string]any{
		"email": email, "financialStatus": "PAID", "sourceName": "web", "lineItems": lines,
		"customer":        map[string]any{"toUpsert": map[string]any{"email": email, "firstName": "Ann", "lastName": "Lee"}},
		"shippingAddress": addr, "billingAddress": addr}})
	if err != nil {
		b.Fatal(err)
	}
	var out orderCreated
	if err := json.Unmarshal(data, &out); err != nil || out.OrderCreate.Order == nil {
		b.Fatalf("placing %s: %v %+v", key, err, out.OrderCreate.UserErrors)
	}
	return numericID(out.OrderCreate.Order.ID), len(lines)
}

// numericID is a global id's last part ("gid://shopify/Order/7" → "7").
func numericID(id string) string {
	return id[strings.LastIndexByte(id, '/')+1:]
}

// benchJob is a job made from one of the store's orders, with what its sales order holds.
type benchJob struct {
	created         time.Time
	lines, payments int
	paid            int64
	status          string
}

// readJobs reads the store's jobs by order id (numeric).
func (bo *benchBackOffice) readJobs(b testing.TB) map[string][]benchJob {
	b.Helper()
	rows, err := bo.e.a.DB.Query(context.Background(), `SELECT j.external_ref, j.created_at, j.status,
			(SELECT COUNT(*) FROM bo_line_items l WHERE l.sales_order_id = s.id),
			(SELECT COUNT(*) FROM bo_payments p WHERE p.sales_order_id = s.id),
			(SELECT COALESCE(SUM(p.amount), 0) FROM bo_payments p WHERE p.sales_order_id = s.id)
		FROM bo_jobs j LEFT JOIN bo_sales_orders s ON s.job_id = j.id AND s.id = (SELECT MIN(id) FROM bo_sales_orders WHERE job_id = j.id)
		WHERE j.account_id = $1 AND j.external_ref <> ''`, bo.st.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]benchJob{}
	for rows.Next() {
		var j benchJob
		var ref string
		if err := rows.Scan(&ref, &j.created, &j.status, &j.lines, &j.payments, &j.paid); err != nil {
			b.Fatal(err)
		}
		id := numericID(ref[strings.LastIndexByte(ref, ' ')+1:])
		out[id] = append(out[id], j)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// waitJobs waits until every order has its job and returns the times: the order created on the
// store (the simulator's stamp) and its job created (the job's created_at).
func (bo *benchBackOffice) waitJobs(b testing.TB, placed map[string]int, within time.Duration) []pushLatency {
	b.Helper()
	created := map[string]time.Time{}
	for _, o := range bo.shop.AllOrders() {
		created[numericID(o.ID)] = o.CreatedAt
	}
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		jobs := bo.readJobs(b)
		var out []pushLatency
		for id := range placed {
			if js := jobs[id]; len(js) > 0 {
				out = append(out, pushLatency{placed: created[id], made: js[0].created})
			}
		}
		if len(out) == len(placed) {
			return out
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d orders have a job after %s", len(out), len(placed), within)
		}
	}
}

// checkJobs checks that each order made one Pending job whose sales order has a line per order
// line and one card payment.
func (bo *benchBackOffice) checkJobs(b testing.TB, placed map[string]int) {
	b.Helper()
	jobs := bo.readJobs(b)
	for id, lines := range placed {
		js := jobs[id]
		if len(js) != 1 {
			b.Fatalf("order %s made %d jobs; want 1", id, len(js))
		}
		if j := js[0]; j.status != "pending" || j.lines != lines || j.payments != 1 || j.paid <= 0 {
			b.Fatalf("order %s's job: %+v; want pending, %d lines, one card payment", id, j, lines)
		}
	}
}

// waitBackOfficeQuiet waits until no webhook or back-office send is left to run.
func (e *syncEnv) waitBackOfficeQuiet(b testing.TB) {
	b.Helper()
	ctx := context.Background()
	if err := e.sim.WebhooksIdle(ctx); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var n int
		if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
			AND kind IN ('backoffice_send', 'inbound_webhook')`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	b.Fatal("the hub never became quiet")
}
