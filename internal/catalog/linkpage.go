package catalog

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/database"
)

// LinksPageParams choose a page of a connection's live links, in id order after AfterID.
type LinksPageParams struct {
	ConnectionID int64
	AfterID      int64
	Limit        int
}

// LinksPage returns up to Limit live links of the connection (neither ended nor retired) with ids
// above AfterID: a reader of every link of a large connection (reconciliation) walks them in
// pages, keyset by id, in memory that does not grow with the catalog. The connection's term is
// written +l.connection_id so that no index on connection_id is chosen for it: SQLite (which has
// no statistics) would otherwise read every link of the connection through such an index and
// sort them all by id for each page (a second per page at a million links, so a pass grew with
// the square of the catalog); this way each page reads the primary key from AfterID on and
// stops at Limit.
func (s *LinkStore) LinksPage(ctx context.Context, q database.Querier, p LinksPageParams) ([]Link, error) {
	links, err := collectLinks(q.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
		WHERE +l.connection_id = $1 AND l.id > $2 AND l.ended_at IS NULL AND l.follow_reason = ''
		ORDER BY l.id LIMIT $3`, p.ConnectionID, p.AfterID, p.Limit))
	if err != nil {
		return nil, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
	}
	return links, nil
}

// LinksOfSourceVariantsParams name source variants of one connection.
type LinksOfSourceVariantsParams struct {
	ConnectionID int64
	VariantIDs   []string
}

// LinksOfSourceVariants returns the connection's live links of the given source variants.
func (s *LinkStore) LinksOfSourceVariants(ctx context.Context, q database.Querier, p LinksOfSourceVariantsParams) ([]Link, error) {
	var out []Link
	for ids := range chunks(p.VariantIDs) {
		args := []any{p.ConnectionID}
		in := placeholders(&args, ids)
		links, err := collectLinks(q.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
			WHERE l.connection_id = $1 AND l.ended_at IS NULL AND l.follow_reason = '' AND l.source_variant_id IN (`+in+`)
			ORDER BY l.id`, args...))
		if err != nil {
			return nil, fmt.Errorf("reading the links of connection %d's source variants: %w", p.ConnectionID, err)
		}
		out = append(out, links...)
	}
	return out, nil
}
