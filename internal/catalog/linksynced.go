package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// LinkSynced is what one link's write moved: the source quantity read and the destination
// quantity written.
type LinkSynced struct {
	LinkID              int64
	SourceQuantity      int64
	DestinationQuantity int64
}

// RecordSyncedManyParams record many links' writes made at one moment.
type RecordSyncedManyParams struct {
	Links []LinkSynced
	At    time.Time
}

// recordBatch is how many links one statement records: 3 parameters each, well under both
// databases' parameter limits (PostgreSQL 65,535; SQLite 32,766).
const recordBatch = 500

// RecordSyncedMany records the quantities of many links in tx, a few hundred per statement (a
// store's job may write 10,000 items; one statement each made its transaction outlast the job's
// timeout on PostgreSQL). Links ended or removed meanwhile are left as they are.
func (s *LinkStore) RecordSyncedMany(ctx context.Context, tx database.Tx, p RecordSyncedManyParams) error {
	for ls := p.Links; len(ls) > 0; {
		batch := ls[:min(recordBatch, len(ls))]
		ls = ls[len(batch):]
		args := []any{p.At.UTC()}
		var b strings.Builder
		for i, l := range batch {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "(CAST($%d AS BIGINT), CAST($%d AS BIGINT), CAST($%d AS BIGINT))", n+1, n+2, n+3)
			args = append(args, l.LinkID, l.SourceQuantity, l.DestinationQuantity)
		}
		// VALUES' columns are column1.. on both databases.
		if _, err := tx.Exec(ctx, `UPDATE product_links SET source_quantity = v.column2, destination_quantity = v.column3, synced_at = $1
			FROM (VALUES `+b.String()+`) AS v
			WHERE product_links.id = v.column1 AND product_links.ended_at IS NULL`, args...); err != nil {
			return fmt.Errorf("recording the sync of %d links: %w", len(batch), err)
		}
	}
	return nil
}
