package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Flag kinds: what a person has to look at on an order.
const (
	// FlagDestinationCancelled: the destination order was cancelled after its push and the source
	// order was not cancelled by the hub (the connection says flag, the source order is (partly)
	// fulfilled, or the source refused).
	FlagDestinationCancelled = "destination_cancelled"
	// FlagSourceCancelled: the source order of a push was cancelled at the source.
	FlagSourceCancelled = "source_cancelled"
	// FlagLineEdited: a line of the order changed after its push; the source order was not changed.
	FlagLineEdited = "line_edited"
	// FlagCancelFailed: cancelling and refunding the destination order (on_source_cancel
	// cancel_and_refund) did not happen.
	FlagCancelFailed = "cancel_failed"
)

// Timeline entry kinds of cancellations and flags.
const (
	EventCancelQueued         = "cancel_queued"         // a job cancels the source or the destination order
	EventSourceCancelled      = "source_cancelled"      // the source order of a push is cancelled
	EventDestinationCancelled = "destination_cancelled" // the hub cancelled (and refunded) the destination order
	EventFlagged              = "flagged"
	EventFlagCleared          = "flag_cleared"
)

// Flag is something on an order a person has to look at, until cleared.
type Flag struct {
	ID            int64
	Kind          string
	SourceStoreID int64
	Detail        string
	CreatedAt     time.Time
	ClearedAt     *time.Time
	ClearedBy     string
}

// raiseFlag adds a flag to the order in tx, with its timeline entry, unless a flag of the same
// key was raised before (a duplicate delivery raises nothing).
func raiseFlag(ctx context.Context, tx database.Tx, orderID int64, kind string, sourceStoreID int64, key, detail string, now time.Time) error {
	var src *int64
	if sourceStoreID != 0 {
		src = &sourceStoreID
	}
	n, err := tx.Exec(ctx, `INSERT INTO order_flags (order_id, account_id, kind, source_store_id, detail, dedupe_key, created_at)
		SELECT id, account_id, $2, $3, $4, $5, $6 FROM orders WHERE id = $1
		ON CONFLICT (order_id, dedupe_key) DO NOTHING`, orderID, kind, src, detail, kind+":"+key, now)
	if err != nil {
		return fmt.Errorf("flagging order %d: %w", orderID, err)
	}
	if n == 0 {
		return nil
	}
	return addEvent(ctx, tx, orderID, EventFlagged, sourceStoreID, spacedKind(kind)+": "+detail, now)
}

func spacedKind(kind string) string {
	b := []byte(kind)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	return string(b)
}

// Flags returns the order's flags, oldest first.
func (s *Service) flags(ctx context.Context, orderID int64) ([]Flag, error) {
	rows, err := s.db.Query(ctx, `SELECT id, kind, source_store_id, detail, created_at, cleared_at, cleared_by FROM order_flags
		WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("reading the flags of order %d: %w", orderID, err)
	}
	defer rows.Close()
	out := []Flag{}
	for rows.Next() {
		var f Flag
		var src *int64
		if err := rows.Scan(&f.ID, &f.Kind, &src, &f.Detail, &f.CreatedAt, &f.ClearedAt, &f.ClearedBy); err != nil {
			return nil, err
		}
		if src != nil {
			f.SourceStoreID = *src
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Flags returns the flags of one of the account's orders, oldest first.
func (s *Service) Flags(ctx context.Context, accountID, orderID int64) ([]Flag, error) {
	if _, err := readHead(ctx, s.db, accountID, orderID); err != nil {
		return nil, err
	}
	return s.flags(ctx, orderID)
}

// ClearFlag clears one flag of one of the account's orders, by whom (words: "user 3", "API key
// 7"), with its timeline entry. An unknown order or flag wraps database.ErrNotFound; a flag
// cleared before is a *ConflictError, nothing changed.
func (s *Service) ClearFlag(ctx context.Context, accountID, orderID, flagID int64, by string) (Flag, error) {
	var out Flag
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if _, err := readHead(ctx, tx, accountID, orderID); err != nil {
			return err
		}
		var cleared *time.Time
		var kind string
		var src *int64
		err := tx.QueryRow(ctx, `SELECT kind, source_store_id, cleared_at FROM order_flags WHERE id = $1 AND order_id = $2`, flagID, orderID).
			Scan(&kind, &src, &cleared)
		if errors.Is(err, database.ErrNoRows) {
			return fmt.Errorf("flag %d of order %d: %w", flagID, orderID, database.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("reading flag %d: %w", flagID, err)
		}
		if cleared != nil {
			return &ConflictError{Message: fmt.Sprintf("flag %d was cleared at %s already", flagID, cleared.UTC().Format(time.RFC3339))}
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE order_flags SET cleared_at = $2, cleared_by = $3 WHERE id = $1 AND cleared_at IS NULL`,
			flagID, now, by); err != nil {
			return fmt.Errorf("clearing flag %d: %w", flagID, err)
		}
		var sid int64
		if src != nil {
			sid = *src
		}
		return addEvent(ctx, tx, orderID, EventFlagCleared, sid, spacedKind(kind)+" cleared by "+by, now)
	})
	if err != nil {
		return out, err
	}
	fs, err := s.flags(ctx, orderID)
	if err != nil {
		return out, err
	}
	for _, f := range fs {
		if f.ID == flagID {
			return f, nil
		}
	}
	return out, fmt.Errorf("flag %d of order %d: %w", flagID, orderID, database.ErrNotFound)
}
