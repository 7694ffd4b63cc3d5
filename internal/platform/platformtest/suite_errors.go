package platformtest

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

func (s *suite) testErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) { s.testServerError(t, status) })
	}
	t.Run("401", s.testUnauthorized)
	t.Run("404", s.testNotFound)
	t.Run("429", s.testThrottled)
	t.Run("WriteRetried", s.testWriteRetried)
}

// testServerError: one failed answer is retried, or surfaced as retryable.
func (s *suite) testServerError(t *testing.T, status int) {
	t.Parallel()
	e := s.newEnv(t)
	// What one Shop takes when nothing fails: a platform may read its identity in several calls.
	before := e.ctl.Calls()
	if _, err := e.st.Shop(e.ctx); err != nil {
		t.Fatalf("Shop: %v", err)
	}
	plain := e.ctl.Calls() - before
	before = e.ctl.Calls()
	e.ctl.FailNext(1, status)
	_, err := e.st.Shop(e.ctx)
	if err != nil {
		pe := asError(t, fmt.Sprintf("Shop after a %d", status), err)
		if !pe.Retryable || pe.Kind != platform.KindUnavailable {
			t.Errorf("Shop after a %d: kind %s, retryable %v; want a retryable %s", status, pe.Kind, pe.Retryable, platform.KindUnavailable)
		}
		if pe.StatusCode != 0 && pe.StatusCode != status {
			t.Errorf("Shop after a %d: status %d", status, pe.StatusCode)
		}
		if _, err := e.st.Shop(e.ctx); err != nil {
			t.Errorf("Shop once the platform answers again: %v", err)
		}
	} else if calls := e.ctl.Calls() - before; calls != plain+1 {
		t.Errorf("Shop succeeded after a %d in %d calls, want %d (the failure, its retry and the rest)", status, calls, plain+1)
	}
}

func (s *suite) testUnauthorized(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	before := e.ctl.Calls()
	e.ctl.FailNext(1, http.StatusUnauthorized)
	_, err := e.st.Shop(e.ctx)
	pe := wantKind(t, "Shop answered 401", err, platform.KindAuth)
	if pe.Retryable {
		t.Errorf("Shop answered 401: retryable: %v", err)
	}
	if calls := e.ctl.Calls() - before; calls != 1 {
		t.Errorf("Shop answered 401 made %d calls, want 1 (no retry)", calls)
	}
}

func (s *suite) testNotFound(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Missing product", "GONE", 1, 1)
	if err := e.st.DeleteProduct(e.ctx, p.ID); err != nil {
		t.Fatalf("DeleteProduct: %v", err)
	}
	_, err := e.st.Product(e.ctx, p.ID)
	if pe := wantKind(t, "Product of an unknown id", err, platform.KindNotFound); pe.Retryable {
		t.Errorf("Product of an unknown id: retryable: %v", err)
	}
	e.ctl.FailNext(1, http.StatusNotFound)
	_, err = e.st.Shop(e.ctx)
	if pe := wantKind(t, "Shop answered 404", err, platform.KindNotFound); pe.Retryable {
		t.Errorf("Shop answered 404: retryable: %v", err)
	}
}

func (s *suite) testThrottled(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	before := e.ctl.Throttled()
	e.ctl.FailNext(1, http.StatusTooManyRequests)
	if _, err := e.st.Shop(e.ctx); err != nil {
		t.Fatalf("Shop after a 429: %v, want it retried and not surfaced", err)
	}
	if n := e.ctl.Throttled() - before; n != 1 {
		t.Errorf("Control.Throttled counted %d throttled answers, want the 1 sent", n)
	}
	if _, err := e.st.Shop(e.ctx); err != nil {
		t.Errorf("Shop after the throttled call: %v", err)
	}
	if n := e.ctl.Throttled() - before; n != 1 {
		t.Errorf("%d throttled answers after an ordinary call, want 1", n)
	}
}

// testWriteRetried: an inventory write answered 503 is retried (or surfaced as retryable and
// repeated by its job with the same key) and the quantities are set.
func (s *suite) testWriteRetried(t *testing.T) {
	t.Parallel()
	e := s.newEnv(t)
	p := e.seed(t, "Retried stock", "RETRY", 2, 1)
	params := platform.SetInventoryParams{IdempotencyKey: "contract-retry-1", Changes: []platform.InventoryChange{
		{InventoryItemID: p.Variants[0].InventoryItemID, LocationID: e.location, Quantity: 12},
		{InventoryItemID: p.Variants[1].InventoryItemID, LocationID: e.location, Quantity: 13},
	}}
	e.ctl.FailNext(1, http.StatusServiceUnavailable)
	if _, err := e.st.SetInventory(e.ctx, params); err != nil {
		if pe := asError(t, "SetInventory after a 503", err); !pe.Retryable {
			t.Fatalf("SetInventory after a 503: not retryable: %v", err)
		}
		if _, err := e.st.SetInventory(e.ctx, params); err != nil {
			t.Fatalf("SetInventory repeated with its key: %v", err)
		}
	}
	if q0, q1 := e.ctl.Quantity(t, p.Variants[0].ID), e.ctl.Quantity(t, p.Variants[1].ID); q0 != 12 || q1 != 13 {
		t.Errorf("after a retried SetInventory: quantities %d and %d, want 12 and 13", q0, q1)
	}
}
