package reconcile

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/inventory"
	"github.com/storesync/storesync/internal/platform"
)

// linksBatch reads the next batch of the connection's live links after the phase's cursor; an
// empty batch ends the phase (the cursor starts again for the next).
func (s *Service) linksBatch(ctx context.Context, p *progress, next string) ([]catalog.Link, error) {
	links, err := s.cfg.Links.LinksPage(ctx, s.cfg.DB, catalog.LinksPageParams{ConnectionID: p.ConnectionID, AfterID: p.cursor, Limit: s.cfg.Batch})
	if err != nil {
		return nil, err
	}
	if len(links) == 0 {
		p.Phase, p.cursor = next, 0
		return nil, nil
	}
	p.cursor = links[len(links)-1].ID
	return links, nil
}

// sourceBatch reads the source's levels of a batch of linked items at every source location
// and compares them with what the hub recorded: a level it never heard of, or another quantity,
// is a dropped webhook, fed to inventory as a source change (which decides every destination).
func (s *Service) sourceBatch(ctx context.Context, p *progress, sd sides) error {
	links, err := s.linksBatch(ctx, p, phaseDestination)
	if err != nil || len(links) == 0 {
		if err == nil {
			err = s.commit(ctx, p, nil)
		}
		return err
	}
	items, linkOf := sourceItems(links)
	// What the hub held before the store was read: a level recorded since (a webhook newer
	// than the read) is kept, not overwritten with the older read.
	before, err := s.cfg.Inventory.RecordedLevels(ctx, s.cfg.DB, sd.c.Source.ID, items)
	if err != nil {
		return err
	}
	var read []platform.InventoryLevel
	for _, l := range sd.srcLocs {
		ls, err := sd.src.InventoryLevels(ctx, l.ID, items)
		if err != nil {
			return err
		}
		read = append(read, ls...)
	}
	unchanged := func(item, loc string, rec inventory.RecordedLevel, known bool) bool {
		b, was := before[item][loc]
		return was == known && b == rec
	}
	return s.commit(ctx, p, func(ctx context.Context, tx database.Tx) (step, error) {
		return s.sourceDrifts(ctx, tx, sd, read, linkOf, unchanged)
	})
}

// freshFunc reports whether a level read at the store is newer than the hub's record of it
// (rec; known false: none), so that the read may replace it.
type freshFunc func(item, loc string, rec inventory.RecordedLevel, known bool) bool

// sourceDrifts compares levels read at the source with the hub's record, read in tx, and feeds
// the drifted ones to inventory; a record newer than the read (fresh false: a webhook recorded
// since) is kept.
func (s *Service) sourceDrifts(ctx context.Context, tx database.Tx, sd sides, read []platform.InventoryLevel, linkOf map[string]int64,
	fresh freshFunc) (step, error) {
	st := step{levels: int64(len(read))}
	items := make([]string, 0, len(read))
	for _, l := range read {
		items = append(items, l.InventoryItemID)
	}
	slices.Sort(items)
	items = slices.Compact(items)
	// Locked first: a webhook's level committed while this transaction began is then read here,
	// and one arriving later waits, so the read never replaces a newer level it did not see.
	if err := s.cfg.Inventory.LockSourceLevels(ctx, tx, sd.c.Source.ID, items); err != nil {
		return st, err
	}
	recorded, err := s.cfg.Inventory.RecordedLevels(ctx, tx, sd.c.Source.ID, items)
	if err != nil {
		return st, err
	}
	var changed []inventory.SourceLevel
	for _, l := range read {
		rec, known := recorded[l.InventoryItemID][l.LocationID]
		if known && rec.Available == l.Available || !fresh(l.InventoryItemID, l.LocationID, rec, known) {
			continue
		}
		expected := "none recorded"
		if known {
			expected = strconv.FormatInt(rec.Available, 10)
		}
		linkID := linkOf[l.InventoryItemID]
		st.drifts = append(st.drifts, Drift{LinkID: &linkID, Side: SideSource, Attribute: "quantity",
			ItemID: l.InventoryItemID + "@" + l.LocationID, Expected: expected, Found: strconv.FormatInt(l.Available, 10)})
		changed = append(changed, inventory.SourceLevel{AccountID: sd.c.Source.AccountID, StoreID: sd.c.Source.ID,
			InventoryItemID: l.InventoryItemID, LocationID: l.LocationID, Available: l.Available})
	}
	if len(changed) > 0 {
		if err := s.cfg.Inventory.SourceChanged(ctx, tx, changed); err != nil {
			return st, err
		}
	}
	return st, nil
}

// sourceItems are the links' distinct source inventory items, with a link of each.
func sourceItems(links []catalog.Link) ([]string, map[string]int64) {
	linkOf := map[string]int64{}
	var items []string
	for _, l := range links {
		if _, ok := linkOf[l.SourceInventoryItemID]; !ok {
			linkOf[l.SourceInventoryItemID] = l.ID
			items = append(items, l.SourceInventoryItemID)
		}
	}
	return items, linkOf
}

