package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// syncEnv is an app serving webhooks over HTTPS to which a Shopify simulator delivers its own
// (the stores are subscribed by the app, as in production), with the simulator's
// inventorySetQuantities calls and throttled answers counted per shop.
type syncEnv struct {
	a      *app.App
	srv    *httptest.Server // the app, over HTTPS
	sim    *shopifysim.Sim
	simURL string

	mu        sync.Mutex
	sets      map[string]int // shop domain → inventorySetQuantities calls
	stores    []store.Store  // the shops' stores, for diagnose
	throttled atomic.Int64   // 429 answers or THROTTLED errors to inventorySetQuantities
}

func newSyncEnv(t testing.TB, dbURL string, mods ...func(*config.Config)) *syncEnv {
	t.Helper()
	var handler atomic.Pointer[http.Handler]
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*handler.Load()).ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := config.Config{DataDir: t.TempDir(), DB: dbURL, LogLevel: "info", LogFormat: "json", PublicURL: srv.URL,
		Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20, Workers: 20, JobTimeout: time.Minute, JobRescueAfter: 2 * time.Minute,
		ShutdownTimeout: time.Second, WebhookMaxBodyBytes: 10 << 20, Retention: 30 * 24 * time.Hour, SecretKey: testSecretKey}
	for _, mod := range mods {
		mod(&cfg)
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("warnings of the app and the simulator:\n%s", logs.String())
		}
	})
	a, err := app.Open(context.Background(), cfg, logger, app.Options{Work: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	h := a.Handler(app.ServeOptions{})
	handler.Store(&h)
	e := &syncEnv{a: a, srv: srv, sets: map[string]int{}}
	e.sim, err = shopifysim.New(shopifysim.Options{Seed: 1, HTTPClient: srv.Client(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.sim.Close() })
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		isSet := bytes.Contains(body, []byte("inventorySetQuantities"))
		if isSet {
			rest, _ := strings.CutPrefix(r.URL.Path, "/shops/")
			domain, _, _ := strings.Cut(rest, "/")
			e.mu.Lock()
			e.sets[domain]++
			e.mu.Unlock()
		}
		rec := &statusRecorder{ResponseWriter: w}
		e.sim.ServeHTTP(rec, r)
		if isSet && rec.status == http.StatusTooManyRequests || isSet && bytes.Contains(rec.body.Bytes(), []byte(`"THROTTLED"`)) {
			e.throttled.Add(1)
		}
	}))
	t.Cleanup(simSrv.Close)
	a.Targets.Allow(simSrv.Listener.Addr().String())
	e.simURL = simSrv.URL
	if err := a.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Jobs.Stop(context.Background()) })
	return e
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *statusRecorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *statusRecorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// setCalls is how many inventorySetQuantities calls the shop has answered.
func (e *syncEnv) setCalls(domain string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sets[domain]
}

// shop adds a simulated shop with a seeded catalog of n one-variant products, saved as a store of
// a new account, and returns the store with its variants' inventory item ids in catalog order.
func (e *syncEnv) shop(t testing.TB, name string, n int) (store.Store, []string) {
	t.Helper()
	return e.shopAt(t, name, n, 1)
}

// shopAt is shop with the given number of locations (seeded stock is at the first).
func (e *syncEnv) shopAt(t testing.TB, name string, n, locations int) (store.Store, []string) {
	t.Helper()
	ctx := context.Background()
	domain := name + ".myshopify.com"
	sh, err := e.sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: name, AccessToken: "shpat_" + name, APISecret: "shpss_" + name,
		Locations: locations})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SeedCatalog(domain, n, 1); err != nil {
		t.Fatal(err)
	}
	acc, err := e.a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: shopify.Platform,
		BaseURL: e.simURL + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: "shpat_" + name, APISecret: "shpss_" + name}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.stores = append(e.stores, st)
	e.mu.Unlock()
	items := sh.InventoryItemIDs()
	if len(items) != n {
		t.Fatalf("%s has %d variants; want %d", name, len(items), n)
	}
	return st, items
}

func (e *syncEnv) client(t testing.TB, st store.Store) platform.Store {
	t.Helper()
	c, err := e.a.Stores.Client(st)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connect connects dst to src with the buffer and links dst's items to src's, one to one.
func (e *syncEnv) connect(t testing.TB, dst, src store.Store, dstItems, srcItems []string, buffer int64) connection.Connection {
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
			DestinationVariantID: fmt.Sprint("dv", i), DestinationInventoryItemID: dstItems[i], Identifier: fmt.Sprint("SKU-", i)}
	}
	err = e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitSubscribed waits until the store's webhooks are subscribed on its platform.
