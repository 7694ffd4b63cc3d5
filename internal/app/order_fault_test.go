package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// faultOrdersEnv sets how many orders the fault test places (default 100; the full proof is
// 1,000); faultRateEnv how many a second (default 10).
const (
	faultOrdersEnv = "STORESYNC_FAULT_ORDERS"
	faultRateEnv   = "STORESYNC_FAULT_RATE"
)

// Child process settings: a job left running by a killed child is rescued 21 s after its attempt
// began (it must be longer than the job timeout, which must hold the push's wait for the
// platform's search, 15 s).
const (
	faultJobTimeout  = 20 * time.Second
	faultRescueAfter = 21 * time.Second
	faultSearchLag   = 2 * time.Second
)

// TestOrderPushExactlyOnceUnderFaults is issue 10's proof of the order push, over real HTTP: the
// Shopify simulator runs in this process with 2 source shops (suppliers' accounts) and 2
// destination shops (resellers' accounts); storesync runs as a child process (`storesync serve`,
// this test binary re-executed) on a database file (or a fresh PostgreSQL schema), the stores
// connected and the sources' catalogs imported through its API, automatic push on. The simulator
// duplicates 20 % of webhooks and reorders and drops 5 %, answers 10 % of API calls with 5xx or
// 429 and loses the answer of some orderCreate calls it ran; its search lags 2 s. Orders are
// placed on the destinations, eligible ones and ones that are not (unpaid, no shipping address,
// total 0, only the reseller's own products, cancelled), while the child is killed with SIGKILL
// every 2 to 5 s and started again; then it runs unkilled until the hub is done. Then every
// eligible (order, source) part is on its source exactly once (counted by its push tag), none that
// is not eligible is, the source holds no other order, and the hub kept every order and recorded
// each push with the source order the simulator holds. Each destination's back-office link is
// enabled too (one to its own back office, one to an external one over HTTPS): every order placed
// is then one job with its sales order in its back office, none twice (order_fault_bo_test.go).
//
//	STORESYNC_FAULT_ORDERS=1000 go test -race -run OrderPushExactlyOnce ./internal/app/
//
// Not parallel: it is the heaviest test of the package, and each database runs in turn.
func TestOrderPushExactlyOnceUnderFaults(t *testing.T) { //nolint:paralleltest // see above
	if testing.Short() {
		t.Skip("fault test skipped in -short mode")
	}
	n := envInt(faultOrdersEnv, 100)
	rate := float64(envInt(faultRateEnv, 10))
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			start := time.Now()
			h := newFaultHarness(t, dbtest.NewURL(t, d))
			h.setUp(t)
			h.enableBackOffice(t, d)
			t.Logf("set up in %s", time.Since(start).Round(time.Millisecond))
			h.faults()
			placed := h.placeWhileKilling(t, n, rate)
			t.Logf("%d orders placed with %d kills in %s", len(placed), h.kills, time.Since(start).Round(time.Millisecond))
			h.waitDone(t, placed, max(10*time.Minute, time.Duration(n)*1500*time.Millisecond))
			t.Logf("the hub was done %s after the start", time.Since(start).Round(time.Millisecond))
			h.check(t, placed)
			h.waitBackOffice(t, 5*time.Minute)
			h.checkBackOffice(t, placed)
			// The fulfilment half: the suppliers ship the source orders made while the child is
			// killed; then each source fulfilment is on its destination exactly once.
			parts := h.pushedParts(placed)
			t.Logf("%d source orders made for %d orders", len(parts), len(placed))
			shipStart := time.Now()
			ways, late := h.shipWhileKilling(t, parts, rate)
			t.Logf("source orders %v, %d fulfilments given tracking later, %d kills in all, in %s", ways, late, h.kills,
				time.Since(shipStart).Round(time.Millisecond))
			shipped := shippedOrders(parts)
			h.waitShipped(t, shipped, max(5*time.Minute, time.Duration(len(parts))*500*time.Millisecond))
			t.Logf("the fulfilments were done %s after the start", time.Since(start).Round(time.Millisecond))
			h.checkShipped(t, placed, shipped)
			t.Logf("%s: %d orders, %d kills, %s", d, len(placed), h.kills, time.Since(start).Round(time.Millisecond))
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// faultShop is one simulated shop, its store in the hub and its account's API key.
type faultShop struct {
	domain string
	st     store.Store
	key    string
	sh     *shopifysim.Shop
	conns  map[int64]int64 // destination: source store id → connection id
	// destination: its variants, the source store id each is imported from (0: its own)
	variants map[string]int64
	own      []string
	linked   map[int64][]string // source store id → variant ids
}

// faultHarness is the parent's side: the simulator, an App on the same database that only
// inserts and reads (set-up, assertions), and the child process that serves and works.
type faultHarness struct {
	sim      *shopifysim.Sim
	simURL   string
	a        *app.App
	dbURL    string
	dataDir  string
	addr     string // where the child listens
	url      string // https://addr
	http     *http.Client
	sources  []*faultShop
	dests    []*faultShop
	child    *exec.Cmd
	exited   chan childExit
	runs     int
	kills    int
	logPaths []string
	// caFile, when set, is the child's --ca-file (the external back office's certificate).
	caFile string
	// extBO is the external back office the second destination's link reaches (order_fault_bo_test.go).
	extBO *app.App
}

func newFaultHarness(t *testing.T, dbURL string) *faultHarness {
	t.Helper()
	h := &faultHarness{dbURL: dbURL, dataDir: t.TempDir()}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	_ = ln.Close()
	h.url = "https://" + h.addr
	// The child serves HTTPS with its self-signed certificate (a store's webhooks need an https
	// address); the simulator's deliveries and the test's API calls accept it.
	// (gosec allows InsecureSkipVerify in tests.)
	h.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	logger := slog.New(slog.DiscardHandler)
	h.sim, err = shopifysim.New(shopifysim.Options{Seed: 10, HTTPClient: h.http, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.sim.Close() })
	simSrv := httptest.NewServer(h.sim)
	t.Cleanup(simSrv.Close)
	h.simURL = simSrv.URL
	cfg := config.Config{DataDir: h.dataDir, DB: dbURL, LogLevel: "warn", LogFormat: "text", PublicURL: h.url,
		Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20, Workers: 20, JobTimeout: faultJobTimeout, JobRescueAfter: faultRescueAfter,
		ShutdownTimeout: time.Second, WebhookMaxBodyBytes: 10 << 20, Retention: 30 * 24 * time.Hour, SecretKey: testSecretKey,
		AllowPrivateTargets: true}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	h.a, err = app.Open(context.Background(), cfg, logger, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.a.Close() })
	t.Cleanup(func() {
		if h.child != nil {
			_ = h.child.Process.Kill()
			<-h.exited
		}
		if t.Failed() {
			for _, p := range h.logPaths[max(0, len(h.logPaths)-2):] {
				if out, err := os.ReadFile(p); err == nil && len(out) > 0 {
					t.Logf("child %s:\n%s", filepath.Base(p), tail(out, 6000))
				}
			}
		}
	})
	return h
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// childExit is how a child process ended (its Wait).
type childExit struct{ err error }

// start starts a child `storesync serve` and waits until it answers /readyz.
func (h *faultHarness) start(t *testing.T) {
	t.Helper()
	h.runs++
	args, err := json.Marshal([]string{"serve", "--addr", h.addr, "--db", h.dbURL, "--data-dir", h.dataDir, "--tls-self-signed",
		"--public-url", h.url, "--allow-private-targets", "--workers", "20", "--job-timeout", faultJobTimeout.String(),
		"--job-rescue-after", faultRescueAfter.String(), "--shutdown-timeout", "1s", "--log-level", "warn", "--log-format", "text",
		"--ca-file", h.caFile})
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(h.dataDir, fmt.Sprintf("child-%03d.log", h.runs))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	h.logPaths = append(h.logPaths, logPath)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+string(args), "STORESYNC_SECRET_KEY="+testSecretKey)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = logFile.Close() // the child has its own descriptor
	h.child, h.exited = cmd, make(chan childExit, 1)
	go func() { h.exited <- childExit{cmd.Wait()} }()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		select {
		case ex := <-h.exited:
			out, _ := os.ReadFile(logPath)
			h.child = nil
			t.Fatalf("child %d exited before it was ready: %v\n%s", h.runs, ex.err, tail(out, 4000))
		default:
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.url+"/readyz", nil)
		if resp, err := h.http.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d not ready in 60 s", h.runs)
		}
	}
}

