package shopifysim

import (
	"fmt"
	"maps"
	"slices"
)

// Stock at several locations, as a merchant keeps it in the admin: the seeded catalog stocks
// every item at the first location only; SetStock stocks an item at any location of the shop.

// LocationIDs returns the global ids of the shop's locations, oldest first.
func (sh *Shop) LocationIDs() []string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ids := slices.Sorted(maps.Keys(sh.data.Locations))
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = gid("Location", id)
	}
	return out
}

// SetStock sets the available quantity of an inventory item at a location of the shop (global
// ids), stocking the item there first if it is not, and sends the inventory_levels/update
// webhook when the quantity changed, as an edit in the admin does.
func (s *Sim) SetStock(domain, inventoryItemID, locationID string, available int) error {
	sh, err := s.Shop(domain)
	if err != nil {
		return err
	}
	itemID, err := parseGID("InventoryItem", inventoryItemID)
	if err != nil {
		return err
	}
	locID, err := parseGID("Location", locationID)
	if err != nil {
		return err
	}
	sh.mu.Lock()
	if sh.data.Items[itemID] == nil || sh.data.Locations[locID] == nil {
		sh.mu.Unlock()
		return fmt.Errorf("shop %s has no inventory item %s or no location %s", domain, inventoryItemID, locationID)
	}
	now := s.now()
	l := sh.level(itemID, locID, now)
	var events []event
	if l.Available != available {
		l.Available, l.UpdatedAt = available, now
		sh.data.Items[itemID].UpdatedAt = now
		events = append(events, *sh.inventoryLevelEvent(l))
	}
	sh.mu.Unlock()
	sh.changed()
	s.webhooks.enqueue(sh, events)
	return nil
}
