package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/feed"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/syncrun"
)

// The sync cycle benchmark, like the reconciliation one, runs the simulator in a child process
// (this test binary again, running TestSyncBenchSimulator), so that the memory measured is
// storesync's alone. As there, the shop's rate limit is lifted (a bucket of 1e9 points): at a
// Plus plan's, reading the set-up's SKUs alone takes a quarter of an hour for 100,000 variants,
// so the throttled answers counted show storesync's own limiter, not the platform's.

const syncBenchSimEnv = "STORESYNC_SYNC_BENCH_SIM_CHILD"

// TestSyncBenchSimulator is the child: one shop of N one-variant products, served until its
// standard input closes. It does nothing in a normal test run.
func TestSyncBenchSimulator(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(syncBenchSimEnv))
	if err != nil || n <= 0 {
		t.Skip("the sync cycle benchmark's simulator process; run by BenchmarkSyncCycle")
	}
	sim, err := shopifysim.New(shopifysim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sim.Close() }()
	if _, err := sim.AddShop(shopifysim.ShopConfig{Domain: "cycle.myshopify.com", Name: "cycle", AccessToken: "shpat_cycle",
		APISecret: "s", Plan: shopifysim.PlanPlus, BucketSize: 1e9, RestoreRate: 1e9}); err != nil {
		t.Fatal(err)
	}
	if err := sim.SeedCatalog("cycle.myshopify.com", n, 1); err != nil {
		t.Fatal(err)
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

// startSyncBenchSim starts the child simulator of n variants and returns its base URL.
func startSyncBenchSim(b *testing.B, n int) string {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestSyncBenchSimulator$", "-test.v", "-test.timeout=0")
	cmd.Env = append(os.Environ(), syncBenchSimEnv+"="+strconv.Itoa(n))
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

// callCounter is a reverse proxy in front of the simulator that counts the calls storesync
// makes, by GraphQL operation name ("download" for a request that is not GraphQL: a bulk
// export's file), and the throttled answers (429 or a THROTTLED error).
type callCounter struct {
	mu        sync.Mutex
	calls     map[string]int
	throttled int
}

func (cc *callCounter) snapshot() (map[string]int, int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return maps.Clone(cc.calls), cc.throttled
}

func (cc *callCounter) reset() {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.calls, cc.throttled = map[string]int{}, 0
}

func (cc *callCounter) handler(b *testing.B, base string) http.Handler {
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "download"
		var throttledBody bool
		if strings.HasSuffix(r.URL.Path, "/graphql.json") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			var req struct {
				OperationName string `json:"operationName"`
			}
			_ = json.Unmarshal(body, &req)
			name = cmpOrString(req.OperationName, "graphql")
			rec := &statusRecorder{ResponseWriter: w}
			proxy.ServeHTTP(rec, r)
			throttledBody = rec.status == http.StatusTooManyRequests || bytes.Contains(rec.body.Bytes(), []byte(`"THROTTLED"`))
		} else {
			proxy.ServeHTTP(w, r)
		}
		cc.mu.Lock()
		cc.calls[name]++
		if throttledBody {
			cc.throttled++
		}
		cc.mu.Unlock()
	})
}

