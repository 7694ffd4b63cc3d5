package connection

import (
	"context"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// The disconnect job's bookkeeping of its action's progress, on the connection's row. Each call
// names the disconnect by its Seq, so the job of an earlier disconnect (the connection was
// reconnected, then disconnected again) changes nothing of the current one. None of them bumps
// the version: the columns are the job's alone, and update leaves them as they are.

// ProgressParams start or advance the progress of disconnect Seq of connection ID.
type ProgressParams struct {
	ID     int64
	Seq    int64
	Total  int64  // StartProgress only
	Done   int64  // counted now (StartProgress: done at once)
	Failed int64  // counted now
	Error  string // the last failure, "" to keep the one recorded
}

// StartProgress sets the action's total and resets its counts, in the disconnect's transaction.
func StartProgress(ctx context.Context, tx database.Tx, p ProgressParams) error {
	_, err := tx.Exec(ctx, `UPDATE connections SET disconnect_total = $1, disconnect_done = $2, disconnect_failed = 0,
		disconnect_error = '' WHERE id = $3 AND disconnect_seq = $4`, p.Total, p.Done, p.ID, p.Seq)
	if err != nil {
		return fmt.Errorf("starting the progress of disconnect %d of connection %d: %w", p.Seq, p.ID, err)
	}
	return nil
}

// AddProgress counts steps done and failed, in the transaction of their effect's bookkeeping.
func AddProgress(ctx context.Context, tx database.Tx, p ProgressParams) error {
	_, err := tx.Exec(ctx, `UPDATE connections SET disconnect_done = disconnect_done + $1, disconnect_failed = disconnect_failed + $2,
		disconnect_error = CASE WHEN $3 = '' THEN disconnect_error ELSE $3 END WHERE id = $4 AND disconnect_seq = $5`,
		p.Done, p.Failed, p.Error, p.ID, p.Seq)
	if err != nil {
		return fmt.Errorf("counting the progress of disconnect %d of connection %d: %w", p.Seq, p.ID, err)
	}
	return nil
}

// FinishDisconnect marks disconnect seq of the connection done, in the transaction that completes
// its last step, and bumps the version (the status is the connection's, read by everyone). False
// when it is not pending any more (done already, or cancelled by a reconnect): nothing changed.
func FinishDisconnect(ctx context.Context, tx database.Tx, id, seq int64, now time.Time) (bool, error) {
	n, err := tx.Exec(ctx, `UPDATE connections SET disconnect_status = $1, version = version + 1, updated_at = $2
		WHERE id = $3 AND disconnect_seq = $4 AND disconnect_status = $5`, DisconnectDone, now.UTC().Truncate(time.Microsecond), id, seq, DisconnectPending)
	if err != nil {
		return false, fmt.Errorf("marking disconnect %d of connection %d done: %w", seq, id, err)
	}
	return n == 1, nil
}
