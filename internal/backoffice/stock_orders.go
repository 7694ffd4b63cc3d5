package backoffice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/database"
)

// What sales orders do to stock. Each line whose SKU is an inventory item's moves at most once of
// each kind, recorded in backoffice_stock_moves:
//   - commit: the order takes the stock (committed += quantity) — when the order is created;
//   - relieve: the goods left (on hand −= quantity, committed −= what the line had committed) —
//     when the order is fulfilled;
//   - release: the order was cancelled: what it committed is released, what it relieved comes
//     back on hand.
//
// A line relieved or released is not committed afterwards, and a released line moves no more.
// So each call is safe to repeat: the second time changes nothing. On PostgreSQL the sales order's
// row is locked first, then its items in id order, so concurrent calls for one order run one
// after the other and calls for orders sharing items cannot deadlock.

// SalesOrderStockParams names the sales order whose lines move stock. Actor, when empty, is
// "sales order <id>".
type SalesOrderStockParams struct {
	AccountID    int64
	SalesOrderID int64
	Actor        string
}

// LineMove is the stock one line moved.
type LineMove struct {
	LineID   int64
	ItemID   int64
	SKU      string
	Kind     HistoryKind
	Quantity int64
}

// SalesOrderStockResult says what a call moved: nothing when it had been done before.
type SalesOrderStockResult struct {
	Moves []LineMove
	// Oversold lists the moved items whose available is now below zero: committed, but not there.
	Oversold []Item
}

// CommitSalesOrder commits the stock of each line of the sales order whose SKU is an inventory item.
func (s *Service) CommitSalesOrder(ctx context.Context, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveInTx(ctx, p, HistoryCommitted)
}

// CommitSalesOrderTx is CommitSalesOrder inside the caller's transaction.
func (s *Service) CommitSalesOrderTx(ctx context.Context, tx database.Tx, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveSalesOrder(ctx, tx, p, HistoryCommitted)
}

// RelieveSalesOrder records that the goods of the sales order left: on hand and committed go down
// by each line's quantity. The sync cycle calls it for orders the stores fulfilled.
func (s *Service) RelieveSalesOrder(ctx context.Context, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveInTx(ctx, p, HistoryRelieved)
}

// RelieveSalesOrderTx is RelieveSalesOrder inside the caller's transaction.
func (s *Service) RelieveSalesOrderTx(ctx context.Context, tx database.Tx, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveSalesOrder(ctx, tx, p, HistoryRelieved)
}

// ReleaseSalesOrder gives back the stock of a cancelled sales order.
func (s *Service) ReleaseSalesOrder(ctx context.Context, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveInTx(ctx, p, HistoryReleased)
}

// ReleaseSalesOrderTx is ReleaseSalesOrder inside the caller's transaction.
func (s *Service) ReleaseSalesOrderTx(ctx context.Context, tx database.Tx, p SalesOrderStockParams) (SalesOrderStockResult, error) {
	return s.moveSalesOrder(ctx, tx, p, HistoryReleased)
}

func (s *Service) moveInTx(ctx context.Context, p SalesOrderStockParams, kind HistoryKind) (SalesOrderStockResult, error) {
	var out SalesOrderStockResult
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = s.moveSalesOrder(ctx, tx, p, kind)
		return err
	})
	return out, err
}

// orderLine is a line of a sales order with the moves it has had, by kind.
type orderLine struct {
	id    int64
	sku   string
	qty   int64
	moves map[HistoryKind]lineMove
}

type lineMove struct{ item, qty int64 }

// planned is what one line will do to one item.
type planned struct {
	line                orderLine
	item                int64
	qty                 int64
	dOnHand, dCommitted int64
}

