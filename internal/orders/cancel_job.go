package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/jobs"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// uniqueWhileOpen: one job per args waiting or running at a time.
func uniqueWhileOpen() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// CancelSourceArgs cancels the source order of one pushed part of a destination order cancelled
// after its push. Idempotent: a source order cancelled already is done; one (partly) fulfilled is
// flagged for a person instead.
type CancelSourceArgs struct {
	OrderID       int64 `json:"order_id"`
	SourceStoreID int64 `json:"source_store_id"`
}

// Kind implements river.JobArgs.
func (CancelSourceArgs) Kind() string { return "orders_cancel_source" }

// InsertOpts: one job per part waiting or running at a time.
func (CancelSourceArgs) InsertOpts() river.InsertOpts { return uniqueWhileOpen() }

// CancelDestinationArgs cancels and refunds a destination order whose source order (of
// SourceStoreID) was cancelled, when the connection's on_source_cancel is cancel_and_refund.
// Idempotent: an order cancelled already is done.
type CancelDestinationArgs struct {
	OrderID       int64 `json:"order_id"`
	SourceStoreID int64 `json:"source_store_id"`
}

// Kind implements river.JobArgs.
func (CancelDestinationArgs) Kind() string { return "orders_cancel_destination" }

// InsertOpts: one job per order and source waiting or running at a time.
func (CancelDestinationArgs) InsertOpts() river.InsertOpts { return uniqueWhileOpen() }

// cancelTarget is what a cancel job reads before its calls.
type cancelTarget struct {
	skip            string // why nothing is sent ("" to send; skipSilently: done)
	orderID         int64
	orderName       string
	platformOrderID string
	destination     store.Store
	source          store.Store
	sourceOrderID   string
	sourceOrderName string
	destCancelled   bool
}

func (t cancelTarget) sourceOrder() string {
	if t.sourceOrderName != "" {
		return t.sourceOrderName
	}
	return t.sourceOrderID
}

func (s *Service) readCancelTarget(ctx context.Context, orderID, sourceStoreID int64) (cancelTarget, error) {
	t := cancelTarget{orderID: orderID}
	var destAccount, destID, srcAccount int64
	err := s.db.QueryRow(ctx, `SELECT p.source_order_id, p.source_order_name, o.name, o.platform_order_id,
			o.cancelled_at IS NOT NULL, o.account_id, o.store_id, src.account_id
		FROM order_pushes p JOIN orders o ON o.id = p.order_id JOIN stores src ON src.id = p.source_store_id
		WHERE p.order_id = $1 AND p.source_store_id = $2`, orderID, sourceStoreID).
		Scan(&t.sourceOrderID, &t.sourceOrderName, &t.orderName, &t.platformOrderID, &t.destCancelled,
			&destAccount, &destID, &srcAccount)
	if errors.Is(err, database.ErrNoRows) {
		t.skip = skipSilently // the order or its connection is gone
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("reading the push of order %d to store %d: %w", orderID, sourceStoreID, err)
	}
	if t.source, err = s.stores.Get(ctx, store.GetParams{AccountID: srcAccount, ID: sourceStoreID}); err != nil {
		return t, fmt.Errorf("reading source store %d: %w", sourceStoreID, err)
	}
	if t.destination, err = s.stores.Get(ctx, store.GetParams{AccountID: destAccount, ID: destID}); err != nil {
		return t, fmt.Errorf("reading destination store %d: %w", destID, err)
	}
	return t, nil
}

// pushStatus reads a part's status.
func (s *Service) pushStatus(ctx context.Context, orderID, sourceStoreID int64) (string, error) {
	var st string
	err := s.db.QueryRow(ctx, `SELECT status FROM order_pushes WHERE order_id = $1 AND source_store_id = $2`, orderID, sourceStoreID).Scan(&st)
	if errors.Is(err, database.ErrNoRows) {
		return "", nil
	}
	return st, err
}

// shipped reports whether an order is fulfilled or partly fulfilled.
func shipped(o platform.Order) bool { return fulfillmentStatus(o.FulfillmentStatus) != Unfulfilled }

// finish runs fn and completes the job, in one transaction.
func finish[T river.JobArgs](ctx context.Context, s *Service, job *river.Job[T], fn func(ctx context.Context, tx database.Tx) error) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if fn != nil {
			if err := fn(ctx, tx); err != nil {
				return err
			}
		}
		return jobs.CompleteTx(ctx, tx, job)
	})
}

// lastTry reports whether a failure must be recorded now: not retryable, or no attempt left.
func lastTry[T river.JobArgs](job *river.Job[T], err error) bool {
	return !platform.IsRetryable(err) && platform.KindOf(err) != "" || job.Attempt >= job.MaxAttempts
}

type cancelSourceWorker struct {
	river.WorkerDefaults[CancelSourceArgs]
	s *Service
}