// destinationBatch reads the destination's levels of a batch of linked items at the location
// inventory writes to, and compares them with what the hub last wrote there: another quantity
// (a person's edit, a write lost) re-marks the item pending so its store's job writes the
// decided quantity again. A linked item the hub never decided (linked after the source's level
// was recorded) is decided now from the recorded source levels.
func (s *Service) destinationBatch(ctx context.Context, p *progress, sd sides) error {
	links, err := s.linksBatch(ctx, p, phaseDone)
	if err != nil || len(links) == 0 {
		if err == nil {
			err = s.commit(ctx, p, nil)
		}
		return err
	}
	byItem := map[string]catalog.Link{}
	items := make([]string, 0, len(links))
	for _, l := range links {
		byItem[l.DestinationInventoryItemID] = l
		items = append(items, l.DestinationInventoryItemID)
	}
	// What the hub held before the store was read: a write landing between the read and the
	// comparison is not a drift.
	before, err := s.cfg.Inventory.TargetsOf(ctx, s.cfg.DB, sd.c.Destination.ID, items)
	if err != nil {
		return err
	}
	read, err := sd.dst.InventoryLevels(ctx, sd.dstLoc, items)
	if err != nil {
		return err
	}
	return s.commit(ctx, p, func(ctx context.Context, tx database.Tx) (step, error) {
		return s.destinationDrifts(ctx, tx, sd, read, items, byItem, before)
	})
}

func (s *Service) destinationDrifts(ctx context.Context, tx database.Tx, sd sides, read []platform.InventoryLevel, items []string,
	byItem map[string]catalog.Link, before map[string]inventory.Target) (step, error) {
	st := step{levels: int64(len(read))}
	dstID := sd.c.Destination.ID
	targets, err := s.cfg.Inventory.TargetsOf(ctx, tx, dstID, items)
	if err != nil {
		return st, err
	}
	found, written := map[string]int64{}, map[string]int64{}
	var undecided []catalog.Link
	for _, l := range read {
		t, ok := targets[l.InventoryItemID]
		b, was := before[l.InventoryItemID]
		switch {
		case !ok && !was:
			undecided = append(undecided, byItem[l.InventoryItemID])
		case ok && was && settled(b) && settled(t) && *t.Written == *b.Written && *t.Written != l.Available:
			found[l.InventoryItemID], written[l.InventoryItemID] = l.Available, *t.Written
		}
	}
	marked, err := s.cfg.Inventory.Rewrite(ctx, tx, inventory.RewriteParams{AccountID: sd.c.Destination.AccountID, StoreID: dstID,
		Found: found, Written: written})
	if err != nil {
		return st, err
	}
	for _, it := range marked {
		l := byItem[it]
		st.drifts = append(st.drifts, Drift{LinkID: &l.ID, Side: SideDestination, Attribute: "quantity", ItemID: it,
			Expected: strconv.FormatInt(*targets[it].Written, 10), Found: strconv.FormatInt(found[it], 10)})
	}
	drifts, err := s.decideUndecided(ctx, tx, sd, undecided, read)
	st.drifts = append(st.drifts, drifts...)
	return st, err
}

// decideUndecided feeds the recorded source levels of links no target exists for to inventory,
// which decides them; one whose destination holds another quantity than decided is a drift.
func (s *Service) decideUndecided(ctx context.Context, tx database.Tx, sd sides, links []catalog.Link, read []platform.InventoryLevel) ([]Drift, error) {
	if len(links) == 0 {
		return nil, nil
	}
	srcItems, _ := sourceItems(links)
	// Locked before they are read, and decided from the record without writing it again: a
	// level re-recorded from this read could replace one a webhook committed meanwhile.
	if err := s.cfg.Inventory.LockSourceLevels(ctx, tx, sd.c.Source.ID, srcItems); err != nil {
		return nil, err
	}
	recorded, err := s.cfg.Inventory.RecordedLevels(ctx, tx, sd.c.Source.ID, srcItems)
	if err != nil {
		return nil, err
	}
	var known, decided []string
	for _, l := range links {
		if len(recorded[l.SourceInventoryItemID]) > 0 {
			known = append(known, l.SourceInventoryItemID)
			decided = append(decided, l.DestinationInventoryItemID)
		}
	}
	if len(known) == 0 {
		return nil, nil
	}
	slices.Sort(known)
	if err := s.cfg.Inventory.DecideRecorded(ctx, tx, sd.c.Source.ID, slices.Compact(known)); err != nil {
		return nil, err
	}
	targets, err := s.cfg.Inventory.TargetsOf(ctx, tx, sd.c.Destination.ID, decided)
	if err != nil {
		return nil, err
	}
	at := map[string]int64{}
	for _, l := range read {
		at[l.InventoryItemID] = l.Available
	}
	var out []Drift
	for _, l := range links {
		t, ok := targets[l.DestinationInventoryItemID]
		if !ok || t.Desired == at[l.DestinationInventoryItemID] {
			continue
		}
		out = append(out, Drift{LinkID: &l.ID, Side: SideDestination, Attribute: "quantity", ItemID: l.DestinationInventoryItemID,
			Expected: strconv.FormatInt(t.Desired, 10), Found: strconv.FormatInt(at[l.DestinationInventoryItemID], 10)})
	}
	return out, nil
}

// writeLocation is the location inventory writes a destination's quantities at: its first
// active one (as inventory's write job chooses it).
func writeLocation(ctx context.Context, c platform.ShopReader) (string, error) {
	locs, err := c.Locations(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range locs {
		if l.Active {
			return l.ID, nil
		}
	}
	return "", errors.New("the destination store has no active location")
}

// settled reports whether the target's decided quantity is written (nothing on its way).
func settled(t inventory.Target) bool { return !t.Pending && t.Written != nil }
