package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// exportJobArgs is what a durable job driving an export keeps between attempts: the handle,
// nothing else. Each attempt below uses a fresh client, as a job after a restart would.
type exportJobArgs struct {
	Handle *platform.ExportHandle
}

// errSnooze stands for River's JobSnooze: the attempt ends and the job runs again later.
var errSnooze = errors.New("snooze")

// exportAttempt is one run of such a job: start (or adopt) the export, else poll it once and
// snooze while it runs, else read it. No attempt waits for the export.
func exportAttempt(ctx context.Context, s platform.CatalogExportStarter, args *exportJobArgs, fn func(platform.Product) error) error {
	if args.Handle == nil {
		h, err := s.StartCatalogExport(ctx)
		if err != nil {
			return err
		}
		args.Handle = &h
		return errSnooze
	}
	st, err := s.ExportStatus(ctx, *args.Handle)
	if err != nil {
		return err
	}
	switch st.Status {
	case platform.ExportRunning:
		return errSnooze
	case platform.ExportFailed:
		args.Handle = nil // the next attempt starts a new export
		return fmt.Errorf("export failed: %s", st.Reason)
	case platform.ExportCompleted:
		return s.ReadExport(ctx, *args.Handle, fn)
	}
	return fmt.Errorf("export in unknown state %q", st.Status)
}

