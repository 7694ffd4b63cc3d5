package platform_test

import (
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func TestMinCalls(t *testing.T) {
	across := platform.Capabilities{InventoryBatch: 100}
	perProduct := platform.Capabilities{InventoryBatch: 100, InventoryBatchPerProduct: true}
	for _, tc := range []struct {
		name    string
		caps    platform.Capabilities
		singles int
		groups  []int
		want    int
	}{
		{"nothing", across, 0, nil, 0},
		{"singles only", across, 201, nil, 3},
		{"variants batched across products", across, 50, []int{10, 10, 30}, 1},
		{"variants batched per product", perProduct, 50, []int{10, 10, 30}, 4},
		{"a product over the limit", perProduct, 0, []int{250}, 3},
		{"no limit declared: one a call", platform.Capabilities{}, 3, nil, 3},
	} {
		if got := tc.caps.MinCallsFor(tc.singles, tc.groups); got != tc.want {
			t.Errorf("%s: MinCallsFor(%d, %v) = %d; want %d", tc.name, tc.singles, tc.groups, got, tc.want)
		}
	}
	if got := across.MinCalls(10000); got != 100 {
		t.Errorf("MinCalls(10000) = %d; want 100", got)
	}
}