// kill kills the child with SIGKILL and does at once what time does 15 s after a leader dies: its
// lease lapses, so the next child leads at once (runs the rescuer and the start-up order poll).
func (h *faultHarness) kill(t *testing.T) {
	t.Helper()
	if err := h.child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-h.exited // killed: its error says so
	h.child = nil
	h.kills++
	if _, err := h.a.DB.Exec(context.Background(), `DELETE FROM river_leader`); err != nil {
		t.Fatalf("expiring the leader lease: %v", err)
	}
}

// api makes one call to the child's API with an account's key, decoding a 2xx answer into out.
func (h *faultHarness) api(t *testing.T, key, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, h.url+path, r)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	} else if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// shop adds a simulated shop with a catalog and saves it as the store of a new account.
func (h *faultHarness) shop(t *testing.T, name string, products, variants, locations int) *faultShop {
	t.Helper()
	ctx := context.Background()
	cfg := shopifysim.ShopConfig{Name: name, Domain: name + ".myshopify.com", AccessToken: "shpat_" + name, APISecret: "shpss_" + name,
		Plan: shopifysim.PlanPlus, Locations: locations}
	sh, err := h.sim.AddShop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.sim.SeedCatalog(cfg.Domain, products, variants); err != nil {
		t.Fatal(err)
	}
	acc, err := h.a.Accounts.CreateAccount(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := h.a.Accounts.CreateKey(ctx, account.CreateKeyParams{AccountID: acc.ID, Name: "ops", Permission: account.PermissionReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: shopify.Platform, BaseURL: h.simURL + "/shops/" + cfg.Domain,
		Credentials: shopify.Credentials{ShopDomain: cfg.Domain, AccessToken: cfg.AccessToken, APISecret: cfg.APISecret}.Marshal()})
	if err != nil {
		t.Fatal(err)
	}
	return &faultShop{domain: cfg.Domain, st: st, key: key, sh: sh, conns: map[int64]int64{}, variants: map[string]int64{}, linked: map[int64][]string{}}
}

// setUp makes the shops and stores, starts the first child, connects each destination to each
// source through the API, imports the sources' catalogs and turns automatic push on.
func (h *faultHarness) setUp(t *testing.T) {
	t.Helper()
	for i := range 2 {
		h.sources = append(h.sources, h.shop(t, fmt.Sprintf("fault-supplier-%d", i), 4, 2, 2)) // two locations
	}
	for i := range 2 {
		h.dests = append(h.dests, h.shop(t, fmt.Sprintf("fault-reseller-%d", i), 2, 1, 1)) // its own products
	}
	h.start(t)
	for _, d := range h.dests {
		c, err := h.a.Stores.Client(d.st)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variantsBySKU(t, c) {
			d.own = append(d.own, v.ID)
		}
		for _, s := range h.sources {
			var conn struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			}
			if code := h.api(t, d.key, "POST", "/api/v2/connections", map[string]any{"destination_store_id": d.st.ID, "source_store_key": s.st.Key}, &conn); code != 201 || conn.State != "connected" {
				t.Fatalf("connecting %s to %s: %d %+v", d.st.Name, s.st.Name, code, conn)
			}
			d.conns[s.st.ID] = conn.ID
			settings := map[string]any{"identifier": "sku", "buffer": 0,
				"price": map[string]any{"markup": map[string]any{"kind": "percent", "percent": "25"}, "rounding": "0.99", "rounding_mode": "up",
					"compare_at": map[string]any{"rule": "none"}},
				"attributes": map[string]bool{"title": true, "description": true, "images": false, "vendor": true, "product_type": true, "tags": true,
					"price": true, "compare_at_price": true, "weight": true, "options": true, "variants": true}}
			if code := h.api(t, d.key, "PUT", fmt.Sprintf("/api/v2/connections/%d/settings", conn.ID), settings, nil); code != 200 {
				t.Fatalf("settings of %s: %d", d.st.Name, code)
			}
			h.importAll(t, d.key, conn.ID, 4)
			if code := h.api(t, d.key, "PUT", fmt.Sprintf("/api/v2/connections/%d/order-settings", conn.ID), map[string]any{"push_mode": "automatic"}, nil); code != 200 {
				t.Fatalf("order settings of %s: %d", d.st.Name, code)
			}
		}
		// the destination's variants now: its own, and those imported from each source (same SKU)
		bySKU := variantsBySKU(t, c)
		for _, s := range h.sources {
			sc, err := h.a.Stores.Client(s.st)
			if err != nil {
				t.Fatal(err)
			}
			for sku := range variantsBySKU(t, sc) {
				v, ok := bySKU[sku]
				if !ok {
					t.Fatalf("%s has no variant %s of %s after the import", d.st.Name, sku, s.st.Name)
				}
				d.linked[s.st.ID] = append(d.linked[s.st.ID], v.ID)
				d.variants[v.ID] = s.st.ID
			}
			slices.Sort(d.linked[s.st.ID])
		}
		for _, v := range d.own {
			d.variants[v] = 0
		}
	}
	for _, s := range append(slices.Clone(h.sources), h.dests...) {
		h.waitSubscribed(t, s.st)
	}
}

