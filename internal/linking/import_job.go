package linking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
)

// importBatch is how many products one step of an import writes: few enough that a step ends
// well within a job's timeout, so an import of any size is many short steps.
const importBatch = 25

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	s *Service
}

// Work runs one step: the next products of the run, each written to the destination and linked
// in the transaction that counts it done, then the next step enqueued in the transaction that
// completes this one. A step run again (a crash, a retry) skips the products already counted,
// and a product linked already is updated, not created again.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	return w.s.lastAttempt(ctx, job.Args.RunID, job.Attempt >= job.MaxAttempts, w.work(ctx, job))
}

func (w *importWorker) work(ctx context.Context, job *river.Job[ImportArgs]) error {
	s := w.s
	run, c, stop, err := s.loadRun(ctx, job.Args.RunID, job.Args.AccountID)
	if err != nil || stop {
		return err
	}
	src, dst, err := s.clients(ctx, c)
	if err != nil {
		return err
	}
	products, next, err := s.stepProducts(ctx, src, run)
	if err != nil {
		return err
	}
	for i, p := range products {
		if p.err == nil {
			var links []catalog.LinkInput
			links, p.err = s.importOne(ctx, c, dst, p.product, uncertainSince(job.Errors))
			if p.err == nil {
				err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
					if err := advance(ctx, tx, run, int64(i), true); err != nil {
						return err
					}
					return s.links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: s.now(), Whole: true})
				})
				if err != nil {
					return err
				}
				continue
			}
		}
		if platform.IsRetryable(p.err) || errors.Is(p.err, context.Canceled) || errors.Is(p.err, context.DeadlineExceeded) {
			return p.err // the job is retried from this product
		}
		err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			if err := advance(ctx, tx, run, int64(i), false); err != nil {
				return err
			}
			return addRunError(ctx, tx, run.ID, RunError{SourceProductID: p.id, Message: p.err.Error()}, true)
		})
		if err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var last bool
		if run.All {
			if _, err := tx.Exec(ctx, `UPDATE imports SET requested = requested + $1, page_cursor = $2, page_done = 0 WHERE id = $3`,
				run.pageDone+int64(len(products)), next, run.ID); err != nil {
				return fmt.Errorf("moving import %d to its next page: %w", run.ID, err)
			}
			last = next == ""
		} else {
			last = run.pageDone+int64(len(products)) >= int64(len(run.productIDs))
		}
		if last {
			if err := finishRun(ctx, tx, run.ID, RunCompleted, s.now(), nil); err != nil {
				return err
			}
		} else if err := s.jobs.Insert(ctx, tx, ImportArgs{RunID: run.ID, AccountID: job.Args.AccountID, Step: job.Args.Step + 1}, nil); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// advance counts the product at index i of this step (done or failed), if its last attempt did
// not already: page_done is where the step stands.
func advance(ctx context.Context, tx database.Tx, run Run, i int64, done bool) error {
	inc := 0
	if done {
		inc = 1
	}
	n, err := tx.Exec(ctx, `UPDATE imports SET done = done + $1, page_done = page_done + 1 WHERE id = $2 AND page_done = $3`,
		inc, run.ID, run.pageDone+i)
	if err != nil {
		return fmt.Errorf("counting the progress of import %d: %w", run.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("import %d moved on meanwhile: %w", run.ID, errStale)
	}
	return nil
}

var errStale = errors.New("stale")

// lastAttempt ends the run, failed with err, when the job's last attempt fails (the queue will
// not run it again, and the run must not show running for ever) or when a store refused in a way
// that waiting does not fix (credentials revoked, a scope missing): the job is then cancelled.
func (s *Service) lastAttempt(ctx context.Context, runID int64, last bool, err error) error {
	var pe *platform.Error
	permanent := errors.As(err, &pe) && !pe.Retryable
	if err == nil || !last && !permanent {
		return err
	}
	ferr := s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context, tx database.Tx) error {
		return finishRun(ctx, tx, runID, RunFailed, s.now(), &RunError{Message: err.Error()})
	})
	if ferr != nil {
		return errors.Join(err, ferr)
	}
	if permanent {
		return river.JobCancel(err)
	}
	return err
}

// loadRun reads the run and its connection for a step; stop is true when there is nothing to do
// (the run ended, or its connection no longer syncs: then the run ends, failed, saying why).
func (s *Service) loadRun(ctx context.Context, runID, accountID int64) (Run, connection.Connection, bool, error) {
	run, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runColumns+` FROM imports WHERE id = $1`, runID))
	if errors.Is(err, database.ErrNoRows) {
		return Run{}, connection.Connection{}, true, nil // its connection was deleted
	}
	if err != nil {
		return Run{}, connection.Connection{}, false, fmt.Errorf("reading run %d: %w", runID, err)
	}
	if run.State == RunCompleted || run.State == RunFailed {
		return run, connection.Connection{}, true, nil
	}
	c, err := s.conns.Get(ctx, connection.GetParams{AccountID: accountID, ID: run.ConnectionID})
	if err == nil && !c.Syncs() {
		err = syncing(c)
	}
	if err != nil {
		var ce *connection.Error
		if !errors.As(err, &ce) {
			return Run{}, connection.Connection{}, false, err
		}
		ferr := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return finishRun(ctx, tx, run.ID, RunFailed, s.now(), &RunError{Message: ce.Message})
		})
		return run, c, true, ferr
	}
	if run.State == RunQueued {
		if _, err := s.db.Exec(ctx, `UPDATE imports SET state = $1 WHERE id = $2 AND state = $3`, RunRunning, run.ID, RunQueued); err != nil {
			return Run{}, connection.Connection{}, false, fmt.Errorf("starting run %d: %w", run.ID, err)
		}
	}
	return run, c, false, nil
}

