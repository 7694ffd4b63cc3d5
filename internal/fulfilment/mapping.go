package fulfilment

import (
	"maps"
	"slices"
)

// Line is how much of one order line a fulfilment ships: a source order's line in what a source
// fulfilment ships, a destination order's line in what the hub sends.
type Line struct {
	OrderLineID string `json:"order_line_id"`
	SKU         string `json:"sku,omitempty"`
	Quantity    int64  `json:"quantity"`
}

// SourceLine is a line of the source order: the variant the push sent.
type SourceLine struct {
	VariantID string
	SKU       string
}

// DestinationLine is a line of the destination order that its push sent to the source.
type DestinationLine struct {
	PlatformLineID string
	VariantID      string
	SKU            string
	Quantity       int64
}

// MapInput is what mapping a source fulfilment onto the destination order needs.
type MapInput struct {
	Shipped     []Line                // the source fulfilment's lines (source order line ids)
	SourceLines map[string]SourceLine // the source order's lines by id; a line not in it is matched by SKU
	Links       map[string][]string   // source variant id → the destination variants linked to it
	Destination []DestinationLine     // the destination order's lines the push sent, in order
	Taken       map[string]int64      // destination line id → quantity other source fulfilments already ship
}

// Map returns the destination order lines a source fulfilment ships, in the destination order's
// line order: each source line goes to the destination lines linked to its variant (by product
// link; by SKU when the source line's variant is unknown or unlinked), never more than a line's
// quantity less what other source fulfilments ship. Lines that map nowhere are left out, so
// a partial fulfilment stays partial and a line the destination does not have is not invented.
func Map(in MapInput) []Line {
	taken := maps.Clone(in.Taken)
	if taken == nil {
		taken = map[string]int64{}
	}
	got := map[string]int64{}
	for _, s := range in.Shipped {
		left := s.Quantity
		if left <= 0 {
			continue
		}
		for _, d := range candidates(in, s) {
			q := min(left, d.Quantity-taken[d.PlatformLineID])
			if q <= 0 {
				continue
			}
			taken[d.PlatformLineID] += q
			got[d.PlatformLineID] += q
			left -= q
			if left == 0 {
				break
			}
		}
	}
	out := []Line{}
	for _, d := range in.Destination {
		if q := got[d.PlatformLineID]; q > 0 {
			out = append(out, Line{OrderLineID: d.PlatformLineID, SKU: d.SKU, Quantity: q})
			delete(got, d.PlatformLineID)
		}
	}
	return out
}

// candidates are the destination lines a shipped source line may go to.
func candidates(in MapInput, s Line) []DestinationLine {
	src, known := in.SourceLines[s.OrderLineID]
	if known && src.VariantID != "" {
		linked := in.Links[src.VariantID]
		var out []DestinationLine
		for _, d := range in.Destination {
			if d.VariantID != "" && slices.Contains(linked, d.VariantID) {
				out = append(out, d)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	sku := s.SKU
	if sku == "" {
		sku = src.SKU
	}
	if sku == "" {
		return nil
	}
	var out []DestinationLine
	for _, d := range in.Destination {
		if d.SKU == sku {
			out = append(out, d)
		}
	}
	return out
}

// Status is the destination order's fulfilment status from what its lines ship: fulfilled when
// every line with a quantity ships all of it, partially_fulfilled when some ship, unfulfilled
// otherwise. lines are every line of the order (id → quantity).
func Status(lines map[string]int64, shipped map[string]int64) string {
	total, done := 0, 0
	for id, q := range lines {
		if q <= 0 {
			continue
		}
		total++
		if shipped[id] >= q {
			done++
		} else if shipped[id] > 0 {
			return statusPartial
		}
	}
	switch {
	case total > 0 && done == total:
		return statusFulfilled
	case done > 0:
		return statusPartial
	}
	return statusUnfulfilled
}
