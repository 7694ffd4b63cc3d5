package catalog

import (
	"context"
	"fmt"
	"slices"

	"github.com/storesync/storesync/internal/database"
)

// DestinationVariantsParams name variants of one destination store.
type DestinationVariantsParams struct {
	DestinationStoreID int64
	VariantIDs         []string
}

// ForDestinationVariants returns, through q (the deciding transaction), the links following
// source variants from the given destination variants, with the same filter as FanOut (connected
// connections, links neither ended nor retired): what a destination order's lines reserve at the
// source. Ordered by link id.
func (s *LinkStore) ForDestinationVariants(ctx context.Context, q database.Querier, p DestinationVariantsParams) ([]Link, error) {
	var out []Link
	for ids := range slices.Chunk(p.VariantIDs, maxIDsPerQuery) {
		args := []any{p.DestinationStoreID}
		in := placeholders(&args, ids)
		links, err := collectLinks(q.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
			JOIN connections c ON c.id = l.connection_id
			WHERE l.destination_store_id = $1 AND c.state = 'connected' AND l.ended_at IS NULL AND l.follow_reason = ''
				AND l.destination_variant_id IN (`+in+`)
			ORDER BY l.id`, args...))
		if err != nil {
			return nil, fmt.Errorf("reading the links of destination store %d's variants: %w", p.DestinationStoreID, err)
		}
		out = append(out, links...)
	}
	return out, nil
}