// stepProduct is one product of a step, or why it could not be read.
type stepProduct struct {
	id      string
	product platform.Product
	err     error
}

// stepProducts reads the products of this step, from where the last attempt stopped, and the
// cursor of the page after it (all only).
func (s *Service) stepProducts(ctx context.Context, src platform.Store, run Run) ([]stepProduct, string, error) {
	if run.All {
		page, err := src.ListProducts(ctx, platform.ListParams{Cursor: run.cursor, Limit: importBatch})
		if err != nil {
			return nil, "", fmt.Errorf("reading the source's products: %w", err)
		}
		items := page.Items[min(int(run.pageDone), len(page.Items)):]
		out := make([]stepProduct, len(items))
		for i, p := range items {
			out[i] = stepProduct{id: p.ID, product: p}
		}
		return out, page.NextCursor, nil
	}
	from := min(int(run.pageDone), len(run.productIDs))
	ids := run.productIDs[from:min(from+importBatch, len(run.productIDs))]
	out := make([]stepProduct, 0, len(ids))
	for _, id := range ids {
		p, err := src.Product(ctx, id)
		if err != nil && platform.IsRetryable(err) {
			return nil, "", fmt.Errorf("reading source product %s: %w", id, err)
		}
		out = append(out, stepProduct{id: id, product: p, err: err})
	}
	return out, "", nil
}

// uncertainSince is when the job's previous attempt failed (zero on a first attempt): a create it
// sent may have made the product without the link being recorded.
func uncertainSince(errs []rivertype.AttemptError) time.Time {
	if len(errs) == 0 {
		return time.Time{}
	}
	return errs[len(errs)-1].At
}

// ImportCreateKey is the key a product import creates the destination product under: one per
// connection and source product, so a create retried after a lost answer adopts the product the
// first attempt made (marked with the key), and never a destination product that is not ours.
func ImportCreateKey(connectionID int64, sourceProductID string) string {
	return fmt.Sprintf("storesync-import:%d:%s", connectionID, sourceProductID)
}

// importOne writes source product p to the destination, creating it or updating the product it
// is linked to, and returns the links of its variants. A create is keyed (ImportCreateKey), so
// that one retried after an attempt that may have made it (uncertain, the time that attempt
// failed) makes no second product.
func (s *Service) importOne(ctx context.Context, c connection.Connection, dst platform.Store, p platform.Product, uncertain time.Time) ([]catalog.LinkInput, error) {
	existing, err := s.links.LinksOfProducts(ctx, s.db, catalog.LinksOfProductsParams{ConnectionID: c.ID, Side: "source", ProductIDs: []string{p.ID}})
	if err != nil {
		return nil, err
	}
	var cur *platform.Product
	prior := map[string]string{}
	if len(existing) > 0 {
		d, err := dst.Product(ctx, existing[0].DestinationProductID)
		switch {
		case err == nil:
			cur = &d
			for _, l := range existing {
				prior[l.SourceVariantID] = l.DestinationVariantID
			}
		case platform.KindOf(err) != platform.KindNotFound: // a product deleted at the destination is created again
			return nil, fmt.Errorf("reading destination product %s: %w", existing[0].DestinationProductID, err)
		}
	}
	pl, err := plan(c.Settings, p, cur, prior)
	if err != nil {
		return nil, err
	}
	if pl.in.ID == "" {
		pl.in.CreateKey, pl.in.UncertainSince = ImportCreateKey(c.ID, p.ID), uncertain
	}
	out, err := dst.SetProduct(ctx, pl.in)
	if err != nil {
		return nil, fmt.Errorf("writing %q to %s: %w", p.Title, c.Destination.Name, err)
	}
	if len(out.Variants) != len(pl.in.Variants) {
		return nil, fmt.Errorf("writing %q: the destination answered %d variants for %d", p.Title, len(out.Variants), len(pl.in.Variants))
	}
	bySource := make(map[string]platform.Variant, len(p.Variants))
	for _, v := range p.Variants {
		bySource[v.ID] = v
	}
	var links []catalog.LinkInput
	for i, dv := range out.Variants {
		sv, ok := bySource[pl.sources[i]]
		if !ok {
			continue
		}
		sp, dp := sv.Price, pl.prices[i]
		links = append(links, catalog.LinkInput{SourceStoreID: c.Source.ID, SourceProductID: p.ID, SourceVariantID: sv.ID,
			SourceInventoryItemID: sv.InventoryItemID, DestinationStoreID: c.Destination.ID, DestinationProductID: out.ID,
			DestinationVariantID: dv.ID, DestinationInventoryItemID: dv.InventoryItemID, Identifier: identifierOf(c.Settings.Identifier, sv),
			SourceQuantity: sv.Quantity, SourcePrice: &sp, DestinationPrice: &dp})
	}
	return links, nil
}
