package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// PerPage is the size of a page of orders.
const PerPage = 20

// MaxPage bounds the page number so the offset cannot overflow.
const MaxPage = 1_000_000

// Order is a destination order as the hub keeps it.
type Order struct {
	ID                int64
	AccountID         int64
	StoreID           int64
	StoreName         string
	PlatformOrderID   string
	Name              string
	CustomerName      string
	Email             string
	HasShipping       bool
	FinancialStatus   string
	FulfillmentStatus string
	PushStatus        string
	Currency          string
	Subtotal          int64
	Shipping          int64
	Tax               int64
	Total             int64
	CancelledAt       *time.Time
	PlacedAt          *time.Time
	PlatformUpdatedAt *time.Time
	ReceivedAt        time.Time
	UpdatedAt         time.Time
	OpenFlags         int64 // flags not cleared (flags.go)
	// Detail only (Get):
	Lines    []Line
	Pushes   []Push
	Timeline []Event
	Flags    []Flag
	// Fulfillments are the source fulfilments applied (or to apply) to it, when shown.
	Fulfillments []Fulfillment
}

// Line is one line of an order.
type Line struct {
	Position       int
	PlatformLineID string
	VariantID      string
	SKU            string
	Title          string
	Quantity       int64
	Price          int64
}

// Push is one source's part of an order: eligibility with its reasons, and what the push did.
type Push struct {
	SourceStoreID   int64
	SourceName      string
	SourceKey       string
	ConnectionID    int64
	Eligible        bool
	Reasons         []string
	LinePositions   []int
	Status          string
	Error           string
	Attempts        int64
	NextRetryAt     *time.Time
	SourceOrderID   string
	SourceOrderName string
	PushedAt        *time.Time
	DecidedAt       time.Time
}

// Event is one entry of an order's timeline.
type Event struct {
	Kind          string
	SourceStoreID int64
	Detail        string
	At            time.Time
}

// ListParams select a page of an account's orders.
type ListParams struct {
	AccountID         int64
	StoreID           int64      // 0: every store of the account
	PushStatus        string     // "": any
	FulfillmentStatus string     // "": any
	From, To          *time.Time // placed on or after From, before To (the API passes the day after its to date)
	Flagged           *bool      // nil: any; true: with a flag not cleared; false: without one
	Page              int
}

// Page is one page of orders; Total counts every match.
type Page struct {
	Items []Order
	Page  int
	Total int64
}

// HasNext reports whether a page follows.
func (p Page) HasNext() bool { return int64(p.Page)*PerPage < p.Total }

const orderColumns = `o.id, o.account_id, o.store_id, st.name, o.platform_order_id, o.name, o.customer_name, o.email,
	o.has_shipping_address, o.financial_status, o.fulfillment_status, o.push_status, o.currency, o.subtotal_amount,
	o.shipping_amount, o.tax_amount, o.total_amount, o.cancelled_at, o.placed_at, o.platform_updated_at, o.received_at, o.updated_at,
	(SELECT COUNT(*) FROM order_flags f WHERE f.order_id = o.id AND f.cleared_at IS NULL)`

func scanOrder(row database.Row) (Order, error) {
	var o Order
	err := row.Scan(&o.ID, &o.AccountID, &o.StoreID, &o.StoreName, &o.PlatformOrderID, &o.Name, &o.CustomerName, &o.Email,
		&o.HasShipping, &o.FinancialStatus, &o.FulfillmentStatus, &o.PushStatus, &o.Currency, &o.Subtotal, &o.Shipping,
		&o.Tax, &o.Total, &o.CancelledAt, &o.PlacedAt, &o.PlatformUpdatedAt, &o.ReceivedAt, &o.UpdatedAt, &o.OpenFlags)
	return o, err
}

