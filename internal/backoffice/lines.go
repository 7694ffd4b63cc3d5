package backoffice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
)

// CreateLineParams adds one line item to a sales order. Purchase order lines are created with their
// order (CreatePurchaseOrderParams.Lines) and have no create of their own.
type CreateLineParams struct {
	Order OrderRef
	Input LineInput
}

// UpdateLineParams changes a line item of an order; see UpdateContactParams for IfVersion and Change.
type UpdateLineParams struct {
	Order     OrderRef
	ID        int64
	IfVersion int64
	Change    func(*LineInput)
}

// GetLineParams names one line item of an order.
type GetLineParams struct {
	Order OrderRef
	ID    int64
}

// ListOrderItemsParams lists the line items or payments of an order, a page at a time, by id.
type ListOrderItemsParams struct {
	Order OrderRef
	Page  int
}

// CreateLine validates and stores a new line item of a sales order.
func (s *Service) CreateLine(ctx context.Context, p CreateLineParams) (LineItem, error) {
	if p.Order.Kind != SalesOrderKind {
		return LineItem{}, fmt.Errorf("creating line item: purchase order lines are created with their order: %w", ErrConflict)
	}
	var out LineItem
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cur, err := orderCurrency(ctx, tx, p.Order, s.visibleSince(false))
		if err != nil {
			return err
		}
		if err := lockOrder(ctx, tx, p.Order); err != nil {
			return err
		}
		ids, err := insertLines(ctx, tx, p.Order, []LineInput{p.Input}, s.now(), false)
		if err != nil {
			return err
		}
		if err := checkTotals(ctx, tx, p.Order, "unit_price"); err != nil {
			return err
		}
		// A line added to the order (the built-in target completing an order job, or the API)
		// takes its stock too; lines committed before are not committed again.
		if _, err := s.CommitSalesOrderTx(ctx, tx, SalesOrderStockParams{AccountID: p.Order.AccountID, SalesOrderID: p.Order.OrderID}); err != nil {
			return err
		}
		out, err = getLine(ctx, tx, p.Order, ids[0], cur)
		return err
	})
	if err != nil {
		return LineItem{}, fmt.Errorf("creating line item: %w", err)
	}
	return out, nil
}

