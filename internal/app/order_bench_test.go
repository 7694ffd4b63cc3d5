package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// benchOrdersEnv sets how many orders each phase of BenchmarkOrderPush places (default 300).
const benchOrdersEnv = "STORESYNC_BENCH_ORDERS"

// BenchmarkOrderPush measures the order push end to end over real HTTP against the simulator:
// customers' orders placed on a destination shop (its own storefront, in-process) reach storesync
// by the shop's signed webhooks, and each is pushed to the source shop automatically. Phase 1
// places N orders at once (STORESYNC_BENCH_ORDERS, default 300) and reports orders/s: N over the
// time from the first destination order created to the last source order created, as the
// simulator stamps them. Phase 2 places N more at a steady half that rate and reports the
// latency of each (source order created − destination order created): p50 and p99. Both shops
// are on Shopify Plus (the platform's rate limit is not what is measured); each order has 1 to 3
// lines of 20 linked variants.
//
//	go test -run '^$' -bench OrderPush -benchtime 1x ./internal/app/
func BenchmarkOrderPush(b *testing.B) {
	n := envInt(benchOrdersEnv, 300)
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			// serve's default of 100 workers; the rest as every app test
			e := newSyncEnv(b, dbtest.NewURL(b, d), func(c *config.Config) { c.Workers = 100 })
			bp := e.benchPushSetUp(b, 20)
			for round := 0; b.Loop(); round++ {
				rnd := rand.New(rand.NewPCG(uint64(round), 20))
				// Phase 1: everything at once.
				ids := make([]string, 0, n)
				for i := range n {
					ids = append(ids, bp.place(b, rnd, fmt.Sprintf("r%d-burst-%d", round, i)))
				}
				lat := bp.waitPushed(b, ids, 10*time.Minute)
				first, last := lat[0].placed, lat[0].made
				for _, l := range lat {
					first, last = minTime(first, l.placed), maxTime(last, l.made)
				}
				rate := float64(n) / last.Sub(first).Seconds()
				e.waitOrdersQuiet(b)

				// Phase 2: a steady half of that rate.
				half := rate / 2
				tick := time.NewTicker(time.Duration(float64(time.Second) / half))
				ids = ids[:0]
				for i := range n {
					<-tick.C
					ids = append(ids, bp.place(b, rnd, fmt.Sprintf("r%d-steady-%d", round, i)))
				}
				tick.Stop()
				lat = bp.waitPushed(b, ids, 10*time.Minute)
				ds := make([]time.Duration, len(lat))
				for i, l := range lat {
					ds[i] = l.made.Sub(l.placed)
				}
				slices.Sort(ds)
				e.waitOrdersQuiet(b)
				b.ReportMetric(rate, "orders/s")
				b.ReportMetric(half, "half-orders/s")
				b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "p50-ms")
				b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*99/100)].Milliseconds()), "p99-ms")
				b.ReportMetric(float64(ds[len(ds)-1].Milliseconds()), "max-ms")
			}
		})
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// benchPush is a destination shop connected to a source shop, automatic push on.
type benchPush struct {
	e        *syncEnv
	src, dst store.Store
	srcShop  *shopifysim.Shop
	dstShop  *shopifysim.Shop
	variants []string // the destination's linked variants
}

// benchPushShop adds a simulated shop on Shopify Plus with products one-variant products, saved as
// the store of a new account.
func (e *syncEnv) benchPushShop(b testing.TB, name string, products int) (store.Store, *shopifysim.Shop) {
	b.Helper()
	ctx := context.Background()
	domain := name + ".myshopify.com"
	sh, err := e.sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: name, AccessToken: "shpat_" + name, APISecret: "shpss_" + name,
		Plan: shopifysim.PlanPlus})
	if err != nil {
		b.Fatal(err)
	}
	if err := e.sim.SeedCatalog(domain, products, 1); err != nil {
		b.Fatal(err)
	}
	acc, err := e.a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	st, err := e.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: shopify.Platform,
		BaseURL: e.simURL + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: "shpat_" + name, APISecret: "shpss_" + name}.Marshal()})
	if err != nil {
		b.Fatal(err)
	}
	return st, sh
}