func (s *Service) moveSalesOrder(ctx context.Context, tx database.Tx, p SalesOrderStockParams, kind HistoryKind) (SalesOrderStockResult, error) {
	var out SalesOrderStockResult
	what := map[HistoryKind]string{HistoryCommitted: "committing", HistoryRelieved: "relieving", HistoryReleased: "releasing"}[kind]
	var id int64
	err := tx.QueryRow(ctx, sqlSalesOrderExists+forUpdate(tx), p.AccountID, p.SalesOrderID).Scan(&id)
	if errors.Is(err, database.ErrNoRows) {
		return out, fmt.Errorf("%s stock: %w", what, notFound("sales order", p.SalesOrderID))
	}
	if err != nil {
		return out, fmt.Errorf("%s stock of sales order %d: %w", what, p.SalesOrderID, err)
	}
	lines, err := orderLines(ctx, tx, p)
	if err != nil {
		return out, fmt.Errorf("%s stock of sales order %d: %w", what, p.SalesOrderID, err)
	}
	items, err := lockLineItems(ctx, tx, p.AccountID, lines)
	if err != nil {
		return out, fmt.Errorf("%s stock of sales order %d: %w", what, p.SalesOrderID, err)
	}
	actor := p.Actor
	if actor == "" {
		actor = "sales order " + strconv.FormatInt(p.SalesOrderID, 10)
	}
	now := s.now()
	for _, l := range lines {
		pl, ok := plan(l, kind, items)
		if !ok {
			continue
		}
		item := sql.Null[int64]{V: pl.item, Valid: pl.item != 0}
		var moveID int64
		err := tx.QueryRow(ctx, sqlInsertLineMove, p.AccountID, item, l.id, kind, pl.qty, now).Scan(&moveID)
		if errors.Is(err, database.ErrNoRows) {
			continue // moved already, by a call this one waited for
		}
		if err != nil {
			return out, fmt.Errorf("%s stock of line %d: %w", what, l.id, err)
		}
		if pl.item == 0 {
			continue // a release of a line that never moved stock: noted, so it never will
		}
		cur := items[pl.item]
		after, err := s.writeStock(ctx, tx, p.AccountID, cur, cur.OnHand+pl.dOnHand, cur.Committed+pl.dCommitted,
			stockChange{Actor: actor, Kind: kind, Reference: fmt.Sprintf("sales order %d line %d", p.SalesOrderID, l.id)})
		if err != nil {
			return out, err
		}
		items[pl.item] = after
		out.Moves = append(out.Moves, LineMove{LineID: l.id, ItemID: pl.item, SKU: after.SKU, Kind: kind, Quantity: pl.qty})
	}
	for _, m := range out.Moves {
		if it := items[m.ItemID]; it.Oversold() && !slices.ContainsFunc(out.Oversold, func(o Item) bool { return o.ID == it.ID }) {
			out.Oversold = append(out.Oversold, it)
		}
	}
	return out, nil
}

// plan decides what line l does for kind, given the locked items; false means nothing.
func plan(l orderLine, kind HistoryKind, items map[int64]Item) (planned, bool) {
	c, committed := l.moves[HistoryCommitted]
	r, relieved := l.moves[HistoryRelieved]
	_, released := l.moves[HistoryReleased]
	bySKU := func() int64 {
		for _, it := range items {
			if skuKey(it.SKU) == skuKey(l.sku) {
				return it.ID
			}
		}
		return 0
	}
	switch {
	case released:
		return planned{}, false
	case kind == HistoryCommitted:
		item := bySKU()
		if committed || relieved || item == 0 {
			return planned{}, false
		}
		return planned{line: l, item: item, qty: l.qty, dCommitted: l.qty}, true
	case kind == HistoryRelieved && relieved:
		return planned{}, false
	case kind == HistoryRelieved && committed:
		return planned{line: l, item: c.item, qty: c.qty, dOnHand: -c.qty, dCommitted: -c.qty}, true
	case kind == HistoryRelieved:
		item := bySKU()
		if item == 0 {
			return planned{}, false
		}
		return planned{line: l, item: item, qty: l.qty, dOnHand: -l.qty}, true
	case relieved: // release of goods that left: they come back
		return planned{line: l, item: r.item, qty: r.qty, dOnHand: r.qty}, true
	case committed:
		return planned{line: l, item: c.item, qty: c.qty, dCommitted: -c.qty}, true
	}
	return planned{line: l}, true // release of a line that never moved: recorded with no item
}

