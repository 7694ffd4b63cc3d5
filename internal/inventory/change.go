package inventory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform"
)

// SourceLevel is the available quantity of one source item at one of its locations.
type SourceLevel struct {
	AccountID       int64 // the source store's account
	StoreID         int64
	InventoryItemID string
	LocationID      string
	Available       int64
	// UpdatedAt is when the platform says the level last changed; zero when it does not say (the
	// time it is recorded counts then). A level stamped at or after a pushed reservation's push
	// reflects it and releases it.
	UpdatedAt time.Time
}

// OnEvent acts on a processed webhook (an ingest.EventFunc): an inventory level of a store is a
// source change for every destination linked to its item; an order of a store reserves its
// linked lines (reserve.go). Other events are not inventory's.
func (s *Service) OnEvent(ctx context.Context, tx database.Tx, p ingest.EventParams) error {
	ev := p.Event
	if isOrderEvent(ev) {
		return s.orderEvent(ctx, tx, p)
	}
	var levels []SourceLevel
	if ev.Topic == platform.TopicInventoryUpdated && ev.Inventory != nil && ev.Inventory.InventoryItemID != "" {
		levels = append(levels, SourceLevel{AccountID: p.Store.AccountID, StoreID: p.Store.ID, InventoryItemID: ev.Inventory.InventoryItemID,
			LocationID: ev.Inventory.LocationID, Available: ev.Inventory.Available, UpdatedAt: ev.Inventory.UpdatedAt})
	}
	// A platform whose stock changes arrive as product events reports its variants' levels.
	for _, l := range ev.Levels {
		if l.InventoryItemID != "" {
			levels = append(levels, SourceLevel{AccountID: p.Store.AccountID, StoreID: p.Store.ID, InventoryItemID: l.InventoryItemID,
				LocationID: l.LocationID, Available: l.Available, UpdatedAt: l.UpdatedAt})
		}
	}
	if len(levels) == 0 {
		return nil
	}
	return s.SourceChanged(ctx, tx, levels)
}

// SourceChanged records source levels and, for every destination item linked to them through a
// connected connection, decides its quantity and enqueues its store's job, all in tx. It is the
// one entry of source changes, from webhooks and from reconciliation alike.
func (s *Service) SourceChanged(ctx context.Context, tx database.Tx, levels []SourceLevel) error {
	now := s.cfg.Now().UTC()
	if err := recordSourceLevels(ctx, tx, levels, true, now); err != nil {
		return fmt.Errorf("recording source inventory: %w", err)
	}
	byStore := map[int64][]string{}
	seen := map[reservedKey]bool{}
	for _, l := range levels {
		if k := (reservedKey{l.StoreID, l.InventoryItemID}); !seen[k] {
			seen[k] = true
			byStore[l.StoreID] = append(byStore[l.StoreID], l.InventoryItemID)
		}
	}
	if err := releaseReflected(ctx, tx, levels, now); err != nil {
		return fmt.Errorf("releasing the reservations the source's levels reflect: %w", err)
	}
	return s.redecide(ctx, tx, byStore)
}

// SourceReadParams are the levels read from one source store for its items (an item stocked at
// no location has none: the rule counts 0 for it).
type SourceReadParams struct {
	StoreID          int64
	InventoryItemIDs []string
	Levels           []SourceLevel
}

// SourceRead is SourceChanged for levels read from the source (when items are linked) rather
// than announced: a level already known is kept, since a webhook that recorded it meanwhile is
// at least as new as the read. Every item read is decided, with a level or without.
//
// Keeping a known level takes no row lock on PostgreSQL; the decision locks the levels before it
// reads them (apply), so a webhook's level recorded concurrently is either committed first and
// decided with here, or waits and decides after this transaction. Without the lock this one
// could read the older level, decide with it after the webhook's transaction decided with the
// newer one, and leave the destination at the older quantity.
func (s *Service) SourceRead(ctx context.Context, tx database.Tx, p SourceReadParams) error {
	if err := recordSourceLevels(ctx, tx, p.Levels, false, s.cfg.Now().UTC()); err != nil {
		return fmt.Errorf("recording source inventory: %w", err)
	}
	return s.redecide(ctx, tx, map[int64][]string{p.StoreID: p.InventoryItemIDs})
}

