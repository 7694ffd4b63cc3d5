package fulfilment_test

import (
	"reflect"
	"testing"

	"github.com/storesync/storesync/internal/fulfilment"
)

func TestMap(t *testing.T) {
	t.Parallel()
	dest := []fulfilment.DestinationLine{
		{PlatformLineID: "d1", VariantID: "dv-a", SKU: "A", Quantity: 2},
		{PlatformLineID: "d2", VariantID: "dv-b", SKU: "B", Quantity: 1},
		{PlatformLineID: "d3", VariantID: "dv-a", SKU: "A", Quantity: 3}, // the same variant twice
		{PlatformLineID: "d4", VariantID: "dv-c", SKU: "C", Quantity: 1}, // linked, not in the source order
	}
	src := map[string]fulfilment.SourceLine{"s1": {VariantID: "sv-a", SKU: "SA"}, "s2": {VariantID: "sv-b", SKU: "SB"},
		"s3": {VariantID: "sv-unlinked", SKU: "B"}}
	links := map[string][]string{"sv-a": {"dv-a"}, "sv-b": {"dv-b"}, "sv-c": {"dv-c"}}
	ship := func(ls ...fulfilment.Line) []fulfilment.Line { return ls }
	l := func(id string, q int64) fulfilment.Line { return fulfilment.Line{OrderLineID: id, Quantity: q} }
	d := func(id, sku string, q int64) fulfilment.Line {
		return fulfilment.Line{OrderLineID: id, SKU: sku, Quantity: q}
	}
	for _, c := range []struct {
		name    string
		shipped []fulfilment.Line
		taken   map[string]int64
		want    []fulfilment.Line
	}{
		{"partial: one line of two", ship(l("s2", 1)), nil, []fulfilment.Line{d("d2", "B", 1)}},
		{"part of a line's quantity", ship(l("s1", 1)), nil, []fulfilment.Line{d("d1", "A", 1)}},
		{"a variant on two lines fills them in order", ship(l("s1", 4)), nil, []fulfilment.Line{d("d1", "A", 2), d("d3", "A", 2)}},
		{"what others ship is not shipped again", ship(l("s1", 3)), map[string]int64{"d1": 2}, []fulfilment.Line{d("d3", "A", 3)}},
		{"never more than the order has", ship(l("s1", 9)), nil, []fulfilment.Line{d("d1", "A", 2), d("d3", "A", 3)}},
		{"an unlinked variant matches by SKU", ship(l("s3", 1)), nil, []fulfilment.Line{d("d2", "B", 1)}},
		{"an unknown line matches by the fulfilment's SKU", ship(fulfilment.Line{OrderLineID: "s9", SKU: "C", Quantity: 1}), nil,
			[]fulfilment.Line{d("d4", "C", 1)}},
		{"a line of nothing here maps to nothing", ship(fulfilment.Line{OrderLineID: "s9", SKU: "ZZ", Quantity: 1}), nil, []fulfilment.Line{}},
		{"destination order's line order", ship(l("s2", 1), l("s1", 1)), nil, []fulfilment.Line{d("d1", "A", 1), d("d2", "B", 1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := fulfilment.Map(fulfilment.MapInput{Shipped: c.shipped, SourceLines: src, Links: links, Destination: dest, Taken: c.taken})
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v; want %+v", got, c.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	lines := map[string]int64{"a": 2, "b": 1, "removed": 0}
	for want, shipped := range map[string]map[string]int64{
		"unfulfilled":         {},
		"partially_fulfilled": {"a": 1},
		"fulfilled":           {"a": 2, "b": 1},
	} {
		if got := fulfilment.Status(lines, shipped); got != want {
			t.Errorf("shipped %v: %s; want %s", shipped, got, want)
		}
	}
	if got := fulfilment.Status(lines, map[string]int64{"b": 1}); got != "partially_fulfilled" {
		t.Errorf("one whole line of two: %s", got)
	}
}
