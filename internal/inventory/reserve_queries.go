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

// reservationColumns is what scanReservation reads, in order.
const reservationColumns = `id, account_id, connection_id, destination_store_id, order_id, order_name, line_id,
	destination_variant_id, source_store_id, source_inventory_item_id, quantity, state, reason, order_updated_at,
	created_at, updated_at, pushed_at, released_at`

func scanReservation(row database.Row) (Reservation, error) {
	var r Reservation
	err := row.Scan(&r.ID, &r.AccountID, &r.ConnectionID, &r.DestinationStoreID, &r.OrderID, &r.OrderName, &r.LineID,
		&r.DestinationVariantID, &r.SourceStoreID, &r.SourceInventoryItemID, &r.Quantity, &r.State, &r.Reason,
		&r.OrderUpdatedAt, &r.CreatedAt, &r.UpdatedAt, &r.PushedAt, &r.ReleasedAt)
	return r, err
}

func collectReservations(rows database.Rows, err error) ([]Reservation, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// orderReservations are the order's reservations in every state, by line id.
func orderReservations(ctx context.Context, q database.Querier, storeID int64, orderID string) (map[string]Reservation, error) {
	rs, err := collectReservations(q.Query(ctx, `SELECT `+reservationColumns+` FROM inventory_reservations
		WHERE destination_store_id = $1 AND order_id = $2`, storeID, orderID))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Reservation, len(rs))
	for _, r := range rs {
		out[r.LineID] = r
	}
	return out, nil
}

// openReservations are the held and pushed reservations of the account's order, of the given
// lines (all when none are given).
func openReservations(ctx context.Context, q database.Querier, accountID, storeID int64, orderID string, lineIDs []string) ([]Reservation, error) {
	rs, err := collectReservations(q.Query(ctx, `SELECT `+reservationColumns+` FROM inventory_reservations
		WHERE account_id = $1 AND destination_store_id = $2 AND order_id = $3 AND state IN ('held', 'pushed')
		ORDER BY id`, accountID, storeID, orderID))
	if err != nil || len(lineIDs) == 0 {
		return rs, err
	}
	return slices.DeleteFunc(rs, func(r Reservation) bool { return !slices.Contains(lineIDs, r.LineID) }), nil
}

// maxItemsPerQuery bounds the ids of one IN list, well within both databases' parameter limits.
const maxItemsPerQuery = 500

