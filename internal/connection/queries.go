package connection

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// The SQL of connections, in one place. Every read joins both stores and keeps only the rows
// where the account owns one of the two: that is the only way a query reaches a connection.

const selectColumns = `SELECT c.id, d.id, d.account_id, d.name, d.store_key, s.id, s.account_id, s.name, s.store_key,
	c.state, c.blocked_at, c.disconnected_at, c.settings, c.disconnect_products, c.disconnect_zero_stock,
	c.disconnect_status, c.disconnect_requested_at, c.disconnect_seq, c.disconnect_total, c.disconnect_done,
	c.disconnect_failed, c.disconnect_error, c.linked_products, c.pushed_orders, c.version, c.created_at, c.updated_at
	FROM connections c
	JOIN stores d ON d.id = c.destination_store_id
	JOIN stores s ON s.id = c.source_store_id`

func scan(row database.Row) (Connection, error) {
	var (
		c         Connection
		state     string
		settings  string
		products  string
		zero      bool
		status    string
		requested sql.Null[time.Time]
		d         DisconnectAction
	)
	err := row.Scan(&c.ID, &c.Destination.ID, &c.Destination.AccountID, &c.Destination.Name, &c.Destination.Key,
		&c.Source.ID, &c.Source.AccountID, &c.Source.Name, &c.Source.Key,
		&state, &c.BlockedAt, &c.DisconnectedAt, &settings, &products, &zero, &status, &requested,
		&d.Seq, &d.Total, &d.Done, &d.Failed, &d.Error, &c.LinkedProducts, &c.PushedOrders, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return Connection{}, err
	}
	c.State = State(state)
	if err := json.Unmarshal([]byte(settings), &c.Settings); err != nil {
		return Connection{}, fmt.Errorf("connection %d: reading its settings: %w", c.ID, err)
	}
	if status != "" {
		d.Products, d.ZeroStock, d.Status, d.RequestedAt = Products(products), zero, status, requested.V
		c.Disconnect = &d
	}
	return c, nil
}

// getScoped reads one connection the account is a side of.
func getScoped(ctx context.Context, q database.Querier, accountID, id int64) (Connection, error) {
	c, err := scan(q.QueryRow(ctx, selectColumns+` WHERE c.id = $1 AND (d.account_id = $2 OR s.account_id = $2)`, id, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return Connection{}, refuse(ErrNotFound, "", fmt.Sprintf("no connection %d in this account", id))
	}
	if err != nil {
		return Connection{}, fmt.Errorf("reading connection %d: %w", id, err)
	}
	return c, nil
}

// listWhere builds the filter of a list: the account's side (or either), the state, a store.
func listWhere(p ListParams) (string, []any) {
	args := []any{p.AccountID}
	var conds []string
	switch p.Role {
	case RoleDestination:
		conds = append(conds, "d.account_id = $1")
	case RoleSource:
		conds = append(conds, "s.account_id = $1")
	default:
		conds = append(conds, "(d.account_id = $1 OR s.account_id = $1)")
	}
	if p.State != "" {
		args = append(args, string(p.State))
		conds = append(conds, fmt.Sprintf("c.state = $%d", len(args)))
	}
	if p.StoreID != 0 {
		args = append(args, p.StoreID)
		n := len(args)
		// the store must be the account's own: a side the account is on
		conds = append(conds, fmt.Sprintf("((c.destination_store_id = $%d AND d.account_id = $1) OR (c.source_store_id = $%d AND s.account_id = $1))", n, n))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func list(ctx context.Context, q database.Querier, p ListParams, perPage int) ([]Connection, int64, error) {
	where, args := listWhere(p)
	var total int64
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM connections c
		JOIN stores d ON d.id = c.destination_store_id
		JOIN stores s ON s.id = c.source_store_id`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting connections: %w", err)
	}
	args = append(args, perPage, (p.Page-1)*perPage)
	rows, err := q.Query(ctx, selectColumns+where+fmt.Sprintf(" ORDER BY c.id LIMIT $%d OFFSET $%d", len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("listing connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("listing connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("listing connections: %w", err)
	}
	return out, total, nil
}

func insert(ctx context.Context, tx database.Tx, destID, srcID int64, settings []byte, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO connections (destination_store_id, source_store_id, state, settings, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, destID, srcID, string(StateConnected), string(settings), now).Scan(&id)
	return id, err
}

// existing finds the connection of a pair, for the conflict message of a second connect.
func existing(ctx context.Context, q database.Querier, destID, srcID int64) (int64, State, error) {
	var id int64
	var st string
	err := q.QueryRow(ctx, `SELECT id, state FROM connections WHERE destination_store_id = $1 AND source_store_id = $2`, destID, srcID).Scan(&id, &st)
	return id, State(st), err
}

// update writes c's state, flags, settings and disconnect choice if c.Version is still the
// stored one, and bumps the version; false means someone changed the row meanwhile.
func update(ctx context.Context, tx database.Tx, c Connection, now time.Time) (bool, error) {
	settings, err := json.Marshal(c.Settings)
	if err != nil {
		return false, fmt.Errorf("encoding settings: %w", err)
	}
	var products, status string
	var zero bool
	var requested *time.Time
	var seq int64
	if d := c.Disconnect; d != nil {
		products, zero, status, requested, seq = string(d.Products), d.ZeroStock, d.Status, &d.RequestedAt, d.Seq
	}
	// the progress columns are the disconnect job's: left as they are (a new disconnect resets them)
	n, err := tx.Exec(ctx, `UPDATE connections SET state = $1, blocked_at = $2, disconnected_at = $3, settings = $4,
		disconnect_products = $5, disconnect_zero_stock = $6, disconnect_status = $7, disconnect_requested_at = $8,
		disconnect_seq = $9, version = version + 1, updated_at = $10
		WHERE id = $11 AND version = $12`,
		string(c.State), c.BlockedAt, c.DisconnectedAt, string(settings), products, zero, status, requested, seq, now, c.ID, c.Version)
	if err != nil {
		return false, fmt.Errorf("updating connection %d: %w", c.ID, err)
	}
	return n == 1, nil
}
