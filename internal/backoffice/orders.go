package backoffice

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// CreateSalesOrderParams creates a sales order of a visible job, with optional lines and payments,
// in one transaction (a store order arrives whole). An empty SoldTo is filled from the job's contact.
type CreateSalesOrderParams struct {
	AccountID int64
	JobID     int64
	Input     SalesOrderInput
	Lines     []LineInput
	Payments  []PaymentInput
	CreatedAt time.Time // zero means now
}

// UpdateSalesOrderParams changes a sales order of a visible job. The currency cannot change.
type UpdateSalesOrderParams struct {
	AccountID int64
	JobID     int64
	ID        int64
	IfVersion int64
	Change    func(*SalesOrderInput)
}

// CreatePurchaseOrderParams creates a purchase order of a visible job with its lines: purchase
// order lines are only ever created with their order.
type CreatePurchaseOrderParams struct {
	AccountID int64
	JobID     int64
	Input     PurchaseOrderInput
	Lines     []LineInput
	CreatedAt time.Time // zero means now
}

// UpdatePurchaseOrderParams changes a purchase order of a visible job. The currency cannot change.
type UpdatePurchaseOrderParams struct {
	AccountID int64
	JobID     int64
	ID        int64
	IfVersion int64
	Change    func(*PurchaseOrderInput)
}

// GetOrderParams names one order of a job.
type GetOrderParams struct {
	AccountID int64
	JobID     int64
	ID        int64
}

// ListOrdersParams lists the orders (or the lines or payments of an order) of a job, a page at a
// time, ordered by id.
type ListOrdersParams struct {
	AccountID int64
	JobID     int64
	Page      int
}

// CreateSalesOrder stores a new sales order with its lines and payments.
func (s *Service) CreateSalesOrder(ctx context.Context, p CreateSalesOrderParams) (SalesOrder, error) {
	var out SalesOrder
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		// A backdated order (demo data, imports) may belong to an old job; the API never backdates.
		out, err = s.createSalesOrder(ctx, tx, p, s.visibleSince(!p.CreatedAt.IsZero()))
		return err
	})
	if err != nil {
		return SalesOrder{}, fmt.Errorf("creating sales order: %w", err)
	}
	return out, nil
}

func (s *Service) createSalesOrder(ctx context.Context, tx database.Tx, p CreateSalesOrderParams, since time.Time) (SalesOrder, error) {
	created := p.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	job, err := getJob(ctx, tx, p.AccountID, p.JobID, since)
	if err != nil {
		return SalesOrder{}, err
	}
	in := p.Input
	if in.Status == "" {
		in.Status = SODraft
	}
	if in.Status != SODraft && in.Status != SOConfirmed {
		return SalesOrder{}, invalid("status", in.Status, "a new sales order is %s or %s", SODraft, SOConfirmed)
	}
	if in.Currency, err = NormalizeCurrency(in.Currency); err != nil {
		return SalesOrder{}, invalid("currency", p.Input.Currency, "must be an ISO 4217 currency code")
	}
	if err := errors.Join(checkAddress("sold_to", &in.SoldTo), checkAddress("bill_to", &in.BillTo), checkAddress("ship_to", &in.ShipTo)); err != nil {
		return SalesOrder{}, firstError(err)
	}
	if in.SoldTo.IsZero() {
		c, err := getContact(ctx, tx, p.AccountID, job.ContactID)
		if err != nil {
			return SalesOrder{}, err
		}
		in.SoldTo = Address{Name: c.Name, Company: c.Company, Line1: c.Address.Line1, Line2: c.Address.Line2,
			City: c.Address.City, State: c.Address.State, PostalCode: c.Address.PostalCode,
			Country: c.Address.Country, Phone: c.Phone, Email: c.Email}
	}
	addrs, err := addressesJSON(in.SoldTo, in.BillTo, in.ShipTo)
	if err != nil {
		return SalesOrder{}, err
	}
	var id int64
	if err := tx.QueryRow(ctx, sqlInsertSalesOrder, p.AccountID, p.JobID, in.Status, in.Currency,
		addrs[0], addrs[1], addrs[2], in.CustomerInstructions,
		in.CSRInstructions, created).Scan(&id); err != nil {
		return SalesOrder{}, fmt.Errorf("inserting sales order: %w", err)
	}
	ref := OrderRef{AccountID: p.AccountID, JobID: p.JobID, Kind: SalesOrderKind, OrderID: id}
	if err := s.insertLinesAndPayments(ctx, tx, ref, p.Lines, p.Payments, created); err != nil {
		return SalesOrder{}, err
	}
	// The order takes the stock of its lines' inventory items (stock_orders.go) as it is made.
	if _, err := s.CommitSalesOrderTx(ctx, tx, SalesOrderStockParams{AccountID: p.AccountID, SalesOrderID: id}); err != nil {
		return SalesOrder{}, err
	}
	return getSalesOrder(ctx, tx, p.AccountID, p.JobID, id)
}

