package linking

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
)

// Disconnect and reconnect. The disconnect's transaction (connection.Service.Disconnect, through
// OnTransit) ends every link of the connection, records one step per linked destination product
// in disconnect_items, and enqueues the disconnect job, which carries the choice out on the
// destination store: keep (nothing, or the stock set to 0) or delete (the products removed).
// The reconnect's transaction cancels the steps still pending and, after a keep, enqueues the
// restore job, which makes the ended links active again where it finds their products as they were.

// Disconnect item states.
const (
	ItemPending   = "pending"
	ItemDone      = "done"
	ItemFailed    = "failed"
	ItemCancelled = "cancelled"
)

// DisconnectArgs is the job of one step of a disconnect: a batch of its destination products.
type DisconnectArgs struct {
	ConnectionID int64 `json:"connection_id"`
	AccountID    int64 `json:"account_id"` // the destination's account, to read the connection
	Seq          int64 `json:"seq"`        // which disconnect of the connection
	Step         int64 `json:"step"`       // steps differ, so each is its own job
}

// Kind implements river.JobArgs.
func (DisconnectArgs) Kind() string { return "linking.disconnect" }

// InsertOpts makes one job per step, so a step inserted twice runs once.
func (DisconnectArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// OnTransit is the connection service's transit hook (wired by internal/app): it decides, in the
// transaction of a disconnect or a reconnect, the product work it implies.
func (s *Service) OnTransit(ctx context.Context, tx database.Tx, c connection.Connection, a connection.Action) error {
	switch a {
	case connection.ActDisconnect:
		return s.startDisconnect(ctx, tx, c)
	case connection.ActReconnect:
		return s.startReconnect(ctx, tx, c)
	case connection.ActBlock, connection.ActUnblock:
		// a blocked connection moves nothing (Syncs), and its links stay for when it is unblocked
	}
	return nil
}

// endReason says, on each ended link, what the disconnect did with its product.
func endReason(d connection.DisconnectAction) string {
	switch {
	case d.Products == connection.ProductsDelete:
		return "disconnected: the product is deleted from the destination store"
	case d.ZeroStock:
		return "disconnected: the product stays on the destination store, its stock set to 0"
	}
	return "disconnected: the product stays on the destination store"
}

func (s *Service) startDisconnect(ctx context.Context, tx database.Tx, c connection.Connection) error {
	d := c.Disconnect
	if d == nil {
		return fmt.Errorf("connection %d: disconnected without a disconnect action", c.ID)
	}
	// keep without zero stock has nothing to do on the store: its steps are done with the links
	state := ItemPending
	if d.Products == connection.ProductsKeep && !d.ZeroStock {
		state = ItemDone
	}
	if _, err := tx.Exec(ctx, `INSERT INTO disconnect_items (connection_id, seq, destination_product_id, state)
		SELECT DISTINCT connection_id, CAST($2 AS BIGINT), destination_product_id, CAST($3 AS TEXT)
		FROM product_links WHERE connection_id = $1 AND ended_at IS NULL`, c.ID, d.Seq, state); err != nil {
		return fmt.Errorf("recording the steps of disconnect %d of connection %d: %w", d.Seq, c.ID, err)
	}
	var total int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM disconnect_items WHERE connection_id = $1 AND seq = $2`, c.ID, d.Seq).Scan(&total); err != nil {
		return fmt.Errorf("counting the steps of disconnect %d of connection %d: %w", d.Seq, c.ID, err)
	}
	if err := s.links.EndLinks(ctx, tx, catalog.EndLinksParams{ConnectionID: c.ID, Reason: endReason(*d), At: d.RequestedAt}); err != nil {
		return err
	}
	done := int64(0)
	if state == ItemDone {
		done = total
	}
	if err := connection.StartProgress(ctx, tx, connection.ProgressParams{ID: c.ID, Seq: d.Seq, Total: total, Done: done}); err != nil {
		return err
	}
	return s.jobs.Insert(ctx, tx, DisconnectArgs{ConnectionID: c.ID, AccountID: c.Destination.AccountID, Seq: d.Seq}, nil)
}

func (s *Service) startReconnect(ctx context.Context, tx database.Tx, c connection.Connection) error {
	d := c.Disconnect
	if d == nil {
		return nil
	}
	// the disconnect job stops at its next product: what it did stays done
	if _, err := tx.Exec(ctx, `UPDATE disconnect_items SET state = $1 WHERE connection_id = $2 AND seq = $3 AND state = $4`,
		ItemCancelled, c.ID, d.Seq, ItemPending); err != nil {
		return fmt.Errorf("cancelling the steps of disconnect %d of connection %d: %w", d.Seq, c.ID, err)
	}
	if d.Products != connection.ProductsKeep {
		return nil // the products were deleted (or are being): there is nothing to restore
	}
	return s.jobs.Insert(ctx, tx, RestoreArgs{ConnectionID: c.ID, AccountID: c.Destination.AccountID, Seq: d.Seq}, nil)
}

// pendingItems returns the next destination products of a disconnect still to do.
func pendingItems(ctx context.Context, q database.Querier, connectionID, seq int64, limit int) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT destination_product_id FROM disconnect_items WHERE connection_id = $1 AND seq = $2 AND state = $3
		ORDER BY destination_product_id LIMIT $4`, connectionID, seq, ItemPending, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the steps of disconnect %d of connection %d: %w", seq, connectionID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// itemsOf returns the destination products of a disconnect, whatever their state.
func itemsOf(ctx context.Context, q database.Querier, connectionID, seq int64) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT destination_product_id FROM disconnect_items WHERE connection_id = $1 AND seq = $2
		ORDER BY destination_product_id`, connectionID, seq)
	if err != nil {
		return nil, fmt.Errorf("reading the products of disconnect %d of connection %d: %w", seq, connectionID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// markItems records the outcome of products of a disconnect (done or failed, with why) and counts
// those not recorded before, so a step run again counts nothing twice. A product cancelled by a
// reconnect while its call was in flight is recorded as what happened to it.
func markItems(ctx context.Context, tx database.Tx, connectionID, seq int64, ids []string, state, why string) error {
	var n int64
	for _, id := range ids {
		k, err := tx.Exec(ctx, `UPDATE disconnect_items SET state = $1, error = $2
			WHERE connection_id = $3 AND seq = $4 AND destination_product_id = $5 AND state IN ($6, $7)`,
			state, why, connectionID, seq, id, ItemPending, ItemCancelled)
		if err != nil {
			return fmt.Errorf("recording disconnect step %s: %w", id, err)
		}
		n += k
	}
	p := connection.ProgressParams{ID: connectionID, Seq: seq, Error: why}
	if state == ItemDone {
		p.Done = n
	} else {
		p.Failed = n
	}
	return connection.AddProgress(ctx, tx, p)
}

// itemState reads the state of one product of a disconnect ("" if it has none).
func itemState(ctx context.Context, q database.Querier, connectionID, seq int64, id string) (string, error) {
	var st string
	err := q.QueryRow(ctx, `SELECT state FROM disconnect_items WHERE connection_id = $1 AND seq = $2 AND destination_product_id = $3`,
		connectionID, seq, id).Scan(&st)
	if err != nil {
		return "", fmt.Errorf("reading disconnect step %s: %w", id, err)
	}
	return st, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
