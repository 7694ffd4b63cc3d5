package connection

import (
	"context"
	"fmt"
	"strings"
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

// RefuseStoreDelete refuses, in the transaction deleting an account's store, while the store
// is a side of a connection that still syncs (connected) or whose disconnect is still running:
// the delete would end them silently, for the other side too (often another account), and take
// their links with it. The error (ErrConflict) names each connection and says what to do: its
// destination disconnects it (keep or delete its products: a choice only a person makes), its
// source blocks it. Connections blocked or disconnected go with the store.
func (s *Service) RefuseStoreDelete(ctx context.Context, tx database.Tx, accountID, storeID int64) error {
	rows, err := tx.Query(ctx, `SELECT c.id, c.state, c.disconnect_status, c.destination_store_id = $2, d.name, src.name
		FROM connections c
		JOIN stores d ON d.id = c.destination_store_id
		JOIN stores src ON src.id = c.source_store_id
		JOIN stores mine ON mine.id = $2 AND mine.account_id = $1
		WHERE (c.destination_store_id = $2 OR c.source_store_id = $2) AND (c.state = $3 OR c.disconnect_status = $4)
		ORDER BY c.id LIMIT 21`, accountID, storeID, string(StateConnected), "pending")
	if err != nil {
		return fmt.Errorf("reading the connections of store %d: %w", storeID, err)
	}
	defer rows.Close()
	var named []string
	for rows.Next() {
		var (
			id             int64
			state, dstatus string
			asDestination  bool
			dname, sname   string
		)
		if err := rows.Scan(&id, &state, &dstatus, &asDestination, &dname, &sname); err != nil {
			return fmt.Errorf("reading the connections of store %d: %w", storeID, err)
		}
		switch {
		case state != string(StateConnected):
			named = append(named, fmt.Sprintf("%d (from %s: its disconnect is still running)", id, sname))
		case asDestination:
			named = append(named, fmt.Sprintf("%d (from %s: disconnect it)", id, sname))
		default:
			named = append(named, fmt.Sprintf("%d (to %s: block it)", id, dname))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading the connections of store %d: %w", storeID, err)
	}
	if len(named) == 0 {
		return nil
	}
	if len(named) > 20 {
		named = append(named[:20], "and more")
	}
	return refuse(ErrConflict, "", fmt.Sprintf("store %d is a side of connections that still sync: %s; end them first",
		storeID, strings.Join(named, ", ")))
}