// UpdateSalesOrder applies p.Change to a sales order and stores it in one transaction.
func (s *Service) UpdateSalesOrder(ctx context.Context, p UpdateSalesOrderParams) (SalesOrder, error) {
	var out SalesOrder
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := visibleJob(ctx, tx, p.AccountID, p.JobID, s.visibleSince(false)); err != nil {
			return err
		}
		cur, err := getSalesOrder(ctx, tx, p.AccountID, p.JobID, p.ID)
		if err != nil {
			return err
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("sales order %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		in := cur.SalesOrderInput
		if p.Change != nil {
			p.Change(&in)
		}
		if err := checkOrderChange(SalesOrderStatuses, soTransitions, cur.Status, in.Status, cur.Currency, in.Currency); err != nil {
			return err
		}
		if err := errors.Join(checkAddress("sold_to", &in.SoldTo), checkAddress("bill_to", &in.BillTo), checkAddress("ship_to", &in.ShipTo)); err != nil {
			return firstError(err)
		}
		addrs, err := addressesJSON(in.SoldTo, in.BillTo, in.ShipTo)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, sqlUpdateSalesOrder, p.AccountID, p.JobID, p.ID, in.Status, addrs[0],
			addrs[1], addrs[2], in.CustomerInstructions, in.CSRInstructions, s.now(), cur.Version)
		if err != nil {
			return fmt.Errorf("updating sales order %d: %w", p.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("sales order %d: %w", p.ID, ErrStale)
		}
		// A cancelled sales order gives back what it committed (and what it relieved), in the
		// transaction that cancels it.
		if in.Status == SOCancelled && cur.Status != SOCancelled {
			if _, err := s.ReleaseSalesOrderTx(ctx, tx, SalesOrderStockParams{AccountID: p.AccountID, SalesOrderID: p.ID,
				Actor: "sales order " + strconv.FormatInt(p.ID, 10) + " cancelled"}); err != nil {
				return err
			}
		}
		out, err = getSalesOrder(ctx, tx, p.AccountID, p.JobID, p.ID)
		return err
	})
	if err != nil {
		return SalesOrder{}, fmt.Errorf("updating sales order: %w", err)
	}
	return out, nil
}

// GetSalesOrder returns one sales order of a visible job.
func (s *Service) GetSalesOrder(ctx context.Context, p GetOrderParams) (SalesOrder, error) {
	if err := visibleJob(ctx, s.db, p.AccountID, p.JobID, s.visibleSince(false)); err != nil {
		return SalesOrder{}, err
	}
	return getSalesOrder(ctx, s.db, p.AccountID, p.JobID, p.ID)
}

// ListSalesOrders returns a page of the sales orders of a visible job.
func (s *Service) ListSalesOrders(ctx context.Context, p ListOrdersParams) (Page[SalesOrder], error) {
	return listUnderJob(ctx, s, p, "bo_sales_orders o", "o.", sqlSelectSalesOrders, scanSalesOrder)
}

