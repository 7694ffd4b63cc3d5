package linking

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Batches of one disconnect step: deletes are one call per product, so few of them; stock is set
// for many products' items at once, in as few calls as the platform allows.
const (
	deleteBatch = 25
	zeroBatch   = 100
)

type disconnectWorker struct {
	river.WorkerDefaults[DisconnectArgs]
	s *Service
}

// Work runs one step of a disconnect: the next products still pending, each deleted (delete) or
// their stock set to 0 (keep with zero_stock), recorded done in the transaction that counts it,
// then the next step enqueued, or the action marked done, in the transaction that completes this
// one. A step run again finds the products it recorded already done; a product already deleted
// and a stock already 0 are done, not errors.
func (w *disconnectWorker) Work(ctx context.Context, job *river.Job[DisconnectArgs]) error {
	err := w.s.disconnectStep(ctx, job)
	var pe *platform.Error
	permanent := errors.As(err, &pe) && !pe.Retryable
	if err == nil || job.Attempt < job.MaxAttempts && !permanent {
		return err
	}
	// the queue will not run it again, or waiting does not help: every product left fails with
	// the reason, and the action is done (with failures), not pending for ever
	a, why := job.Args, truncate(err.Error(), 500)
	ferr := w.s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context, tx database.Tx) error {
		left, lerr := pendingItems(ctx, tx, a.ConnectionID, a.Seq, 1_000_000)
		if lerr != nil {
			return lerr
		}
		if lerr := markItems(ctx, tx, a.ConnectionID, a.Seq, left, ItemFailed, why); lerr != nil {
			return lerr
		}
		_, lerr = connection.FinishDisconnect(ctx, tx, a.ConnectionID, a.Seq, w.s.now())
		return lerr
	})
	if ferr != nil {
		return errors.Join(err, ferr)
	}
	if permanent {
		return river.JobCancel(err)
	}
	return err
}

func (s *Service) disconnectStep(ctx context.Context, job *river.Job[DisconnectArgs]) error {
	a := job.Args
	c, err := s.conns.Get(ctx, connection.GetParams{AccountID: a.AccountID, ID: a.ConnectionID})
	if errors.Is(err, connection.ErrNotFound) {
		return nil // the connection (or its store) was removed: nothing left to do
	}
	if err != nil {
		return err
	}
	if d := c.Disconnect; d == nil || d.Seq != a.Seq || d.Status != connection.DisconnectPending {
		return nil // done already, or cancelled by a reconnect
	}
	d := *c.Disconnect
	limit := deleteBatch
	if d.Products == connection.ProductsKeep {
		limit = zeroBatch
	}
	batch, err := pendingItems(ctx, s.db, c.ID, a.Seq, limit)
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		dst, err := s.destinationClient(ctx, c)
		if err != nil {
			return err
		}
		if d.Products == connection.ProductsDelete {
			err = s.deleteProducts(ctx, c, a.Seq, dst, batch)
		} else {
			err = s.zeroStock(ctx, c, a, dst, batch)
		}
		if err != nil {
			return err
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		left, err := pendingItems(ctx, tx, c.ID, a.Seq, 1)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			if _, err := connection.FinishDisconnect(ctx, tx, c.ID, a.Seq, s.now()); err != nil {
				return err
			}
		} else if err := s.jobs.Insert(ctx, tx, DisconnectArgs{ConnectionID: c.ID, AccountID: a.AccountID, Seq: a.Seq, Step: a.Step + 1}, nil); err != nil {
			return err
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

func (s *Service) destinationClient(ctx context.Context, c connection.Connection) (platform.Store, error) {
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: c.Destination.AccountID, ID: c.Destination.ID})
	if err != nil {
		return nil, fmt.Errorf("reading destination store %s: %w", c.Destination.Name, err)
	}
	dst, err := s.stores.Client(st)
	if err != nil {
		return nil, fmt.Errorf("opening destination store %s: %w", c.Destination.Name, err)
	}
	return dst, nil
}

// retryLater reports whether err is one the job waits out (the store busy or unreachable, the
// job stopped) rather than a product's own failure.
func retryLater(err error) bool {
	return platform.IsRetryable(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// storeRefuses reports whether err is the store refusing every call (credentials, scope): no
// product's fault, so the job gives up on the rest with the reason.
func storeRefuses(err error) bool {
	k := platform.KindOf(err)
	return k == platform.KindAuth || k == platform.KindForbidden
}

// deleteProducts deletes the products one by one, each recorded in its own transaction; a product
// a reconnect cancelled meanwhile stops the step.
func (s *Service) deleteProducts(ctx context.Context, c connection.Connection, seq int64, dst platform.CatalogDeleter, ids []string) error {
	for _, id := range ids {
		st, err := itemState(ctx, s.db, c.ID, seq, id)
		if err != nil {
			return err
		}
		if st != ItemPending {
			return nil // a reconnect cancelled the rest
		}
		derr := dst.DeleteProduct(ctx, id)
		if derr != nil && (retryLater(derr) || storeRefuses(derr)) {
			return derr
		}
		state, why := ItemDone, ""
		if derr != nil {
			state, why = ItemFailed, truncate(fmt.Sprintf("deleting product %s: %v", id, derr), 500)
		}
		if err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			return markItems(ctx, tx, c.ID, seq, []string{id}, state, why)
		}); err != nil {
			return err
		}
	}
	return nil
}

// zeroStock sets to 0 every inventory item of the products' ended links, at each active location
// of the destination where it is stocked and not 0 already, in as few calls as the platform
// allows, with an idempotency key of this step; then records the products done.
func (s *Service) zeroStock(ctx context.Context, c connection.Connection, a DisconnectArgs, dst platform.Store, ids []string) error {
	links, err := s.links.EndedLinks(ctx, s.db, catalog.EndedLinksParams{ConnectionID: c.ID, DestinationProductIDs: ids})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var items []string
	for _, l := range links {
		if l.DestinationInventoryItemID != "" && !seen[l.DestinationInventoryItemID] {
			seen[l.DestinationInventoryItemID] = true
			items = append(items, l.DestinationInventoryItemID)
		}
	}
	locs, err := dst.Locations(ctx)
	if err != nil {
		return fmt.Errorf("reading the locations of %s: %w", c.Destination.Name, err)
	}
	var changes []platform.InventoryChange
	for _, loc := range locs {
		if !loc.Active {
			continue
		}
		for from := 0; from < len(items); from += 250 {
			levels, err := dst.InventoryLevels(ctx, loc.ID, items[from:min(from+250, len(items))])
			if err != nil {
				return fmt.Errorf("reading stock at %s: %w", loc.Name, err)
			}
			for _, l := range levels {
				if l.Available != 0 { // a stock already 0 is done
					changes = append(changes, platform.InventoryChange{InventoryItemID: l.InventoryItemID, LocationID: loc.ID, Quantity: 0})
				}
			}
		}
	}
	state, why := ItemDone, ""
	if len(changes) > 0 {
		_, err := dst.SetInventory(ctx, platform.SetInventoryParams{
			IdempotencyKey: fmt.Sprintf("storesync-disconnect-%d-%d-%d", c.ID, a.Seq, a.Step), Reason: "correction", Changes: changes})
		if err != nil && (retryLater(err) || storeRefuses(err)) {
			return err
		}
		if err != nil {
			state, why = ItemFailed, truncate(fmt.Sprintf("setting the stock of %d products to 0: %v", len(ids), err), 500)
		}
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return markItems(ctx, tx, c.ID, a.Seq, ids, state, why)
	})
}
