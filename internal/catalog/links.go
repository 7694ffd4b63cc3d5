package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Link is one destination variant following one source variant of a connection: both sides'
// platform ids, the identifier value they were matched on ("" when a person paired them or the
// hub created the destination by import without one), and the last quantities and prices the
// sync read at the source and wrote at the destination.
type Link struct {
	ID                         int64
	ConnectionID               int64
	SourceStoreID              int64
	SourceProductID            string
	SourceVariantID            string
	SourceInventoryItemID      string
	DestinationStoreID         int64
	DestinationProductID       string
	DestinationVariantID       string
	DestinationInventoryItemID string
	Identifier                 string
	SourceQuantity             *int64          // last source available read; nil until read
	DestinationQuantity        *int64          // last destination quantity written; nil until written
	SourcePrice                *platform.Money // last source price read
	DestinationPrice           *platform.Money // last destination price written
	SyncedAt                   *time.Time
	FollowReason               string // why the destination stopped following ("" while it follows)
	// Buffer is the link's own buffer, overriding its connection's; nil: the connection's applies.
	Buffer    *int64
	CreatedAt time.Time
	// EndedAt is when the link ended (a disconnect), nil while it is a link: an ended link is
	// kept as the connection's history and read as a link by nothing (readers filter
	// ended_at IS NULL). EndedReason says why, in words.
	EndedAt     *time.Time
	EndedReason string
}

// LinkStore keeps product links. The import and map work writes them; the inventory sync reads
// them by source inventory item and records what it moved.
type LinkStore struct {
	db     *database.DB
	linked []LinkedHook
}

// NewLinkStore returns a LinkStore on db.
func NewLinkStore(db *database.DB) *LinkStore { return &LinkStore{db: db} }

// linkColumns is what scanLink reads, in order.
const linkColumns = `l.id, l.connection_id, l.source_store_id, l.source_product_id, l.source_variant_id,
	l.source_inventory_item_id, l.destination_store_id, l.destination_product_id, l.destination_variant_id,
	l.destination_inventory_item_id, l.identifier, l.source_quantity, l.destination_quantity,
	l.source_price_amount, l.source_price_currency, l.destination_price_amount, l.destination_price_currency,
	l.synced_at, l.follow_reason, l.created_at, l.ended_at, l.ended_reason, l.buffer`

func scanLink(row database.Row) (Link, error) {
	var (
		l          Link
		sq, dq, bf sql.Null[int64]
		sa, da     int64
		scur, dcur string
	)
	err := row.Scan(&l.ID, &l.ConnectionID, &l.SourceStoreID, &l.SourceProductID, &l.SourceVariantID,
		&l.SourceInventoryItemID, &l.DestinationStoreID, &l.DestinationProductID, &l.DestinationVariantID,
		&l.DestinationInventoryItemID, &l.Identifier, &sq, &dq, &sa, &scur, &da, &dcur, &l.SyncedAt, &l.FollowReason, &l.CreatedAt, &l.EndedAt, &l.EndedReason, &bf)
	if err != nil {
		return Link{}, err
	}
	if sq.Valid {
		l.SourceQuantity = &sq.V
	}
	if dq.Valid {
		l.DestinationQuantity = &dq.V
	}
	if bf.Valid {
		l.Buffer = &bf.V
	}
	if scur != "" {
		l.SourcePrice = &platform.Money{Amount: sa, Currency: scur}
	}
	if dcur != "" {
		l.DestinationPrice = &platform.Money{Amount: da, Currency: dcur}
	}
	return l, nil
}

