package inventory

import (
	"github.com/storesync/storesync/internal/catalog"
)

// decision is what a destination item must hold, and the source quantity it was decided from.
type decision struct {
	sourceQuantity int64 // the source's available quantity the rule counts
	desired        int64 // what the destination item must hold
}

// decide applies the rule to one link: the source's available quantity at the connection's
// source locations (all when it names none), minus what destination orders reserve of it (held
// or pushed but not yet in the source's quantity, see reserve.go), minus the buffer (the link's
// own, else the connection's), never below zero. levels are the source item's recorded levels
// by location, read in the deciding transaction (sourceLevelsOf); reserved is its reservations'
// sum (reservedSums). Every decision of a destination quantity goes through here, whatever
// started it.
func decide(f catalog.FanOutLink, levels map[string]int64, reserved int64) decision {
	l := f.Link
	var total int64
	if only := f.Settings.SourceLocationIDs; len(only) > 0 {
		seen := make(map[string]bool, len(only))
		for _, loc := range only {
			if !seen[loc] { // a location named twice counts once, as SQL's IN does
				seen[loc] = true
				total += levels[loc]
			}
		}
	} else {
		for _, n := range levels {
			total += n
		}
	}
	return decision{sourceQuantity: total, desired: Quantity(total-reserved, catalog.EffectiveBuffer(l, f.Settings))}
}
