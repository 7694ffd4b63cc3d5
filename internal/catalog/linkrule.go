package catalog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/database"
)

// What the inventory rule needs of links beyond the fan-out of a source change: a link's own
// buffer, the links of one connection (to decide them again when its rule changes), and a word,
// in the transaction that links source items, that they were linked (so their destinations get
// the source's current stock at once, not at the source's next change).

// Linked names source items a connection has just linked (or linked again).
type Linked struct {
	ConnectionID           int64
	SourceStoreID          int64
	SourceInventoryItemIDs []string
	// DestinationVariantIDs are the destination variants of the same links (their orders' lines
	// are now linked).
	DestinationVariantIDs []string
}

// LinkedHook runs in the transaction that saved or restored links; an error undoes it.
type LinkedHook func(ctx context.Context, tx database.Tx, l Linked) error

// OnLinked adds a hook run whenever links are saved or restored. Call it while wiring.
func (s *LinkStore) OnLinked(h LinkedHook) { s.linked = append(s.linked, h) }

func (s *LinkStore) runLinked(ctx context.Context, tx database.Tx, l Linked) error {
	if len(l.SourceInventoryItemIDs) == 0 {
		return nil
	}
	slices.Sort(l.SourceInventoryItemIDs)
	l.SourceInventoryItemIDs = slices.Compact(l.SourceInventoryItemIDs)
	slices.Sort(l.DestinationVariantIDs)
	l.DestinationVariantIDs = slices.Compact(l.DestinationVariantIDs)
	for _, h := range s.linked {
		if err := h(ctx, tx, l); err != nil {
			return err
		}
	}
	return nil
}

// restored tells the hooks which source items the restored links follow.
func (s *LinkStore) restored(ctx context.Context, tx database.Tx, p RestoreLinksParams) error {
	if len(s.linked) == 0 || len(p.LinkIDs) == 0 {
		return nil
	}
	bySource := map[int64]*Linked{}
	for from := 0; from < len(p.LinkIDs); from += maxIDsPerQuery {
		args := []any{p.ConnectionID}
		rows, err := tx.Query(ctx, `SELECT source_store_id, source_inventory_item_id, destination_variant_id FROM product_links
			WHERE connection_id = $1 AND ended_at IS NULL AND id IN (`+intPlaceholders(&args, p.LinkIDs[from:min(from+maxIDsPerQuery, len(p.LinkIDs))])+`)`, args...)
		if err != nil {
			return fmt.Errorf("reading the restored links of connection %d: %w", p.ConnectionID, err)
		}
		for rows.Next() {
			var storeID int64
			var item, variant string
			if err := rows.Scan(&storeID, &item, &variant); err != nil {
				rows.Close()
				return err
			}
			addLinked(bySource, p.ConnectionID, storeID, item, variant)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return s.runLinkedAll(ctx, tx, bySource)
}

// addLinked adds a link's source item and destination variant to its source store's Linked.
func addLinked(bySource map[int64]*Linked, connectionID, sourceStoreID int64, item, variant string) {
	l := bySource[sourceStoreID]
	if l == nil {
		l = &Linked{ConnectionID: connectionID, SourceStoreID: sourceStoreID}
		bySource[sourceStoreID] = l
	}
	l.SourceInventoryItemIDs = append(l.SourceInventoryItemIDs, item)
	if variant != "" {
		l.DestinationVariantIDs = append(l.DestinationVariantIDs, variant)
	}
}

// runLinkedAll runs the hooks for each source store's links, in store order.
func (s *LinkStore) runLinkedAll(ctx context.Context, tx database.Tx, bySource map[int64]*Linked) error {
	for _, storeID := range slices.Sorted(maps.Keys(bySource)) {
		if err := s.runLinked(ctx, tx, *bySource[storeID]); err != nil {
			return err
		}
	}
	return nil
}

func intPlaceholders(args *[]any, ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		*args = append(*args, id)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(len(*args)))
	}
	return b.String()
}

// ConnectionLinksParams select a batch of one connection's links, after a link id.
type ConnectionLinksParams struct {
	ConnectionID int64
	AfterID      int64
	Limit        int
	LinkIDs      []int64 // when set, only these (at most 500)
}

// ConnectionFanOut returns, through q, the connection's links that take stock (as FanOut: the
// connection connected, the links neither ended nor retired), ordered by id, at most Limit after
// AfterID: what deciding the connection's destination quantities again reads, batch by batch.
func (s *LinkStore) ConnectionFanOut(ctx context.Context, q database.Querier, p ConnectionLinksParams) ([]FanOutLink, error) {
	args := []any{p.ConnectionID, p.AfterID, p.Limit}
	only := ""
	if len(p.LinkIDs) > 0 {
		if len(p.LinkIDs) > maxIDsPerQuery {
			return nil, fmt.Errorf("at most %d links at once", maxIDsPerQuery)
		}
		only = ` AND l.id IN (` + intPlaceholders(&args, p.LinkIDs) + `)`
	}
	rows, err := q.Query(ctx, `SELECT `+linkColumns+`, d.account_id, c.settings FROM product_links l
		JOIN connections c ON c.id = l.connection_id
		JOIN stores d ON d.id = l.destination_store_id
		WHERE l.connection_id = $1 AND c.state = 'connected' AND l.ended_at IS NULL AND l.follow_reason = '' AND l.id > $2`+only+`
		ORDER BY l.id LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
	}
	out, err := appendFanOut(nil, rows)
	if err != nil {
		return nil, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
	}
	return out, nil
}

// SetBufferParams set (or, with Buffer nil, clear) one link's own buffer.
type SetBufferParams struct {
	ConnectionID int64
	LinkID       int64
	Buffer       *int64
}

// SetBuffer sets the link's buffer in tx and returns the link; a link not of the connection
// is database.ErrNotFound. A negative or too large buffer is a *ValidationError naming buffer.
func (s *LinkStore) SetBuffer(ctx context.Context, tx database.Tx, p SetBufferParams) (Link, error) {
	if b := p.Buffer; b != nil && (*b < 0 || *b > MaxBuffer) {
		return Link{}, &ValidationError{Fields: []FieldError{{Field: "buffer", Message: fmt.Sprintf("must be 0 to %d, or null for the connection's buffer", MaxBuffer), Value: *b}}}
	}
	n, err := tx.Exec(ctx, `UPDATE product_links SET buffer = $1 WHERE id = $2 AND connection_id = $3`, p.Buffer, p.LinkID, p.ConnectionID)
	if err != nil {
		return Link{}, fmt.Errorf("setting the buffer of link %d: %w", p.LinkID, err)
	}
	if n == 0 {
		return Link{}, fmt.Errorf("product link %d: %w", p.LinkID, database.ErrNotFound)
	}
	l, err := scanLink(tx.QueryRow(ctx, `SELECT `+linkColumns+` FROM product_links l WHERE l.id = $1`, p.LinkID))
	if err != nil {
		return Link{}, fmt.Errorf("reading link %d: %w", p.LinkID, err)
	}
	return l, nil
}