func collectLinks(rows database.Rows, err error) ([]Link, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// maxIDsPerQuery bounds the ids of one IN list, well within both databases' limits on
// parameters; longer lists are read in several queries.
const maxIDsPerQuery = 500

// SourceItemsParams name source inventory items of one source store.
type SourceItemsParams struct {
	SourceStoreID    int64
	InventoryItemIDs []string
}

// LinksForSourceItems returns the links that follow the given source inventory items (see
// FanOut), without what FanOut adds to each.
func (s *LinkStore) LinksForSourceItems(ctx context.Context, p SourceItemsParams) ([]Link, error) {
	fan, err := s.FanOut(ctx, s.db, p)
	if err != nil {
		return nil, err
	}
	out := make([]Link, 0, len(fan))
	for _, f := range fan {
		out = append(out, f.Link)
	}
	return out, nil
}

// FanOutLink is a link that follows a source item, with what deciding its destination's quantity
// needs: the destination's account and the connection's settings (its buffer).
type FanOutLink struct {
	Link
	DestinationAccountID int64
	Settings             Settings
}

// EffectiveBuffer is the buffer the rule holds back for the link: its own when set, else its
// connection's.
func EffectiveBuffer(l Link, s Settings) int64 {
	if l.Buffer != nil {
		return *l.Buffer
	}
	return s.Buffer
}

// FanOut returns the links of the given source inventory items, of connections in state
// connected only (a blocked or disconnected connection moves nothing), neither ended nor retired
// (follow_reason: the source product was deleted or archived, and the destination holds no
// stock): the fan-out of a source quantity change. It reads through q, so that the deciding
// transaction can ask (on PostgreSQL, a read on another connection while the transaction holds
// one could starve the pool). Ordered by connection, then link id.
func (s *LinkStore) FanOut(ctx context.Context, q database.Querier, p SourceItemsParams) ([]FanOutLink, error) {
	var out []FanOutLink
	for ids := range chunks(p.InventoryItemIDs) {
		args := []any{p.SourceStoreID}
		in := placeholders(&args, ids)
		rows, err := q.Query(ctx, `SELECT `+linkColumns+`, d.account_id, c.settings FROM product_links l
			JOIN connections c ON c.id = l.connection_id
			JOIN stores d ON d.id = l.destination_store_id
			WHERE l.source_store_id = $1 AND c.state = 'connected' AND l.ended_at IS NULL AND l.follow_reason = ''
				AND l.source_inventory_item_id IN (`+in+`)
			ORDER BY l.connection_id, l.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading the links of source store %d's items: %w", p.SourceStoreID, err)
		}
		out, err = appendFanOut(out, rows)
		if err != nil {
			return nil, fmt.Errorf("reading the links of source store %d's items: %w", p.SourceStoreID, err)
		}
	}
	return out, nil
}

func appendFanOut(out []FanOutLink, rows database.Rows) ([]FanOutLink, error) {
	defer rows.Close()
	for rows.Next() {
		var f FanOutLink
		var settings string
		l, err := scanLink(extraColumns{rows, []any{&f.DestinationAccountID, &settings}})
		if err != nil {
			return nil, err
		}
		f.Link = l
		if err := json.Unmarshal([]byte(settings), &f.Settings); err != nil {
			return nil, fmt.Errorf("the settings of connection %d: %w", l.ConnectionID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// extraColumns scans a row of linkColumns followed by more columns into extra.
type extraColumns struct {
	row   database.Row
	extra []any
}

func (r extraColumns) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra...)...) }

// RecordSyncedParams are what a sync read and wrote for one link.
type RecordSyncedParams struct {
	LinkID              int64
	SourceQuantity      int64
	DestinationQuantity int64
	At                  time.Time
}

// RecordSynced records, in the transaction that completes the sync step, the quantities read at
// the source and written at the destination. A link removed or ended meanwhile is
// database.ErrNotFound.
func (s *LinkStore) RecordSynced(ctx context.Context, tx database.Tx, p RecordSyncedParams) error {
	n, err := tx.Exec(ctx, `UPDATE product_links SET source_quantity = $1, destination_quantity = $2, synced_at = $3 WHERE id = $4 AND ended_at IS NULL`,
		p.SourceQuantity, p.DestinationQuantity, p.At.UTC(), p.LinkID)
	if err != nil {
		return fmt.Errorf("recording the sync of link %d: %w", p.LinkID, err)
	}
	if n == 0 {
		return fmt.Errorf("link %d: %w", p.LinkID, database.ErrNotFound)
	}
	return nil
}

// chunks yields s in pieces of at most maxIDsPerQuery.
func chunks(s []string) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			k := min(maxIDsPerQuery, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// placeholders appends vals to args and returns their placeholders, comma separated.
func placeholders(args *[]any, vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		*args = append(*args, v)
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", len(*args))
	}
	return b.String()
}
