package inventory

import (
	"testing"

	"github.com/storesync/storesync/internal/platform"
)

// TestIdempotencyKey: a re-run of the same job with the same changes (a crash before the write was
// recorded) sends the same key, so the platform applies it once; anything else is a new key.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	two := int64(2)
	base := []platform.InventoryChange{{InventoryItemID: "i1", LocationID: "l", Quantity: 3}, {InventoryItemID: "i2", LocationID: "l", Quantity: 4}}
	with := func(mut func(c []platform.InventoryChange)) []platform.InventoryChange {
		c := append([]platform.InventoryChange(nil), base...)
		mut(c)
		return c
	}
	k := idempotencyKey(7, base)
	if got := idempotencyKey(7, with(func([]platform.InventoryChange) {})); got != k {
		t.Errorf("same job, same changes: %s, then %s; want the same key", k, got)
	}
	for name, other := range map[string]string{
		"another job":      idempotencyKey(8, base),
		"another quantity": idempotencyKey(7, with(func(c []platform.InventoryChange) { c[1].Quantity = 5 })),
		"another item":     idempotencyKey(7, with(func(c []platform.InventoryChange) { c[0].InventoryItemID = "i3" })),
		"another location": idempotencyKey(7, with(func(c []platform.InventoryChange) { c[0].LocationID = "m" })),
		"compare-and-set":  idempotencyKey(7, with(func(c []platform.InventoryChange) { c[0].Expected = &two })),
		"fewer changes":    idempotencyKey(7, base[:1]),
	} {
		if other == k {
			t.Errorf("%s: same key %s; want a new one", name, k)
		}
	}
}

func TestQuantity(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ available, buffer, want int64 }{
		{10, 0, 10}, {10, 2, 8}, {4, 5, 0}, {-3, 0, 0}, {5, -1, 5},
	} {
		if got := Quantity(c.available, c.buffer); got != c.want {
			t.Errorf("Quantity(%d, %d) = %d; want %d", c.available, c.buffer, got, c.want)
		}
	}
}
