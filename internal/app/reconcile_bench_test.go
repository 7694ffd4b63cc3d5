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
	"runtime"
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
// its standard input closes. It does nothing in a normal test run.
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
		if err := sim.SeedCatalog(domain, n, 1); err != nil {
			t.Fatal(err)
		}
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

type benchVariant struct{ product, variant, item string }

// benchVariants reads every variant of a shop straight from the simulator (no client limiter:
// the set-up is not what is measured), in id order.
func benchVariants(b *testing.B, base, domain, token string) []benchVariant {
	b.Helper()
	var out []benchVariant
	for after := ""; ; {
		q := `query($after: String) { productVariants(first: 250, after: $after) { nodes { id product { id } inventoryItem { id } } pageInfo { hasNextPage endCursor } } }`
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/shops/"+domain+"/admin/api/"+shopifysim.APIVersion+"/graphql.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", token)
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
		for _, v := range page.Data.ProductVariants.Nodes {
			out = append(out, benchVariant{v.Product.ID, v.ID, v.InventoryItem.ID})
		}
		if !page.Data.ProductVariants.PageInfo.HasNextPage {
			return out
		}
		after = page.Data.ProductVariants.PageInfo.EndCursor
	}
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

// peakRSS is the process's peak resident set (VmHWM), in bytes.
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
			sv, dv := benchVariants(b, base, "bsource.myshopify.com", "shpat_bsource"), benchVariants(b, base, "bdest.myshopify.com", "shpat_bdest")
			if len(sv) != n || len(dv) != n {
				b.Fatalf("%d and %d variants, want %d", len(sv), len(dv), n)
			}
			for start := 0; start < n; start += 1000 {
				links := make([]catalog.LinkInput, 0, 1000)
				for i := start; i < min(n, start+1000); i++ {
					links = append(links, catalog.LinkInput{SourceStoreID: src.ID, SourceProductID: sv[i].product, SourceVariantID: sv[i].variant,
						SourceInventoryItemID: sv[i].item, DestinationStoreID: dst.ID, DestinationProductID: dv[i].product,
						DestinationVariantID: dv[i].variant, DestinationInventoryItemID: dv[i].item, Identifier: strconv.Itoa(i)})
				}
				if err := e.a.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
					return e.a.Links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: time.Now()})
				}); err != nil {
					b.Fatal(err)
				}
			}
			key := e.key(b, dst.AccountID)
			b.Logf("set up %d linked variants in %s", n, time.Since(t0))
			runtime.GC()
			for b.Loop() {
				h := watchHeap()
				start := time.Now()
				full := e.reconcile(b, key, c.ID, true, 2*time.Hour)
				fullTook := time.Since(start)
				e.waitWritten(b, dst)
				start = time.Now()
				inc := e.reconcile(b, key, c.ID, false, 2*time.Hour)
				incTook := time.Since(start)
				start = time.Now()
				steady := e.reconcile(b, key, c.ID, true, 2*time.Hour) // the daily pass, nothing drifted
				steadyTook := time.Since(start)
				close(h.stop)
				b.Logf("full: %+v in %s; incremental: %+v in %s; full again: %+v in %s", full, fullTook, inc, incTook, steady, steadyTook)
				b.ReportMetric(steadyTook.Seconds(), "s-full-in-step")
				b.ReportMetric(fullTook.Seconds(), "s-full")
				b.ReportMetric(incTook.Seconds(), "s-incremental")
				b.ReportMetric(float64(full.DriftsFixed), "drifts-full")
				b.ReportMetric(float64(inc.DriftsFixed), "drifts-incremental")
				b.ReportMetric(float64(h.live.Load())/(1<<20), "MB-live-heap")
				b.ReportMetric(float64(h.mapped.Load())/(1<<20), "MB-go-mapped")
				b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-RSS")
			}
		})
	}
}

// waitWritten waits until the store has no target pending: every quantity decided is written.
func (e *syncEnv) waitWritten(b *testing.B, st store.Store) {
	b.Helper()
	for deadline := time.Now().Add(2 * time.Hour); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var n int64
		if err := e.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM inventory_targets
			WHERE destination_store_id = $1 AND written_version < version`, st.ID).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	b.Fatal("the destination's quantities were never all written")
}
