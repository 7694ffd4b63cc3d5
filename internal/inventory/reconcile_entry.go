package inventory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// What reconciliation asks of inventory: the hub's record of source levels and of destination
// targets, to compare with what the stores hold, and re-marking a destination item that drifted
// so its store's job writes it again. Kept apart from the rule (decide.go): nothing here decides.

// RecordedLevel is a source level as the hub recorded it, and when.
type RecordedLevel struct {
	Available int64
	UpdatedAt time.Time
}

// RecordedLevels returns, through q, the source levels the hub recorded for the store's items:
// item → location → level. An item with no level recorded is absent.
func (s *Service) RecordedLevels(ctx context.Context, q database.Querier, storeID int64, items []string) (map[string]map[string]RecordedLevel, error) {
	out := map[string]map[string]RecordedLevel{}
	for start := 0; start < len(items); start += maxItemsPerQuery {
		ids := items[start:min(len(items), start+maxItemsPerQuery)]
		args, in := inList(storeID, ids)
		rows, err := q.Query(ctx, `SELECT inventory_item_id, location_id, available, updated_at FROM inventory_source_levels
			WHERE store_id = $1 AND inventory_item_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading recorded source levels: %w", err)
		}
		for rows.Next() {
			var item, loc string
			var l RecordedLevel
			if err := rows.Scan(&item, &loc, &l.Available, &l.UpdatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			if out[item] == nil {
				out[item] = map[string]RecordedLevel{}
			}
			out[item][loc] = l
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TargetsOf returns, through q, the destination store's targets of the given items, by item.
func (s *Service) TargetsOf(ctx context.Context, q database.Querier, storeID int64, items []string) (map[string]Target, error) {
	out := map[string]Target{}
	for start := 0; start < len(items); start += maxItemsPerQuery {
		ids := items[start:min(len(items), start+maxItemsPerQuery)]
		args, in := inList(storeID, ids)
		rows, err := q.Query(ctx, `SELECT inventory_item_id, connection_id, source_quantity, desired, written_quantity,
				written_version < version, synced_at
			FROM inventory_targets WHERE destination_store_id = $1 AND inventory_item_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading destination targets: %w", err)
		}
		for rows.Next() {
			var t Target
			if err := rows.Scan(&t.InventoryItemID, &t.ConnectionID, &t.SourceQuantity, &t.Desired, &t.Written, &t.Pending,
				&t.SyncedAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[t.InventoryItemID] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RewriteParams name destination items found holding another quantity than the one last written.
type RewriteParams struct {
	AccountID int64            // the destination store's account
	StoreID   int64            // the destination store
	Found     map[string]int64 // inventory item id → the quantity the store holds now
	// Written is, per item, the written quantity the caller saw before it read the store: a
	// target written since (its write may have landed after the read) is left alone.
	Written map[string]int64
}

// Rewrite re-marks, in tx, the destination items that drifted as pending: written_quantity takes
// the quantity found (the next write's compare-and-set value), the version is bumped, and the
// store's write job is enqueued, so the decided quantity is written again. A target pending
// already, or written since the caller read it (Written), is left alone: its write is on its way
// or landed after the store was read. It returns the items re-marked.
func (s *Service) Rewrite(ctx context.Context, tx database.Tx, p RewriteParams) ([]string, error) {
	now := s.cfg.Now().UTC()
	var marked []string
	for _, item := range slices.Sorted(maps.Keys(p.Found)) { // in item order: no deadlock between two
		found, seen := p.Found[item], p.Written[item]
		n, err := tx.Exec(ctx, `UPDATE inventory_targets SET written_quantity = $3, version = version + 1, updated_at = $4
			WHERE destination_store_id = $1 AND inventory_item_id = $2 AND written_version = version
				AND written_quantity = $5 AND written_quantity <> $3`, p.StoreID, item, found, now, seen)
		if err != nil {
			return nil, fmt.Errorf("re-marking destination item %s: %w", item, err)
		}
		if n > 0 {
			marked = append(marked, item)
		}
	}
	if len(marked) > 0 {
		if err := s.jobs.Insert(ctx, tx, WriteArgs{AccountID: p.AccountID, StoreID: p.StoreID}, nil); err != nil {
			return nil, fmt.Errorf("enqueueing the inventory of store %d: %w", p.StoreID, err)
		}
	}
	return marked, nil
}

func inList(first any, ids []string) ([]any, string) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, first)
	var b strings.Builder
	for i, id := range ids {
		args = append(args, id)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return args, b.String()
}
