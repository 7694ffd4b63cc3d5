package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// runColumns is what scanRun reads, in order.
const runColumns = `id, account_id, connection_id, kind, trigger, state, phase, products_read, variants_read, levels_read,
	drifts_fixed, error, created_at, started_at, finished_at`

func scanRun(row database.Row) (Run, error) {
	var r Run
	err := row.Scan(&r.ID, &r.AccountID, &r.ConnectionID, &r.Kind, &r.Trigger, &r.State, &r.Phase, &r.ProductsRead,
		&r.VariantsRead, &r.LevelsRead, &r.DriftsFixed, &r.Error, &r.CreatedAt, &r.StartedAt, &r.FinishedAt)
	return r, err
}

// progress is a run's working state, as its job reads and saves it.
type progress struct {
	Run
	since      *time.Time
	cursor     int64  // phase_cursor: the last link id, or products, done in the phase
	pageCursor string // the platform's cursor of the next page of changed products
	export     string // the export's handle, JSON
}

func loadProgress(ctx context.Context, q database.Querier, accountID, id int64) (progress, error) {
	var p progress
	err := q.QueryRow(ctx, `SELECT `+runColumns+`, since, phase_cursor, page_cursor, export FROM reconciliations
		WHERE account_id = $1 AND id = $2`, accountID, id).Scan(&p.ID, &p.AccountID, &p.ConnectionID, &p.Kind, &p.Trigger,
		&p.State, &p.Phase, &p.ProductsRead, &p.VariantsRead, &p.LevelsRead, &p.DriftsFixed, &p.Error, &p.CreatedAt,
		&p.StartedAt, &p.FinishedAt, &p.since, &p.cursor, &p.pageCursor, &p.export)
	return p, err
}

// step is what one batch adds to a run, saved in the batch's transaction.
type step struct {
	products, variants, levels int64
	drifts                     []Drift
}

// save records the run's phase and cursor and adds the step's counts and drifts, in tx: a
// batch's effects and its progress commit together, so a run cut off redoes at most one batch.
func save(ctx context.Context, tx database.Tx, p *progress, st step, now time.Time) error {
	if err := insertDrifts(ctx, tx, p, st.drifts, now); err != nil {
		return err
	}
	p.ProductsRead += st.products
	p.VariantsRead += st.variants
	p.LevelsRead += st.levels
	p.DriftsFixed += int64(len(st.drifts))
	_, err := tx.Exec(ctx, `UPDATE reconciliations SET state = $3, phase = $4, phase_cursor = $5, page_cursor = $6, export = $7,
			products_read = $8, variants_read = $9, levels_read = $10, drifts_fixed = $11, error = $12,
			started_at = $13, finished_at = $14, since = $15
		WHERE account_id = $1 AND id = $2`, p.AccountID, p.ID, p.State, p.Phase, p.cursor, p.pageCursor, p.export,
		p.ProductsRead, p.VariantsRead, p.LevelsRead, p.DriftsFixed, p.Error, p.StartedAt, p.FinishedAt, p.since)
	if err != nil {
		return fmt.Errorf("saving reconciliation %d: %w", p.ID, err)
	}
	return nil
}

// driftsPerInsert is how many drifts one INSERT carries (10 parameters each, well within both
// databases' limits): a batch of 500 drifted variants is 5 statements, not 500.
const driftsPerInsert = 100

func insertDrifts(ctx context.Context, tx database.Tx, p *progress, drifts []Drift, now time.Time) error {
	for start := 0; start < len(drifts); start += driftsPerInsert {
		part := drifts[start:min(len(drifts), start+driftsPerInsert)]
		var b strings.Builder
		args := make([]any, 0, 10*len(part))
		for i, d := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			args = append(args, p.AccountID, p.ID, p.ConnectionID, d.LinkID, d.Side, d.Attribute, d.ItemID, d.Expected, d.Found, now)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO reconciliation_drifts (account_id, reconciliation_id, connection_id, link_id, side,
				attribute, item_id, expected, found, fixed_at) VALUES `+b.String(), args...); err != nil {
			return fmt.Errorf("recording the drifts of reconciliation %d: %w", p.ID, err)
		}
	}
	return nil
}