// benchPushSetUp connects a destination to a source with products linked variant to variant (real
// ids on both sides), automatic push on, both subscribed.
func (e *syncEnv) benchPushSetUp(b testing.TB, products int) *benchPush {
	b.Helper()
	ctx := context.Background()
	bp := &benchPush{e: e}
	bp.src, bp.srcShop = e.benchPushShop(b, "bench-supplier", products)
	bp.dst, bp.dstShop = e.benchPushShop(b, "bench-reseller", products)
	srcVariants, srcItems := e.storeVariants(b, bp.src)
	dstVariants, dstItems := e.storeVariants(b, bp.dst)
	c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: bp.dst.AccountID, DestinationStoreID: bp.dst.ID, SourceStoreKey: bp.src.Key})
	if err != nil {
		b.Fatal(err)
	}
	links := make([]catalog.LinkInput, len(srcVariants))
	for i := range srcVariants {
		links[i] = catalog.LinkInput{SourceStoreID: bp.src.ID, SourceProductID: fmt.Sprint("sp", i), SourceVariantID: srcVariants[i],
			SourceInventoryItemID: srcItems[i], DestinationStoreID: bp.dst.ID, DestinationProductID: fmt.Sprint("dp", i),
			DestinationVariantID: dstVariants[i], DestinationInventoryItemID: dstItems[i], Identifier: fmt.Sprint("SKU-", i)}
	}
	err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
	})
	if err != nil {
		b.Fatal(err)
	}
	_, key, err := e.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: bp.dst.AccountID, Name: "ops", Permission: account.PermissionReadWrite})
	if err != nil {
		b.Fatal(err)
	}
	if code, raw := apiCall(b, e.srv, key, "PUT", fmt.Sprintf("/api/v2/connections/%d/order-settings", c.ID), map[string]any{"push_mode": "automatic"}, nil); code != 200 {
		b.Fatalf("order settings: %d %s", code, raw)
	}
	e.waitSubscribed(b, bp.dst)
	e.waitSubscribed(b, bp.src)
	bp.variants = dstVariants
	return bp
}

// place places one paid order of 1 to 3 linked lines on the destination, in-process, and
// returns its id.
func (bp *benchPush) place(b testing.TB, rnd *rand.Rand, key string) string {
	b.Helper()
	var lines []any
	for range 1 + rnd.IntN(3) {
		lines = append(lines, map[string]any{"variantId": bp.variants[rnd.IntN(len(bp.variants))], "quantity": 1 + rnd.IntN(2)})
	}
	addr := map[string]any{"firstName": "Ann", "lastName": "Lee", "address1": "1 King Street", "city": "Toronto", "provinceCode": "ON",
		"zip": "M5V 2T6", "countryCode": "CA"}
	email := key + "@example.com"
	data, err := bp.e.sim.Exec(context.Background(), bp.dstShop.Domain(), faultOrderCreate, map[string]any{"order": map[string]any{
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
	return out.OrderCreate.Order.ID
}

// pushLatency is when one order was created on the destination and its push on the source.
type pushLatency struct{ placed, made time.Time }

// waitPushed waits until every order is on the source (by its push tag) and returns the times.
func (bp *benchPush) waitPushed(b testing.TB, ids []string, within time.Duration) []pushLatency {
	b.Helper()
	tags := make(map[string]string, len(ids)) // push tag → destination order id
	for _, id := range ids {
		tags[shopify.PushTag(orders.PushKey(bp.dst.ID, id, bp.src.ID))] = id
	}
	placed := map[string]time.Time{}
	for _, o := range bp.dstShop.AllOrders() {
		placed[o.ID] = o.CreatedAt
	}
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		var out []pushLatency
		for _, o := range bp.srcShop.AllOrders() {
			for _, tag := range o.Tags {
				if id, ok := tags[tag]; ok {
					out = append(out, pushLatency{placed: placed[id], made: o.CreatedAt})
				}
			}
		}
		if len(out) > len(ids) {
			b.Fatalf("%d source orders for %d orders: a push made two", len(out), len(ids))
		}
		if len(out) == len(ids) {
			return out
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d orders pushed in %s", len(out), len(ids), within)
		}
	}
}

// waitOrdersQuiet waits until no push or webhook is left to run.
func (e *syncEnv) waitOrdersQuiet(b testing.TB) {
	b.Helper()
	ctx := context.Background()
	if err := e.sim.WebhooksIdle(ctx); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var n int
		if err := e.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
			AND kind IN ('orders_push', 'inbound_webhook')`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	rows, err := e.a.DB.Query(ctx, `SELECT kind, state, COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
		GROUP BY kind, state`)
	if err == nil {
		for rows.Next() {
			var kind, state string
			var n int
			_ = rows.Scan(&kind, &state, &n)
			b.Logf("left: %d %s %s", n, kind, state)
		}
		rows.Close()
	}
	b.Fatal("the hub never became quiet")
}