// CreatePurchaseOrder stores a new purchase order with its lines.
func (s *Service) CreatePurchaseOrder(ctx context.Context, p CreatePurchaseOrderParams) (PurchaseOrder, error) {
	var out PurchaseOrder
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = s.createPurchaseOrder(ctx, tx, p, s.visibleSince(!p.CreatedAt.IsZero()))
		return err
	})
	if err != nil {
		return PurchaseOrder{}, fmt.Errorf("creating purchase order: %w", err)
	}
	return out, nil
}

func (s *Service) createPurchaseOrder(ctx context.Context, tx database.Tx, p CreatePurchaseOrderParams, since time.Time) (PurchaseOrder, error) {
	created := p.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	if err := visibleJob(ctx, tx, p.AccountID, p.JobID, since); err != nil {
		return PurchaseOrder{}, err
	}
	in := p.Input
	if in.Status == "" {
		in.Status = PODraft
	}
	if in.Status != PODraft && in.Status != POSent {
		return PurchaseOrder{}, invalid("status", in.Status, "a new purchase order is %s or %s", PODraft, POSent)
	}
	var err error
	if in.Currency, err = NormalizeCurrency(in.Currency); err != nil {
		return PurchaseOrder{}, invalid("currency", p.Input.Currency, "must be an ISO 4217 currency code")
	}
	if in.Supplier == "" {
		return PurchaseOrder{}, invalid("supplier", in.Supplier, "is required")
	}
	if err := checkAddress("ship_to", &in.ShipTo); err != nil {
		return PurchaseOrder{}, err
	}
	if err := checkListCode(ctx, tx, p.AccountID, ListSuppliers, "supplier", in.Supplier); err != nil {
		return PurchaseOrder{}, err
	}
	addrs, err := addressesJSON(in.ShipTo)
	if err != nil {
		return PurchaseOrder{}, err
	}
	var id int64
	if err := tx.QueryRow(ctx, sqlInsertPurchaseOrder, p.AccountID, p.JobID, in.Supplier, in.Status, in.Currency,
		addrs[0], in.Instructions, created).Scan(&id); err != nil {
		return PurchaseOrder{}, fmt.Errorf("inserting purchase order: %w", err)
	}
	ref := OrderRef{AccountID: p.AccountID, JobID: p.JobID, Kind: PurchaseOrderKind, OrderID: id}
	if err := s.insertLinesAndPayments(ctx, tx, ref, p.Lines, nil, created); err != nil {
		return PurchaseOrder{}, err
	}
	return getPurchaseOrder(ctx, tx, p.AccountID, p.JobID, id)
}

// UpdatePurchaseOrder applies p.Change to a purchase order and stores it in one transaction.
func (s *Service) UpdatePurchaseOrder(ctx context.Context, p UpdatePurchaseOrderParams) (PurchaseOrder, error) {
	var out PurchaseOrder
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := visibleJob(ctx, tx, p.AccountID, p.JobID, s.visibleSince(false)); err != nil {
			return err
		}
		cur, err := getPurchaseOrder(ctx, tx, p.AccountID, p.JobID, p.ID)
		if err != nil {
			return err
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("purchase order %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		in := cur.PurchaseOrderInput
		if p.Change != nil {
			p.Change(&in)
		}
		if err := checkOrderChange(PurchaseOrderStatuses, poTransitions, cur.Status, in.Status, cur.Currency, in.Currency); err != nil {
			return err
		}
		if err := checkAddress("ship_to", &in.ShipTo); err != nil {
			return err
		}
		if err := checkListCode(ctx, tx, p.AccountID, ListSuppliers, "supplier", in.Supplier); err != nil {
			return err
		}
		if in.Supplier == "" {
			return invalid("supplier", in.Supplier, "is required")
		}
		addrs, err := addressesJSON(in.ShipTo)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, sqlUpdatePurchaseOrder, p.AccountID, p.JobID, p.ID, in.Supplier, in.Status,
			addrs[0], in.Instructions, s.now(), cur.Version)
		if err != nil {
			return fmt.Errorf("updating purchase order %d: %w", p.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("purchase order %d: %w", p.ID, ErrStale)
		}
		out, err = getPurchaseOrder(ctx, tx, p.AccountID, p.JobID, p.ID)
		return err
	})
	if err != nil {
		return PurchaseOrder{}, fmt.Errorf("updating purchase order: %w", err)
	}
	return out, nil
}