// List returns a page of the account's orders, newest placed first. Bad filters are an *Error
// naming the parameter.
func (s *Service) List(ctx context.Context, p ListParams) (Page, error) {
	switch p.PushStatus {
	case "", OrderNotPushed, OrderPartiallyPushed, OrderPushed, OrderCancelled:
	default:
		return Page{}, &Error{Field: "push_status", Message: "use not_pushed, partially_pushed, pushed or cancelled", Value: p.PushStatus}
	}
	switch p.FulfillmentStatus {
	case "", Fulfilled, Unfulfilled, PartiallyFulfilled:
	default:
		return Page{}, &Error{Field: "fulfillment_status", Message: "use fulfilled, unfulfilled or partially_fulfilled", Value: p.FulfillmentStatus}
	}
	if p.From != nil && p.To != nil && p.From.After(*p.To) {
		return Page{}, &Error{Field: "from", Message: "from is after to: give a range whose from is on or before its to", Value: p.From.Format(time.DateOnly)}
	}
	p.Page = min(max(p.Page, 1), MaxPage)
	where := []string{"o.account_id = $1", "o.version > 0"}
	args := []any{p.AccountID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if p.StoreID != 0 {
		add("o.store_id = $%d", p.StoreID)
	}
	if p.PushStatus != "" {
		add("o.push_status = $%d", p.PushStatus)
	}
	if p.FulfillmentStatus != "" {
		add("o.fulfillment_status = $%d", p.FulfillmentStatus)
	}
	if p.Flagged != nil {
		cond := "EXISTS (SELECT 1 FROM order_flags f WHERE f.order_id = o.id AND f.cleared_at IS NULL)"
		if !*p.Flagged {
			cond = "NOT " + cond
		}
		where = append(where, cond)
	}
	if p.From != nil {
		add("o.placed_at >= $%d", p.From.UTC())
	}
	if p.To != nil {
		add("o.placed_at < $%d", p.To.UTC())
	}
	w := strings.Join(where, " AND ")
	var total int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM orders o WHERE `+w, args...).Scan(&total); err != nil {
		return Page{}, fmt.Errorf("counting orders: %w", err)
	}
	args = append(args, PerPage, (p.Page-1)*PerPage)
	rows, err := s.db.Query(ctx, `SELECT `+orderColumns+` FROM orders o JOIN stores st ON st.id = o.store_id WHERE `+w+
		fmt.Sprintf(` ORDER BY o.placed_at DESC, o.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return Page{}, fmt.Errorf("listing orders: %w", err)
	}
	defer rows.Close()
	out := Page{Page: p.Page, Total: total, Items: []Order{}}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return Page{}, err
		}
		out.Items = append(out.Items, o)
	}
	return out, rows.Err()
}

// Get returns one of the account's orders with its lines, pushes and timeline.
func (s *Service) Get(ctx context.Context, accountID, id int64) (Order, error) {
	o, err := scanOrder(s.db.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders o JOIN stores st ON st.id = o.store_id
		WHERE o.id = $1 AND o.account_id = $2 AND o.version > 0`, id, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return Order{}, fmt.Errorf("order %d: %w", id, database.ErrNotFound)
	}
	if err != nil {
		return Order{}, fmt.Errorf("reading order %d: %w", id, err)
	}
	k, err := loadKept(ctx, s.db, id)
	if err != nil {
		return Order{}, err
	}
	o.Lines = make([]Line, 0, len(k.lines))
	for i, l := range k.lines {
		o.Lines = append(o.Lines, Line{Position: i, PlatformLineID: l.PlatformLineID, VariantID: l.VariantID, SKU: l.SKU,
			Title: l.Title, Quantity: l.Quantity, Price: l.Price})
	}
	if o.Pushes, err = s.pushes(ctx, id); err != nil {
		return Order{}, err
	}
	// The order and its pushes are separate reads: a push recorded between them would show a
	// part cancelled or pushed under the order's older status. The status is derived from the
	// parts, so it is derived here from the parts read.
	var parts []string
	for _, p := range o.Pushes {
		if len(p.LinePositions) > 0 || p.Status == PushPushed {
			parts = append(parts, p.Status)
		}
	}
	o.PushStatus = orderStatus(o.CancelledAt != nil, parts)
	if o.Timeline, err = s.timeline(ctx, id); err != nil {
		return Order{}, err
	}
	if o.Flags, err = s.flags(ctx, id); err != nil {
		return Order{}, err
	}
	if s.cfg.Fulfillments != nil {
		if o.Fulfillments, err = s.cfg.Fulfillments.OrderFulfillments(ctx, id); err != nil {
			return Order{}, err
		}
	}
	return o, nil
}

func (s *Service) pushes(ctx context.Context, orderID int64) ([]Push, error) {
	rows, err := s.db.Query(ctx, `SELECT p.source_store_id, st.name, st.store_key, p.connection_id, p.eligible, p.reasons, p.line_positions,
		p.status, p.error, p.attempts, p.next_retry_at, p.source_order_id, p.source_order_name, p.pushed_at, p.decided_at
		FROM order_pushes p JOIN stores st ON st.id = p.source_store_id WHERE p.order_id = $1 ORDER BY p.connection_id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the pushes of order %d: %w", orderID, err)
	}
	defer rows.Close()
	out := []Push{}
	for rows.Next() {
		var p Push
		var reasons, positions string
		if err := rows.Scan(&p.SourceStoreID, &p.SourceName, &p.SourceKey, &p.ConnectionID, &p.Eligible, &reasons, &positions,
			&p.Status, &p.Error, &p.Attempts, &p.NextRetryAt, &p.SourceOrderID, &p.SourceOrderName, &p.PushedAt, &p.DecidedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reasons), &p.Reasons); err != nil {
			return nil, fmt.Errorf("reading the reasons of order %d: %w", orderID, err)
		}
		if err := json.Unmarshal([]byte(positions), &p.LinePositions); err != nil {
			return nil, fmt.Errorf("reading the lines of order %d: %w", orderID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Service) timeline(ctx context.Context, orderID int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT kind, source_store_id, detail, at FROM order_events WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the timeline of order %d: %w", orderID, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var src *int64
		if err := rows.Scan(&e.Kind, &src, &e.Detail, &e.At); err != nil {
			return nil, err
		}
		if src != nil {
			e.SourceStoreID = *src
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
