package orders

import (
	"context"
	"errors"
	"fmt"

	"github.com/storesync/storesync/internal/database"
)

// What a connection does when a destination order is cancelled after its push (on_destination_cancel).
const (
	// OnDestinationCancelSource cancels the source order by a job, unless it is (partly)
	// fulfilled already: then the order is flagged for a person. The default.
	OnDestinationCancelSource = "cancel_source"
	// OnDestinationCancelFlag only flags the order for a person.
	OnDestinationCancelFlag = "flag"
)

// What a connection does when a source order of a push is cancelled at the source (on_source_cancel).
const (
	// OnSourceCancelFlag flags the destination order for a person. The default.
	OnSourceCancelFlag = "flag"
	// OnSourceCancelAndRefund flags the destination order and cancels and refunds it by a job.
	OnSourceCancelAndRefund = "cancel_and_refund"
)

// CancelSettings are what a connection does with cancellations of pushed orders.
type CancelSettings struct {
	OnDestinationCancel string
	OnSourceCancel      string
}

// DefaultCancelSettings: cancel the source order, flag a source cancellation.
func DefaultCancelSettings() CancelSettings {
	return CancelSettings{OnDestinationCancel: OnDestinationCancelSource, OnSourceCancel: OnSourceCancelFlag}
}

// CancelSettingsInput is what a person sets; empty strings take the defaults.
type CancelSettingsInput struct {
	OnDestinationCancel string
	OnSourceCancel      string
}

// parse checks both values and names the first wrong one (its JSON field).
func (in CancelSettingsInput) parse() (CancelSettings, error) {
	out := DefaultCancelSettings()
	switch in.OnDestinationCancel {
	case "":
	case OnDestinationCancelSource, OnDestinationCancelFlag:
		out.OnDestinationCancel = in.OnDestinationCancel
	default:
		return out, &Error{Field: "on_destination_cancel", Message: `use "cancel_source" or "flag"`, Value: in.OnDestinationCancel}
	}
	switch in.OnSourceCancel {
	case "":
	case OnSourceCancelFlag, OnSourceCancelAndRefund:
		out.OnSourceCancel = in.OnSourceCancel
	default:
		return out, &Error{Field: "on_source_cancel", Message: `use "flag" or "cancel_and_refund"`, Value: in.OnSourceCancel}
	}
	return out, nil
}

// readCancelSettings reads a connection's cancel settings (the defaults where none are kept).
func readCancelSettings(ctx context.Context, q database.Querier, connectionID int64) (CancelSettings, error) {
	out := DefaultCancelSettings()
	var dest, src *string
	err := q.QueryRow(ctx, `SELECT on_destination_cancel, on_source_cancel FROM order_settings WHERE connection_id = $1`, connectionID).
		Scan(&dest, &src)
	if errors.Is(err, database.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("reading the cancel settings of connection %d: %w", connectionID, err)
	}
	if dest != nil && *dest != "" {
		out.OnDestinationCancel = *dest
	}
	if src != nil && *src != "" {
		out.OnSourceCancel = *src
	}
	return out, nil
}

// saveCancelSettings writes a connection's cancel settings, in the transaction that saved the
// rest of its order settings (the row exists).
func saveCancelSettings(ctx context.Context, tx database.Tx, connectionID int64, c CancelSettings) error {
	if _, err := tx.Exec(ctx, `UPDATE order_settings SET on_destination_cancel = $2, on_source_cancel = $3 WHERE connection_id = $1`,
		connectionID, c.OnDestinationCancel, c.OnSourceCancel); err != nil {
		return fmt.Errorf("saving the cancel settings of connection %d: %w", connectionID, err)
	}
	return nil
}
