package backoffice

import (
	"strconv"
	"strings"
)

// The SQL of back-office stock (stock*.go), kept beside queries.go's in the same portable form:
// $n placeholders, RETURNING and ON CONFLICT on both databases, account_id in every statement.

const itemColumns = `id, sku, barcode, description, currency, cost, price, on_hand, committed, version,
	created_at, updated_at`

const (
	sqlSelectItems = `SELECT ` + itemColumns + ` FROM backoffice_items`

	sqlInsertItem = `INSERT INTO backoffice_items (account_id, sku, sku_key, barcode, description, currency,
	cost, price, on_hand, committed, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10)
RETURNING id`

	sqlUpdateItem = `UPDATE backoffice_items SET sku = $3, sku_key = $4, barcode = $5, description = $6,
	currency = $7, cost = $8, price = $9, updated_at = $10, version = version + 1
WHERE account_id = $1 AND id = $2 AND version = $11`

	// sqlSetStock writes the counts an adjustment or a sales order decided on a row the
	// transaction has locked (or, on SQLite, holds the one writer for).
	sqlSetStock = `UPDATE backoffice_items SET on_hand = $3, committed = $4, updated_at = $5, version = version + 1
WHERE account_id = $1 AND id = $2`

	sqlInsertHistory = `INSERT INTO backoffice_stock_history (account_id, item_id, at, actor, kind, on_hand_before,
	on_hand_after, committed_before, committed_after, reference, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id`

	sqlSelectHistory = `SELECT id, item_id, at, actor, kind, on_hand_before, on_hand_after, committed_before,
	committed_after, reference, note FROM backoffice_stock_history`

	// sqlClaimKeyMove takes an adjustment's idempotency key; no row back means it was taken
	// before (on PostgreSQL, after waiting for the transaction that took it to end).
	sqlClaimKeyMove = `INSERT INTO backoffice_stock_moves (account_id, item_id, idem_key, kind, quantity, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (account_id, idem_key) DO NOTHING
RETURNING id`

	sqlKeyMove = `SELECT COALESCE(item_id, 0), kind, quantity FROM backoffice_stock_moves WHERE account_id = $1 AND idem_key = $2`

	sqlInsertLineMove = `INSERT INTO backoffice_stock_moves (account_id, item_id, line_id, kind, quantity, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (line_id, kind) DO NOTHING
RETURNING id`

	// sqlOrderLineMoves reads the lines of a sales order with the moves each has had.
	sqlOrderLineMoves = `SELECT l.id, l.sku, l.quantity, m.kind, COALESCE(m.item_id, 0), COALESCE(m.quantity, 0)
FROM bo_line_items l LEFT JOIN backoffice_stock_moves m ON m.line_id = l.id
WHERE l.account_id = $1 AND l.sales_order_id = $2
ORDER BY l.id`

	sqlSalesOrderExists = `SELECT id FROM bo_sales_orders WHERE account_id = $1 AND id = $2`
)

// addIn adds "column IN ($n, ...)" for vs to the filter.
func (f *filter) addIn(column string, vs []string) {
	f.conds = append(f.conds, inClause(f, column, vs))
}

// inClause adds vs to the filter's arguments and returns "column IN ($n, ...)" for them, for a
// condition the caller combines itself.
func inClause[T any](f *filter, column string, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		f.args = append(f.args, v)
		ph[i] = "$" + strconv.Itoa(len(f.args))
	}
	return column + " IN (" + strings.Join(ph, ", ") + ")"
}

// addMatch adds a case-insensitive substring match of text over columns (any of them).
func (f *filter) addMatch(columns []string, text string) {
	f.args = append(f.args, "%"+likeEscaper.Replace(strings.ToLower(text))+"%")
	n := "$" + strconv.Itoa(len(f.args))
	parts := make([]string, len(columns))
	for i, c := range columns {
		parts[i] = "lower(" + c + ") LIKE " + n + ` ESCAPE '\'`
	}
	f.conds = append(f.conds, "("+strings.Join(parts, " OR ")+")")
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