// TestCatalogExportDrivenByJob drives an export that runs for a while the way a job does: one
// attempt starts it, attempts in between snooze, the last reads every product, each attempt
// with a new client given only the handle.
func TestCatalogExportDrivenByJob(t *testing.T) {
	t.Parallel()
	var cfg shopify.Config
	sim, c := simShopClient(t, 120, 3, func(c *shopify.Config) { cfg = *c })
	sim.SetFaults(simShop, shopifysim.Faults{BulkDuration: 500 * time.Millisecond})
	ctx := context.Background()
	args := &exportJobArgs{}
	products, variants, snoozes := 0, 0, 0
	var read []string
	for attempt := 0; ; attempt++ {
		if attempt > 200 {
			t.Fatal("export never finished")
		}
		fresh, err := shopify.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		err = exportAttempt(ctx, fresh, args, func(p platform.Product) error {
			products++
			variants += len(p.Variants)
			if len(p.Images) != 2 || p.Images[1].Position != 2 || !strings.HasPrefix(p.Images[0].URL, "https://cdn.shopify.com/") {
				return fmt.Errorf("product %s images %+v", p.ID, p.Images)
			}
			for _, v := range p.Variants {
				if v.Weight == nil || v.Weight.Unit != platform.Grams || v.Weight.Micros < 100_000_000 {
					return fmt.Errorf("variant %s weight %v", v.ID, v.Weight)
				}
			}
			read = append(read, p.ID)
			return nil
		})
		if errors.Is(err, errSnooze) {
			snoozes++
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if products != 120 || variants != 360 {
		t.Fatalf("read %d products, %d variants; want 120, 360", products, variants)
	}
	// The first snooze follows the start; at least one more is a poll that found it running.
	if snoozes < 2 {
		t.Fatalf("only %d snoozes: the export did not run across attempts", snoozes)
	}
	// Reading again reads the same file from the start.
	again := 0
	if err := c.ReadExport(ctx, *args.Handle, func(platform.Product) error { again++; return nil }); err != nil || again != 120 {
		t.Fatalf("second read: %d products, %v", again, err)
	}
}

// TestStartCatalogExportAdoptsRunning: a second start while the first export runs (a job
// re-run, or a second job) adopts the running bulk query; reading it before it is done is a
// conflict; once done, a start begins a new one.
func TestStartCatalogExportAdoptsRunning(t *testing.T) {
	t.Parallel()
	sim, c := simShopClient(t, 10, 2, nil)
	sim.SetFaults(simShop, shopifysim.Faults{BulkDuration: time.Second})
	ctx := context.Background()
	first, err := c.StartCatalogExport(ctx)
	if err != nil || first.ID == "" || first.Adopted {
		t.Fatalf("first start: %+v, %v", first, err)
	}
	for range 3 {
		again, err := c.StartCatalogExport(ctx)
		if err != nil || again.ID != first.ID || !again.Adopted || !again.StartedAt.Equal(first.StartedAt) {
			t.Fatalf("start while running: %+v, %v; want to adopt %s", again, err, first.ID)
		}
	}
	if err := c.ReadExport(ctx, first, func(platform.Product) error { return nil }); platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("reading a running export: %v", err)
	}
	for {
		st, err := c.ExportStatus(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			// 10 products, 20 variants, 20 images.
			if st.Status != platform.ExportCompleted || st.Objects != 50 || st.Bytes <= 0 {
				t.Fatalf("final state %+v", st)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	next, err := c.StartCatalogExport(ctx)
	if err != nil || next.ID == first.ID || next.Adopted {
		t.Fatalf("start after completion: %+v, %v", next, err)
	}
}

// TestReadExportSlowDownload: a result file that takes far longer than the API client's total
// timeout but keeps arriving is read whole; one that stops arriving fails after the idle
// timeout, retryable. The timeouts are scaled down (the API client's 60 s to 300 ms).
func TestReadExportSlowDownload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		delay  time.Duration
		wantOK bool
	}{
		{"slow but steady", 10 * time.Millisecond, true},
		{"stalled", 600 * time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, c := simShopClient(t, 150, 2, func(cfg *shopify.Config) {
				api := *cfg.HTTPClient.(*http.Client)
				api.Timeout = 300 * time.Millisecond
				cfg.HTTPClient, cfg.DownloadIdleTimeout = &api, 200*time.Millisecond
			})
			ctx := context.Background()
			h, err := c.StartCatalogExport(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var st platform.ExportState
			for !st.Done() {
				if st, err = c.ExportStatus(ctx, h); err != nil {
					t.Fatal(err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			// About 2 KB a chunk: the steady file takes well over the 300 ms API timeout.
			chunks := int(st.Bytes/2048) + 1
			if tc.wantOK && time.Duration(chunks)*tc.delay < 2*300*time.Millisecond {
				t.Fatalf("file of %d bytes too small to outlast the API timeout", st.Bytes)
			}
			sim.SetFaults(simShop, shopifysim.Faults{DownloadChunkBytes: 2048, DownloadChunkDelay: tc.delay})
			start, n := time.Now(), 0
			err = c.ReadExport(ctx, h, func(platform.Product) error { n++; return nil })
			if tc.wantOK {
				if err != nil || n != 150 {
					t.Fatalf("read %d products in %s: %v", n, time.Since(start), err)
				}
				return
			}
			var pe *platform.Error
			if !errors.As(err, &pe) || pe.Kind != platform.KindUnavailable || !pe.Retryable || !strings.Contains(err.Error(), "no data received for 200ms") {
				t.Fatalf("stalled download: %v", err)
			}
		})
	}
}

// TestReadExportMemoryBounded reads an export of 50,000 variants and checks the live heap does
// not grow with it (the file is many times the bound). Heap figures over time are in
// BenchmarkExportCatalog. Not parallel: it measures the whole process's heap, which other tests
// running at the same time would grow.
func TestReadExportMemoryBounded(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("seeds and exports 50,000 variants, measuring the heap: not with -short or -race")
	}
	_, c := simShopClient(t, 10_000, 5, nil)
	ctx := context.Background()
	h, err := c.StartCatalogExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st platform.ExportState
	for !st.Done() {
		if st, err = c.ExportStatus(ctx, h); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	variants, products := 0, 0
	var base, peak uint64
	var ms runtime.MemStats
	err = c.ReadExport(ctx, h, func(p platform.Product) error {
		products++
		variants += len(p.Variants)
		if products == 100 || products%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if products == 100 {
				base = ms.HeapAlloc
			}
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil || variants != 50_000 {
		t.Fatalf("read %d variants: %v", variants, err)
	}
	if growth := int64(peak) - int64(base); growth > 4<<20 || st.Bytes < 16<<20 {
		t.Fatalf("live heap grew %d bytes reading a %d-byte export", growth, st.Bytes)
	}
}