func orderLines(ctx context.Context, tx database.Tx, p SalesOrderStockParams) ([]orderLine, error) {
	rows, err := tx.Query(ctx, sqlOrderLineMoves, p.AccountID, p.SalesOrderID)
	if err != nil {
		return nil, fmt.Errorf("reading lines: %w", err)
	}
	defer rows.Close()
	var out []orderLine
	for rows.Next() {
		var l orderLine
		var kind sql.Null[string]
		var m lineMove
		if err := rows.Scan(&l.id, &l.sku, &l.qty, &kind, &m.item, &m.qty); err != nil {
			return nil, fmt.Errorf("reading lines: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].id != l.id {
			l.moves = map[HistoryKind]lineMove{}
			out = append(out, l)
		}
		if kind.Valid {
			out[len(out)-1].moves[HistoryKind(kind.V)] = m
		}
	}
	return out, rows.Err()
}

// lockLineItems reads (and on PostgreSQL locks, in id order) the items the lines name by SKU or
// by an earlier move.
func lockLineItems(ctx context.Context, tx database.Tx, accountID int64, lines []orderLine) (map[int64]Item, error) {
	var skus []string
	var ids []int64
	for _, l := range lines {
		if k := skuKey(l.sku); k != "" && !slices.Contains(skus, k) {
			skus = append(skus, k)
		}
		for _, m := range l.moves {
			if m.item != 0 && !slices.Contains(ids, m.item) {
				ids = append(ids, m.item)
			}
		}
	}
	out := map[int64]Item{}
	if len(skus) == 0 && len(ids) == 0 {
		return out, nil
	}
	var f filter
	f.add("account_id = ?", accountID)
	var either []string
	if len(skus) > 0 {
		either = append(either, inClause(&f, "sku_key", skus))
	}
	if len(ids) > 0 {
		either = append(either, inClause(&f, "id", ids))
	}
	f.conds = append(f.conds, "("+strings.Join(either, " OR ")+")")
	items, err := queryItems(ctx, tx, sqlSelectItems+f.where()+" ORDER BY id"+forUpdate(tx), f.args)
	if err != nil {
		return nil, fmt.Errorf("locking inventory items: %w", err)
	}
	for _, it := range items {
		out[it.ID] = it
	}
	return out, nil
}

// releaseJob releases the stock of every sales order of a job being cancelled, in the
// transaction that cancels it.
func (s *Service) releaseJob(ctx context.Context, tx database.Tx, accountID, jobID int64) error {
	ids, err := database.Int64s(tx.Query(ctx, `SELECT id FROM bo_sales_orders WHERE account_id = $1 AND job_id = $2 ORDER BY id`,
		accountID, jobID))
	if err != nil {
		return fmt.Errorf("reading the sales orders of job %d: %w", jobID, err)
	}
	for _, id := range ids {
		if _, err := s.ReleaseSalesOrderTx(ctx, tx, SalesOrderStockParams{AccountID: accountID, SalesOrderID: id,
			Actor: "job " + strconv.FormatInt(jobID, 10) + " cancelled"}); err != nil {
			return err
		}
	}
	return nil
}

// recommitLine makes a changed line's commitment follow it: a line still committed (its goods
// not gone, its order not cancelled) now commits its new quantity of its new SKU's item, and
// what it committed before is given back. A line whose SKU is no longer an item commits nothing
// (and a later commit takes it again should its SKU become one).
func (s *Service) recommitLine(ctx context.Context, tx database.Tx, ref OrderRef, lineID int64) error {
	p := SalesOrderStockParams{AccountID: ref.AccountID, SalesOrderID: ref.OrderID}
	var id int64
	if err := tx.QueryRow(ctx, sqlSalesOrderExists+forUpdate(tx), p.AccountID, p.SalesOrderID).Scan(&id); err != nil {
		return fmt.Errorf("locking sales order %d: %w", p.SalesOrderID, err)
	}
	lines, err := orderLines(ctx, tx, p)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(lines, func(l orderLine) bool { return l.id == lineID })
	if i < 0 {
		return nil
	}
	l := lines[i]
	c, committed := l.moves[HistoryCommitted]
	_, relieved := l.moves[HistoryRelieved]
	_, released := l.moves[HistoryReleased]
	if !committed || relieved || released {
		return nil
	}
	items, err := lockLineItems(ctx, tx, p.AccountID, []orderLine{l})
	if err != nil {
		return err
	}
	var now int64
	for _, it := range items {
		if skuKey(it.SKU) == skuKey(l.sku) {
			now = it.ID
		}
	}
	if now == c.item && l.qty == c.qty {
		return nil
	}
	change := stockChange{Actor: fmt.Sprintf("sales order %d line %d changed", p.SalesOrderID, l.id), Kind: HistoryCommitted,
		Reference: fmt.Sprintf("sales order %d line %d", p.SalesOrderID, l.id)}
	if now == c.item {
		it := items[c.item]
		if _, err := s.writeStock(ctx, tx, p.AccountID, it, it.OnHand, it.Committed+l.qty-c.qty, change); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE backoffice_stock_moves SET quantity = $2 WHERE line_id = $1 AND kind = 'committed'`, l.id, l.qty)
		return err
	}
	if old, ok := items[c.item]; ok {
		released := change
		released.Kind = HistoryReleased
		if _, err := s.writeStock(ctx, tx, p.AccountID, old, old.OnHand, old.Committed-c.qty, released); err != nil {
			return err
		}
	}
	if now == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM backoffice_stock_moves WHERE line_id = $1 AND kind = 'committed'`, l.id)
		return err
	}
	it := items[now]
	if _, err := s.writeStock(ctx, tx, p.AccountID, it, it.OnHand, it.Committed+l.qty, change); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE backoffice_stock_moves SET item_id = $2, quantity = $3 WHERE line_id = $1 AND kind = 'committed'`, l.id, now, l.qty)
	return err
}