// pushedReservations are the source items' pushed reservations.
func pushedReservations(ctx context.Context, q database.Querier, storeID int64, itemIDs []string) ([]Reservation, error) {
	var out []Reservation
	for ids := range slices.Chunk(itemIDs, maxItemsPerQuery) {
		args := []any{storeID}
		rs, err := collectReservations(q.Query(ctx, `SELECT `+reservationColumns+` FROM inventory_reservations
			WHERE source_store_id = $1 AND state = 'pushed' AND source_inventory_item_id IN (`+placeholders(&args, ids)+`)`, args...))
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// reservedKey names a source item.
type reservedKey struct {
	storeID int64
	itemID  string
}

// reservedSums sums, in one read per source store and 500 items, what the held and pushed
// reservations of connected connections hold of the source items (by source store): the
// quantity not yet in the source's own levels. Every item asked for has a sum, 0 when none.
func reservedSums(ctx context.Context, q database.Querier, byStore map[int64][]string) (map[reservedKey]int64, error) {
	memo := map[reservedKey]int64{}
	for storeID, items := range byStore {
		for ids := range slices.Chunk(items, maxItemsPerQuery) {
			args := []any{storeID}
			rows, err := q.Query(ctx, `SELECT r.source_inventory_item_id, COALESCE(SUM(r.quantity), 0) FROM inventory_reservations r
				JOIN connections c ON c.id = r.connection_id
				WHERE r.source_store_id = $1 AND r.state IN ('held', 'pushed') AND c.state = 'connected'
					AND r.source_inventory_item_id IN (`+placeholders(&args, ids)+`)
				GROUP BY r.source_inventory_item_id`, args...)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				memo[reservedKey{storeID, id}] = 0
			}
			for rows.Next() {
				var id string
				var n int64
				if err := rows.Scan(&id, &n); err != nil {
					rows.Close()
					return nil, err
				}
				memo[reservedKey{storeID, id}] = n
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	return memo, nil
}

func insertReservation(ctx context.Context, tx database.Tx, r Reservation) error {
	_, err := tx.Exec(ctx, `INSERT INTO inventory_reservations (account_id, connection_id, destination_store_id, order_id,
			order_name, line_id, destination_variant_id, source_store_id, source_inventory_item_id, quantity, state,
			order_updated_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (destination_store_id, order_id, line_id) DO NOTHING`,
		r.AccountID, r.ConnectionID, r.DestinationStoreID, r.OrderID, r.OrderName, r.LineID, r.DestinationVariantID,
		r.SourceStoreID, r.SourceInventoryItemID, r.Quantity, r.State, r.OrderUpdatedAt, r.CreatedAt, r.UpdatedAt)
	return err
}

func adjustReservation(ctx context.Context, tx database.Tx, id, quantity int64, stamp, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE inventory_reservations SET quantity = $2, order_updated_at = $3, updated_at = $4
		WHERE id = $1 AND state <> 'released'`, id, quantity, stamp, now)
	return err
}

func releaseReservation(ctx context.Context, tx database.Tx, id int64, reason string, stamp, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE inventory_reservations SET state = 'released', reason = $2, order_updated_at = $3,
			released_at = $4, updated_at = $4
		WHERE id = $1 AND state <> 'released'`, id, reason, stamp, now)
	return err
}

// reflectedPushed are the order's pushed reservations (of p's lines) whose source item has a
// level recorded at or after the reservation's push.
func reflectedPushed(ctx context.Context, q database.Querier, p MarkPushedParams) ([]Reservation, error) {
	args := []any{p.AccountID, p.DestinationStoreID, p.OrderID}
	lines := ""
	if len(p.LineIDs) > 0 {
		lines = ` AND r.line_id IN (` + placeholders(&args, p.LineIDs) + `)`
	}
	return collectReservations(q.Query(ctx, `SELECT `+prefixed("r.", reservationColumns)+` FROM inventory_reservations r
		WHERE r.account_id = $1 AND r.destination_store_id = $2 AND r.order_id = $3 AND r.state = 'pushed'`+lines+`
		AND EXISTS (SELECT 1 FROM inventory_source_levels l WHERE l.store_id = r.source_store_id
			AND l.inventory_item_id = r.source_inventory_item_id AND l.stamped_at >= r.pushed_at)
		ORDER BY r.id`, args...))
}

// prefixed qualifies each of a comma-separated column list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func markPushed(ctx context.Context, tx database.Tx, p MarkPushedParams, at, now time.Time) (int64, error) {
	args := []any{p.AccountID, p.DestinationStoreID, p.OrderID, at, now}
	lines := ""
	if len(p.LineIDs) > 0 {
		lines = ` AND line_id IN (` + placeholders(&args, p.LineIDs) + `)`
	}
	return tx.Exec(ctx, `UPDATE inventory_reservations SET state = 'pushed', pushed_at = $4, updated_at = $5
		WHERE account_id = $1 AND destination_store_id = $2 AND order_id = $3 AND state = 'held'`+lines, args...)
}

// lockSourceItems takes, on PostgreSQL, the row locks of the items' recorded source levels (in
// item order, so two deciding transactions never wait on each other in a cycle) before their
// reservations change or they are decided: a source level recorded concurrently waits for this
// transaction and then decides with its reservations and levels, or this one waits for it and
// decides with its level, so neither decides from a stale level or sum. SQLite runs one writer
// at a time already.
func lockSourceItems(ctx context.Context, tx database.Tx, items map[int64][]string) error {
	if tx.Dialect() != database.Postgres {
		return nil
	}
	for _, storeID := range slices.Sorted(maps.Keys(items)) {
		for ids := range slices.Chunk(slices.Sorted(slices.Values(items[storeID])), maxItemsPerQuery) {
			args := []any{storeID}
			rows, err := tx.Query(ctx, `SELECT 1 FROM inventory_source_levels
				WHERE store_id = $1 AND inventory_item_id IN (`+placeholders(&args, ids)+`)
				ORDER BY inventory_item_id, location_id FOR UPDATE`, args...)
			if err != nil {
				return err
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

func listReservations(ctx context.Context, q database.Querier, accountID, connectionID int64, p ListReservationsParams) ([]Reservation, int64, error) {
	where := `account_id = $1 AND connection_id = $2`
	args := []any{accountID, connectionID}
	if p.State != "" {
		where += ` AND state = $3`
		args = append(args, p.State)
	}
	var total int64
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM inventory_reservations WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	n := len(args)
	args = append(args, p.Limit, p.Offset)
	items, err := collectReservations(q.Query(ctx, `SELECT `+reservationColumns+` FROM inventory_reservations WHERE `+where+
		fmt.Sprintf(` ORDER BY id DESC LIMIT $%d OFFSET $%d`, n+1, n+2), args...))
	return items, total, err
}

// placeholders appends vals to args and returns their placeholders, comma separated.
func placeholders(args *[]any, vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		*args = append(*args, v)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", len(*args))
	}
	return b.String()
}
