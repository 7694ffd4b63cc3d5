package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// ErrConflict is what every *ConflictError matches with errors.Is.
var ErrConflict = errors.New("conflict")

// ConflictError is a push refused because of the order's or the connection's state (not of the
// input): Reasons are the eligibility reasons, by source, when that is why.
type ConflictError struct {
	Message string
	Reasons map[int64][]string
}

func (e *ConflictError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// PushInput is a person's push of an order's parts now.
type PushInput struct {
	// SourceStoreIDs are the sources to push to; empty: every source with a line of the order
	// that is not pushed yet.
	SourceStoreIDs []int64
	// ShippingFee is a decimal amount in the order's currency ("4.95"); "" for none.
	ShippingFee string
}

// MaxShippingFee bounds a manual shipping fee (minor units).
const MaxShippingFee = 1_000_000_00

// pushRow is one push as the push decisions of this file read it.
type pushRow struct {
	sourceStoreID int64
	sourceName    string
	eligible      bool
	reasons       []string
	positions     []int
	status        string
}

// orderHead is what identifies a kept order on its platform.
type orderHead struct {
	accountID, storeID int64
	platformOrderID    string
	name, currency     string
}

func readHead(ctx context.Context, q database.Querier, accountID, orderID int64) (orderHead, error) {
	var h orderHead
	err := q.QueryRow(ctx, `SELECT account_id, store_id, platform_order_id, name, currency FROM orders
		WHERE id = $1 AND account_id = $2 AND version > 0`, orderID, accountID).
		Scan(&h.accountID, &h.storeID, &h.platformOrderID, &h.name, &h.currency)
	if errors.Is(err, database.ErrNoRows) {
		return h, fmt.Errorf("order %d: %w", orderID, database.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("reading order %d: %w", orderID, err)
	}
	return h, nil
}

func readPushRows(ctx context.Context, q database.Querier, orderID int64) ([]pushRow, error) {
	rows, err := q.Query(ctx, `SELECT p.source_store_id, st.name, p.eligible, p.reasons, p.line_positions, p.status
		FROM order_pushes p JOIN stores st ON st.id = p.source_store_id WHERE p.order_id = $1 ORDER BY p.connection_id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the pushes of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var out []pushRow
	for rows.Next() {
		var p pushRow
		var reasons, positions string
		if err := rows.Scan(&p.sourceStoreID, &p.sourceName, &p.eligible, &reasons, &positions, &p.status); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reasons), &p.reasons); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(positions), &p.positions); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// parseFee reads a manual shipping fee in the order's currency: exact, 0 or more; nil for none.
func parseFee(s, currency string) (*int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		var none *int64
		return none, nil
	}
	m, err := platform.ParseMoney(s, currency)
	if err != nil {
		return nil, &Error{Field: "shipping_fee", Message: "give a decimal amount in the order's currency (" + currency + "), e.g. \"4.95\"", Value: s}
	}
	if m.Amount < 0 {
		return nil, &Error{Field: "shipping_fee", Message: "must be 0 or more", Value: s}
	}
	if m.Amount > MaxShippingFee {
		return nil, &Error{Field: "shipping_fee", Message: "is too large", Value: s}
	}
	return &m.Amount, nil
}

// PushNow queues the push of the order's parts to the sources named, at once, with an optional
// shipping fee, and returns the order's pushes. Bad input is an *Error naming the field
// (source_store_ids, shipping_fee); a part that is not eligible, already pushed or cancelled is
// a *ConflictError with the reasons; nothing is queued then.
func (s *Service) PushNow(ctx context.Context, accountID, orderID int64, in PushInput) ([]Push, error) {
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		h, err := readHead(ctx, tx, accountID, orderID)
		if err != nil {
			return err
		}
		fee, err := parseFee(in.ShippingFee, h.currency)
		if err != nil {
			return err
		}
		rows, err := readPushRows(ctx, tx, orderID)
		if err != nil {
			return err
		}
		chosen, err := choose(rows, in.SourceStoreIDs)
		if err != nil {
			return err
		}
		refused := map[int64][]string{}
		var msgs []string
		for _, p := range chosen {
			switch {
			case p.status == PushPushed:
				refused[p.sourceStoreID] = []string{"already pushed"}
			case p.status == PushCancelled:
				refused[p.sourceStoreID] = []string{ReasonCancelled}
			case !p.eligible:
				refused[p.sourceStoreID] = p.reasons
			default:
				continue
			}
			msgs = append(msgs, p.sourceName+": "+strings.Join(refused[p.sourceStoreID], reasonsSeparator))
		}
		if len(refused) > 0 {
			return &ConflictError{Message: "the order cannot be pushed to " + strings.Join(msgs, "; "), Reasons: refused}
		}
		now := s.now()
		for _, p := range chosen {
			if _, err := tx.Exec(ctx, `UPDATE order_pushes SET shipping_fee_amount = $3 WHERE order_id = $1 AND source_store_id = $2`,
				orderID, p.sourceStoreID, fee); err != nil {
				return err
			}
			detail := "push queued to " + p.sourceName + " by a person"
			if fee != nil {
				detail += ", shipping fee " + platform.Money{Amount: *fee, Currency: h.currency}.String()
			}
			if err := s.queuePush(ctx, tx, orderID, p.sourceStoreID, now, EventPushQueued, detail, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.pushes(ctx, orderID)
}

// choose returns the pushes named by ids (every one with a line when ids is empty); an id that
// is not one of the order's sources is an *Error naming source_store_ids.
func choose(rows []pushRow, ids []int64) ([]pushRow, error) {
	if len(ids) == 0 {
		var out []pushRow
		for _, p := range rows {
			if len(p.positions) > 0 && p.status != PushPushed && p.status != PushCancelled {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil, &ConflictError{Message: "the order has no part left to push"}
		}
		return out, nil
	}
	var out []pushRow
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue
		}
		j := slices.IndexFunc(rows, func(p pushRow) bool { return p.sourceStoreID == id })
		if j < 0 {
			return nil, &Error{Field: "source_store_ids", Message: "store " + strconv.FormatInt(id, 10) +
				" is not a source of this order: use the source_store_id of one of its pushes", Value: id}
		}
		out = append(out, rows[j])
	}
	return out, nil
}

// Retry queues again the order's failed pushes, for a person who fixed the cause. No failed
// push is a *Conflict.
func (s *Service) Retry(ctx context.Context, accountID, orderID int64) ([]Push, error) {
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := readHead(ctx, tx, accountID, orderID); err != nil {
			return err
		}
		rows, err := readPushRows(ctx, tx, orderID)
		if err != nil {
			return err
		}
		now := s.now()
		n := 0
		for _, p := range rows {
			if p.status != PushFailed {
				continue
			}
			n++
			if err := s.queuePush(ctx, tx, orderID, p.sourceStoreID, now, EventRetried, "push to "+p.sourceName+" retried by a person", now); err != nil {
				return err
			}
		}
		if n == 0 {
			return &ConflictError{Message: "the order has no failed push to retry"}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.pushes(ctx, orderID)
}

// queuePush enqueues the push job of (order, source) in tx to run at at, and notes it on the
// timeline. A job of the push already waiting or running stays the only one.
func (s *Service) queuePush(ctx context.Context, tx database.Tx, orderID, sourceStoreID int64, at time.Time, kind, detail string, now time.Time) error {
	io := PushArgs{}.InsertOpts()
	if at.After(now) {
		io.ScheduledAt = at
	}
	if err := s.jobs.Insert(ctx, tx, PushArgs{OrderID: orderID, SourceStoreID: sourceStoreID}, &io); err != nil {
		return fmt.Errorf("queueing the push of order %d to store %d: %w", orderID, sourceStoreID, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE order_pushes SET queued_at = $3, next_retry_at = CASE WHEN status = $4 THEN $5 ELSE next_retry_at END
		WHERE order_id = $1 AND source_store_id = $2`, orderID, sourceStoreID, now, PushFailed, at); err != nil {
		return err
	}
	return addEvent(ctx, tx, orderID, kind, sourceStoreID, detail, now)
}

// releaseCancelled ends the reservations of the lines at positions of an order cancelled before
// its push.
func (s *Service) releaseCancelled(ctx context.Context, tx database.Tx, orderID int64, k kept, positions []int) error {
	if s.cfg.Reservations == nil || len(positions) == 0 {
		return nil
	}
	var accountID, storeID int64
	var platformID string
	if err := tx.QueryRow(ctx, `SELECT account_id, store_id, platform_order_id FROM orders WHERE id = $1`, orderID).
		Scan(&accountID, &storeID, &platformID); err != nil {
		return err
	}
	ids := lineIDs(k.lines, positions)
	if len(ids) == 0 {
		return nil
	}
	return s.cfg.Reservations.Release(ctx, tx, ReservedLines{AccountID: accountID, DestinationStoreID: storeID,
		OrderID: platformID, LineIDs: ids, Reason: ReleaseCancelled})
}

func lineIDs(lines []keptLine, positions []int) []string {
	var ids []string
	for _, p := range positions {
		if p >= 0 && p < len(lines) && lines[p].PlatformLineID != "" {
			ids = append(ids, lines[p].PlatformLineID)
		}
	}
	return ids
}

// refreshStatus computes the order-level push status from its pushes, in tx.
func refreshStatus(ctx context.Context, tx database.Tx, orderID int64) error {
	rows, err := readPushRows(ctx, tx, orderID)
	if err != nil {
		return err
	}
	var cancelled bool
	if err := tx.QueryRow(ctx, `SELECT cancelled_at IS NOT NULL FROM orders WHERE id = $1`, orderID).Scan(&cancelled); err != nil {
		return err
	}
	var parts []string
	for _, p := range rows {
		if len(p.positions) > 0 || p.status == PushPushed {
			parts = append(parts, p.status)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE orders SET push_status = $2 WHERE id = $1`, orderID, orderStatus(cancelled, parts))
	return err
}
