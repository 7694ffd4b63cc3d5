package linking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// AnnouncedParams name source products of one connection.
type AnnouncedParams struct {
	ConnectionID int64
	ProductIDs   []string
}

// Announced returns, through q, when the hub last heard of a change of each source product for
// the connection (a webhook or a reconciliation through SourceChanged); a product never
// announced is absent. Reconciliation compares it with the product's own update time: a change
// the hub never heard of is a dropped webhook.
func (f *Follower) Announced(ctx context.Context, q database.Querier, p AnnouncedParams) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	const per = 500
	for start := 0; start < len(p.ProductIDs); start += per {
		ids := p.ProductIDs[start:min(len(p.ProductIDs), start+per)]
		args := []any{p.ConnectionID}
		var in strings.Builder
		for i, id := range ids {
			args = append(args, id)
			if i > 0 {
				in.WriteString(", ")
			}
			fmt.Fprintf(&in, "$%d", len(args))
		}
		rows, err := q.Query(ctx, `SELECT source_product_id, changed_at FROM product_follow
			WHERE connection_id = $1 AND source_product_id IN (`+in.String()+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading the announced changes of connection %d: %w", p.ConnectionID, err)
		}
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = at
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
