package inventory

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
)

// decision is what a destination item must hold, and the source quantity it was decided from.
type decision struct {
	sourceQuantity int64 // the source's available quantity the rule counts
	desired        int64 // what the destination item must hold
}

// decide applies the rule to one link, reading through q (the deciding transaction): the
// source's available quantity at the connection's source locations (all when it names none),
// minus what destination orders reserve of it (held or pushed but not yet in the source's
// quantity, see reserve.go), minus the buffer (the link's own, else the connection's), never
// below zero. reserved is that reservations' sum for the link's source item (reservedSums).
// Every decision of a destination quantity goes through here, whatever started it.
func decide(ctx context.Context, q database.Querier, f catalog.FanOutLink, reserved int64) (decision, error) {
	l := f.Link
	total, err := sourceTotal(ctx, q, l.SourceStoreID, l.SourceInventoryItemID, f.Settings.SourceLocationIDs)
	if err != nil {
		return decision{}, fmt.Errorf("summing source inventory of item %s: %w", l.SourceInventoryItemID, err)
	}
	return decision{sourceQuantity: total, desired: Quantity(total-reserved, catalog.EffectiveBuffer(l, f.Settings))}, nil
}
