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
)

type followWorker struct {
	river.WorkerDefaults[FollowArgs]
	f *Follower
}

// followState is a (connection, source product)'s row of product_follow.
type followState struct {
	generation int64
	images     string
}

// Work reads the source product once, then writes each linked destination product of the
// connection only where it differs from what the settings make of the source (so a job run
// again, or a change that touched nothing followed, writes nothing), and records the outcome on
// the links in the transaction that completes the job. A change announced after the source was
// read makes the job run again after the delay.
func (w *followWorker) Work(ctx context.Context, job *river.Job[FollowArgs]) error {
	f, s, a := w.f, w.f.s, job.Args
	var st followState
	err := s.db.QueryRow(ctx, `SELECT generation, images FROM product_follow WHERE connection_id = $1 AND source_product_id = $2`,
		a.ConnectionID, a.SourceProductID).Scan(&st.generation, &st.images)
	if errors.Is(err, database.ErrNoRows) {
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return fmt.Errorf("reading the follow state of source product %s: %w", a.SourceProductID, err)
	}
	c, err := s.conns.Get(ctx, connection.GetParams{AccountID: a.AccountID, ID: a.ConnectionID})
	var ce *connection.Error
	if errors.As(err, &ce) || (err == nil && !c.Syncs()) {
		// Gone, or blocked or disconnected: it writes nothing. The changes stay counted, and
		// the reconciliation after a reconnect finds them.
		return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error { return jobs.CompleteTx(ctx, tx, job) })
	}
	if err != nil {
		return err
	}
	rec, err := f.follow(ctx, c, a.SourceProductID, st, job.ID)
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && !pe.Retryable {
			s.logger.WarnContext(ctx, "a source product's changes cannot reach its destination", "connection", c.ID,
				"destination", c.Destination.Name, "source_product", a.SourceProductID, "error", err)
			return river.JobCancel(err)
		}
		return err
	}
	again := false
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := rec(ctx, tx); err != nil {
			return err
		}
		var gen int64
		if err := tx.QueryRow(ctx, `UPDATE product_follow SET done_generation = $3 WHERE connection_id = $1 AND source_product_id = $2
			RETURNING generation`, a.ConnectionID, a.SourceProductID, st.generation).Scan(&gen); err != nil {
			return fmt.Errorf("recording the follow of source product %s: %w", a.SourceProductID, err)
		}
		if again = gen > st.generation; again {
			return nil // completed by the next run
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
	if err != nil {
		return err
	}
	if again {
		return river.JobSnooze(f.delay)
	}
	return nil
}

// recordFunc records a follow's outcome in the transaction that completes its job.
type recordFunc func(ctx context.Context, tx database.Tx) error

// follow carries the source product to the connection's destination products and returns how to
// record it.
func (f *Follower) follow(ctx context.Context, c connection.Connection, sourceID string, st followState, jobID int64) (recordFunc, error) {
	s := f.s
	links, err := s.links.LinksOfProducts(ctx, s.db, catalog.LinksOfProductsParams{ConnectionID: c.ID, Side: "source", ProductIDs: []string{sourceID}})
	if err != nil {
		return nil, err
	}
	if len(links) == 0 {
		return func(context.Context, database.Tx) error { return nil }, nil
	}
	src, dst, err := s.clients(ctx, c)
	if err != nil {
		return nil, err
	}
	p, err := src.Product(ctx, sourceID)
	reason := ""
	switch {
	case platform.KindOf(err) == platform.KindNotFound:
		reason = ReasonSourceDeleted
	case err != nil:
		return nil, fmt.Errorf("reading source product %s: %w", sourceID, err)
	case p.Status == platform.ProductArchived:
		reason = ReasonSourceArchived
	}
	byDest := map[string][]catalog.Link{}
	var order []string
	for _, l := range links {
		if _, ok := byDest[l.DestinationProductID]; !ok {
			order = append(order, l.DestinationProductID)
		}
		byDest[l.DestinationProductID] = append(byDest[l.DestinationProductID], l)
	}
	var recs []recordFunc
	for _, destID := range order {
		var rec recordFunc
		if reason != "" {
			rec, err = f.retire(ctx, c, dst, byDest[destID], reason, jobID)
		} else {
			rec, err = f.update(ctx, c, dst, p, byDest[destID], st)
		}
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return func(ctx context.Context, tx database.Tx) error {
		for _, r := range recs {
			if err := r(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
