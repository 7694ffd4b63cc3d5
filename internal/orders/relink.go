package orders

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/database"
)

// maxVariantsPerQuery bounds the variant ids one query of OnLinked names.
const maxVariantsPerQuery = 500

// OnLinked decides again the orders of the connection's destination store that have a line of
// one of destinationVariantIDs (newly linked variants) and whose part for the connection's source
// is not pushed yet, the newest MaxRedecide of them: an order placed before its product was
// linked shows the line as linked now, and becomes eligible for that source (pushed
// automatically when the connection pushes automatically, within the order lock date). Orders
// pushed or cancelled stay as they are. It runs in the transaction that saved the links.
func (s *Service) OnLinked(ctx context.Context, tx database.Tx, connectionID int64, destinationVariantIDs []string) error {
	if len(destinationVariantIDs) == 0 {
		return nil
	}
	var storeID int64
	err := tx.QueryRow(ctx, `SELECT destination_store_id FROM connections WHERE id = $1`, connectionID).Scan(&storeID)
	if err != nil {
		return fmt.Errorf("reading connection %d: %w", connectionID, err)
	}
	seen := map[int64]bool{}
	var ids []int64
	for from := 0; from < len(destinationVariantIDs) && len(ids) < MaxRedecide; from += maxVariantsPerQuery {
		part := destinationVariantIDs[from:min(from+maxVariantsPerQuery, len(destinationVariantIDs))]
		args := []any{storeID, connectionID, PushPushed, PushCancelled, MaxRedecide}
		marks := make([]string, len(part))
		for i, v := range part {
			args = append(args, v)
			marks[i] = "$" + strconv.Itoa(len(args))
		}
		found, err := database.Int64s(tx.Query(ctx, `SELECT DISTINCT o.id FROM order_lines l JOIN orders o ON o.id = l.order_id
			WHERE o.store_id = $1 AND o.cancelled_at IS NULL AND l.variant_id IN (`+strings.Join(marks, ", ")+`)
			AND NOT EXISTS (SELECT 1 FROM order_pushes p WHERE p.order_id = o.id AND p.connection_id = $2
				AND p.status IN ($3, $4))
			ORDER BY o.id DESC LIMIT $5`, args...))
		if err != nil {
			return fmt.Errorf("reading the orders of store %d with newly linked lines: %w", storeID, err)
		}
		for _, id := range found {
			if !seen[id] && len(ids) < MaxRedecide {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	conns, err := destinationConnections(ctx, tx, storeID)
	if err != nil {
		return err
	}
	return s.redecideOrders(ctx, tx, ids, conns, s.now())
}