func (h *faultHarness) importAll(t *testing.T, key string, conn int64, products int64) {
	t.Helper()
	var r apiRunState
	if code := h.api(t, key, "POST", fmt.Sprintf("/api/v2/connections/%d/imports", conn), map[string]any{"all": true}, &r); code != 202 {
		t.Fatalf("import: %d", code)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code := h.api(t, key, "GET", fmt.Sprintf("/api/v2/connections/%d/imports/%d", conn, r.ID), nil, &r); code != 200 {
			t.Fatalf("GET import: %d", code)
		}
		switch {
		case r.State == "completed" && r.Done == products && r.Failed == 0:
			return
		case r.State == "completed" || r.State == "failed":
			t.Fatalf("import %d: %+v; want %d products done", r.ID, r, products)
		}
	}
	t.Fatalf("import %d never ended: %+v", r.ID, r)
}

func (h *faultHarness) waitSubscribed(t *testing.T, st store.Store) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		states, err := h.a.Ingest.States(context.Background(), st.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		if states[st.ID].Subscription == ingest.SubscriptionSubscribed {
			return
		}
	}
	t.Fatalf("store %s never subscribed", st.Name)
}

// faults makes every shop's webhooks and API unreliable, and loses the answer of some
// orderCreate calls of each source after running them (the doubt a push must resolve by looking
// before creating again).
func (h *faultHarness) faults() {
	for _, s := range append(slices.Clone(h.sources), h.dests...) {
		h.sim.SetWebhookFaults(s.domain, shopifysim.WebhookFaults{DuplicateShare: 0.2, ReorderShare: 0.05, DropShare: 0.05})
		h.sim.SetFaults(s.domain, shopifysim.Faults{ErrorShare: 0.05, ThrottleShare: 0.05, RetryAfter: time.Second, SearchLag: faultSearchLag})
	}
	for _, s := range h.sources {
		var calls []int
		for c := 2; c < 5000; c += 7 + c%11 {
			calls = append(calls, c)
		}
		h.sim.AddCallFault(s.domain, shopifysim.CallFault{Field: "orderCreate", Calls: calls, Mode: shopifysim.LoseResponse})
	}
}

