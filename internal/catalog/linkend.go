package catalog

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Ending and restoring links: a disconnect ends every link of its connection (kept, with when and
// why, as history); a reconnect restores those whose products it finds again.

// EndLinksParams end the links of a connection that are not ended yet.
type EndLinksParams struct {
	ConnectionID int64
	Reason       string
	At           time.Time
}

// EndLinks ends the connection's links, in the caller's transaction, and recounts its linked
// products (none are left).
func (s *LinkStore) EndLinks(ctx context.Context, tx database.Tx, p EndLinksParams) error {
	if _, err := tx.Exec(ctx, `UPDATE product_links SET ended_at = $1, ended_reason = $2 WHERE connection_id = $3 AND ended_at IS NULL`,
		p.At.UTC().Truncate(time.Microsecond), p.Reason, p.ConnectionID); err != nil {
		return fmt.Errorf("ending the links of connection %d: %w", p.ConnectionID, err)
	}
	return Recount(ctx, tx, p.ConnectionID)
}

// EndedLinksParams name destination products of a connection whose ended links are wanted.
type EndedLinksParams struct {
	ConnectionID          int64
	DestinationProductIDs []string
}

// EndedLinks returns the ended links of the given destination products, ordered by link id.
func (s *LinkStore) EndedLinks(ctx context.Context, q database.Querier, p EndedLinksParams) ([]Link, error) {
	var out []Link
	for ids := range chunks(p.DestinationProductIDs) {
		args := []any{p.ConnectionID}
		in := placeholders(&args, ids)
		links, err := collectLinks(q.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
			WHERE l.connection_id = $1 AND l.ended_at IS NOT NULL AND l.destination_product_id IN (`+in+`) ORDER BY l.id`, args...))
		if err != nil {
			return nil, fmt.Errorf("reading the ended links of connection %d: %w", p.ConnectionID, err)
		}
		out = append(out, links...)
	}
	return out, nil
}

// RestoreLinksParams name ended links of a connection to make links again.
type RestoreLinksParams struct {
	ConnectionID int64
	LinkIDs      []int64
}

// RestoreLinks makes the given ended links active again, in the caller's transaction, and
// recounts the connection's linked products.
func (s *LinkStore) RestoreLinks(ctx context.Context, tx database.Tx, p RestoreLinksParams) error {
	for from := 0; from < len(p.LinkIDs); from += maxIDsPerQuery {
		args := []any{p.ConnectionID}
		var in strings.Builder
		for i, id := range p.LinkIDs[from:min(from+maxIDsPerQuery, len(p.LinkIDs))] {
			args = append(args, id)
			if i > 0 {
				in.WriteString(", ")
			}
			in.WriteString("$" + strconv.Itoa(len(args)))
		}
		if _, err := tx.Exec(ctx, `UPDATE product_links SET ended_at = NULL, ended_reason = ''
			WHERE connection_id = $1 AND ended_at IS NOT NULL AND id IN (`+in.String()+`)`, args...); err != nil {
			return fmt.Errorf("restoring links of connection %d: %w", p.ConnectionID, err)
		}
	}
	if err := Recount(ctx, tx, p.ConnectionID); err != nil {
		return err
	}
	return s.restored(ctx, tx, p)
}
