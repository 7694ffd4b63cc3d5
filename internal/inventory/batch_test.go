package inventory

import (
	"testing"

	"github.com/storesync/storesync/internal/catalog"
)

// TestDecide: the rule counts the connection's source locations (every one when it names none,
// a location named twice once), then subtracts what is reserved and the buffer, the link's own
// before the connection's, never below zero.
func TestDecide(t *testing.T) {
	t.Parallel()
	three := int64(3)
	levels := map[string]int64{"a": 10, "b": 5, "c": 1}
	for _, tc := range []struct {
		name           string
		locations      []string
		buffer         int64
		own            *int64
		reserved       int64
		source, wanted int64
	}{
		{name: "every location", source: 16, wanted: 16},
		{name: "named locations", locations: []string{"a", "c", "a", "gone"}, source: 11, wanted: 11},
		{name: "buffer and reserved", buffer: 2, reserved: 4, source: 16, wanted: 10},
		{name: "the link's own buffer", buffer: 2, own: &three, source: 16, wanted: 13},
		{name: "never below zero", locations: []string{"c"}, reserved: 4, source: 1, wanted: 0},
	} {
		f := catalog.FanOutLink{Link: catalog.Link{Buffer: tc.own}, Settings: catalog.Settings{Buffer: tc.buffer, SourceLocationIDs: tc.locations}}
		if d := decide(f, levels, tc.reserved); d.sourceQuantity != tc.source || d.desired != tc.wanted {
			t.Errorf("%s: source %d, desired %d; want %d, %d", tc.name, d.sourceQuantity, d.desired, tc.source, tc.wanted)
		}
	}
	if d := decide(catalog.FanOutLink{}, nil, 0); d.sourceQuantity != 0 || d.desired != 0 {
		t.Errorf("no level recorded: %+v, want 0", d)
	}
}

// TestDistinctLevels: a level given twice in one batch counts as two statements in order would,
// the last announced wins, the first read; the batch is in key order.
func TestDistinctLevels(t *testing.T) {
	t.Parallel()
	in := []SourceLevel{{StoreID: 2, InventoryItemID: "x", LocationID: "l", Available: 1},
		{StoreID: 1, InventoryItemID: "y", LocationID: "l", Available: 2},
		{StoreID: 2, InventoryItemID: "x", LocationID: "l", Available: 3},
		{StoreID: 1, InventoryItemID: "x", LocationID: "m", Available: 4}}
	for keepLast, want := range map[bool][]int64{true: {4, 2, 3}, false: {4, 2, 1}} {
		got := distinctLevels(in, keepLast)
		var av []int64
		for _, l := range got {
			av = append(av, l.Available)
		}
		if len(av) != len(want) || av[0] != want[0] || av[1] != want[1] || av[2] != want[2] {
			t.Errorf("keepLast %v: %v, want %v", keepLast, av, want)
		}
	}
}
