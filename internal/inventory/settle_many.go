package inventory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// settleBatch is how many targets one statement settles (3 parameters each).
const settleBatch = 500

// settleWritten records the targets as written at their version, a few hundred per statement:
// settle's one statement per target made a 10,000-item write's transaction outlast the job's
// timeout on PostgreSQL. As settle does, a target decided again meanwhile (a newer version
// already written) is left as it is.
func settleWritten(ctx context.Context, tx database.Tx, storeID int64, ts []target, now time.Time) error {
	for len(ts) > 0 {
		batch := ts[:min(settleBatch, len(ts))]
		ts = ts[len(batch):]
		args := []any{storeID, now}
		var b strings.Builder
		for i, t := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "(CAST($%d AS TEXT), CAST($%d AS BIGINT), CAST($%d AS BIGINT))", n+1, n+2, n+3)
			args = append(args, t.itemID, t.desired, t.version)
		}
		// VALUES' columns are column1.. on both databases.
		if _, err := tx.Exec(ctx, `UPDATE inventory_targets SET written_quantity = v.column2, written_version = v.column3, synced_at = $2
			FROM (VALUES `+b.String()+`) AS v
			WHERE inventory_targets.destination_store_id = $1 AND inventory_targets.inventory_item_id = v.column1
				AND inventory_targets.written_version < v.column3`, args...); err != nil {
			return fmt.Errorf("recording %d items written: %w", len(batch), err)
		}
	}
	return nil
}
