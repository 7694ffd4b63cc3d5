package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
)

// exportSource is a source store whose export is a list of products; it counts how often each
// product is decoded (given to the reader) and how many streams were opened.
type exportSource struct {
	platform.Store // only the export's methods are used
	products       []platform.Product
	decoded        map[string]int
	streams        int
	froms          []string
}

func newExportSource(n int) *exportSource {
	s := &exportSource{decoded: map[string]int{}}
	for i := range n {
		id := fmt.Sprintf("p%d", i)
		s.products = append(s.products, platform.Product{ID: id, Variants: []platform.Variant{{ID: id + "-v", InventoryItemID: id + "-i"}}})
	}
	return s
}

func (s *exportSource) ReadExport(ctx context.Context, h platform.ExportHandle, fn func(platform.Product) error) error {
	s.streams++
	for _, p := range s.products {
		s.decoded[p.ID]++
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// resumableSource resumes its export after a product: the position is the product's index + 1.
type resumableSource struct{ *exportSource }

func (s resumableSource) ReadExportFrom(ctx context.Context, h platform.ExportHandle, from string, fn func(platform.Product, string) error) error {
	s.streams++
	s.froms = append(s.froms, from)
	start := 0
	if from != "" {
		n, err := strconv.Atoi(from)
		if err != nil {
			return err
		}
		start = n
	}
	for i := start; i < len(s.products); i++ {
		p := s.products[i]
		s.decoded[p.ID]++
		if err := fn(p, strconv.Itoa(i+1)); err != nil {
			return err
		}
	}
	return nil
}

// batchLinks counts how often each source variant's links are asked for: once per batch compared.
type batchLinks struct{ asked map[string]int }

func (l *batchLinks) LinksPage(context.Context, database.Querier, catalog.LinksPageParams) ([]catalog.Link, error) {
	return nil, errors.New("not used")
}

func (l *batchLinks) LinksOfSourceVariants(_ context.Context, _ database.Querier, p catalog.LinksOfSourceVariantsParams) ([]catalog.Link, error) {
	for _, v := range p.VariantIDs {
		l.asked[v]++
	}
	return nil, nil
}

// TestReadExportResumesAtPosition: a run's stream is paused after every batch (an attempt's
// time is up) and the next attempt goes on. A platform that resumes its stream is asked for the
// position saved with the last committed batch, so each product is decoded once in all; one that
// cannot resume is read from the start each time, its products committed already skipped. Either
// way each product is compared once, and the run's counts and phase end right.
func TestReadExportResumesAtPosition(t *testing.T) {
	t.Parallel()
	const n, batch = 23, 5 // 5 batches: the last one short, committed after the stream ends
	for _, tc := range []struct {
		name      string
		resumable bool
	}{{"resumable", true}, {"read again and skipped", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := dbtest.New(t, database.SQLite)
			links := &batchLinks{asked: map[string]int{}}
			s := NewService(Config{DB: db, Links: links, Batch: batch, StreamTimeout: time.Nanosecond})
			es := newExportSource(n)
			var src platform.Store = es
			if tc.resumable {
				src = resumableSource{es}
			}
			p := &progress{Run: Run{ID: 1, AccountID: 1, ConnectionID: 1, Kind: KindFull, State: StateRunning, Phase: phaseRead},
				export: `{"id":"gid://shopify/BulkOperation/1","started_at":"2026-12-01T00:00:00Z","adopted":false}`}
			sd := sides{src: src, srcLocs: []platform.Location{{ID: "loc", Active: true}}}
			attempts := 0
			for {
				attempts++
				if attempts > 10 {
					t.Fatal("the stream never ended")
				}
				err := s.readExport(context.Background(), p, sd)
				if errors.Is(err, errStreamPaused) {
					// The position kept is the one after the last product committed.
					if ref, err := refOf(p); err != nil || tc.resumable && ref.Resume != strconv.FormatInt(p.cursor, 10) {
						t.Fatalf("after %d products the run keeps %+v (%v)", p.cursor, ref, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				break
			}
			if attempts != 5 || es.streams != 5 {
				t.Errorf("%d attempts opening %d streams, want 5 of each (one batch an attempt)", attempts, es.streams)
			}
			for _, pr := range es.products {
				if links.asked[pr.Variants[0].ID] != 1 {
					t.Errorf("product %s compared %d times, want once", pr.ID, links.asked[pr.Variants[0].ID])
				}
				want := 1
				if !tc.resumable {
					want = 0 // read again from the start: decoded once per stream that reached it
					for k := range es.streams {
						if idx := indexOf(es.products, pr.ID); idx < (k+1)*batch || k == es.streams-1 {
							want++
						}
					}
				}
				if es.decoded[pr.ID] != want {
					t.Errorf("product %s decoded %d times, want %d", pr.ID, es.decoded[pr.ID], want)
				}
			}
			if tc.resumable {
				if want := []string{"", "5", "10", "15", "20"}; fmt.Sprint(es.froms) != fmt.Sprint(want) {
					t.Errorf("streams resumed at %q, want %q", es.froms, want)
				}
			}
			if p.ProductsRead != n || p.VariantsRead != n || p.Phase != phaseDestination || p.cursor != 0 || p.export != "" {
				t.Errorf("run at the stream's end: %+v, cursor %d, export %q", p.Run, p.cursor, p.export)
			}
		})
	}
}

func indexOf(ps []platform.Product, id string) int {
	for i, p := range ps {
		if p.ID == id {
			return i
		}
	}
	return -1
}