// GetPurchaseOrder returns one purchase order of a visible job.
func (s *Service) GetPurchaseOrder(ctx context.Context, p GetOrderParams) (PurchaseOrder, error) {
	if err := visibleJob(ctx, s.db, p.AccountID, p.JobID, s.visibleSince(false)); err != nil {
		return PurchaseOrder{}, err
	}
	return getPurchaseOrder(ctx, s.db, p.AccountID, p.JobID, p.ID)
}

// ListPurchaseOrders returns a page of the purchase orders of a visible job.
func (s *Service) ListPurchaseOrders(ctx context.Context, p ListOrdersParams) (Page[PurchaseOrder], error) {
	return listUnderJob(ctx, s, p, "bo_purchase_orders o", "o.", sqlSelectPurchaseOrders, scanPurchaseOrder)
}

func checkOrderChange(statuses []OrderStatus, table map[OrderStatus][]OrderStatus, from, to OrderStatus, curCurrency, currency string) error {
	if !slices.Contains(statuses, to) {
		return invalid("status", to, "must be one of %s", joinStatuses(statuses))
	}
	if !canMove(table, from, to) {
		return invalid("status", to, "a %s order cannot become %s", from, to)
	}
	if currency != curCurrency {
		return invalid("currency", currency, "cannot change once the order exists (it is %s)", curCurrency)
	}
	return nil
}

func getSalesOrder(ctx context.Context, q database.Querier, accountID, jobID, id int64) (SalesOrder, error) {
	o, err := scanSalesOrder(q.QueryRow(ctx, sqlSelectSalesOrders+" WHERE o.account_id = $1 AND o.job_id = $2 AND o.id = $3",
		accountID, jobID, id))
	if errors.Is(err, database.ErrNoRows) {
		return SalesOrder{}, notFound("sales order", id)
	}
	if err != nil {
		return SalesOrder{}, fmt.Errorf("reading sales order %d: %w", id, err)
	}
	return o, nil
}

func scanSalesOrder(r database.Row) (SalesOrder, error) {
	var o SalesOrder
	var soldTo, billTo, shipTo string
	err := r.Scan(&o.ID, &o.JobID, &o.Status, &o.Currency, &soldTo, &billTo, &shipTo, &o.CustomerInstructions,
		&o.CSRInstructions, &o.Version, &o.CreatedAt, &o.UpdatedAt, &o.Subtotal, &o.Paid)
	if err != nil {
		return o, err
	}
	o.Balance = o.Subtotal - o.Paid
	return o, errors.Join(parseAddress(soldTo, &o.SoldTo), parseAddress(billTo, &o.BillTo), parseAddress(shipTo, &o.ShipTo))
}

func getPurchaseOrder(ctx context.Context, q database.Querier, accountID, jobID, id int64) (PurchaseOrder, error) {
	o, err := scanPurchaseOrder(q.QueryRow(ctx, sqlSelectPurchaseOrders+" WHERE o.account_id = $1 AND o.job_id = $2 AND o.id = $3",
		accountID, jobID, id))
	if errors.Is(err, database.ErrNoRows) {
		return PurchaseOrder{}, notFound("purchase order", id)
	}
	if err != nil {
		return PurchaseOrder{}, fmt.Errorf("reading purchase order %d: %w", id, err)
	}
	return o, nil
}

func scanPurchaseOrder(r database.Row) (PurchaseOrder, error) {
	var o PurchaseOrder
	var shipTo string
	err := r.Scan(&o.ID, &o.JobID, &o.Supplier, &o.Status, &o.Currency, &shipTo, &o.Instructions, &o.Version,
		&o.CreatedAt, &o.UpdatedAt, &o.Subtotal, &o.Paid)
	if err != nil {
		return o, err
	}
	o.Balance = o.Subtotal - o.Paid
	return o, parseAddress(shipTo, &o.ShipTo)
}

// firstError returns the first error joined in err (errors.Join), so one field is named at a time.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}
