package shopify_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// BenchmarkExportCatalog exports a simulated catalog of 50,000 variants (10,000 products × 5)
// through StartCatalogExport, ExportStatus and the streamed ReadExport, and reports:
//
//   - variants/s: variants per second of the whole export (start, polls while the simulator
//     runs the bulk query, download), and read-variants/s of the streamed read alone;
//   - peak-heap-MB: the process's peak in-use heap over the whole export, sampled every 5 ms:
//     the simulator runs in the same process, and building the file is most of it;
//   - read-peak-heap-MB: the same while the file streamed to the client (the simulator then
//     only holds the file, file-MB);
//   - read-growth-KB: growth of the live heap (after GC) while the file streamed, the client's
//     own memory: it does not grow with the catalog.
func BenchmarkExportCatalog(b *testing.B) {
	_, c := simShopClient(b, 10_000, 5, nil)
	ctx := context.Background()
	for b.Loop() {
		runtime.GC()
		var mu sync.Mutex
		var peak, readPeak uint64
		reading := false
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				if reading {
					readPeak = max(readPeak, ms.HeapInuse)
				}
				mu.Unlock()
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		start := time.Now()
		h, err := c.StartCatalogExport(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var st platform.ExportState
		for !st.Done() {
			if st, err = c.ExportStatus(ctx, h); err != nil {
				b.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		variants, products := 0, 0
		var base, livePeak uint64
		var ms runtime.MemStats
		runtime.GC()
		mu.Lock()
		reading = true
		mu.Unlock()
		readStart := time.Now()
		if err := c.ReadExport(ctx, h, func(p platform.Product) error {
			products++
			variants += len(p.Variants)
			if products == 100 || products%2500 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				if products == 100 {
					base = ms.HeapAlloc
				}
				livePeak = max(livePeak, ms.HeapAlloc)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		elapsed, readElapsed := time.Since(start), time.Since(readStart)
		close(stop)
		wg.Wait()
		if variants != 50_000 {
			b.Fatalf("%d variants", variants)
		}
		b.ReportMetric(float64(variants)/elapsed.Seconds(), "variants/s")
		b.ReportMetric(float64(variants)/readElapsed.Seconds(), "read-variants/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(readPeak)/(1<<20), "read-peak-heap-MB")
		b.ReportMetric((float64(livePeak)-float64(base))/(1<<10), "read-growth-KB")
		b.ReportMetric(float64(st.Bytes)/(1<<20), "file-MB")
	}
}