func (w *cancelSourceWorker) Work(ctx context.Context, job *river.Job[CancelSourceArgs]) error {
	s, a := w.s, job.Args
	status, err := s.pushStatus(ctx, a.OrderID, a.SourceStoreID)
	if err != nil {
		return err
	}
	if status != PushPushed {
		return finish(ctx, s, job, nil) // cancelled already (the source's webhook came first), or gone
	}
	t, err := s.readCancelTarget(ctx, a.OrderID, a.SourceStoreID)
	if err != nil {
		return err
	}
	if t.skip != "" {
		return finish(ctx, s, job, nil)
	}
	if !t.destCancelled {
		return finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
			return addEvent(ctx, tx, a.OrderID, EventSourceCancelled, a.SourceStoreID, "the source order "+t.sourceOrder()+
				" on "+t.source.Name+" is not cancelled: the order is no longer cancelled", s.now())
		})
	}
	client, err := s.stores.Client(t.source)
	if err != nil {
		return s.sourceCancelFailed(ctx, job, t, err)
	}
	o, err := client.Order(ctx, t.sourceOrderID)
	if err != nil {
		return s.sourceCancelFailed(ctx, job, t, err)
	}
	cancelled := o.Cancelled()
	if !cancelled && !shipped(o) {
		err = client.CancelOrder(ctx, platform.CancelOrderParams{OrderID: t.sourceOrderID, Reason: platform.CancelCustomer,
			Restock: true, Refund: true, StaffNote: "Order " + t.orderName + " of " + t.destination.Name + " was cancelled (storesync)"})
		if err != nil {
			// Refused: cancelled or shipped in between? Read again to tell.
			again, rerr := client.Order(ctx, t.sourceOrderID)
			if rerr != nil || (!again.Cancelled() && !shipped(again)) {
				return s.sourceCancelFailed(ctx, job, t, err)
			}
			o, cancelled = again, again.Cancelled()
		} else {
			cancelled = true
		}
	}
	now := s.now()
	if !cancelled {
		how := "fulfilled"
		if fulfillmentStatus(o.FulfillmentStatus) == PartiallyFulfilled {
			how = "partially fulfilled"
		}
		return finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
			return raiseFlag(ctx, tx, a.OrderID, FlagDestinationCancelled, a.SourceStoreID, strconv.FormatInt(a.SourceStoreID, 10),
				"the order was cancelled after its push to "+t.source.Name+", whose order "+t.sourceOrder()+" is "+how+
					" already: it was not cancelled; settle it with "+t.source.Name+" by hand", now)
		})
	}
	return finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE order_pushes SET status = $3, updated_at = $4 WHERE order_id = $1 AND source_store_id = $2 AND status = $5`,
			a.OrderID, a.SourceStoreID, PushCancelled, now, PushPushed)
		if err != nil || n == 0 {
			return err // recorded by the source's webhook first
		}
		if err := addEvent(ctx, tx, a.OrderID, EventSourceCancelled, a.SourceStoreID,
			"the source order "+t.sourceOrder()+" was cancelled on "+t.source.Name+": the order was cancelled", now); err != nil {
			return err
		}
		return refreshStatus(ctx, tx, a.OrderID)
	})
}

// sourceCancelFailed retries a retryable failure while attempts are left; otherwise it flags the
// order for a person and completes the job.
func (s *Service) sourceCancelFailed(ctx context.Context, job *river.Job[CancelSourceArgs], t cancelTarget, cause error) error {
	if !lastTry(job, cause) {
		return cause
	}
	a := job.Args
	err := finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
		return raiseFlag(ctx, tx, a.OrderID, FlagDestinationCancelled, a.SourceStoreID, strconv.FormatInt(a.SourceStoreID, 10),
			"the order was cancelled after its push to "+t.source.Name+"; cancelling its order "+t.sourceOrder()+" failed: "+
				clip(cause.Error(), 500)+"; cancel it with "+t.source.Name+" by hand", s.now())
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	return nil
}

type cancelDestinationWorker struct {
	river.WorkerDefaults[CancelDestinationArgs]
	s *Service
}

func (w *cancelDestinationWorker) Work(ctx context.Context, job *river.Job[CancelDestinationArgs]) error {
	s, a := w.s, job.Args
	t, err := s.readCancelTarget(ctx, a.OrderID, a.SourceStoreID)
	if err != nil {
		return err
	}
	if t.skip != "" {
		return finish(ctx, s, job, nil)
	}
	why := "its source order " + t.sourceOrder() + " on " + t.source.Name + " was cancelled"
	client, err := s.stores.Client(t.destination)
	if err != nil {
		return s.destinationCancelFailed(ctx, job, t, err)
	}
	o, err := client.Order(ctx, t.platformOrderID)
	if err != nil {
		return s.destinationCancelFailed(ctx, job, t, err)
	}
	detail := "cancelled and refunded on " + t.destination.Name + ": " + why
	switch {
	case o.Cancelled():
		detail = "already cancelled on " + t.destination.Name + ": nothing to do"
	case shipped(o):
		return finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
			return raiseFlag(ctx, tx, a.OrderID, FlagCancelFailed, a.SourceStoreID, strconv.FormatInt(a.SourceStoreID, 10),
				"not cancelled on "+t.destination.Name+" although "+why+": the order is fulfilled in part or in full; refund the customer by hand", s.now())
		})
	default:
		err = client.CancelOrder(ctx, platform.CancelOrderParams{OrderID: t.platformOrderID, Reason: platform.CancelInventory,
			Refund: true, NotifyCustomer: true, StaffNote: "Cancelled by storesync: " + why})
		if err != nil {
			again, rerr := client.Order(ctx, t.platformOrderID)
			if rerr != nil || !again.Cancelled() {
				return s.destinationCancelFailed(ctx, job, t, err)
			}
			detail = "already cancelled on " + t.destination.Name + ": nothing to do"
		}
	}
	return finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
		return addEvent(ctx, tx, a.OrderID, EventDestinationCancelled, a.SourceStoreID, detail, s.now())
	})
}

func (s *Service) destinationCancelFailed(ctx context.Context, job *river.Job[CancelDestinationArgs], t cancelTarget, cause error) error {
	if !lastTry(job, cause) {
		return cause
	}
	a := job.Args
	err := finish(ctx, s, job, func(ctx context.Context, tx database.Tx) error {
		return raiseFlag(ctx, tx, a.OrderID, FlagCancelFailed, a.SourceStoreID, strconv.FormatInt(a.SourceStoreID, 10),
			"cancelling and refunding the order on "+t.destination.Name+" failed: "+clip(cause.Error(), 500)+"; do it by hand", s.now())
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	return nil
}
