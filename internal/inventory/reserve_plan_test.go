package inventory

import (
	"strconv"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
)

// TestPlanOrder: what one order delivery does to its lines' reservations.
func TestPlanOrder(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	links := []catalog.Link{{ID: 1, DestinationVariantID: "v1", SourceStoreID: 9, SourceInventoryItemID: "s1"},
		{ID: 2, DestinationVariantID: "v2", SourceStoreID: 9, SourceInventoryItemID: "s2"},
		{ID: 3, DestinationVariantID: "v1", SourceStoreID: 8, SourceInventoryItemID: "other"}}
	held := func(line string, qty int64, at time.Time) Reservation {
		return Reservation{ID: int64(len(line)), LineID: line, Quantity: qty, State: ReservationHeld, OrderUpdatedAt: at,
			SourceStoreID: 9, SourceInventoryItemID: "s1"}
	}
	at := t0.Add(time.Minute)
	for _, c := range []struct {
		name     string
		existing []Reservation
		order    *platform.Order
		stamp    time.Time
		want     []string // per change: line, then "new N", "qty N", "release REASON" or "stamp"
	}{
		{"new lines, linked only, the first link of a variant", nil,
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 2), line("b", "nolink", 1), line("c", "v2", 0), line("d", "v2", 4)}}, t0,
			[]string{"a new 2 s1", "d new 4 s2"}},
		{"the same delivery again", []Reservation{held("a", 2, t0)},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 2)}}, t0, nil},
		{"a newer delivery with the same quantity moves only the stamp", []Reservation{held("a", 2, t0)},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 2)}}, at, []string{"a stamp"}},
		{"an edit", []Reservation{held("a", 2, t0)},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 5)}}, t0, []string{"a qty 5"}},
		{"an older delivery", []Reservation{held("a", 2, at)},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 5)}}, t0, nil},
		{"a line reduced to 0 and one removed", []Reservation{held("a", 2, t0), held("bb", 1, t0)},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 0)}}, t0,
			[]string{"a release " + ReasonLineRemoved, "bb release " + ReasonLineRemoved}},
		{"cancelled", []Reservation{held("a", 2, t0)},
			&platform.Order{CancelledAt: &at, Lines: []platform.OrderLine{line("a", "v1", 2), line("n", "v2", 1)}}, at,
			[]string{"a release " + ReasonOrderCancelled}},
		{"deleted", []Reservation{held("a", 2, t0)}, nil, at, []string{"a release " + ReasonOrderDeleted}},
		{"released is final", []Reservation{{LineID: "a", Quantity: 2, State: ReservationReleased, OrderUpdatedAt: t0}},
			&platform.Order{Lines: []platform.OrderLine{line("a", "v1", 7)}}, at, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ex := map[string]Reservation{}
			for _, r := range c.existing {
				ex[r.LineID] = r
			}
			var got []string
			for _, ch := range planOrder(ex, c.order, links, c.stamp) {
				switch {
				case ch.existing == nil:
					got = append(got, ch.lineID+" new "+strconv.FormatInt(ch.quantity, 10)+" "+ch.link.SourceInventoryItemID)
				case ch.release != "":
					got = append(got, ch.lineID+" release "+ch.release)
				case ch.quantity != ch.existing.Quantity:
					got = append(got, ch.lineID+" qty "+strconv.FormatInt(ch.quantity, 10))
				default:
					got = append(got, ch.lineID+" stamp")
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("changes %q; want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("changes %q; want %q", got, c.want)
				}
			}
		})
	}
}
