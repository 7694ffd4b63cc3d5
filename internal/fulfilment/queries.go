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
	"github.com/storesync/storesync/internal/store"
)

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding: %w", err)
	}
	return string(b), nil
}

func jsonUnmarshal(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decoding kept fulfilment: %w", err)
	}
	return nil
}

func decodePositions(s string) []int {
	var out []int
	_ = json.Unmarshal([]byte(s), &out) // order_pushes.line_positions, written by internal/orders
	return out
}

func (s *Service) storeByID(ctx context.Context, id int64) (store.Store, error) {
	var accountID int64
	if err := s.db.QueryRow(ctx, `SELECT account_id FROM stores WHERE id = $1`, id).Scan(&accountID); err != nil {
		if errors.Is(err, database.ErrNoRows) {
			return store.Store{}, fmt.Errorf("store %d: %w", id, database.ErrNotFound)
		}
		return store.Store{}, err
	}
	return s.stores.Get(ctx, store.GetParams{AccountID: accountID, ID: id})
}

// destinationLines are the destination order's lines at positions (every line when positions is
// empty), as the hub keeps them.
func destinationLines(ctx context.Context, q database.Querier, orderID int64, positions []int) ([]DestinationLine, error) {
	rows, err := q.Query(ctx, `SELECT position, platform_line_id, variant_id, sku, quantity FROM order_lines
		WHERE order_id = $1 ORDER BY position`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the lines of order %d: %w", orderID, err)
	}
	defer rows.Close()
	in := map[int]bool{}
	for _, p := range positions {
		in[p] = true
	}
	var out []DestinationLine
	for rows.Next() {
		var pos int
		var d DestinationLine
		if err := rows.Scan(&pos, &d.PlatformLineID, &d.VariantID, &d.SKU, &d.Quantity); err != nil {
			return nil, err
		}
		if len(positions) == 0 || in[pos] {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// allLines is every line of the order with its quantity.
func allLines(ctx context.Context, q database.Querier, orderID int64) (map[string]int64, error) {
	ls, err := destinationLines(ctx, q, orderID, nil)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, l := range ls {
		out[l.PlatformLineID] += l.Quantity
	}
	return out, nil
}

// links maps source variants to the destination variants linked to them through the connection,
// ended links included (a line shipped after its product was unlinked still maps).
func links(ctx context.Context, q database.Querier, connectionID int64, variants []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(variants) == 0 {
		return out, nil
	}
	args := []any{connectionID}
	marks := make([]string, 0, len(variants))
	for _, v := range variants {
		args = append(args, v)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.Query(ctx, `SELECT source_variant_id, destination_variant_id FROM product_links
		WHERE connection_id = $1 AND source_variant_id IN (`+strings.Join(marks, ", ")+`) ORDER BY ended_at IS NOT NULL, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the links of connection %d: %w", connectionID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var src, dst string
		if err := rows.Scan(&src, &dst); err != nil {
			return nil, err
		}
		out[src] = append(out[src], dst)
	}
	return out, rows.Err()
}

// taken is what the order's other source fulfilments ship (applied or being sent) of each line.
func taken(ctx context.Context, q database.Querier, orderID, except int64) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT destination_lines FROM source_fulfilments
		WHERE order_id = $1 AND id <> $2 AND (state = $3 OR sending <> '') AND cancelled_at IS NULL`, orderID, except, StateApplied)
	if err != nil {
		return nil, fmt.Errorf("reading the fulfilments of order %d: %w", orderID, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var ls string
		if err := rows.Scan(&ls); err != nil {
			return nil, err
		}
		for _, l := range decodeLines(ls) {
			out[l.OrderLineID] += l.Quantity
		}
	}
	return out, rows.Err()
}

// inFlight reports whether another source fulfilment of the order was sent to the destination
// without its answer recorded yet (and is still to be applied).
func inFlight(ctx context.Context, q database.Querier, orderID, except int64) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM source_fulfilments
		WHERE order_id = $1 AND id <> $2 AND sending <> '' AND state = $3 AND cancelled_at IS NULL`, orderID, except, StatePending).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading the fulfilments of order %d: %w", orderID, err)
	}
	return n > 0, nil
}

// recordedIDs are the destination fulfilments recorded for the order's other source fulfilments.
func recordedIDs(ctx context.Context, q database.Querier, orderID, except int64) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT destination_fulfilment_ids FROM source_fulfilments WHERE order_id = $1 AND id <> $2`, orderID, except)
	if err != nil {
		return nil, fmt.Errorf("reading the fulfilments of order %d: %w", orderID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ids string
		if err := rows.Scan(&ids); err != nil {
			return nil, err
		}
		out = append(out, decodeIDs(ids)...)
	}
	return out, rows.Err()
}

// orderStatus is the destination order's fulfilment status from what its applied source
// fulfilments ship.
func orderStatus(ctx context.Context, q database.Querier, orderID int64) (string, error) {
	lines, err := allLines(ctx, q, orderID)
	if err != nil {
		return "", err
	}
	rows, err := q.Query(ctx, `SELECT destination_lines FROM source_fulfilments WHERE order_id = $1 AND state = $2`, orderID, StateApplied)
	if err != nil {
		return "", fmt.Errorf("reading the fulfilments of order %d: %w", orderID, err)
	}
	defer rows.Close()
	shipped := map[string]int64{}
	for rows.Next() {
		var ls string
		if err := rows.Scan(&ls); err != nil {
			return "", err
		}
		for _, l := range decodeLines(ls) {
			shipped[l.OrderLineID] += l.Quantity
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return Status(lines, shipped), nil
}

// OrderFulfillments returns the source fulfilments of a kept destination order, oldest first
// (orders.FulfillmentLister, for the order's detail).
func (s *Service) OrderFulfillments(ctx context.Context, orderID int64) ([]orders.Fulfillment, error) {
	rows, err := s.db.Query(ctx, `SELECT f.source_store_id, st.name, f.source_fulfilment_id, f.name, f.status, f.state, f.error,
			f.destination_fulfilment_ids, f.tracking, f.destination_lines, f.applied_at, f.tracking_applied_at, f.cancelled_at
		FROM source_fulfilments f JOIN stores st ON st.id = f.source_store_id WHERE f.order_id = $1 ORDER BY f.id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the fulfilments of order %d: %w", orderID, err)
	}
	defer rows.Close()
	out := []orders.Fulfillment{}
	for rows.Next() {
		var f orders.Fulfillment
		var ids, tracking, lines string
		var applied, trackingAt, cancelled *time.Time
		if err := rows.Scan(&f.SourceStoreID, &f.SourceName, &f.SourceFulfillmentID, &f.SourceFulfillmentName, &f.SourceStatus,
			&f.State, &f.Error, &ids, &tracking, &lines, &applied, &trackingAt, &cancelled); err != nil {
			return nil, err
		}
		f.DestinationFulfillmentIDs, f.Tracking = decodeIDs(ids), decodeTracking(tracking)
		if f.DestinationFulfillmentIDs == nil {
			f.DestinationFulfillmentIDs = []string{}
		}
		for _, l := range decodeLines(lines) {
			f.Lines = append(f.Lines, orders.FulfilledLine{PlatformLineID: l.OrderLineID, Quantity: l.Quantity})
		}
		f.AppliedAt, f.TrackingAppliedAt, f.CancelledAt = applied, trackingAt, cancelled
		out = append(out, f)
	}
	return out, rows.Err()
}
