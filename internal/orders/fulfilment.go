package orders

import (
	"context"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Timeline entry kinds of the fulfilment back (internal/fulfilment records them).
const (
	EventFulfilled            = "fulfilled"             // a source fulfilment reached the destination; the order is fulfilled
	EventPartiallyFulfilled   = "partially_fulfilled"   // the same, the order still has lines to ship
	EventTracking             = "tracking"              // tracking reached the destination (with a fulfilment, or added later)
	EventFulfillmentCancelled = "fulfillment_cancelled" // the source cancelled a fulfilment: flagged for a person
	EventFulfillmentFailed    = "fulfillment_failed"    // a source fulfilment could not be applied to the destination
)

// Fulfillment is one source fulfilment of an order as the hub applied it to the destination
// order (internal/fulfilment keeps them; Get shows them with the order).
type Fulfillment struct {
	SourceStoreID             int64
	SourceName                string
	SourceFulfillmentID       string
	SourceFulfillmentName     string
	SourceStatus              string // the platform's words: success, cancelled, ...
	State                     string // pending, applied, failed, cancelled, skipped
	Error                     string
	DestinationFulfillmentIDs []string
	Tracking                  []platform.Tracking
	Lines                     []FulfilledLine // the destination order's lines it ships
	AppliedAt                 *time.Time
	TrackingAppliedAt         *time.Time
	CancelledAt               *time.Time
}

// FulfilledLine is how much of one destination order line a fulfilment ships.
type FulfilledLine struct {
	PlatformLineID string
	Quantity       int64
}

// FulfillmentLister reads the source fulfilments of a kept order (internal/fulfilment's).
type FulfillmentLister interface {
	OrderFulfillments(ctx context.Context, orderID int64) ([]Fulfillment, error)
}

// ShowFulfillments makes Get return each order's fulfilments from l. Call it while wiring.
func (s *Service) ShowFulfillments(l FulfillmentLister) { s.cfg.Fulfillments = l }

// AddEvent adds an entry to an order's timeline in tx, for the domains that act on kept orders.
func AddEvent(ctx context.Context, tx database.Tx, orderID int64, kind string, sourceStoreID int64, detail string, at time.Time) error {
	return addEvent(ctx, tx, orderID, kind, sourceStoreID, detail, at.UTC().Truncate(time.Microsecond))
}

// LockForFulfillment takes the order's row lock in tx (PostgreSQL; SQLite has one writer), so
// the fulfilments applied to one order are recorded one after the other and each sees the
// others' when it decides the order's fulfilment status.
func LockForFulfillment(ctx context.Context, tx database.Tx, orderID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE orders SET fulfillment_status = fulfillment_status WHERE id = $1`, orderID); err != nil {
		return fmt.Errorf("locking order %d: %w", orderID, err)
	}
	return nil
}

// RaiseFulfillmentStatus sets the order's fulfilment status to status when that is further than
// the kept one (unfulfilled, partially_fulfilled, fulfilled), in tx: what the hub applied shows
// at once, before the destination's own order webhook confirms it (which then keeps its word).
func RaiseFulfillmentStatus(ctx context.Context, tx database.Tx, orderID int64, status string) error {
	rank := map[string]int{Unfulfilled: 0, PartiallyFulfilled: 1, Fulfilled: 2}
	if _, ok := rank[status]; !ok {
		return fmt.Errorf("fulfilment status %q: use fulfilled, unfulfilled or partially_fulfilled", status)
	}
	var kept string
	if err := tx.QueryRow(ctx, `SELECT fulfillment_status FROM orders WHERE id = $1`, orderID).Scan(&kept); err != nil {
		return fmt.Errorf("reading the fulfilment status of order %d: %w", orderID, err)
	}
	if rank[status] <= rank[kept] {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE orders SET fulfillment_status = $2 WHERE id = $1`, orderID, status)
	return err
}
