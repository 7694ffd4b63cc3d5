package backoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// HistoryKind says what changed an item's stock.
type HistoryKind string

// The kinds of stock history.
const (
	HistoryCreated   HistoryKind = "created"
	HistoryAdjusted  HistoryKind = "adjusted"  // on hand moved by a delta
	HistorySet       HistoryKind = "set"       // on hand set to a count
	HistoryCommitted HistoryKind = "committed" // a sales order line took stock
	HistoryRelieved  HistoryKind = "relieved"  // the goods of a line left
	HistoryReleased  HistoryKind = "released"  // a cancelled line gave its stock back
	HistoryImported  HistoryKind = "imported"  // on hand set from a feed
)

// HistoryEntry is one change of an item's stock.
type HistoryEntry struct {
	ID              int64
	ItemID          int64
	At              time.Time
	Actor           string
	Kind            HistoryKind
	OnHandBefore    int64
	OnHandAfter     int64
	CommittedBefore int64
	CommittedAfter  int64
	Reference       string
	Note            string
}

// AdjustStockParams changes an item's on hand by Delta or sets it to Set (exactly one of them).
// Reason is kept as the history's note. Key, when set, makes the call safe to repeat: the same key
// with the same change changes nothing the second time; with another change it is refused.
type AdjustStockParams struct {
	AccountID int64
	ItemID    int64
	Delta     *int64
	Set       *int64
	Reason    string
	Actor     string
	Reference string
	Key       string
}

// AdjustResult is the item after an adjustment.
type AdjustResult struct {
	Item Item
	// Replayed is true when Key was used before for this change: nothing changed now.
	Replayed bool
}

// HistoryParams lists an item's history, newest first, a page at a time.
type HistoryParams struct {
	AccountID int64
	ItemID    int64
	Page      int
}

// stockChange is one history row to write.
type stockChange struct {
	Actor, Reference, Note          string
	Kind                            HistoryKind
	OnHandBefore, OnHandAfter       int64
	CommittedBefore, CommittedAfter int64
}

// AdjustStock applies a delta or an absolute count to an item's on hand, in one transaction with
// its history row. Concurrent adjustments of one item are serialised by its row lock, so none is
// lost.
func (s *Service) AdjustStock(ctx context.Context, p AdjustStockParams) (AdjustResult, error) {
	kind, qty, err := checkAdjust(p)
	if err != nil {
		return AdjustResult{}, fmt.Errorf("adjusting stock: %w", err)
	}
	var out AdjustResult
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		// The item's row lock comes first: the key's row refers to the item, and taking the
		// lock after it would make two adjustments wait for each other.
		cur, err := getItem(ctx, tx, p.AccountID, p.ItemID, true)
		if err != nil {
			return err
		}
		if p.Key != "" {
			replayed, err := claimKey(ctx, tx, p, kind, qty, s.now())
			if err != nil || replayed {
				out.Item, out.Replayed = cur, replayed
				return err
			}
		}
		onHand := qty
		if kind == HistoryAdjusted {
			onHand = cur.OnHand + qty
		}
		if onHand < -maxStock || onHand > maxStock {
			field := "delta"
			if kind == HistorySet {
				field = "set"
			}
			return invalid(field, qty, "would take on hand out of range")
		}
		out.Item, err = s.writeStock(ctx, tx, p.AccountID, cur, onHand, cur.Committed, stockChange{Actor: p.Actor, Kind: kind,
			Reference: p.Reference, Note: p.Reason})
		return err
	})
	if err != nil {
		return AdjustResult{}, fmt.Errorf("adjusting stock: %w", err)
	}
	return out, nil
}

func checkAdjust(p AdjustStockParams) (HistoryKind, int64, error) {
	if err := checkActor(p.Actor); err != nil {
		return "", 0, err
	}
	if len(p.Reason) > 500 {
		return "", 0, invalid("reason", p.Reason, "must be at most 500 bytes")
	}
	if len(p.Key) > 255 {
		return "", 0, invalid("key", p.Key, "must be at most 255 bytes")
	}
	switch {
	case p.Delta != nil && p.Set != nil:
		return "", 0, invalid("set", *p.Set, "give delta or set, not both")
	case p.Delta == nil && p.Set == nil:
		return "", 0, invalid("delta", nil, "give delta (a change of on hand) or set (a count)")
	case p.Delta != nil && *p.Delta == 0:
		return "", 0, invalid("delta", *p.Delta, "must not be 0")
	case p.Delta != nil && (*p.Delta < -maxStock || *p.Delta > maxStock):
		return "", 0, invalid("delta", *p.Delta, "must be within ±%d", int64(maxStock))
	case p.Delta != nil:
		return HistoryAdjusted, *p.Delta, nil
	case *p.Set < 0 || *p.Set > maxStock:
		return "", 0, invalid("set", *p.Set, "must be 0 to %d", int64(maxStock))
	}
	return HistorySet, *p.Set, nil
}

