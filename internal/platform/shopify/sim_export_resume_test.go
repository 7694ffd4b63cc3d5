package shopify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify"
	shopifysim "github.com/storesync/storesync/internal/sim/shopify"
)

// countingTransport counts the bytes of bulk result bodies read through it and, with
// dropRange, removes the Range header (a server that ignores it).
type countingTransport struct {
	base      http.RoundTripper
	dropRange bool
	bytes     atomic.Int64
	ranges    atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.Contains(r.URL.Path, "/bulk/") {
		return t.base.RoundTrip(r)
	}
	if r.Header.Get("Range") != "" {
		t.ranges.Add(1)
		if t.dropRange {
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
	}
	res, err := t.base.RoundTrip(r)
	if err == nil {
		res.Body = &countingBody{ReadCloser: res.Body, n: &t.bytes}
	}
	return res, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err //nolint:wrapcheck // an io.Reader passes its source's errors through
}

type readProduct struct {
	id, next string
}

// completedExport starts an export and waits for it.
func completedExport(t *testing.T, c *shopify.Client) (platform.ExportHandle, platform.ExportState) {
	t.Helper()
	ctx := context.Background()
	h, err := c.StartCatalogExport(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st platform.ExportState
	for deadline := time.Now().Add(20 * time.Second); !st.Done(); {
		if st, err = c.ExportStatus(ctx, h); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("export never finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return h, st
}

func readFrom(t *testing.T, c *shopify.Client, h platform.ExportHandle, from string) ([]readProduct, error) {
	t.Helper()
	var out []readProduct
	err := c.ReadExportFrom(context.Background(), h, from, func(p platform.Product, next string) error {
		if len(p.Variants) != 2 {
			t.Errorf("product %s with %d variants, want 2", p.ID, len(p.Variants))
		}
		out = append(out, readProduct{p.ID, next})
		return nil
	})
	return out, err
}

// TestReadExportFromResumes: every product comes with the position after it; a read resumed at
// any of them yields exactly the products after it, each once, and downloads only the rest of
// the file (a Range request), also when the file is sent slowly. A server ignoring the Range
// gets the bytes before the position skipped, with the same products. The position after the
// last product is the file's end: resuming there reads nothing.
func TestReadExportFromResumes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		dropRange bool
		slow      bool
	}{{"range", false, false}, {"range, slow download", false, true}, {"server ignores range", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &countingTransport{dropRange: tc.dropRange}
			sim, c := simShopClient(t, 90, 2, func(cfg *shopify.Config) {
				tr.base = cfg.HTTPClient.(*http.Client).Transport
				cfg.DownloadClient = &http.Client{Transport: tr}
			})
			h, st := completedExport(t, c)
			if tc.slow {
				sim.SetFaults(simShop, shopifysim.Faults{DownloadChunkBytes: 4096, DownloadChunkDelay: time.Millisecond})
			}
			all, err := readFrom(t, c, h, "")
			if err != nil || len(all) != 90 {
				t.Fatalf("whole export: %d products, %v", len(all), err)
			}
			if got := tr.bytes.Load(); got != st.Bytes {
				t.Fatalf("whole export downloaded %d bytes, the file has %d", got, st.Bytes)
			}
			prev := int64(0)
			for i, p := range all {
				n, err := strconv.ParseInt(p.next, 10, 64)
				if err != nil || n <= prev || n > st.Bytes {
					t.Fatalf("product %d (%s): position %q after %d (file of %d bytes)", i, p.id, p.next, prev, st.Bytes)
				}
				prev = n
			}
			if prev != st.Bytes {
				t.Fatalf("position after the last product %d, want the file's end %d", prev, st.Bytes)
			}
			for _, k := range []int{0, 1, 44, 88, 89} {
				before := tr.bytes.Load()
				rest, err := readFrom(t, c, h, all[k].next)
				if err != nil {
					t.Fatalf("resumed after product %d: %v", k, err)
				}
				want := all[k+1:]
				if len(rest) != len(want) {
					t.Fatalf("resumed after product %d: %d products, want %d", k, len(rest), len(want))
				}
				for i := range want {
					if rest[i] != want[i] {
						t.Fatalf("resumed after product %d: product %d is %+v, want %+v", k, i, rest[i], want[i])
					}
				}
				at, _ := strconv.ParseInt(all[k].next, 10, 64)
				read := tr.bytes.Load() - before
				if !tc.dropRange && read != st.Bytes-at {
					t.Errorf("resumed at byte %d: downloaded %d bytes, want the %d after it", at, read, st.Bytes-at)
				}
				if tc.dropRange && read != st.Bytes {
					t.Errorf("server ignoring the range: %d bytes read, want the whole file's %d", read, st.Bytes)
				}
			}
			if tr.ranges.Load() != 5 {
				t.Errorf("%d Range requests, want 5", tr.ranges.Load())
			}
		})
	}
}

// TestReadExportFromBadPosition: a position that is no byte offset, or past the file's end, is
// refused as invalid input, naming it; nothing is read.
func TestReadExportFromBadPosition(t *testing.T) {
	t.Parallel()
	_, c := simShopClient(t, 5, 1, nil)
	h, st := completedExport(t, c)
	for _, from := range []string{"abc", "-3", strconv.FormatInt(st.Bytes+10, 10)} {
		n := 0
		err := c.ReadExportFrom(context.Background(), h, from, func(platform.Product, string) error { n++; return nil })
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Kind != platform.KindInvalidInput || pe.Retryable || n != 0 {
			t.Errorf("position %q: %d products, %v", from, n, err)
		}
	}
}
