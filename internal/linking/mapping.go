package linking

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
)

// MapParams start a map of a connection.
type MapParams struct {
	AccountID    int64
	ConnectionID int64
}

// MapArgs is the job of a map run.
type MapArgs struct {
	RunID     int64 `json:"run_id"`
	AccountID int64 `json:"account_id"`
}

// Kind implements river.JobArgs.
func (MapArgs) Kind() string { return "linking.map" }

// InsertOpts makes one job per run.
func (MapArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// StartMap records a map run and enqueues it. A connection that is not connected is refused (409).
func (s *Service) StartMap(ctx context.Context, p MapParams) (Run, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Run{}, err
	}
	if err := syncing(c); err != nil {
		return Run{}, err
	}
	return s.startRun(ctx, c, KindMap, true, nil, func(tx database.Tx, id int64) error {
		return s.jobs.Insert(ctx, tx, MapArgs{RunID: id, AccountID: p.AccountID}, nil)
	})
}

// mapTimeout is how long a map may read both catalogs: pages of 250 products, a few seconds each
// at worst, for catalogs of tens of thousands of products.
const mapTimeout = 30 * time.Minute

type mapWorker struct {
	river.WorkerDefaults[MapArgs]
	s *Service
}

// Timeout lets a map read both catalogs in one attempt.
func (w *mapWorker) Timeout(*river.Job[MapArgs]) time.Duration { return mapTimeout }

// Work reads both catalogs, links every product matched for certain, records every conflict,
// and completes the run and the job in one transaction: a map run again reads both catalogs
// again and finds the same links and conflicts (conflicts already skipped stay skipped).
func (w *mapWorker) Work(ctx context.Context, job *river.Job[MapArgs]) error {
	return w.s.lastAttempt(ctx, job.Args.RunID, job.Attempt >= job.MaxAttempts, w.work(ctx, job))
}

func (w *mapWorker) work(ctx context.Context, job *river.Job[MapArgs]) error {
	s := w.s
	run, c, stop, err := s.loadRun(ctx, job.Args.RunID, job.Args.AccountID)
	if err != nil || stop {
		return err
	}
	src, dst, err := s.clients(ctx, c)
	if err != nil {
		return err
	}
	linkedSrc, linkedDst, err := s.linkedProducts(ctx, c.ID)
	if err != nil {
		return err
	}
	id := c.Settings.Identifier
	srcProducts, err := readCatalog(ctx, src, id, linkedSrc)
	if err != nil {
		return fmt.Errorf("reading the source's catalog: %w", err)
	}
	dstProducts, err := readCatalog(ctx, dst, id, linkedDst)
	if err != nil {
		return fmt.Errorf("reading the destination's catalog: %w", err)
	}
	m := match(id, srcProducts, dstProducts)
	var links []catalog.LinkInput
	for _, pair := range m.pairs {
		for i, sv := range pair.src.variants {
			dv := pair.dst.variants[pair.order[i]]
			sp, dp := sv.price, dv.price
			links = append(links, catalog.LinkInput{SourceStoreID: c.Source.ID, SourceProductID: pair.src.id, SourceVariantID: sv.id,
				SourceInventoryItemID: sv.item, DestinationStoreID: c.Destination.ID, DestinationProductID: pair.dst.id,
				DestinationVariantID: dv.id, DestinationInventoryItemID: dv.item, Identifier: sv.ident,
				SourceQuantity: sv.qty, SourcePrice: &sp, DestinationPrice: &dp})
		}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := s.links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: now}); err != nil {
			return err
		}
		if err := saveConflicts(ctx, tx, c.ID, m.conflicts, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE imports SET requested = $1, done = $2, failed = $3 WHERE id = $4`,
			len(srcProducts), len(m.pairs), len(m.conflicts), run.ID); err != nil {
			return fmt.Errorf("counting map %d: %w", run.ID, err)
		}
		if err := finishRun(ctx, tx, run.ID, RunCompleted, now, nil); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// linkedProducts are the products of the connection already linked, on each side.
func (s *Service) linkedProducts(ctx context.Context, connectionID int64) (map[string]bool, map[string]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT source_product_id, destination_product_id FROM product_links WHERE connection_id = $1`, connectionID)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the links of connection %d: %w", connectionID, err)
	}
	defer rows.Close()
	srcs, dsts := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, nil, err
		}
		srcs[a], dsts[b] = true, true
	}
	return srcs, dsts, rows.Err()
}

// mapPage is the page size of catalog reads: the most one call carries.
const mapPage = 250

// maxMapPages bounds a catalog read, against a platform whose cursor never ends.
const maxMapPages = 100_000

// readCatalog reads a catalog into the compact form matching needs, leaving out linked products.
func readCatalog(ctx context.Context, r platform.CatalogReader, id catalog.Identifier, linked map[string]bool) ([]*mapProduct, error) {
	var out []*mapProduct
	cursor := ""
	for range maxMapPages {
		page, err := r.ListProducts(ctx, platform.ListParams{Cursor: cursor, Limit: mapPage})
		if err != nil {
			return nil, err
		}
		for _, p := range page.Items {
			if linked[p.ID] {
				continue
			}
			mp := &mapProduct{id: p.ID, title: p.Title}
			for _, v := range p.Variants {
				mp.variants = append(mp.variants, mapVariant{id: v.ID, item: v.InventoryItemID, ident: identifierOf(id, v), price: v.Price, qty: v.Quantity})
			}
			out = append(out, mp)
		}
		if cursor = page.NextCursor; cursor == "" {
			return out, nil
		}
	}
	return nil, fmt.Errorf("more than %d pages of products", maxMapPages)
}
