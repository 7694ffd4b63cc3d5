package inventory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Batched statements of the deciding path. A reconciliation's first full pass hands
// SourceChanged a batch of hundreds of levels, each fanning out to its destinations: a
// statement per level and per target made it a few round trips per variant. These record the
// levels, read them back and upsert the targets a few hundred rows per statement, in both
// dialects, with the single-row statements' semantics: a key given twice counts as the two
// statements in order would (the last level recorded wins; a read level keeps the first).

// levelBatch is how many source levels one statement records (6 parameters each).
const levelBatch = 500

// targetBatch is how many targets one statement decides (10 parameters each).
const targetBatch = 300

type levelKey struct {
	storeID  int64
	item     string
	location string
}

func (l SourceLevel) key() levelKey { return levelKey{l.StoreID, l.InventoryItemID, l.LocationID} }

// distinctLevels keeps one level per store, item and location (the last given when keepLast, the
// first otherwise), in key order: a multi-row upsert may not touch a row twice on PostgreSQL,
// and a fixed order keeps two deciding transactions from locking rows in opposite orders.
func distinctLevels(levels []SourceLevel, keepLast bool) []SourceLevel {
	at := make(map[levelKey]int, len(levels))
	out := make([]SourceLevel, 0, len(levels))
	for _, l := range levels {
		if i, ok := at[l.key()]; ok {
			if keepLast {
				out[i] = l
			}
			continue
		}
		at[l.key()] = len(out)
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b SourceLevel) int {
		return cmp.Or(cmp.Compare(a.StoreID, b.StoreID), strings.Compare(a.InventoryItemID, b.InventoryItemID),
			strings.Compare(a.LocationID, b.LocationID))
	})
	return out
}

// recordSourceLevels records the levels, a few hundred per statement: replace true overwrites a
// level known (a change announced or found), false keeps it (a read: a level a webhook recorded
// meanwhile is at least as new as the read).
func recordSourceLevels(ctx context.Context, tx database.Tx, levels []SourceLevel, replace bool, now time.Time) error {
	onConflict := `DO NOTHING`
	if replace {
		onConflict = `DO UPDATE SET available = excluded.available, updated_at = excluded.updated_at, stamped_at = excluded.stamped_at`
	}
	for batch := range slices.Chunk(distinctLevels(levels, replace), levelBatch) {
		args := make([]any, 0, 6*len(batch))
		var b strings.Builder
		for i, l := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			var stamp *time.Time
			if !l.UpdatedAt.IsZero() {
				at := l.UpdatedAt.UTC()
				stamp = &at
			}
			args = append(args, l.StoreID, l.InventoryItemID, l.LocationID, l.Available, now, stamp)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inventory_source_levels (store_id, inventory_item_id, location_id, available, updated_at, stamped_at)
			VALUES `+b.String()+`
			ON CONFLICT (store_id, inventory_item_id, location_id) `+onConflict, args...); err != nil {
			return fmt.Errorf("recording %d source levels (the first of item %s at %s): %w", len(batch),
				batch[0].InventoryItemID, batch[0].LocationID, err)
		}
	}
	return nil
}

// sourceLevelsOf reads the recorded levels of the source items (by source store), one read per
// store and 500 items: item → location → available. An item with no level has an empty map.
func sourceLevelsOf(ctx context.Context, q database.Querier, byStore map[int64][]string) (map[reservedKey]map[string]int64, error) {
	out := map[reservedKey]map[string]int64{}
	for _, storeID := range slices.Sorted(maps.Keys(byStore)) {
		for ids := range slices.Chunk(byStore[storeID], maxItemsPerQuery) {
			args := []any{storeID}
			rows, err := q.Query(ctx, `SELECT inventory_item_id, location_id, available FROM inventory_source_levels
				WHERE store_id = $1 AND inventory_item_id IN (`+placeholders(&args, ids)+`)`, args...)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if out[reservedKey{storeID, id}] == nil {
					out[reservedKey{storeID, id}] = map[string]int64{}
				}
			}
			for rows.Next() {
				var id, loc string
				var n int64
				if err := rows.Scan(&id, &loc, &n); err != nil {
					rows.Close()
					return nil, err
				}
				out[reservedKey{storeID, id}][loc] = n
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// targetRow is a decision to record for one destination item.
type targetRow struct {
	destinationStoreID int64
	itemID             string
	accountID          int64
	connectionID       int64
	linkID             int64
	sourceStoreID      int64
	sourceItemID       string
	sourceQuantity     int64
	desired            int64
}

// upsertTargets records the decisions, a few hundred per statement; a new decision (another
// quantity, or one not written yet) bumps the target's version, making it pending. It returns
// the destination stores with a target made pending. A destination item decided twice keeps
// the last decision.
func upsertTargets(ctx context.Context, tx database.Tx, decided []targetRow, now time.Time) (map[int64]bool, error) {
	type key struct {
		store int64
		item  string
	}
	at := make(map[key]int, len(decided))
	rows := make([]targetRow, 0, len(decided))
	for _, r := range decided {
		k := key{r.destinationStoreID, r.itemID}
		if i, ok := at[k]; ok {
			rows[i] = r
			continue
		}
		at[k] = len(rows)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b targetRow) int {
		return cmp.Or(cmp.Compare(a.destinationStoreID, b.destinationStoreID), strings.Compare(a.itemID, b.itemID))
	})
	changed := map[int64]bool{}
	for batch := range slices.Chunk(rows, targetBatch) {
		args := make([]any, 0, 9*len(batch)+1)
		args = append(args, now)
		var b strings.Builder
		for i, r := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $1)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
			args = append(args, r.destinationStoreID, r.itemID, r.accountID, r.connectionID, r.linkID, r.sourceStoreID,
				r.sourceItemID, r.sourceQuantity, r.desired)
		}
		res, err := tx.Query(ctx, `INSERT INTO inventory_targets (destination_store_id, inventory_item_id, account_id, connection_id,
				link_id, source_store_id, source_inventory_item_id, source_quantity, desired, updated_at)
			VALUES `+b.String()+`
			ON CONFLICT (destination_store_id, inventory_item_id) DO UPDATE SET source_quantity = excluded.source_quantity,
				desired = excluded.desired, version = inventory_targets.version + 1, updated_at = excluded.updated_at,
				account_id = excluded.account_id, connection_id = excluded.connection_id, link_id = excluded.link_id,
				source_store_id = excluded.source_store_id, source_inventory_item_id = excluded.source_inventory_item_id
			WHERE inventory_targets.desired <> excluded.desired
				OR inventory_targets.written_quantity IS NULL OR inventory_targets.written_quantity <> excluded.desired
			RETURNING destination_store_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("deciding %d destination items (the first %s): %w", len(batch), batch[0].itemID, err)
		}
		for res.Next() {
			var id int64
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			changed[id] = true
		}
		err = res.Err()
		res.Close()
		if err != nil {
			return nil, fmt.Errorf("deciding %d destination items (the first %s): %w", len(batch), batch[0].itemID, err)
		}
	}
	return changed, nil
}