// claimKey takes p.Key for this adjustment, or reports that it was taken before for the same one.
func claimKey(ctx context.Context, tx database.Tx, p AdjustStockParams, kind HistoryKind, qty int64, now time.Time) (bool, error) {
	var id int64
	err := tx.QueryRow(ctx, sqlClaimKeyMove, p.AccountID, p.ItemID, p.Key, kind, qty, now).Scan(&id)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, database.ErrNoRows) {
		return false, fmt.Errorf("taking idempotency key: %w", err)
	}
	var item, was int64
	var wasKind HistoryKind
	if err := tx.QueryRow(ctx, sqlKeyMove, p.AccountID, p.Key).Scan(&item, &wasKind, &was); err != nil {
		return false, fmt.Errorf("reading idempotency key: %w", err)
	}
	if item != p.ItemID || wasKind != kind || was != qty {
		return false, invalid("key", p.Key, "was already used for another adjustment; use a new key")
	}
	return true, nil
}

// writeStock stores new counts of an item the transaction has locked, with their history row,
// and returns the item as it now is.
func (s *Service) writeStock(ctx context.Context, tx database.Tx, accountID int64, cur Item, onHand, committed int64, c stockChange) (Item, error) {
	now := s.now()
	if _, err := tx.Exec(ctx, sqlSetStock, accountID, cur.ID, onHand, committed, now); err != nil {
		return Item{}, fmt.Errorf("writing stock of inventory item %d: %w", cur.ID, err)
	}
	c.OnHandBefore, c.OnHandAfter, c.CommittedBefore, c.CommittedAfter = cur.OnHand, onHand, cur.Committed, committed
	if err := addHistory(ctx, tx, accountID, cur.ID, now, c); err != nil {
		return Item{}, err
	}
	cur.OnHand, cur.Committed, cur.Available = onHand, committed, onHand-committed
	cur.Version++
	cur.UpdatedAt = now
	return cur, nil
}

func addHistory(ctx context.Context, tx database.Tx, accountID, itemID int64, at time.Time, c stockChange) error {
	var id int64
	if err := tx.QueryRow(ctx, sqlInsertHistory, accountID, itemID, at, strings.TrimSpace(c.Actor), c.Kind, c.OnHandBefore,
		c.OnHandAfter, c.CommittedBefore, c.CommittedAfter, c.Reference, c.Note).Scan(&id); err != nil {
		return fmt.Errorf("recording stock history of inventory item %d: %w", itemID, err)
	}
	return nil
}

// History returns a page of an item's stock history, newest first.
func (s *Service) History(ctx context.Context, p HistoryParams) (Page[HistoryEntry], error) {
	page, offset := pageOffset(p.Page)
	out := Page[HistoryEntry]{Page: page}
	if _, err := getItem(ctx, s.db, p.AccountID, p.ItemID, false); err != nil {
		return out, err
	}
	var f filter
	f.add("account_id = ?", p.AccountID)
	f.add("item_id = ?", p.ItemID)
	out, err := collectPage(ctx, s.db, out, "SELECT count(*) FROM backoffice_stock_history"+f.where(),
		sqlSelectHistory+f.where()+" ORDER BY id DESC", f, offset, scanHistory)
	if err != nil {
		return out, fmt.Errorf("stock history of inventory item %d: %w", p.ItemID, err)
	}
	return out, nil
}

func scanHistory(r database.Row) (HistoryEntry, error) {
	var h HistoryEntry
	err := r.Scan(&h.ID, &h.ItemID, &h.At, &h.Actor, &h.Kind, &h.OnHandBefore, &h.OnHandAfter, &h.CommittedBefore,
		&h.CommittedAfter, &h.Reference, &h.Note)
	return h, err
}
