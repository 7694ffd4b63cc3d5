package orders

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Cancellations and edits of orders already pushed (issue 10, item 7). Before its push, a
// cancelled order is simply not pushed (decide marks its parts cancelled, the push job checks,
// the reservations end) and an edit is decided again (the lines a part sends are read when it is
// pushed). After the push:
//   - the destination order cancelled: each pushed part's source order is cancelled by a job
//     (on_destination_cancel cancel_source), or the order is flagged (flag, or the source order is
//     (partly) fulfilled, or the source refuses);
//   - the source order cancelled (SourceOrderChanged): the part is cancelled and the destination
//     order flagged, and cancelled and refunded by a job when on_source_cancel is cancel_and_refund;
//   - a line edited: flagged (which line, old → new quantity); nothing is sent.

// pushedPart is a part of an order that is at its source.
type pushedPart struct {
	sourceStoreID, connectionID int64
	sourceName                  string
	sourceOrderID               string
	sourceOrderName             string
}

func (p pushedPart) orderName() string {
	if p.sourceOrderName != "" {
		return p.sourceOrderName
	}
	return p.sourceOrderID
}

func pushedParts(ctx context.Context, q database.Querier, orderID int64) ([]pushedPart, error) {
	rows, err := q.Query(ctx, `SELECT p.source_store_id, p.connection_id, st.name, p.source_order_id, p.source_order_name
		FROM order_pushes p JOIN stores st ON st.id = p.source_store_id
		WHERE p.order_id = $1 AND p.status = $2 ORDER BY p.connection_id`, orderID, PushPushed)
	if err != nil {
		return nil, fmt.Errorf("reading the pushed parts of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var out []pushedPart
	for rows.Next() {
		var p pushedPart
		if err := rows.Scan(&p.sourceStoreID, &p.connectionID, &p.sourceName, &p.sourceOrderID, &p.sourceOrderName); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// beforeChange reads, before a delivery replaces it, the order as kept when some part of it is
// pushed (what an edit is compared with); nil when none is.
func beforeChange(ctx context.Context, tx database.Tx, orderID int64) (*kept, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM order_pushes WHERE order_id = $1 AND status = $2`, orderID, PushPushed).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil //nolint:nilnil // nothing pushed: nothing to compare
	}
	k, err := loadKept(ctx, tx, orderID)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// afterChange acts on a changed delivery of an order some of whose parts are pushed: the order
// cancelled now (it was not), or its lines edited.
func (s *Service) afterChange(ctx context.Context, tx database.Tx, orderID int64, prev *kept, k kept, wasCancelled bool, now time.Time) error {
	if prev == nil {
		return nil
	}
	parts, err := pushedParts(ctx, tx, orderID)
	if err != nil || len(parts) == 0 {
		return err
	}
	if k.cancelledAt != nil {
		if wasCancelled {
			return nil
		}
		for _, p := range parts {
			if err := s.destinationCancelledAfterPush(ctx, tx, orderID, p, now); err != nil {
				return err
			}
		}
		return nil // a cancellation empties the lines: no edit to flag
	}
	for _, p := range parts {
		if err := flagEdits(ctx, tx, orderID, p, prev.lines, k.lines, now); err != nil {
			return err
		}
	}
	return nil
}

// afterPushed is called in a push's completing transaction: an order cancelled while its push
// was on its way is handled as one cancelled after its push.
func (s *Service) afterPushed(ctx context.Context, tx database.Tx, orderID, sourceStoreID int64, now time.Time) error {
	var cancelled bool
	if err := tx.QueryRow(ctx, `SELECT cancelled_at IS NOT NULL FROM orders WHERE id = $1`, orderID).Scan(&cancelled); err != nil || !cancelled {
		return err
	}
	parts, err := pushedParts(ctx, tx, orderID)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if p.sourceStoreID == sourceStoreID {
			return s.destinationCancelledAfterPush(ctx, tx, orderID, p, now)
		}
	}
	return nil
}

// destinationCancelledAfterPush queues the cancel of the part's source order, or flags the order,
// per the connection's on_destination_cancel.
func (s *Service) destinationCancelledAfterPush(ctx context.Context, tx database.Tx, orderID int64, p pushedPart, now time.Time) error {
	cs, err := readCancelSettings(ctx, tx, p.connectionID)
	if err != nil {
		return err
	}
	if cs.OnDestinationCancel == OnDestinationCancelFlag {
		return raiseFlag(ctx, tx, orderID, FlagDestinationCancelled, p.sourceStoreID, strconv.FormatInt(p.sourceStoreID, 10),
			"the order was cancelled after its push to "+p.sourceName+" as "+p.orderName()+
				"; the connection flags instead of cancelling: cancel the source order with "+p.sourceName+" by hand", now)
	}
	args := CancelSourceArgs{OrderID: orderID, SourceStoreID: p.sourceStoreID}
	io := args.InsertOpts()
	if err := s.jobs.Insert(ctx, tx, args, &io); err != nil {
		return fmt.Errorf("queueing the cancel of the source order of order %d: %w", orderID, err)
	}
	return addEvent(ctx, tx, orderID, EventCancelQueued, p.sourceStoreID,
		"cancelling the source order "+p.orderName()+" on "+p.sourceName+": the order was cancelled after its push", now)
}

// flagEdits flags each line of the part whose quantity changed since the push (removed: 0), and
// each linked line added.
func flagEdits(ctx context.Context, tx database.Tx, orderID int64, p pushedPart, before, after []keptLine, now time.Time) error {
	was, err := linkedPositions(ctx, tx, p.connectionID, before)
	if err != nil {
		return err
	}
	is, err := linkedPositions(ctx, tx, p.connectionID, after)
	if err != nil {
		return err
	}
	qty := func(lines []keptLine, positions []int) map[string]keptLine {
		m := map[string]keptLine{}
		for _, i := range positions {
			m[lines[i].PlatformLineID] = lines[i]
		}
		return m
	}
	old, cur := qty(before, was), qty(after, is)
	flag := func(l keptLine, from, to int64) error {
		what := lineWords(l)
		detail := fmt.Sprintf("line %s: quantity %d → %d after the push to %s as %s; the source order was not changed: "+
			"change it with %s by hand", what, from, to, p.sourceName, p.orderName(), p.sourceName)
		key := fmt.Sprintf("%d:%s:%d:%d", p.sourceStoreID, l.PlatformLineID, from, to)
		return raiseFlag(ctx, tx, orderID, FlagLineEdited, p.sourceStoreID, key, detail, now)
	}
	for _, i := range was {
		l := before[i]
		n := int64(0)
		if c, ok := cur[l.PlatformLineID]; ok {
			n = c.Quantity
		} else {
			for _, a := range after {
				if a.PlatformLineID == l.PlatformLineID {
					n = a.Quantity
				}
			}
		}
		if n != l.Quantity {
			if err := flag(l, l.Quantity, n); err != nil {
				return err
			}
		}
	}
	for _, i := range is {
		l := after[i]
		if _, ok := old[l.PlatformLineID]; !ok {
			if err := flag(l, 0, l.Quantity); err != nil {
				return err
			}
		}
	}
	return nil
}

func lineWords(l keptLine) string {
	var parts []string
	if l.Title != "" {
		parts = append(parts, strconv.Quote(l.Title))
	}
	if l.SKU != "" {
		parts = append(parts, "SKU "+l.SKU)
	}
	parts = append(parts, "id "+l.PlatformLineID)
	return strings.Join(parts, ", ")
}

// SourceOrderChanged acts on a delivery of an order of sourceStore that is the source order of a
// push (an order webhook of the source store, or a reconciliation of its orders), in tx: a source
// order cancelled cancels the part, flags the destination order (unless it is cancelled itself:
// then the source followed it) and, when the connection's on_source_cancel is
// cancel_and_refund, queues the cancel and refund of the destination order. Orders that are no
// push's source order, and deliveries seen before, change nothing.
func (s *Service) SourceOrderChanged(ctx context.Context, tx database.Tx, sourceStore store.Store, o platform.Order) error {
	if o.ID == "" || !o.Cancelled() {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT p.order_id, p.connection_id, p.source_order_name, st.name, o.cancelled_at IS NOT NULL
		FROM order_pushes p JOIN orders o ON o.id = p.order_id JOIN stores st ON st.id = p.source_store_id
		WHERE p.source_store_id = $1 AND p.source_order_id = $2 AND p.status = $3 ORDER BY p.order_id`, sourceStore.ID, o.ID, PushPushed)
	if err != nil {
		return fmt.Errorf("reading the pushes of source order %s: %w", o.ID, err)
	}
	type hit struct {
		orderID, connectionID int64
		name, sourceName      string
		destCancelled         bool
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.orderID, &h.connectionID, &h.name, &h.sourceName, &h.destCancelled); err != nil {
			rows.Close()
			return err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := s.now()
	for _, h := range hits {
		name := h.name
		if name == "" {
			name = o.Name
		}
		if name == "" {
			name = o.ID
		}
		n, err := tx.Exec(ctx, `UPDATE order_pushes SET status = $3, updated_at = $4 WHERE order_id = $1 AND source_store_id = $2 AND status = $5`,
			h.orderID, sourceStore.ID, PushCancelled, now, PushPushed)
		if err != nil {
			return fmt.Errorf("recording the cancelled source order of order %d: %w", h.orderID, err)
		}
		if n == 0 {
			continue
		}
		detail := "the source order " + name + " was cancelled on " + h.sourceName
		if o.CancelReason != "" {
			detail += " (reason: " + strings.ToLower(o.CancelReason) + ")"
		}
		if err := addEvent(ctx, tx, h.orderID, EventSourceCancelled, sourceStore.ID, detail, now); err != nil {
			return err
		}
		if err := refreshStatus(ctx, tx, h.orderID); err != nil {
			return err
		}
		if h.destCancelled {
			continue // the source followed the destination's cancellation
		}
		cs, err := readCancelSettings(ctx, tx, h.connectionID)
		if err != nil {
			return err
		}
		flagDetail := detail + "; the order on this store is not cancelled"
		if cs.OnSourceCancel == OnSourceCancelAndRefund {
			flagDetail = detail + "; the order on this store is cancelled and refunded (on_source_cancel is cancel_and_refund)"
		}
		if err := raiseFlag(ctx, tx, h.orderID, FlagSourceCancelled, sourceStore.ID, strconv.FormatInt(sourceStore.ID, 10), flagDetail, now); err != nil {
			return err
		}
		if cs.OnSourceCancel != OnSourceCancelAndRefund {
			continue
		}
		args := CancelDestinationArgs{OrderID: h.orderID, SourceStoreID: sourceStore.ID}
		io := args.InsertOpts()
		if err := s.jobs.Insert(ctx, tx, args, &io); err != nil {
			return fmt.Errorf("queueing the cancel of order %d: %w", h.orderID, err)
		}
		if err := addEvent(ctx, tx, h.orderID, EventCancelQueued, sourceStore.ID,
			"cancelling and refunding the order on this store: its source order "+name+" was cancelled", now); err != nil {
			return err
		}
	}
	return nil
}
