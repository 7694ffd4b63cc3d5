package feed

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// The feed benchmarks parse generated feeds end to end (generation through an io.Pipe, so the
// feed is never in memory whole) and report rows/s and the peak live heap sampled during the
// parse. Run: go test -run '^$' -bench . -benchtime 1x ./internal/feed/

const millionRows = 1_000_000

func BenchmarkParseCSVMillion(b *testing.B) {
	benchPiped(b, CSV, millionRows, func(w *bufio.Writer, n int) {
		_, _ = w.WriteString("SKU,EAN,Stock,Price,Title\n")
		buf := make([]byte, 0, 128)
		for i := range n {
			buf = append(buf[:0], "SKU-"...)
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, ",400638"...)
			buf = strconv.AppendInt(buf, int64(1_000_000+i), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(i%500-5), 10)
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(i%9000), 10)
			buf = append(buf, ".99,\"Item "...)
			buf = strconv.AppendInt(buf, int64(i), 10)
			buf = append(buf, ", blue\"\n"...)
			_, _ = w.Write(buf)
		}
	})
}

func BenchmarkParseJSONMillion(b *testing.B) {
	for _, ndjson := range []bool{false, true} {
		name := "array"
		if ndjson {
			name = "ndjson"
		}
		b.Run(name, func(b *testing.B) {
			benchPiped(b, JSON, millionRows, func(w *bufio.Writer, n int) {
				if !ndjson {
					_ = w.WriteByte('[')
				}
				buf := make([]byte, 0, 160)
				for i := range n {
					buf = buf[:0]
					if i > 0 && !ndjson {
						buf = append(buf, ",\n"...)
					}
					buf = append(buf, `{"SKU":"SKU-`...)
					buf = strconv.AppendInt(buf, int64(i), 10)
					buf = append(buf, `","EAN":"400638`...)
					buf = strconv.AppendInt(buf, int64(1_000_000+i), 10)
					buf = append(buf, `","Stock":`...)
					buf = strconv.AppendInt(buf, int64(i%500-5), 10)
					buf = append(buf, `,"Price":`...)
					buf = strconv.AppendInt(buf, int64(i%9000), 10)
					buf = append(buf, `.99,"Title":"Item `...)
					buf = strconv.AppendInt(buf, int64(i), 10)
					buf = append(buf, `, blue"}`...)
					if ndjson {
						buf = append(buf, '\n')
					}
					_, _ = w.Write(buf)
				}
				if !ndjson {
					_ = w.WriteByte(']')
				}
			})
		})
	}
}

// BenchmarkParseXLSX parses a 100,000-row workbook from a file (the workbook is written once,
// outside the timing).
func BenchmarkParseXLSX(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "feed.xlsx")
	writeBigWorkbook(b, path, rows)
	benchFeed(b, XLSX, rows, func() (io.Reader, func()) {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		return f, func() { _ = f.Close() }
	})
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
}

func writeBigWorkbook(b *testing.B, path string, rows int) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"SKU", "EAN", "Stock", "Price", "Title"})
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, []any{"SKU-" + strconv.Itoa(i), "400638" + strconv.Itoa(1_000_000+i), i%500 - 5, float64(i%9000) + 0.99, "Item " + strconv.Itoa(i) + ", blue"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// benchPiped parses n rows that gen writes into a pipe as they are read.
func benchPiped(b *testing.B, format Format, n int, gen func(w *bufio.Writer, n int)) {
	benchFeed(b, format, n, func() (io.Reader, func()) {
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriterSize(pw, 64<<10)
			gen(w, n)
			_ = pw.CloseWithError(w.Flush())
		}()
		return pr, func() { _ = pr.Close() }
	})
}

func benchFeed(b *testing.B, format Format, n int, open func() (io.Reader, func())) {
	m := Mapping{SKU: "sku", Barcode: "ean", Quantity: "stock", Price: "price", Title: "title", Currency: "USD"}
	var peak uint64
	var total time.Duration
	for b.Loop() {
		r, done := open()
		runtime.GC()
		stop := sampleHeap(&peak)
		start := time.Now()
		accepted := 0
		rep, err := Parse(b.Context(), r, format, m, Rules{}, func(Row) error { accepted++; return nil })
		total += time.Since(start)
		stop()
		done()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Read != n || rep.Accepted != n || accepted != n {
			b.Fatalf("read %d accepted %d of %d: %+v", rep.Read, rep.Accepted, n, rep.RefusedRows[:min(3, len(rep.RefusedRows))])
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the highest live heap every 20 ms until stopped.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}
