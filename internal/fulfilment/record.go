package fulfilment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/platform"
)

// pushRef is a pushed part of a destination order: the source order made for it.
type pushRef struct {
	orderID       int64 // the hub's destination order
	accountID     int64 // the destination's account
	sourceStoreID int64
	sourceName    string
	sourceOrderID string
	connectionID  int64
}

// findPush returns the push that made the source order sourceOrderID at the store, if any.
func findPush(ctx context.Context, q database.Querier, sourceStoreID int64, sourceOrderID string) (pushRef, bool, error) {
	if sourceOrderID == "" {
		return pushRef{}, false, nil
	}
	r := pushRef{sourceStoreID: sourceStoreID, sourceOrderID: sourceOrderID}
	err := q.QueryRow(ctx, `SELECT p.order_id, p.account_id, p.connection_id, st.name FROM order_pushes p
		JOIN stores st ON st.id = p.source_store_id
		WHERE p.source_store_id = $1 AND p.source_order_id = $2 AND p.status = 'pushed' ORDER BY p.order_id LIMIT 1`,
		sourceStoreID, sourceOrderID).Scan(&r.orderID, &r.accountID, &r.connectionID, &r.sourceName)
	if errors.Is(err, database.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("finding the push of source order %s: %w", sourceOrderID, err)
	}
	return r, true, nil
}

// trackingJSON is a parcel's tracking as kept (JSON).
type trackingJSON struct {
	Company string `json:"company,omitempty"`
	Number  string `json:"number,omitempty"`
	URL     string `json:"url,omitempty"`
}

func encodeTracking(ts []platform.Tracking) string {
	out := make([]trackingJSON, 0, len(ts))
	for _, t := range ts {
		if t.Company == "" && t.Number == "" && t.URL == "" {
			continue
		}
		out = append(out, trackingJSON(t))
	}
	return encodeList(out)
}

// encodeList writes a kept list (of strings and integers only, so encoding cannot fail).
func encodeList(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}

func decodeTracking(s string) []platform.Tracking {
	var in []trackingJSON
	_ = json.Unmarshal([]byte(s), &in) // written by encodeTracking
	out := make([]platform.Tracking, 0, len(in))
	for _, t := range in {
		out = append(out, platform.Tracking(t))
	}
	return out
}

func encodeLines(ls []Line) string {
	if ls == nil {
		ls = []Line{}
	}
	return encodeList(ls)
}

func decodeLines(s string) []Line {
	var out []Line
	_ = json.Unmarshal([]byte(s), &out) // written by encodeLines
	return out
}

func encodeIDs(ids []string) string {
	if ids == nil {
		ids = []string{}
	}
	return encodeList(ids)
}

func decodeIDs(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// Record keeps one delivery of a source fulfilment of a pushed order (a webhook's or the poll's)
// in tx, in order: an older delivery than what is kept changes nothing; a new fulfilment, or a
// change of its status, tracking or lines, queues its apply job in tx. A cancellation is flagged
// on the destination order's timeline; if nothing was sent yet, nothing will be.
func (s *Service) Record(ctx context.Context, tx database.Tx, ref pushRef, f platform.Fulfillment) error {
	if f.ID == "" {
		return nil
	}
	now := s.now()
	var id, version int64
	var status, tracking, lines, state, destIDs, sending string
	var storedAt *time.Time
	// The upsert takes the row's lock (PostgreSQL) until tx ends, so a delivery and the apply
	// job's completing transaction see each other's writes in order; SQLite has one writer.
	err := tx.QueryRow(ctx, `INSERT INTO source_fulfilments (account_id, order_id, source_store_id, source_order_id,
			source_fulfilment_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (source_store_id, source_fulfilment_id) DO UPDATE SET version = source_fulfilments.version
		RETURNING id, version, status, tracking, lines, platform_updated_at, state, destination_fulfilment_ids, sending`,
		ref.accountID, ref.orderID, ref.sourceStoreID, ref.sourceOrderID, f.ID, now).
		Scan(&id, &version, &status, &tracking, &lines, &storedAt, &state, &destIDs, &sending)
	if err != nil {
		return fmt.Errorf("keeping fulfilment %s of %s: %w", f.ID, ref.sourceName, err)
	}
	stamp := f.UpdatedAt.UTC().Truncate(time.Microsecond)
	if version > 0 && storedAt != nil && !f.UpdatedAt.IsZero() && stamp.Before(*storedAt) {
		return nil // older than what is kept
	}
	newStatus := strings.ToLower(f.Status)
	shipped := make([]Line, 0, len(f.Lines))
	for _, l := range f.Lines {
		shipped = append(shipped, Line{OrderLineID: l.OrderLineID, SKU: l.SKU, Quantity: l.Quantity})
	}
	newTracking, newLines := encodeTracking(f.Tracking), encodeLines(shipped)
	if version > 0 && newStatus == status && newTracking == tracking && newLines == lines {
		if !f.UpdatedAt.IsZero() && (storedAt == nil || stamp.After(*storedAt)) {
			_, err := tx.Exec(ctx, `UPDATE source_fulfilments SET platform_updated_at = $2 WHERE id = $1`, id, stamp)
			return err
		}
		return nil // a duplicate
	}
	var at *time.Time
	if !f.UpdatedAt.IsZero() {
		at = &stamp
	} else {
		at = storedAt
	}
	applied := len(decodeIDs(destIDs)) > 0
	newState := state
	if state == StateFailed || state == StateSkipped {
		newState = StatePending // a change gets another try
	}
	cancelled := newStatus == sourceCancelled && status != sourceCancelled
	var cancelledAt *time.Time
	if cancelled {
		cancelledAt = &now
		if !applied && sending == "" {
			newState = StateCancelled
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE source_fulfilments SET name = $2, status = $3, tracking = $4, lines = $5,
			platform_updated_at = $6, state = $7, version = version + 1, updated_at = $8,
			cancelled_at = COALESCE($9, cancelled_at)
		WHERE id = $1`, id, f.Name, newStatus, newTracking, newLines, at, newState, now, cancelledAt); err != nil {
		return fmt.Errorf("keeping fulfilment %s of %s: %w", f.ID, ref.sourceName, err)
	}
	if cancelled {
		detail := ref.sourceName + " cancelled its fulfilment " + nameOr(f.Name, f.ID)
		if applied {
			detail += "; the destination's fulfilment " + strings.Join(decodeIDs(destIDs), ", ") + " is left as it is: check it"
		} else {
			detail += " before it reached the destination: nothing was sent"
		}
		return orders.AddEvent(ctx, tx, ref.orderID, orders.EventFulfillmentCancelled, ref.sourceStoreID, detail, now)
	}
	if newStatus != sourceSuccess || newState == StateCancelled {
		return nil // not shipped yet (pending, open) or failed at the source: nothing to apply
	}
	return s.jobs.Insert(ctx, tx, ApplyArgs{SourceStoreID: ref.sourceStoreID, SourceFulfillmentID: f.ID}, nil)
}

func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}
