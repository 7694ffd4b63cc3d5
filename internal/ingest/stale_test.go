package ingest

import (
	"testing"
	"time"
)

// An event is stale when older than what was applied of its resource, or, once the resource is
// deleted, when not made after the delete; equal stamps and stamp-less events on a live resource
// are applied, and a delete always is.
func TestStale(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	for _, tc := range []struct {
		name    string
		rs      resourceState
		stamp   time.Time
		deletes bool
		want    bool
	}{
		{"first of its resource", resourceState{}, t0, false, false},
		{"newer", resourceState{updatedAt: at(0)}, t0.Add(time.Second), false, false},
		{"same second", resourceState{updatedAt: at(0)}, t0, false, false},
		{"older", resourceState{updatedAt: at(0)}, t0.Add(-time.Second), false, true},
		{"no stamp on a live resource", resourceState{updatedAt: at(0)}, time.Time{}, false, false},
		{"delete after anything", resourceState{updatedAt: at(time.Hour)}, t0, true, false},
		{"update made before the delete", resourceState{updatedAt: at(0), deletedAt: at(time.Hour)}, t0.Add(30 * time.Minute), false, true},
		{"update made at the delete", resourceState{deletedAt: at(0)}, t0, false, true},
		{"update without stamp after a delete", resourceState{deletedAt: at(0)}, time.Time{}, false, true},
		{"made after the delete (a level connected again)", resourceState{deletedAt: at(0)}, t0.Add(time.Minute), false, false},
	} {
		if got := tc.rs.stale(tc.stamp, tc.deletes); got != tc.want {
			t.Errorf("%s: stale = %v, want %v", tc.name, got, tc.want)
		}
	}
}