// UpdateLine applies p.Change to a line item and stores it in one transaction.
func (s *Service) UpdateLine(ctx context.Context, p UpdateLineParams) (LineItem, error) {
	var out LineItem
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		currency, err := orderCurrency(ctx, tx, p.Order, s.visibleSince(false))
		if err != nil {
			return err
		}
		cur, err := getLine(ctx, tx, p.Order, p.ID, currency)
		if err != nil {
			return err
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("line item %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		in := cur.LineInput
		if p.Change != nil {
			p.Change(&in)
		}
		if err := validateLine(&in, ""); err != nil {
			return err
		}
		if err := lockOrder(ctx, tx, p.Order); err != nil {
			return err
		}
		d := in.Decoration
		n, err := tx.Exec(ctx, sqlUpdateLine, p.Order.AccountID, p.ID, in.ProductRef, in.VariantRef, in.SKU,
			in.Description, in.Quantity, in.UnitPrice, d.DesignName, d.Location, d.Method, d.Supplier, s.now(), cur.Version)
		if err != nil {
			return fmt.Errorf("updating line item %d: %w", p.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("line item %d: %w", p.ID, ErrStale)
		}
		if err := checkTotals(ctx, tx, p.Order, "unit_price"); err != nil {
			return err
		}
		if p.Order.Kind == SalesOrderKind && (in.SKU != cur.SKU || in.Quantity != cur.Quantity) {
			if err := s.recommitLine(ctx, tx, p.Order, p.ID); err != nil {
				return err
			}
			// A SKU that names an item now, and did not, takes its stock.
			if _, err := s.CommitSalesOrderTx(ctx, tx, SalesOrderStockParams{AccountID: p.Order.AccountID, SalesOrderID: p.Order.OrderID}); err != nil {
				return err
			}
		}
		out, err = getLine(ctx, tx, p.Order, p.ID, currency)
		return err
	})
	if err != nil {
		return LineItem{}, fmt.Errorf("updating line item: %w", err)
	}
	return out, nil
}

// GetLine returns one line item of an order of a visible job.
func (s *Service) GetLine(ctx context.Context, p GetLineParams) (LineItem, error) {
	currency, err := orderCurrency(ctx, s.db, p.Order, s.visibleSince(false))
	if err != nil {
		return LineItem{}, err
	}
	return getLine(ctx, s.db, p.Order, p.ID, currency)
}

// ListLines returns a page of the line items of an order of a visible job.
func (s *Service) ListLines(ctx context.Context, p ListOrderItemsParams) (Page[LineItem], error) {
	page, offset := pageOffset(p.Page)
	out := Page[LineItem]{Page: page}
	currency, err := orderCurrency(ctx, s.db, p.Order, s.visibleSince(false))
	if err != nil {
		return out, err
	}
	f := orderFilter(p.Order)
	out, err = collectPage(ctx, s.db, out, "SELECT count(*) FROM bo_line_items"+f.where(),
		sqlSelectLines+f.where()+" ORDER BY id", f, offset, func(r database.Row) (LineItem, error) {
			return scanLine(r, currency)
		})
	if err != nil {
		return out, fmt.Errorf("line items: %w", err)
	}
	return out, nil
}

func orderFilter(ref OrderRef) filter {
	var f filter
	f.add("account_id = ?", ref.AccountID)
	f.add("job_id = ?", ref.JobID)
	f.add(orderColumn(ref.Kind)+" = ?", ref.OrderID)
	return f
}

// orderCurrency returns the currency of an order of a visible job, or a wrapped ErrNotFound.
func orderCurrency(ctx context.Context, q database.Querier, ref OrderRef, since time.Time) (string, error) {
	query, what := sqlSalesOrderCurrency, "sales order"
	if ref.Kind == PurchaseOrderKind {
		query, what = sqlPurchaseOrderCurrency, "purchase order"
	}
	var currency string
	err := q.QueryRow(ctx, query, ref.AccountID, ref.JobID, ref.OrderID, since).Scan(&currency)
	if errors.Is(err, database.ErrNoRows) {
		return "", fmt.Errorf("%s %d of job %d: %w", what, ref.OrderID, ref.JobID, database.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading %s %d: %w", what, ref.OrderID, err)
	}
	return currency, nil
}

// insertLines validates and inserts lines of an order, returning their IDs. A validation error
// names the field as lines[i].field when the lines came with their order (inOrder).
func insertLines(ctx context.Context, tx database.Tx, ref OrderRef, lines []LineInput, now time.Time, inOrder bool) ([]int64, error) {
	ids := make([]int64, 0, len(lines))
	so, po := orderIDs(ref)
	for i, in := range lines {
		prefix := ""
		if inOrder {
			prefix = fmt.Sprintf("lines[%d].", i)
		}
		if err := validateLine(&in, prefix); err != nil {
			return nil, err
		}
		d := in.Decoration
		var id int64
		if err := tx.QueryRow(ctx, sqlInsertLine, ref.AccountID, ref.JobID, so, po, in.ProductRef, in.VariantRef,
			in.SKU, in.Description, in.Quantity, in.UnitPrice, d.DesignName, d.Location, d.Method, d.Supplier,
			now).Scan(&id); err != nil {
			return nil, fmt.Errorf("inserting line item: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func orderIDs(ref OrderRef) (so, po sql.Null[int64]) {
	if ref.Kind == PurchaseOrderKind {
		return so, sql.Null[int64]{V: ref.OrderID, Valid: true}
	}
	return sql.Null[int64]{V: ref.OrderID, Valid: true}, po
}

func validateLine(in *LineInput, prefix string) error {
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.Description == "":
		return invalid(prefix+"description", in.Description, "is required")
	case in.Quantity <= 0:
		return invalid(prefix+"quantity", in.Quantity, "must be at least 1")
	case in.UnitPrice < 0:
		return invalid(prefix+"unit_price", in.UnitPrice, "cannot be negative")
	case in.Quantity > 1_000_000_000:
		return invalid(prefix+"quantity", in.Quantity, "must be at most 1000000000")
	}
	if _, err := money.Mul(in.Quantity, in.UnitPrice); err != nil {
		return invalid(prefix+"unit_price", in.UnitPrice, "quantity × unit price is out of range")
	}
	return nil
}

func getLine(ctx context.Context, q database.Querier, ref OrderRef, id int64, currency string) (LineItem, error) {
	f := orderFilter(ref)
	f.add("id = ?", id)
	l, err := scanLine(q.QueryRow(ctx, sqlSelectLines+f.where(), f.args...), currency)
	if errors.Is(err, database.ErrNoRows) {
		return LineItem{}, notFound("line item", id)
	}
	if err != nil {
		return LineItem{}, fmt.Errorf("reading line item %d: %w", id, err)
	}
	return l, nil
}

func scanLine(r database.Row, currency string) (LineItem, error) {
	var l LineItem
	var so, po sql.Null[int64]
	d := &l.Decoration
	err := r.Scan(&l.ID, &l.JobID, &so, &po, &l.ProductRef, &l.VariantRef, &l.SKU, &l.Description, &l.Quantity,
		&l.UnitPrice, &d.DesignName, &d.Location, &d.Method, &d.Supplier, &l.Version, &l.CreatedAt, &l.UpdatedAt)
	l.Order, l.OrderID = SalesOrderKind, so.V
	if po.Valid {
		l.Order, l.OrderID = PurchaseOrderKind, po.V
	}
	l.Currency = currency
	l.Total = l.Quantity * l.UnitPrice
	return l, err
}

// OrderCurrency returns the currency of an order of a visible job, which callers need to read
// decimal amounts meant for it.
func (s *Service) OrderCurrency(ctx context.Context, ref OrderRef) (string, error) {
	return orderCurrency(ctx, s.db, ref, s.visibleSince(false))
}
