package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
)

// The reconciliation benchmark runs the simulator in a child process (this test binary again,
// running TestReconcileBenchSimulator), so that the heap measured is storesync's alone: a
// simulator of a million variants in the same process would dominate it.

const benchSimEnv = "STORESYNC_BENCH_SIM_CHILD"

// TestReconcileBenchSimulator is the child: two shops of N one-variant products, served until
// its standard input closes. It delivers no webhooks: what is measured is the reconciliation,
// not the ingest of the destination's own writes echoed back (each a webhook, which this
// process could not deliver anyway: it does not trust the app's test certificate, and every
// refused TLS handshake, four attempts a webhook, cost the app's process far more CPU than the
// reconciliation itself). It does nothing in a normal test run.
func TestReconcileBenchSimulator(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(benchSimEnv))
	if err != nil || n <= 0 {
		t.Skip("the reconciliation benchmark's simulator process; run by BenchmarkReconcile")
	}
	sim, err := shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sim.Close() }()
	for _, d := range []string{"bsource", "bdest"} {
		domain := d + ".myshopify.com"
		if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: domain, Name: d, AccessToken: "shpat_" + d, APISecret: "s",
			Plan: shopifysim.PlanPlus, BucketSize: 1e9, RestoreRate: 1e9}); err != nil {
			t.Fatal(err)
		}
		sim.SetWebhookFaults(domain, shopifysim.WebhookFaults{DropShare: 1})
		seeded := time.Now()
		if err := sim.SeedCatalog(domain, n, 1); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "%s simulator: %s seeded with %d products in %s\n", time.Now().UTC().Format("15:04:05"), domain, n,
			time.Since(seeded).Round(time.Millisecond))
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(os.Stdout, "SIM %s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
}

// startBenchSim starts the child simulator of n variants per shop and returns its base URL.
func startBenchSim(b *testing.B, n int) string {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestReconcileBenchSimulator$", "-test.v", "-test.timeout=0")
	cmd.Env = append(os.Environ(), benchSimEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "SIM "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return "http://" + addr
		}
	}
	b.Fatalf("the simulator process never said where it listens: %v", sc.Err())
	return ""
}

// benchVariant is a variant's product, variant and inventory item ids (the numbers of their gids):
// the set-up holds 2 × N of them, 24 bytes each.
type benchVariant struct{ product, variant, item int64 }

// benchGID is the number of a gid of the kind, e.g. gid://shopify/Product/7.
func benchGID(b *testing.B, kind, gid string) int64 {
	b.Helper()
	n, err := strconv.ParseInt(strings.TrimPrefix(gid, "gid://shopify/"+kind+"/"), 10, 64)
	if err != nil {
		b.Fatalf("%s is not a %s gid: %v", gid, kind, err)
	}
	return n
}

func benchGIDOf(kind string, n int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(n, 10)
}

// benchPager reads a shop's variants straight from the simulator (no client limiter: the set-up
// is not what is measured), in id order, a page at a time.
type benchPager struct {
	base, domain, token, after string
	done                       bool
}

