package backoffice

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
)

// checkTotals recomputes, with checked arithmetic, every line total and the subtotal, paid and
// balance of an order, inside the transaction that just changed its lines or payments. A change
// that would take any of them out of int64 minor units is refused as a ValidationError of field,
// so the order stays readable: the databases' own sums would overflow (PostgreSQL) or turn into
// floating point (SQLite). On PostgreSQL the order's row is locked first, so that two transactions
// adding lines or payments to one order check their totals one after the other (SQLite has one
// writer already).
func checkTotals(ctx context.Context, tx database.Tx, ref OrderRef, field string) error {
	if err := lockOrder(ctx, tx, ref); err != nil {
		return err
	}
	f := orderFilter(ref)
	var subtotal, paid int64
	rows, err := tx.Query(ctx, "SELECT quantity, unit_price FROM bo_line_items"+f.where(), f.args...)
	if err != nil {
		return fmt.Errorf("checking totals: %w", err)
	}
	defer rows.Close()
	var bad bool
	for rows.Next() {
		var q, p int64
		if err := rows.Scan(&q, &p); err != nil {
			return fmt.Errorf("checking totals: %w", err)
		}
		t, err := money.Mul(q, p)
		if err == nil {
			subtotal, err = money.Add(subtotal, t)
		}
		bad = bad || err != nil
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checking totals: %w", err)
	}
	rows.Close()
	prows, err := tx.Query(ctx, "SELECT amount FROM bo_payments"+f.where(), f.args...)
	if err != nil {
		return fmt.Errorf("checking totals: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var a int64
		if err := prows.Scan(&a); err != nil {
			return fmt.Errorf("checking totals: %w", err)
		}
		paid, err = money.Add(paid, a)
		bad = bad || err != nil
	}
	if err := prows.Err(); err != nil {
		return fmt.Errorf("checking totals: %w", err)
	}
	if _, err := money.Add(subtotal, -paid); err != nil || bad || paid == minInt64 {
		return invalid(field, nil, "takes a line total or the order's subtotal, paid or balance out of range")
	}
	return nil
}

const minInt64 = -1 << 63

// lockOrder takes the order's row lock on PostgreSQL (SQLite has one writer already). Changes
// to an order's lines or payments take it first, before they write: a line insert takes a key-share
// lock on its order through the foreign key, so two of them locking the order only after
// inserting would each wait for the other.
func lockOrder(ctx context.Context, tx database.Tx, ref OrderRef) error {
	if tx.Dialect() == database.Postgres {
		table := "bo_sales_orders"
		if ref.Kind == PurchaseOrderKind {
			table = "bo_purchase_orders"
		}
		var id int64
		if err := tx.QueryRow(ctx, "SELECT id FROM "+table+" WHERE account_id = $1 AND id = $2 FOR UPDATE",
			ref.AccountID, ref.OrderID).Scan(&id); err != nil {
			return fmt.Errorf("locking order %d: %w", ref.OrderID, err)
		}
	}
	return nil
}