func cmpOrString(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// syncBenchSKUs reads the shop's variants' SKUs straight from the simulator, in id order (the
// set-up, not counted).
func syncBenchSKUs(b *testing.B, base string) []string {
	b.Helper()
	var skus []string
	after, waited := "", 0
	for {
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		body, err := json.Marshal(map[string]any{"variables": vars,
			"query": `query($after: String) { productVariants(first: 250, after: $after) { nodes { sku } pageInfo { hasNextPage endCursor } } }`})
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost,
			base+"/shops/cycle.myshopify.com/admin/api/"+shopifysim.APIVersion+"/graphql.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", "shpat_cycle")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Data struct {
				ProductVariants struct {
					Nodes []struct {
						SKU string `json:"sku"`
					} `json:"nodes"`
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
				} `json:"productVariants"`
			} `json:"data"`
			Errors []json.RawMessage `json:"errors"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode == http.StatusTooManyRequests || len(page.Errors) > 0 { // the shop's rate limit: the page again, later
			if waited++; waited > 600 {
				b.Fatalf("reading the shop's variants: %d %s", resp.StatusCode, page.Errors)
			}
			time.Sleep(time.Second)
			continue
		}
		for _, v := range page.Data.ProductVariants.Nodes {
			skus = append(skus, v.SKU)
		}
		if !page.Data.ProductVariants.PageInfo.HasNextPage {
			return skus
		}
		after = page.Data.ProductVariants.PageInfo.EndCursor
	}
}

// BenchmarkSyncCycle runs steps 3 and 4 of a sync run over N items (STORESYNC_BENCH_ITEMS,
// default 2,000): one store mastered by the back office by SKU, with N tracked one-variant
// products in the simulator (its own process, its rate limit lifted), N back-office items
// (10 on hand), and an uploaded feed of N rows setting 9 in 10 of them to a new count (every
// tenth row keeps 10). Step 3 applies the feed; step 4 exports the catalog, reads the store's
// levels 250 at a time and writes the ones that differ. Steps 1 and 2 (orders) are not run.
//
// It reports each step's time, the run's platform calls (all of them step 4's: the shop and
// locations reads, the bulk export's start, in-progress check, status polls and download, the
// level reads and the writes) and their ratio to the minimum 3 + ⌈N/250⌉ + ⌈changed/250⌉ (a
// bulk export's start, one status read and its download; the level reads, 250 a call; the
// writes, changed being the levels step 4 wrote), the throttled answers, and the storesync
// process's peak RSS and peak live heap during the run.
//
//	STORESYNC_BENCH_ITEMS=100000 go test -run '^$' -bench SyncCycle -benchtime 1x -timeout 2h ./internal/app/
func BenchmarkSyncCycle(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("STORESYNC_BENCH_ITEMS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			t0 := time.Now()
			base := startSyncBenchSim(b, n)
			cc := &callCounter{calls: map[string]int{}}
			proxy := httptest.NewServer(cc.handler(b, base))
			b.Cleanup(proxy.Close)
			e := newSyncEnv(b, dbtest.NewURL(b, d))
			e.a.Targets.Allow(proxy.Listener.Addr().String())
			acc, err := e.a.Accounts.CreateAccount(ctx, "cycle")
			if err != nil {
				b.Fatal(err)
			}
			st, err := e.a.Stores.Save(ctx, store.SaveParams{AccountID: acc.ID, Name: "cycle", Platform: shopify.Platform,
				BaseURL: proxy.URL + "/shops/cycle.myshopify.com", Credentials: shopify.Credentials{ShopDomain: "cycle.myshopify.com",
					AccessToken: "shpat_cycle", APISecret: "s"}.Marshal()})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.a.SyncRuns.SetMaster(ctx, acc.ID, syncrun.InventoryMaster{StoreID: st.ID, Master: "back_office", MatchBy: "sku"}); err != nil {
				b.Fatal(err)
			}
			skus := syncBenchSKUs(b, base)
			if len(skus) != n {
				b.Fatalf("%d variants read; want %d", len(skus), n)
			}
			benchLogf(b, "simulator of %d variants started and read in %s", n, time.Since(t0).Round(time.Millisecond))
			// The back office's items, created through the service (no batch create exists), a few
			// at a time.
			const creators = 4
			var wg sync.WaitGroup
			errs := make(chan error, creators)
			for w := range creators {
				wg.Go(func() {
					for i := w; i < n; i += creators {
						if _, err := e.a.BackOffice.CreateItem(ctx, backoffice.CreateItemParams{AccountID: acc.ID,
							Input:  backoffice.ItemInput{SKU: skus[i], Description: "item " + strconv.Itoa(i), Currency: "USD", Price: 1500, Cost: 700},
							OnHand: 10, Actor: "user bench"}); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			benchLogf(b, "set-up: %d back-office items created, %s in", n, time.Since(t0).Round(time.Second))
			f, err := e.a.SyncRuns.CreateFeed(ctx, acc.ID, syncrun.FeedInput{Name: "acme", Source: "upload", Format: "csv",
				Mapping: feed.Mapping{SKU: "Item", Quantity: "Qty"}, Enabled: true})
			if err != nil {
				b.Fatal(err)
			}
			var csv bytes.Buffer
			csv.WriteString("Item,Qty\n")
			for i, sku := range skus {
				q := 10
				if i%10 != 0 {
					q = 100 + i%900
				}
				fmt.Fprintf(&csv, "%s,%d\n", sku, q)
			}
			if _, err := e.a.SyncRuns.Upload(ctx, acc.ID, f.ID, "acme.csv", csv.Bytes()); err != nil {
				b.Fatal(err)
			}
			key := e.key(b, acc.ID)
			benchLogf(b, "set up %d items in %s", n, time.Since(t0).Round(time.Millisecond))
			debug.FreeOSMemory()                                      // what the set-up used is not what is measured
			_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // and VmHWM starts again from here (Linux)
			for b.Loop() {
				cc.reset()
				h := watchHeap()
				start := time.Now()
				var r api.SyncRun
				if code, raw := e.api(b, key, http.MethodPost, "/api/v2/sync-runs", map[string]any{"steps": []int{3, 4}}, &r); code != http.StatusAccepted {
					b.Fatalf("POST /api/v2/sync-runs: %d %s", code, raw)
				}
				logged := time.Now()
				for r.Status != "succeeded" && r.Status != "failed" {
					time.Sleep(200 * time.Millisecond)
					if code, raw := e.api(b, key, http.MethodGet, fmt.Sprintf("/api/v2/sync-runs/%d", r.ID), nil, &r); code != http.StatusOK {
						b.Fatalf("GET sync run: %d %s", code, raw)
					}
					if time.Since(logged) >= benchLogEvery {
						logged = time.Now()
						for _, s := range r.Steps {
							benchLogf(b, "%s in: step %d %s, %d of %d, %v", time.Since(start).Round(time.Second), s.Step, s.Status, s.Done, s.Total, s.Counts)
						}
					}
				}
				took := time.Since(start)
				close(h.stop)
				calls, throttled := cc.snapshot()
				for _, s := range r.Steps {
					benchLogf(b, "step %d %s: %v errors %d %+v", s.Step, s.Status, s.Counts, s.ErrorCount, s.Errors[:min(len(s.Errors), 3)])
				}
				if r.Status != "succeeded" {
					b.Fatalf("sync run %d %s", r.ID, r.Status)
				}
				in, out := stepOf(r, 3), stepOf(r, 4)
				if in.Counts["rows_applied"] != int64(n) || out.Counts["items_read"] != int64(n) || out.Counts["variants_unmatched"] != 0 {
					b.Fatalf("step 3 %v, step 4 %v; want %d rows applied and %d items read, none unmatched", in.Counts, out.Counts, n, n)
				}
				changed := int(out.Counts["levels_changed"])
				reads, writes := calls["InventoryLevels"], calls["InventorySetQuantities"]
				total := 0
				for _, v := range calls {
					total += v
				}
				// A bulk export needs at least its start, one status read finding it done and the
				// download of its file.
				minimum := 3 + (n+249)/250 + (changed+249)/250
				benchLogf(b, "run of %d items in %s; calls %v (total %d, minimum %d); %d levels changed; %d throttled",
					n, took.Round(time.Millisecond), calls, total, minimum, changed, throttled)
				b.ReportMetric(stepSeconds(in), "s-step3")
				b.ReportMetric(stepSeconds(out), "s-step4")
				b.ReportMetric(took.Seconds(), "s-run")
				b.ReportMetric(float64(total), "calls-step4")
				b.ReportMetric(float64(total)/float64(minimum), "calls/min")
				b.ReportMetric(float64(reads), "level-reads")
				b.ReportMetric(float64(writes), "level-writes")
				b.ReportMetric(float64(changed), "levels-changed")
				b.ReportMetric(float64(throttled), "throttled")
				b.ReportMetric(float64(h.live.Load())/(1<<20), "MB-live-heap")
				b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-RSS")
			}
		})
	}
}

// stepSeconds is how long a step ran (0 if it has no times).
func stepSeconds(s api.SyncRunStep) float64 {
	if s.StartedAt == nil || s.FinishedAt == nil {
		return 0
	}
	return s.FinishedAt.Sub(*s.StartedAt).Seconds()
}
