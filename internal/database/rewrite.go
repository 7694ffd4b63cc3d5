package database

import (
	"context"
	"fmt"
)

// RewriteParams name a text column to rewrite row by row, and how.
type RewriteParams struct {
	// Table and Column are identifiers written by storesync's own code, never input: they are
	// put in the SQL as they are. The table has an integer id column.
	Table, Column string
	// Rewrite returns a row's new value and whether it changed.
	Rewrite func(value string) (string, bool, error)
}

// RewriteColumn rewrites every value of a column in tx, returning how many rows changed: used to
// encrypt, or re-encrypt under a new key, the secrets kept in several tables in one transaction.
// It reads every row before writing, since a pgx connection cannot write while a query is open.
func RewriteColumn(ctx context.Context, tx Tx, p RewriteParams) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, `+p.Column+` FROM `+p.Table+` ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("reading %s.%s: %w", p.Table, p.Column, err)
	}
	type row struct {
		id    int64
		value string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.value); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reading %s.%s: %w", p.Table, p.Column, err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reading %s.%s: %w", p.Table, p.Column, err)
	}
	n := 0
	for _, r := range todo {
		v, changed, err := p.Rewrite(r.value)
		if err != nil {
			return n, fmt.Errorf("%s %d %s: %w", p.Table, r.id, p.Column, err)
		}
		if !changed {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE `+p.Table+` SET `+p.Column+` = $1 WHERE id = $2`, v, r.id); err != nil {
			return n, fmt.Errorf("writing %s %d %s: %w", p.Table, r.id, p.Column, err)
		}
		n++
	}
	return n, nil
}