// next returns the next page of variants (none: the end).
func (pg *benchPager) next(b *testing.B) []benchVariant {
	b.Helper()
	if pg.done {
		return nil
	}
	q := `query($after: String) { productVariants(first: 250, after: $after) { nodes { id product { id } inventoryItem { id } } pageInfo { hasNextPage endCursor } } }`
	vars := map[string]any{}
	if pg.after != "" {
		vars["after"] = pg.after
	}
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, pg.base+"/shops/"+pg.domain+"/admin/api/"+shopifysim.APIVersion+"/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", pg.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var page struct {
		Data struct {
			ProductVariants struct {
				Nodes []struct {
					ID      string `json:"id"`
					Product struct {
						ID string `json:"id"`
					} `json:"product"`
					InventoryItem struct {
						ID string `json:"id"`
					} `json:"inventoryItem"`
				} `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"productVariants"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	_ = resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	out := make([]benchVariant, 0, len(page.Data.ProductVariants.Nodes))
	for _, v := range page.Data.ProductVariants.Nodes {
		out = append(out, benchVariant{benchGID(b, "Product", v.Product.ID), benchGID(b, "ProductVariant", v.ID),
			benchGID(b, "InventoryItem", v.InventoryItem.ID)})
	}
	pg.done = !page.Data.ProductVariants.PageInfo.HasNextPage
	pg.after = page.Data.ProductVariants.PageInfo.EndCursor
	return out
}

// heapPeak samples the process's live heap (runtime/metrics /gc/heap/live:bytes, what the last
// GC found reachable) every 50 ms and the Go runtime's total mapped memory until stopped.
type heapPeak struct {
	live, mapped atomic.Uint64
	stop         chan struct{}
}

func watchHeap() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}}
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			if v := samples[0].Value.Uint64(); v > h.live.Load() {
				h.live.Store(v)
			}
			if v := samples[1].Value.Uint64(); v > h.mapped.Load() {
				h.mapped.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// peakRSS is the process's peak resident set (VmHWM, reset after the set-up), in bytes.
func peakRSS() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkReconcile reconciles a connection whose source and destination have N one-variant
// products each (STORESYNC_BENCH_VARIANTS, default 10,000), all linked: a full pass (the
// export streamed, then every linked item's destination level read) and then an incremental
// run, then a full pass again with nothing drifted (the daily one), over real HTTP against the
// simulator in its own process. It reports each run's time,
// the peak live heap of the storesync process during them, and its peak RSS.
//
//	STORESYNC_BENCH_VARIANTS=100000 go test -run '^$' -bench Reconcile -benchtime 1x -timeout 2h ./internal/app/
func BenchmarkReconcile(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("STORESYNC_BENCH_VARIANTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			t0 := time.Now()
			base := startBenchSim(b, n)
			// The production defaults of the job queue: a 1-minute attempt, rescued after 5.
			e := newSyncEnv(b, dbtest.NewURL(b, d), func(c *config.Config) { c.JobTimeout, c.JobRescueAfter = time.Minute, 5*time.Minute })
			e.a.Targets.Allow(strings.TrimPrefix(base, "http://"))
			ctx := context.Background()
			mk := func(name string) store.Store {
				acc, err := e.a.Accounts.CreateAccount(ctx, name)
				if err != nil {
					b.Fatal(err)
				}
				domain := name + ".myshopify.com"
				st, err := e.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: name, Platform: shopify.Platform,
					BaseURL: base + "/shops/" + domain, Credentials: shopify.Credentials{ShopDomain: domain, AccessToken: "shpat_" + name, APISecret: "s"}.Marshal()})
				if err != nil {
					b.Fatal(err)
				}
				return st
			}
			src, dst := mk("bsource"), mk("bdest")
			c, err := e.a.Connections.Connect(ctx, connection.ConnectParams{AccountID: dst.AccountID, DestinationStoreID: dst.ID, SourceStoreKey: src.Key})
			if err != nil {
				b.Fatal(err)
			}
			benchLogf(b, "simulator of 2 × %d variants and storesync started in %s", n, time.Since(t0).Round(time.Millisecond))
			// Both shops' variants are read before any link is saved: a link's source level is read
			// at once and its destination written, and a write to a shop makes the simulator sort
			// its catalog again for the next page (a million variants a page).
			all := func(domain, token string) []benchVariant {
				pg := &benchPager{base: base, domain: domain, token: token}
				out := make([]benchVariant, 0, n)
				logged := time.Now()
				for page := pg.next(b); len(page) > 0; page = pg.next(b) {
					out = append(out, page...)
					if time.Since(logged) >= benchLogEvery {
						logged = time.Now()
						benchLogf(b, "set-up: %d of %d variants of %s read, %s in", len(out), n, domain, time.Since(t0).Round(time.Second))
					}
				}
				return out
			}
			sv, dv := all("bsource.myshopify.com", "shpat_bsource"), all("bdest.myshopify.com", "shpat_bdest")
			if len(sv) != n || len(dv) != n {
				b.Fatalf("%d and %d variants, want %d", len(sv), len(dv), n)
			}
			benchLogf(b, "set-up: both shops' variants read, %s in", time.Since(t0).Round(time.Second))
			// The links are inserted in bulk, as a catalog linked before (no read of their source
			// levels on linking: the first full pass finds every level new) and without SaveLinks'
			// count of the connection's products after each call (a million rows each time).
			// 50 links a statement (550 parameters: SQLite looks each parameter's name up in a
			// list of them all, so a statement's cost grows with the square of its parameters),
			// 40 statements a transaction.
			linked, logged := 0, time.Now()
			const perInsert, perTx = 50, 40
			insert := func(ctx context.Context, tx database.Tx, start, end int) error {
				var q strings.Builder
				args := make([]any, 0, 11*(end-start))
				for i := start; i < end; i++ {
					if i > start {
						q.WriteString(", ")
					}
					k := len(args)
					fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+11)
					args = append(args, c.ID, src.ID, benchGIDOf("Product", sv[i].product), benchGIDOf("ProductVariant", sv[i].variant),
						benchGIDOf("InventoryItem", sv[i].item), dst.ID, benchGIDOf("Product", dv[i].product),
						benchGIDOf("ProductVariant", dv[i].variant), benchGIDOf("InventoryItem", dv[i].item), strconv.Itoa(i), time.Now().UTC())
				}
				_, err := tx.Exec(ctx, `INSERT INTO product_links (connection_id, source_store_id, source_product_id, source_variant_id,
					source_inventory_item_id, destination_store_id, destination_product_id, destination_variant_id,
					destination_inventory_item_id, identifier, created_at) VALUES `+q.String(), args...)
				return err
			}
			for txStart := 0; txStart < n; txStart += perInsert * perTx {
				txEnd := min(n, txStart+perInsert*perTx)
				if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
					for start := txStart; start < txEnd; start += perInsert {
						if err := insert(ctx, tx, start, min(txEnd, start+perInsert)); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				linked += txEnd - txStart
				if time.Since(logged) >= benchLogEvery {
					logged = time.Now()
					benchLogf(b, "set-up: %d of %d variants linked, %s in", linked, n, time.Since(t0).Round(time.Second))
				}
			}
			if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return catalog.Recount(ctx, tx, c.ID) }); err != nil {
				b.Fatal(err)
			}
			if linked != n {
				b.Fatalf("%d variants linked, want %d", linked, n)
			}
			key := e.key(b, dst.AccountID)
			benchLogf(b, "set up %d linked variants in %s", n, time.Since(t0))
			debug.FreeOSMemory()                                      // what the set-up used is not what is measured
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // and VmHWM starts again from here (Linux)
			for b.Loop() {
				h := watchHeap()
				pr := &benchProgress{b: b, e: e, key: key, dst: dst, n: n, deadline: benchDeadline()}
				memory := func() {
					close(h.stop)
					b.ReportMetric(float64(h.live.Load())/(1<<20), "MB-live-heap")
					b.ReportMetric(float64(h.mapped.Load())/(1<<20), "MB-go-mapped")
					b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-RSS")
				}
				full, fullTook, ok := pr.run(c.ID, "full pass, first", true)
				if !ok {
					memory()
					continue
				}
				b.ReportMetric(fullTook.Seconds(), "s-full")
				b.ReportMetric(float64(full.DriftsFixed), "drifts-full")
				if !pr.written() {
					memory()
					continue
				}
				inc, incTook, ok := pr.run(c.ID, "incremental", false)
				if !ok {
					memory()
					continue
				}
				b.ReportMetric(incTook.Seconds(), "s-incremental")
				b.ReportMetric(float64(inc.DriftsFixed), "drifts-incremental")
				steady, steadyTook, ok := pr.run(c.ID, "full pass, in step", true) // the daily pass, nothing drifted
				if ok {
					b.ReportMetric(steadyTook.Seconds(), "s-full-in-step")
				}
				memory()
				benchLogf(b, "full: %+v in %s; incremental: %+v in %s; full again: %+v in %s", full, fullTook, inc, incTook, steady, steadyTook)
			}
		})
	}
}

// benchDeadline is when a benchmark run stops and reports how far it got
// (STORESYNC_BENCH_DEADLINE, a duration from now, e.g. 80m; none: it runs to the end).
func benchDeadline() time.Time {
	d, err := time.ParseDuration(os.Getenv("STORESYNC_BENCH_DEADLINE"))
	if err != nil || d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// benchProgress runs a benchmark's reconciliations, logging their progress (phase, counts, rate)
// every benchLogEvery, and stops at its deadline reporting the partial progress instead of failing.
type benchProgress struct {
	b        *testing.B
	e        *syncEnv
	key      string
	dst      store.Store
	n        int
	deadline time.Time
}

const benchLogEvery = 30 * time.Second

// benchLogf logs to the benchmark and, at once, to standard error: a benchmark's log is printed
// only when it ends, and a run of a million variants is followed while it runs.
func benchLogf(b *testing.B, format string, args ...any) {
	b.Helper()
	b.Logf(format, args...)
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format("15:04:05")+" "+format+"\n", args...)
}

func (p *benchProgress) late() bool { return !p.deadline.IsZero() && time.Now().After(p.deadline) }

// run starts a reconciliation and waits for it; ok false: the deadline came first (logged and
// reported as partial-* metrics).
func (p *benchProgress) run(conn int64, name string, full bool) (apiRecon, time.Duration, bool) {
	b := p.b
	var r apiRecon
	if st, body := p.e.api(b, p.key, http.MethodPost, fmt.Sprintf("/api/v2/connections/%d/reconcile", conn), map[string]any{"full": full}, &r); st != http.StatusAccepted {
		b.Fatalf("starting a reconciliation: %d %s", st, body)
	}
	start, logged := time.Now(), time.Now()
	phase, phaseAt := "", time.Now()
	var phaseLevels int64
	for {
		if st, body := p.e.api(b, p.key, http.MethodGet, fmt.Sprintf("/api/v2/reconciliations/%d", r.ID), nil, &r); st != http.StatusOK {
			b.Fatalf("reading reconciliation %d: %d %s", r.ID, st, body)
		}
		if r.Phase != phase {
			if phase != "" {
				benchLogf(b, "%s: phase %s took %s", name, phase, time.Since(phaseAt).Round(time.Millisecond))
			}
			phase, phaseAt, phaseLevels = r.Phase, time.Now(), r.LevelsRead
		}
		switch r.State {
		case "failed":
			b.Fatalf("%s: reconciliation %d failed: %s", name, r.ID, r.Error)
		case "done":
			took := time.Since(start)
			benchLogf(b, "%s: done in %s: %+v", name, took.Round(time.Millisecond), r)
			return r, took, true
		}
		if time.Since(logged) >= benchLogEvery || p.late() {
			logged = time.Now()
			el := time.Since(start)
			rate := float64(r.LevelsRead-phaseLevels) / max(time.Since(phaseAt).Seconds(), 1e-3)
			benchLogf(b, "%s: %s in, phase %s (%s in it): %d products, %d variants, %d levels read, %d drifts; %.0f levels/s in this phase; %s",
				name, el.Round(time.Second), r.Phase, time.Since(phaseAt).Round(time.Second), r.ProductsRead, r.VariantsRead, r.LevelsRead,
				r.DriftsFixed, rate, p.pending())
			if p.late() {
				benchLogf(b, "PARTIAL: %s stopped at the deadline after %s, in phase %s", name, el.Round(time.Second), r.Phase)
				b.ReportMetric(el.Seconds(), "s-partial")
				b.ReportMetric(float64(r.VariantsRead), "partial-variants")
				b.ReportMetric(float64(r.LevelsRead), "partial-levels")
				b.ReportMetric(float64(r.DriftsFixed), "partial-drifts")
				return r, el, false
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pending describes the destination's targets: decided, and still to write.
func (p *benchProgress) pending() string {
	var all, left int64
	if err := p.e.a.DB.QueryRow(context.Background(), `SELECT COUNT(*), COALESCE(SUM(CASE WHEN written_version < version THEN 1 ELSE 0 END), 0)
		FROM inventory_targets WHERE destination_store_id = $1`, p.dst.ID).Scan(&all, &left); err != nil {
		return "targets: " + err.Error()
	}
	return fmt.Sprintf("%d targets decided, %d to write", all, left)
}

// written waits until the destination has no target pending: every quantity decided is written.
// False: the deadline came first (logged).
func (p *benchProgress) written() bool {
	start, logged := time.Now(), time.Now()
	for {
		var n int64
		if err := p.e.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM inventory_targets
			WHERE destination_store_id = $1 AND written_version < version`, p.dst.ID).Scan(&n); err != nil {
			p.b.Fatal(err)
		}
		if n == 0 {
			benchLogf(p.b, "every target written %s after the first full pass", time.Since(start).Round(time.Millisecond))
			return true
		}
		if time.Since(logged) >= benchLogEvery || p.late() {
			logged = time.Now()
			benchLogf(p.b, "waiting for the writes: %s, %s", time.Since(start).Round(time.Second), p.pending())
			if p.late() {
				benchLogf(p.b, "PARTIAL: the writes after the first full pass were unfinished at the deadline")
				return false
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
}