// Kinds of orders placed: eligible, and not eligible for one reason each.
const (
	kindEligible  = "eligible"
	kindUnpaid    = "unpaid"
	kindNoAddress = "no address"
	kindZero      = "total 0"
	kindUnlinked  = "unlinked only"
	kindCancelled = "cancelled"
)

// placedOrder is an order placed on a destination, and the sources it must reach.
type placedOrder struct {
	dest    *faultShop
	id      string // global id
	name    string
	kind    string
	sources []int64 // the sources with a linked line, when eligible
}

// placeWhileKilling places n orders at the rate on the destinations, in-process (the simulator's
// own storefront, without the API's faults), while killing the child every 2 to 5 s and starting
// it again; then it kills it once more and starts the child that runs to the end, once the
// simulator's search shows every order (its start-up poll finds those whose webhooks were lost).
func (h *faultHarness) placeWhileKilling(t *testing.T, n int, rate float64) []placedOrder {
	t.Helper()
	rnd := rand.New(rand.NewPCG(10, 1000))
	plan := make([]placedOrder, n)
	for i := range plan {
		d := h.dests[i%len(h.dests)]
		kinds := []string{kindUnpaid, kindNoAddress, kindZero, kindUnlinked, kindCancelled}
		plan[i] = placedOrder{dest: d, kind: kindEligible}
		if rnd.IntN(100) < 30 {
			plan[i].kind = kinds[rnd.IntN(len(kinds))]
		}
	}
	lines := make([][]map[string]any, n)
	for i, p := range plan {
		lines[i], plan[i].sources = h.orderLines(rnd, p.dest, p.kind)
	}
	var mu sync.Mutex
	placed := make([]placedOrder, 0, n)
	done := make(chan error, 1)
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for i, p := range plan {
			<-tick.C
			id, name, err := h.place(p, lines[i], i)
			if err != nil {
				done <- err
				return
			}
			p.id, p.name = id, name
			mu.Lock()
			placed = append(placed, p)
			mu.Unlock()
		}
		done <- nil
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			// Every order is visible to the search (hence to the poll) before the last start.
			time.Sleep(faultSearchLag + time.Second)
			h.kill(t)
			h.start(t)
			return placed
		case <-time.After(time.Duration(2000+rnd.IntN(3000)) * time.Millisecond):
			h.kill(t)
			h.start(t)
		}
	}
}