// LockSourceLevels takes, on PostgreSQL, the row locks of the source store's recorded levels of
// the items, so that what tx reads of them next is what was committed last and stays so until tx
// ends (a concurrent source change waits). SQLite runs one writer at a time already.
func (s *Service) LockSourceLevels(ctx context.Context, tx database.Tx, storeID int64, items []string) error {
	if err := lockSourceItems(ctx, tx, map[int64][]string{storeID: items}); err != nil {
		return fmt.Errorf("locking source inventory: %w", err)
	}
	return nil
}

// DecideRecorded decides, in tx, every destination item following the source store's items from
// the levels the hub recorded (locked first, as every decision does: see apply), without
// recording anything: for a link that has no target yet.
func (s *Service) DecideRecorded(ctx context.Context, tx database.Tx, storeID int64, items []string) error {
	if len(items) == 0 {
		return nil
	}
	return s.redecide(ctx, tx, map[int64][]string{storeID: items})
}

// redecide decides, in tx, the quantity of every destination item following the source items
// (by source store) and enqueues the job of each destination store whose target changed: the
// fan-out of a source level, a reservation or a release alike.
func (s *Service) redecide(ctx context.Context, tx database.Tx, byStore map[int64][]string) error {
	var all []catalog.FanOutLink
	for storeID, items := range byStore {
		fs, err := s.links.FanOut(ctx, tx, catalog.SourceItemsParams{SourceStoreID: storeID, InventoryItemIDs: items})
		if err != nil {
			return err
		}
		all = append(all, fs...)
	}
	return s.apply(ctx, tx, all)
}

// apply decides the quantity of each link's destination item and enqueues the job of every
// destination store whose targets changed, in tx: the one path from a decision to a write,
// whatever asked for it (a source change, a read, a reservation, a change of the rule).
func (s *Service) apply(ctx context.Context, tx database.Tx, fs []catalog.FanOutLink) error {
	now := s.cfg.Now().UTC()
	items := map[int64][]string{} // source store → its items the links follow
	seen := map[reservedKey]bool{}
	for _, f := range fs {
		if k := (reservedKey{f.SourceStoreID, f.SourceInventoryItemID}); !seen[k] {
			seen[k] = true
			items[f.SourceStoreID] = append(items[f.SourceStoreID], f.SourceInventoryItemID)
		}
	}
	// The levels are locked before they are read, on every path to a decision: a source level
	// committed concurrently is then decided with here, or waits and decides after this
	// transaction, never leaving the older decision last.
	if err := lockSourceItems(ctx, tx, items); err != nil {
		return fmt.Errorf("locking source inventory: %w", err)
	}
	reserved, err := reservedSums(ctx, tx, items)
	if err != nil {
		return fmt.Errorf("summing reservations: %w", err)
	}
	levels, err := sourceLevelsOf(ctx, tx, items)
	if err != nil {
		return fmt.Errorf("reading source inventory: %w", err)
	}
	rows := make([]targetRow, len(fs))
	accountOf := map[int64]int64{} // destination store → its account
	for i, f := range fs {
		l := f.Link
		k := reservedKey{l.SourceStoreID, l.SourceInventoryItemID}
		d := decide(f, levels[k], reserved[k])
		rows[i] = targetRow{destinationStoreID: l.DestinationStoreID, itemID: l.DestinationInventoryItemID,
			accountID: f.DestinationAccountID, connectionID: l.ConnectionID, linkID: l.ID, sourceStoreID: l.SourceStoreID,
			sourceItemID: l.SourceInventoryItemID, sourceQuantity: d.sourceQuantity, desired: d.desired}
		accountOf[l.DestinationStoreID] = f.DestinationAccountID
	}
	changed, err := upsertTargets(ctx, tx, rows, now)
	if err != nil {
		return err
	}
	wake := map[int64]int64{} // destination store → its account
	for storeID := range changed {
		wake[storeID] = accountOf[storeID]
	}
	// In store order: two transactions enqueueing the same stores' unique jobs wait for each
	// other on PostgreSQL, and would deadlock in opposite orders.
	for _, storeID := range slices.Sorted(maps.Keys(wake)) {
		if err := lockStore(ctx, tx, storeID); err != nil {
			return err
		}
		if err := s.jobs.Insert(ctx, tx, WriteArgs{AccountID: wake[storeID], StoreID: storeID}, nil); err != nil {
			return fmt.Errorf("enqueueing the inventory of store %d: %w", storeID, err)
		}
	}
	return nil
}
