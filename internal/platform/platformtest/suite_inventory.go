package platformtest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// maxBatchChanges bounds the changes of the batch test whatever the platform's batch size.
const maxBatchChanges = 501

func (s *suite) testInventory(t *testing.T) {
	t.Run("Levels", s.testInventoryLevels)
	t.Run("Batches", s.testInventoryBatches)
	t.Run("CompareAndSet", s.testCompareAndSet)
}

func (s *suite) testInventoryLevels(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Stocked product", "STOCK", 2, 7)
	e.ctl.SetQuantity(t, p.Variants[1].ID, 3)
	items := []string{p.Variants[0].InventoryItemID, p.Variants[1].InventoryItemID}
	levels, err := e.st.InventoryLevels(e.ctx, e.location, items)
	if err != nil {
		t.Fatalf("InventoryLevels: %v", err)
	}
	want := map[string]int64{items[0]: 7, items[1]: 3}
	got := map[string]int64{}
	for _, l := range levels {
		got[l.InventoryItemID] = l.Available
		if l.LocationID != "" && l.LocationID != e.location {
			t.Errorf("InventoryLevels at %s: level at %s", e.location, l.LocationID)
		}
	}
	for item, q := range want {
		if g, ok := got[item]; !ok || g != q {
			t.Errorf("InventoryLevels: item %s available %d (listed %v), want %d", item, g, ok, q)
		}
	}
	if q := e.ctl.Quantity(t, p.Variants[0].ID); q != 7 {
		t.Errorf("Control.Quantity: %d, want the seeded 7", q)
	}
}

func (s *suite) testInventoryBatches(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	n := min(2*max(s.caps.InventoryBatch, 1)+1, maxBatchChanges)
	var variants []platform.Variant
	singles, perProduct := 0, []int(nil)
	for i := 0; len(variants) < n; i++ {
		k := min(100, n-len(variants))
		p := e.seed(t, fmt.Sprintf("Batch product %d", i+1), fmt.Sprintf("BATCH%d", i+1), k, 0)
		variants = append(variants, p.Variants...)
		if k == 1 {
			singles++
		} else {
			perProduct = append(perProduct, k)
		}
	}
	changes := make([]platform.InventoryChange, n)
	for i, v := range variants {
		changes[i] = platform.InventoryChange{InventoryItemID: v.InventoryItemID, LocationID: e.location, Quantity: int64(i%50 + 1)}
	}
	before := e.ctl.Calls()
	res, err := e.st.SetInventory(e.ctx, platform.SetInventoryParams{IdempotencyKey: "contract-batch-1", Changes: changes})
	if err != nil {
		t.Fatalf("SetInventory of %d changes: %v", n, err)
	}
	calls := e.ctl.Calls() - before
	want := s.caps.MinCallsFor(singles, perProduct)
	if calls != want {
		t.Errorf("SetInventory of %d changes took %d API calls, want %d (batch %d)", n, calls, want, s.caps.InventoryBatch)
	}
	if res.Calls != calls || res.Applied != n || res.Conflicts != 0 || len(res.Skipped) != 0 {
		t.Errorf("SetInventory result %+v, want %d calls, %d applied, no conflict", res, calls, n)
	}
	t.Logf("%d changes in %d calls (minimum %d)", n, calls, want)
	for i, v := range variants {
		if i%25 != 0 && i != n-1 {
			continue
		}
		if q := e.ctl.Quantity(t, v.ID); q != int(changes[i].Quantity) {
			t.Errorf("after SetInventory %s has %d, want %d", v.SKU, q, changes[i].Quantity)
		}
	}
	items := make([]string, n)
	for i, c := range changes {
		items[i] = c.InventoryItemID
	}
	levels, err := e.st.InventoryLevels(e.ctx, e.location, items)
	if err != nil {
		t.Fatalf("InventoryLevels: %v", err)
	}
	got := map[string]int64{}
	for _, l := range levels {
		got[l.InventoryItemID] = l.Available
	}
	for _, c := range changes {
		if g, ok := got[c.InventoryItemID]; !ok || g != c.Quantity {
			t.Errorf("InventoryLevels after SetInventory: %s has %d (listed %v), want %d", c.InventoryItemID, g, ok, c.Quantity)
			break
		}
	}
}

func (s *suite) testCompareAndSet(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Compared product", "CAS", 2, 5)
	fresh, stale := int64(5), int64(8)
	items := []string{p.Variants[0].InventoryItemID, p.Variants[1].InventoryItemID}
	res, err := e.st.SetInventory(e.ctx, platform.SetInventoryParams{IdempotencyKey: "contract-cas-1", Changes: []platform.InventoryChange{
		{InventoryItemID: items[0], LocationID: e.location, Quantity: 9, Expected: &fresh},
		{InventoryItemID: items[1], LocationID: e.location, Quantity: 9, Expected: &stale},
	}})
	q0, q1 := e.ctl.Quantity(t, p.Variants[0].ID), e.ctl.Quantity(t, p.Variants[1].ID)
	if !s.caps.CompareAndSet {
		if err != nil {
			t.Fatalf("SetInventory without compare-and-set: %v", err)
		}
		if res.Conflicts != 0 || len(res.Skipped) != 0 || res.Applied != 2 {
			t.Errorf("SetInventory without compare-and-set: %+v, want 2 applied and no conflict", res)
		}
		if q0 != 9 || q1 != 9 {
			t.Errorf("SetInventory without compare-and-set: quantities %d and %d, want 9 and 9", q0, q1)
		}
		return
	}
	// The stale change is a conflict: skipped (reported) or the call refused as one.
	if err != nil {
		_ = wantKind(t, "SetInventory with a stale expected quantity", err, platform.KindConflict)
	} else if res.Conflicts != 1 || !slices.Equal(res.Skipped, items[1:]) || res.Applied != 1 {
		t.Errorf("SetInventory with a stale expected quantity: %+v, want 1 applied, 1 conflict, %s skipped", res, items[1])
	}
	if err == nil && q0 != 9 {
		t.Errorf("the fresh change set %d, want 9", q0)
	}
	if q1 != 5 {
		t.Errorf("the stale change set %d, want 5 left as it was", q1)
	}
	// Re-read on conflict: last writer wins.
	res, err = e.st.SetInventory(e.ctx, platform.SetInventoryParams{IdempotencyKey: "contract-cas-2", RereadOnConflict: true,
		Changes: []platform.InventoryChange{{InventoryItemID: items[1], LocationID: e.location, Quantity: 11, Expected: &stale}}})
	if err != nil || res.Applied != 1 || res.Conflicts != 1 {
		t.Errorf("SetInventory re-reading on conflict: %+v, %v; want 1 applied after 1 conflict", res, err)
	}
	if q := e.ctl.Quantity(t, p.Variants[1].ID); q != 11 {
		t.Errorf("SetInventory re-reading on conflict set %d, want 11", q)
	}
}