func (e *syncEnv) waitSubscribed(t testing.TB, st store.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		states, err := e.a.Ingest.States(context.Background(), st.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if states[st.ID].Subscription == ingest.SubscriptionSubscribed {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("store %s never subscribed", st)
}

// levels reads the store's available quantities of items at its first location.
func (e *syncEnv) levels(t testing.TB, st store.Store, items []string) map[string]int64 {
	t.Helper()
	c := e.client(t, st)
	locs, err := c.Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ls, err := c.InventoryLevels(context.Background(), locs[0].ID, items)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, l := range ls {
		out[l.InventoryItemID] = l.Available
	}
	return out
}

// setSource changes the source's available quantities, one call per change (so one webhook each).
func (e *syncEnv) setSource(t testing.TB, src store.Store, key string, items []string, qty func(i int) int64) {
	t.Helper()
	c := e.client(t, src)
	locs, err := c.Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		_, err := c.SetInventory(context.Background(), platform.SetInventoryParams{IdempotencyKey: fmt.Sprintf("%s-%d", key, i),
			Changes: []platform.InventoryChange{{InventoryItemID: it, LocationID: locs[0].ID, Quantity: qty(i)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// waitLevels waits until the store's items have the wanted quantities.
func (e *syncEnv) waitLevels(t testing.TB, st store.Store, want map[string]int64, within time.Duration) {
	t.Helper()
	start := time.Now()
	items := make([]string, 0, len(want))
	for it := range want {
		items = append(items, it)
	}
	var got map[string]int64
	for time.Since(start) < within {
		// The store's own records first: reading the shop in a tight loop would spend the rate
		// limit the writer needs.
		if !e.written(t, st, want) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		got = e.levels(t, st, items)
		if equalLevels(got, want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	targets, _ := e.a.Inventory.Targets(context.Background(), inventory.TargetsParams{StoreID: st.ID})
	byItem := map[string]inventory.Target{}
	for _, tg := range targets {
		byItem[tg.InventoryItemID] = tg
	}
	for it, w := range want {
		if got[it] != w {
			written := "none"
			if tg, ok := byItem[it]; ok && tg.Written != nil {
				written = strconv.FormatInt(*tg.Written, 10)
			}
			t.Errorf("store %s item %s = %d (read: %v); want %d (target %+v, written %s)", st, it, got[it], got != nil, w, byItem[it], written)
		}
	}
	e.mu.Lock()
	all := slices.Clone(e.stores)
	e.mu.Unlock()
	e.diagnose(t, all...)
	t.FailNow()
}

func equalLevels(got, want map[string]int64) bool {
	for it, w := range want {
		if g, ok := got[it]; !ok || g != w {
			return false
		}
	}
	return true
}

func catalogItems(sourceStoreID int64, items ...string) catalog.SourceItemsParams {
	return catalog.SourceItemsParams{SourceStoreID: sourceStoreID, InventoryItemIDs: items}
}

// waitIdle waits until the simulator has sent every webhook and the job queue has nothing left to
// run (received webhooks processed, inventory jobs done).
func waitIdle(t testing.TB, e *syncEnv, _ ...store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := e.sim.WebhooksIdle(ctx); err != nil {
		t.Fatal(err)
	}
	// Generous: on SQLite under -race, with the package's other tests running, hundreds of
	// writes and their webhooks share one writer.
	deadline := time.Now().Add(180 * time.Second)
	for time.Now().Before(deadline) {
		counts, err := e.a.Jobs.CountByState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["available"]+counts["running"]+counts["retryable"]+counts["scheduled"]+counts["pending"] == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.mu.Lock()
	all := slices.Clone(e.stores)
	e.mu.Unlock()
	e.diagnose(t, all...)
	t.Fatal("the job queue never became idle")
}

// lockedBuffer keeps the warnings of the app and the simulator, shown when a test fails.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// written reports whether storesync recorded writing the wanted quantities to the store.
func (e *syncEnv) written(t testing.TB, st store.Store, want map[string]int64) bool {
	t.Helper()
	targets, err := e.a.Inventory.Targets(context.Background(), inventory.TargetsParams{StoreID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, tg := range targets {
		if w, ok := want[tg.InventoryItemID]; ok && !tg.Pending && tg.Written != nil && *tg.Written == w {
			done++
		}
	}
	return done == len(want)
}
