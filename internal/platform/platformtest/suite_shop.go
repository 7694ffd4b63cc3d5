package platformtest

import (
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func (s *suite) testShop(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	info, err := e.st.Shop(e.ctx)
	if err != nil {
		t.Fatalf("Shop: %v", err)
	}
	if info.ID == "" || info.Name == "" || info.Domain == "" {
		t.Errorf("Shop: id, name and domain are required: %+v", info)
	}
	if _, err := platform.CurrencyScale(info.Currency); err != nil {
		t.Errorf("Shop: currency %q: %v", info.Currency, err)
	}
	locs, err := e.st.Locations(e.ctx)
	if err != nil {
		t.Fatalf("Locations: %v", err)
	}
	if !s.caps.Locations && len(locs) != 1 {
		t.Errorf("Locations: %d, want exactly 1 on a platform without locations", len(locs))
	}
	active := 0
	seen := map[string]bool{}
	for _, l := range locs {
		if l.ID == "" || seen[l.ID] {
			t.Errorf("Locations: empty or repeated id in %+v", locs)
		}
		seen[l.ID] = true
		if l.Active {
			active++
		}
	}
	if active == 0 {
		t.Errorf("Locations: none active in %+v", locs)
	}
}
