package inventory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

func isNotFound(err error) bool { return errors.Is(err, database.ErrNotFound) }

// target is one pending destination item, as its store's job reads it.
type target struct {
	itemID         string
	accountID      int64
	connectionID   int64
	linkID         int64
	sourceQuantity int64
	desired        int64
	version        int64
	written        *int64
}

func pendingTargets(ctx context.Context, q database.Querier, storeID int64, limit int) ([]target, error) {
	rows, err := q.Query(ctx, `SELECT inventory_item_id, account_id, connection_id, link_id, source_quantity, desired, version,
			written_quantity
		FROM inventory_targets WHERE destination_store_id = $1 AND written_version < version
		ORDER BY inventory_item_id LIMIT $2`, storeID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.itemID, &t.accountID, &t.connectionID, &t.linkID, &t.sourceQuantity, &t.desired, &t.version,
			&t.written); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// settle records a written target (wrote true: its quantity is now on the destination) or one
// dropped without writing (its connection no longer syncs), at the version the job read.
func settle(ctx context.Context, tx database.Tx, storeID int64, t target, wrote bool, now time.Time) error {
	if !wrote {
		_, err := tx.Exec(ctx, `UPDATE inventory_targets SET written_version = $3
			WHERE destination_store_id = $1 AND inventory_item_id = $2 AND written_version < $3`, storeID, t.itemID, t.version)
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE inventory_targets SET written_quantity = $3, written_version = $4, synced_at = $5
		WHERE destination_store_id = $1 AND inventory_item_id = $2 AND written_version < $4`,
		storeID, t.itemID, t.desired, t.version, now)
	return err
}

func countPending(ctx context.Context, q database.Querier, storeID int64) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM inventory_targets WHERE destination_store_id = $1 AND written_version < version`,
		storeID).Scan(&n)
	return n, err
}

// Target is a destination item's decided and written quantities, for tests and the dashboard.
type Target struct {
	InventoryItemID string
	ConnectionID    int64
	SourceQuantity  int64
	Desired         int64
	Written         *int64
	Pending         bool
	SyncedAt        *time.Time
}

// TargetsParams choose one destination store's targets.
type TargetsParams struct {
	StoreID int64
}

// Targets returns the store's destination items' quantities, by inventory item id.
func (s *Service) Targets(ctx context.Context, p TargetsParams) ([]Target, error) {
	rows, err := s.db.Query(ctx, `SELECT inventory_item_id, connection_id, source_quantity, desired, written_quantity,
			written_version < version, synced_at
		FROM inventory_targets WHERE destination_store_id = $1 ORDER BY inventory_item_id`, p.StoreID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Target
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.InventoryItemID, &t.ConnectionID, &t.SourceQuantity, &t.Desired, &t.Written, &t.Pending,
			&t.SyncedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// pendingSpan is when the store's oldest and newest pending targets were decided (nil: none).
// Two ordered reads rather than MIN and MAX: SQLite returns an aggregate of timestamps as text.
func pendingSpan(ctx context.Context, q database.Querier, storeID int64) (oldest, newest *time.Time, err error) {
	for _, dir := range []struct {
		order string
		into  **time.Time
	}{{"ASC", &oldest}, {"DESC", &newest}} {
		var at time.Time
		err := q.QueryRow(ctx, `SELECT updated_at FROM inventory_targets
			WHERE destination_store_id = $1 AND written_version < version ORDER BY updated_at `+dir.order+` LIMIT 1`,
			storeID).Scan(&at)
		if errors.Is(err, database.ErrNoRows) {
			return nil, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		*dir.into = &at
	}
	return oldest, newest, nil
}

// lockStore serializes, per store, a transaction's enqueueing of the store's unique job (a
// destination's write, a source's read) with the job's own check that nothing is left pending
// before it completes:
// otherwise (PostgreSQL, read committed) a decision committed just after the job counted
// nothing pending, and whose enqueue was skipped as the job was still running, would stay
// pending with no job. A no-key row lock, so it does not block foreign-key checks; SQLite runs
// one writer at a time already.
func lockStore(ctx context.Context, tx database.Tx, storeID int64) error {
	if tx.Dialect() != database.Postgres {
		return nil
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT id FROM stores WHERE id = $1 FOR NO KEY UPDATE`, storeID).Scan(&id); err != nil && !errors.Is(err, database.ErrNoRows) {
		return fmt.Errorf("locking store %d: %w", storeID, err)
	}
	return nil
}

// askRead records that a source item's levels must be read (again, if a read is under way).
func askRead(ctx context.Context, tx database.Tx, storeID int64, item string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO inventory_source_reads (store_id, inventory_item_id, requested_at) VALUES ($1, $2, $3)
		ON CONFLICT (store_id, inventory_item_id) DO UPDATE SET requests = inventory_source_reads.requests + 1,
			requested_at = excluded.requested_at`, storeID, item, now)
	return err
}

// askedRead is an item to read, with the count of asks the read answers.
type askedRead struct {
	item     string
	requests int64
}

func askedReads(ctx context.Context, q database.Querier, storeID int64, limit int) ([]askedRead, error) {
	rows, err := q.Query(ctx, `SELECT inventory_item_id, requests FROM inventory_source_reads WHERE store_id = $1
		ORDER BY inventory_item_id LIMIT $2`, storeID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []askedRead
	for rows.Next() {
		var r askedRead
		if err := rows.Scan(&r.item, &r.requests); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// settleRead forgets an item read, unless it was asked for again since the read began.
func settleRead(ctx context.Context, tx database.Tx, storeID int64, r askedRead) error {
	_, err := tx.Exec(ctx, `DELETE FROM inventory_source_reads WHERE store_id = $1 AND inventory_item_id = $2 AND requests = $3`,
		storeID, r.item, r.requests)
	return err
}

func countAsked(ctx context.Context, q database.Querier, storeID int64) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM inventory_source_reads WHERE store_id = $1`, storeID).Scan(&n)
	return n, err
}