// orderLines picks an order's lines for its kind, and the sources it must reach.
func (h *faultHarness) orderLines(rnd *rand.Rand, d *faultShop, kind string) ([]map[string]any, []int64) {
	var out []map[string]any
	add := func(v string, price bool) {
		l := map[string]any{"variantId": v, "quantity": 1 + rnd.IntN(2)}
		if price {
			l["priceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "0.00", "currencyCode": "USD"}}
		}
		out = append(out, l)
	}
	if kind == kindUnlinked {
		add(d.own[rnd.IntN(len(d.own))], false)
		return out, nil
	}
	srcs := []int64{h.sources[0].st.ID, h.sources[1].st.ID}
	switch rnd.IntN(3) { // one source, the other, or both
	case 0:
		srcs = srcs[:1]
	case 1:
		srcs = srcs[1:]
	}
	for _, s := range srcs {
		vs := d.linked[s]
		for range 1 + rnd.IntN(2) {
			add(vs[rnd.IntN(len(vs))], kind == kindZero)
		}
	}
	if kind != kindZero && rnd.IntN(4) == 0 {
		add(d.own[rnd.IntN(len(d.own))], false) // and one of the reseller's own products
	}
	if kind != kindEligible {
		return out, nil
	}
	return out, srcs
}

const (
	faultOrderCreate = `mutation($order: OrderCreateOrderInput!) {
  orderCreate(order: $order, options: {inventoryBehaviour: DECREMENT_IGNORING_POLICY}) { order { id name } userErrors { message } }
}`
	faultOrderCancel = `mutation($id: ID!) {
  orderCancel(orderId: $id, reason: CUSTOMER, restock: true, refund: false) { orderCancelUserErrors { message } }
}`
)

// orderCreated is orderCreate's answer.
type orderCreated struct {
	OrderCreate struct {
		Order *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"order"`
		UserErrors []struct {
			Message string `json:"message"`
		} `json:"userErrors"`
	} `json:"orderCreate"`
}

// place creates one order on its destination shop.
func (h *faultHarness) place(p placedOrder, lines []map[string]any, i int) (id, name string, err error) {
	first, last := "Ann", fmt.Sprintf("Lee%d", i)
	email := fmt.Sprintf("ann.lee.%d@example.com", i)
	addr := map[string]any{"firstName": first, "lastName": last, "address1": fmt.Sprintf("%d King Street", 10+i), "city": "Toronto",
		"provinceCode": "ON", "zip": "M5V 2T6", "countryCode": "CA"}
	order := map[string]any{"email": email, "financialStatus": "PAID", "sourceName": "web", "lineItems": lines,
		"customer": map[string]any{"toUpsert": map[string]any{"email": email, "firstName": first, "lastName": last}}}
	switch p.kind {
	case kindUnpaid, kindCancelled:
		order["financialStatus"] = "PENDING"
	}
	if p.kind != kindNoAddress {
		order["shippingAddress"], order["billingAddress"] = addr, addr
	}
	if p.kind != kindZero {
		order["shippingLines"] = []any{map[string]any{"title": "Standard", "code": "STD",
			"priceSet": map[string]any{"shopMoney": map[string]any{"amount": "7.50", "currencyCode": "USD"}}}}
	}
	ctx := context.Background()
	data, err := h.sim.Exec(ctx, p.dest.domain, faultOrderCreate, map[string]any{"order": order})
	if err != nil {
		return "", "", err
	}
	var out orderCreated
	if err := json.Unmarshal(data, &out); err != nil {
		return "", "", err
	}
	if out.OrderCreate.Order == nil {
		return "", "", fmt.Errorf("placing order %d (%s): %v", i, p.kind, out.OrderCreate.UserErrors)
	}
	o := out.OrderCreate.Order
	if p.kind == kindCancelled {
		if _, err := h.sim.Exec(ctx, p.dest.domain, faultOrderCancel, map[string]any{"id": o.ID}); err != nil {
			return "", "", err
		}
	}
	return o.ID, o.Name, nil
}

// pushTag is the tag of the source order of an (order, source) part: what the push looks for.
func pushTag(p placedOrder, sourceStoreID int64) string {
	return shopify.PushTag(orders.PushKey(p.dest.st.ID, p.id, sourceStoreID))
}

// waitDone waits, up to within, until every eligible part is on its source and the hub has no
// order work left (pushes, polls, webhooks to process), and the simulator has sent every webhook.
func (h *faultHarness) waitDone(t *testing.T, placed []placedOrder, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	want := 0
	for _, p := range placed {
		want += len(p.sources)
	}
	var missing, active int
	for deadline, polls := time.Now().Add(within), 0; ; polls++ {
		tags := h.sourceTags()
		missing = 0
		for _, p := range placed {
			for _, s := range p.sources {
				if tags[s][pushTag(p, s)] == 0 {
					missing++
				}
			}
		}
		if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('orders_push', 'orders_poll', 'orders_poll_tick', 'inbound_webhook')
			AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if missing == 0 && active == 0 {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := h.sim.WebhooksIdle(wctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('orders_push', 'orders_poll', 'orders_poll_tick', 'inbound_webhook')
				AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&active); err != nil {
				t.Fatal(err)
			}
			if active == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			h.logJobs(t)
			t.Fatalf("after %s: %d of %d eligible parts not on their source, %d order jobs left", within, missing, want, active)
		}
		if polls%50 == 0 {
			t.Logf("waiting: %d of %d eligible parts not on their source yet, %d order jobs left", missing, want, active)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (h *faultHarness) logJobs(t *testing.T) {
	t.Helper()
	rows, err := h.a.DB.Query(context.Background(), `SELECT kind, state, COUNT(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending', 'discarded')
		GROUP BY kind, state ORDER BY kind, state`)
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
		t.Logf("jobs: %d %s %s", n, kind, state)
	}
}

// sourceTags counts every source's orders by tag (source store id → tag → orders).
func (h *faultHarness) sourceTags() map[int64]map[string]int {
	out := map[int64]map[string]int{}
	for _, s := range h.sources {
		out[s.st.ID] = map[string]int{}
		for _, o := range s.sh.AllOrders() {
			for _, tag := range o.Tags {
				out[s.st.ID][tag]++
			}
		}
	}
	return out
}

// check asserts exactly once: on the sources, and in the hub's orders and pushes.
func (h *faultHarness) check(t *testing.T, placed []placedOrder) {
	t.Helper()
	ctx := context.Background()
	// On the sources: each eligible part once, nothing else.
	byTag := map[int64]map[string][]shopifysim.TaggedOrder{}
	total := map[int64]int{}
	for _, s := range h.sources {
		byTag[s.st.ID] = map[string][]shopifysim.TaggedOrder{}
		for _, o := range s.sh.AllOrders() {
			total[s.st.ID]++
			for _, tag := range o.Tags {
				if strings.HasPrefix(tag, "storesync-") {
					byTag[s.st.ID][tag] = append(byTag[s.st.ID][tag], o)
				}
			}
		}
	}
	wantTotal := map[int64]int{}
	kinds := map[string]int{}
	for _, p := range placed {
		kinds[p.kind]++
		for _, s := range h.sources {
			got := byTag[s.st.ID][pushTag(p, s.st.ID)]
			want := 0
			if slices.Contains(p.sources, s.st.ID) {
				want = 1
				wantTotal[s.st.ID]++
			}
			if len(got) != want {
				t.Errorf("%s order %s (%s) on %s: %d source orders; want %d", p.dest.st.Name, p.name, p.kind, s.st.Name, len(got), want)
			}
			if want == 1 && len(got) == 1 && (!slices.Contains(got[0].Tags, p.name) || !slices.Contains(got[0].Tags, p.dest.st.Name)) {
				t.Errorf("source order %s of %s %s: tags %v; want the destination's name and the order's", got[0].Name, p.dest.st.Name, p.name, got[0].Tags)
			}
		}
	}
	for _, s := range h.sources {
		if total[s.st.ID] != wantTotal[s.st.ID] {
			t.Errorf("%s holds %d orders; want %d, one per eligible part", s.st.Name, total[s.st.ID], wantTotal[s.st.ID])
		}
	}
	// In the hub: every order kept once, every push recorded with the source order made.
	type row struct {
		status, sourceOrderID string
		eligible              bool
	}
	rows, err := h.a.DB.Query(ctx, `SELECT o.store_id, o.platform_order_id, COALESCE(p.source_store_id, 0), COALESCE(p.status, ''),
			COALESCE(p.source_order_id, ''), COALESCE(p.eligible, false)
		FROM orders o LEFT JOIN order_pushes p ON p.order_id = o.id WHERE o.version > 0`)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]int{}
	pushes := map[string]row{}
	for rows.Next() {
		var storeID, sourceID int64
		var id string
		var r row
		if err := rows.Scan(&storeID, &id, &sourceID, &r.status, &r.sourceOrderID, &r.eligible); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("%d %s", storeID, id)
		kept[k]++
		if sourceID != 0 {
			pushes[fmt.Sprintf("%s %d", k, sourceID)] = r
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var keptOrders int
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM orders WHERE version > 0`).Scan(&keptOrders); err != nil {
		t.Fatal(err)
	}
	if keptOrders != len(placed) {
		t.Errorf("the hub kept %d orders; want the %d placed, each once", keptOrders, len(placed))
	}
	pushed := 0
	for _, p := range placed {
		k := fmt.Sprintf("%d %s", p.dest.st.ID, p.id)
		if kept[k] == 0 {
			t.Errorf("%s order %s (%s) was never kept by the hub", p.dest.st.Name, p.name, p.kind)
			continue
		}
		for _, s := range h.sources {
			r, ok := pushes[fmt.Sprintf("%s %d", k, s.st.ID)]
			if !slices.Contains(p.sources, s.st.ID) {
				if ok && r.status == orders.PushPushed {
					t.Errorf("%s order %s (%s): push to %s recorded %+v; want not pushed", p.dest.st.Name, p.name, p.kind, s.st.Name, r)
				}
				continue
			}
			made := byTag[s.st.ID][pushTag(p, s.st.ID)]
			if !ok || r.status != orders.PushPushed || !r.eligible || len(made) != 1 || r.sourceOrderID != made[0].ID {
				t.Errorf("%s order %s: push to %s recorded %+v (present %t); want pushed as the source order %v", p.dest.st.Name, p.name, s.st.Name, r, ok, made)
				continue
			}
			pushed++
		}
	}
	// The faults bit: pushes that took more than one attempt, and jobs that failed one.
	var retried, uncertain int
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM order_pushes WHERE attempts > 1`).Scan(&retried); err != nil {
		t.Fatal(err)
	}
	if err := h.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM order_events WHERE kind = $1 AND detail LIKE '%looking for the order again%'`,
		orders.EventPushFailed).Scan(&uncertain); err != nil {
		t.Fatal(err)
	}
	t.Logf("orders by kind %v; %d parts pushed exactly once, recorded by the hub; %d pushes took more than one attempt, %d attempts left the outcome unknown",
		kinds, pushed, retried, uncertain)
}

// pushedPart is one eligible part of a placed order and the source order made for it.
type pushedPart struct {
	order       placedOrder
	source      *faultShop
	sourceOrder shopifysim.TaggedOrder
}

// pushedParts lists every eligible part with the one source order made for it (check has
// asserted there is exactly one), in the order the orders were placed.
func (h *faultHarness) pushedParts(placed []placedOrder) []pushedPart {
	made := map[string]shopifysim.TaggedOrder{}
	for _, s := range h.sources {
		for _, o := range s.sh.AllOrders() {
			for _, tag := range o.Tags {
				made[tag] = o
			}
		}
	}
	var out []pushedPart
	for _, p := range placed {
		for _, s := range h.sources {
			if o, ok := made[pushTag(p, s.st.ID)]; ok && slices.Contains(p.sources, s.st.ID) {
				out = append(out, pushedPart{order: p, source: s, sourceOrder: o})
			}
		}
	}
	return out
}
