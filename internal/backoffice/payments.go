package backoffice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// CreatePaymentParams records a payment on a sales or purchase order.
type CreatePaymentParams struct {
	Order OrderRef
	Input PaymentInput
}

// CreatePayment validates and records a payment. A zero PaidAt means now.
func (s *Service) CreatePayment(ctx context.Context, p CreatePaymentParams) (Payment, error) {
	var out Payment
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		currency, err := orderCurrency(ctx, tx, p.Order, s.visibleSince(false))
		if err != nil {
			return err
		}
		if err := lockOrder(ctx, tx, p.Order); err != nil {
			return err
		}
		ids, err := insertPayments(ctx, tx, p.Order, []PaymentInput{p.Input}, s.now(), false)
		if err != nil {
			return err
		}
		if err := checkTotals(ctx, tx, p.Order, "amount"); err != nil {
			return err
		}
		f := orderFilter(p.Order)
		f.add("id = ?", ids[0])
		out, err = scanPayment(tx.QueryRow(ctx, sqlSelectPayments+f.where(), f.args...), currency)
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("creating payment: %w", err)
	}
	return out, nil
}

// ListPayments returns a page of the payments of an order of a visible job.
func (s *Service) ListPayments(ctx context.Context, p ListOrderItemsParams) (Page[Payment], error) {
	page, offset := pageOffset(p.Page)
	out := Page[Payment]{Page: page}
	currency, err := orderCurrency(ctx, s.db, p.Order, s.visibleSince(false))
	if err != nil {
		return out, err
	}
	f := orderFilter(p.Order)
	out, err = collectPage(ctx, s.db, out, "SELECT count(*) FROM bo_payments"+f.where(),
		sqlSelectPayments+f.where()+" ORDER BY id", f, offset, func(r database.Row) (Payment, error) {
			return scanPayment(r, currency)
		})
	if err != nil {
		return out, fmt.Errorf("payments: %w", err)
	}
	return out, nil
}

func insertPayments(ctx context.Context, tx database.Tx, ref OrderRef, payments []PaymentInput, now time.Time, inOrder bool) ([]int64, error) {
	ids := make([]int64, 0, len(payments))
	so, po := orderIDs(ref)
	for i, in := range payments {
		prefix := ""
		if inOrder {
			prefix = fmt.Sprintf("payments[%d].", i)
		}
		if err := validatePayment(ctx, tx, ref.AccountID, &in, prefix); err != nil {
			return nil, err
		}
		if in.PaidAt.IsZero() {
			in.PaidAt = now
		}
		var id int64
		if err := tx.QueryRow(ctx, sqlInsertPayment, ref.AccountID, ref.JobID, so, po, in.Amount, in.PaidAt,
			in.PaymentType, in.CardType, in.AdjustmentType, in.Reference, now).Scan(&id); err != nil {
			return nil, fmt.Errorf("inserting payment: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func validatePayment(ctx context.Context, q database.Querier, accountID int64, in *PaymentInput, prefix string) error {
	if in.Amount == 0 {
		return invalid(prefix+"amount", "0", "cannot be zero")
	}
	if in.PaymentType == "" {
		return invalid(prefix+"payment_type", "", "is required")
	}
	for _, c := range []struct {
		list  ListName
		field string
		code  string
	}{
		{ListPaymentTypes, "payment_type", in.PaymentType},
		{ListCardTypes, "card_type", in.CardType},
		{ListAdjustmentTypes, "adjustment_type", in.AdjustmentType},
	} {
		if err := checkListCode(ctx, q, accountID, c.list, prefix+c.field, c.code); err != nil {
			return err
		}
	}
	return nil
}

func scanPayment(r database.Row, currency string) (Payment, error) {
	var p Payment
	var so, po sql.Null[int64]
	err := r.Scan(&p.ID, &p.JobID, &so, &po, &p.Amount, &p.PaidAt, &p.PaymentType, &p.CardType,
		&p.AdjustmentType, &p.Reference, &p.CreatedAt)
	if errors.Is(err, database.ErrNoRows) {
		return p, fmt.Errorf("payment: %w", database.ErrNotFound)
	}
	p.Order, p.OrderID = SalesOrderKind, so.V
	if po.Valid {
		p.Order, p.OrderID = PurchaseOrderKind, po.V
	}
	p.Currency = currency
	return p, err
}

// insertLinesAndPayments adds the lines and payments given with a new order.
func (s *Service) insertLinesAndPayments(ctx context.Context, tx database.Tx, ref OrderRef,
	lines []LineInput, payments []PaymentInput, now time.Time) error {
	if _, err := insertLines(ctx, tx, ref, lines, now, true); err != nil {
		return err
	}
	if _, err := insertPayments(ctx, tx, ref, payments, now, true); err != nil {
		return err
	}
	return checkTotals(ctx, tx, ref, "lines")
}
