package linking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// Conflict states.
const (
	ConflictOpen     = "open"
	ConflictResolved = "resolved"
	ConflictSkipped  = "skipped"
)

// Conflict is what a map could not link without guessing.
type Conflict struct {
	ID                    int64
	ConnectionID          int64
	Kind                  string
	Reason                string
	SourceProductIDs      []string
	DestinationProductIDs []string
	Identifier            string
	State                 string
	CreatedAt             time.Time
	ResolvedAt            *time.Time
}

const conflictColumns = `id, connection_id, kind, reason, source_product_ids, destination_product_ids, identifier, state, created_at, resolved_at`

func scanConflict(row database.Row) (Conflict, error) {
	var c Conflict
	var s, d string
	if err := row.Scan(&c.ID, &c.ConnectionID, &c.Kind, &c.Reason, &s, &d, &c.Identifier, &c.State, &c.CreatedAt, &c.ResolvedAt); err != nil {
		return Conflict{}, err
	}
	if err := errors.Join(json.Unmarshal([]byte(s), &c.SourceProductIDs), json.Unmarshal([]byte(d), &c.DestinationProductIDs)); err != nil {
		return Conflict{}, fmt.Errorf("conflict %d: %w", c.ID, err)
	}
	return c, nil
}

// saveConflicts records the conflicts a map found (one already known is left as it is: a
// skipped one stays skipped), and resolves the open ones it no longer finds: someone fixed the
// identifier, or the products were linked or removed.
func saveConflicts(ctx context.Context, tx database.Tx, connectionID int64, found []newConflict, at time.Time) error {
	seen := make([]string, 0, len(found))
	for _, c := range found {
		s, err := json.Marshal(nonNil(c.sourceIDs))
		if err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
		d, err := json.Marshal(nonNil(c.destIDs))
		if err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
		fp := c.fingerprint()
		seen = append(seen, fp)
		if _, err := tx.Exec(ctx, `INSERT INTO conflicts (connection_id, kind, reason, source_product_ids, destination_product_ids,
			identifier, fingerprint, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)
			ON CONFLICT (connection_id, fingerprint) DO NOTHING`, connectionID, c.kind, c.reason, string(s), string(d), c.identifier, fp, at); err != nil {
			return fmt.Errorf("recording a conflict of connection %d: %w", connectionID, err)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, fingerprint FROM conflicts WHERE connection_id = $1 AND state = 'open'`, connectionID)
	if err != nil {
		return fmt.Errorf("reading the conflicts of connection %d: %w", connectionID, err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var fp string
		if err := rows.Scan(&id, &fp); err != nil {
			rows.Close()
			return err
		}
		if !slices.Contains(seen, fp) {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range gone {
		if _, err := tx.Exec(ctx, `UPDATE conflicts SET state = 'resolved', resolved_at = $1 WHERE id = $2`, at, id); err != nil {
			return fmt.Errorf("resolving conflict %d: %w", id, err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ConflictsParams select a page of a connection's conflicts.
type ConflictsParams struct {
	AccountID    int64
	ConnectionID int64
	State        string // "": all
	Page         int
}

// ConflictPage is a page of conflicts with the count of all that match.
type ConflictPage struct {
	Items []Conflict
	Page  int
	Total int64
}

// Conflicts returns a page of the connection's conflicts, oldest first.
func (s *Service) Conflicts(ctx context.Context, p ConflictsParams) (ConflictPage, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return ConflictPage{}, err
	}
	page := min(max(p.Page, 1), MaxPage)
	where, args := `connection_id = $1`, []any{c.ID}
	if p.State != "" {
		where += ` AND state = $2`
		args = append(args, p.State)
	}
	out := ConflictPage{Page: page}
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM conflicts WHERE `+where, args...).Scan(&out.Total); err != nil {
		return ConflictPage{}, fmt.Errorf("counting the conflicts of connection %d: %w", c.ID, err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+conflictColumns+` FROM conflicts WHERE `+where+
		fmt.Sprintf(` ORDER BY id LIMIT %d OFFSET %d`, PerPage, (page-1)*PerPage), args...)
	if err != nil {
		return ConflictPage{}, fmt.Errorf("reading the conflicts of connection %d: %w", c.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		cf, err := scanConflict(rows)
		if err != nil {
			return ConflictPage{}, err
		}
		out.Items = append(out.Items, cf)
	}
	return out, rows.Err()
}

// ConflictParams name one conflict of a connection.
type ConflictParams struct {
	AccountID    int64
	ConnectionID int64
	ID           int64
}

func getConflict(ctx context.Context, q database.Querier, connectionID, id int64) (Conflict, error) {
	cf, err := scanConflict(q.QueryRow(ctx, `SELECT `+conflictColumns+` FROM conflicts WHERE id = $1 AND connection_id = $2`, id, connectionID))
	if errors.Is(err, database.ErrNoRows) {
		return Conflict{}, refuse(connection.ErrNotFound, "", fmt.Sprintf("no conflict %d on connection %d", id, connectionID))
	}
	if err != nil {
		return Conflict{}, fmt.Errorf("reading conflict %d: %w", id, err)
	}
	return cf, nil
}

// Skip leaves an open conflict unlinked for good: a map run again does not open it again.
func (s *Service) Skip(ctx context.Context, p ConflictParams) (Conflict, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Conflict{}, err
	}
	var cf Conflict
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if cf, err = getConflict(ctx, tx, c.ID, p.ID); err != nil {
			return err
		}
		if cf.State != ConflictOpen {
			return refuse(connection.ErrConflict, "", fmt.Sprintf("conflict %d is %s already", cf.ID, cf.State))
		}
		if _, err := tx.Exec(ctx, `UPDATE conflicts SET state = 'skipped', resolved_at = $1 WHERE id = $2`, s.now().UTC(), cf.ID); err != nil {
			return fmt.Errorf("skipping conflict %d: %w", cf.ID, err)
		}
		cf, err = getConflict(ctx, tx, c.ID, p.ID)
		return err
	})
	return cf, err
}

// ResolveParams resolve a conflict by the pair of products to link; one of the two must be a
// product of the conflict.
type ResolveParams struct {
	ConflictParams
	SourceProductID      string
	DestinationProductID string
}

// Resolve links the pair a person picked, variant by variant (by identifier when every variant
// has a distinct one on both sides, else in order), and marks the conflict resolved, in one
// transaction. The two products must have as many variants; neither may be linked already.
func (s *Service) Resolve(ctx context.Context, p ResolveParams) (Conflict, error) {
	c, err := s.destination(ctx, p.AccountID, p.ConnectionID)
	if err != nil {
		return Conflict{}, err
	}
	if err := syncing(c); err != nil {
		return Conflict{}, err
	}
	cf, err := getConflict(ctx, s.db, c.ID, p.ID)
	if err != nil {
		return Conflict{}, err
	}
	if cf.State != ConflictOpen {
		return Conflict{}, refuse(connection.ErrConflict, "", fmt.Sprintf("conflict %d is %s already", cf.ID, cf.State))
	}
	switch {
	case p.SourceProductID == "":
		return Conflict{}, refuse(connection.ErrInvalid, "source_product_id", "give the source product to link")
	case p.DestinationProductID == "":
		return Conflict{}, refuse(connection.ErrInvalid, "destination_product_id", "give the destination product to link")
	case !slices.Contains(cf.SourceProductIDs, p.SourceProductID) && !slices.Contains(cf.DestinationProductIDs, p.DestinationProductID):
		return Conflict{}, refuse(connection.ErrInvalid, "source_product_id", "neither product is one of the conflict's: resolve a conflict with a pair that settles it")
	}
	src, dst, err := s.clients(ctx, c)
	if err != nil {
		return Conflict{}, err
	}
	sp, err := readSide(ctx, src, p.SourceProductID, "source_product_id")
	if err != nil {
		return Conflict{}, err
	}
	dp, err := readSide(ctx, dst, p.DestinationProductID, "destination_product_id")
	if err != nil {
		return Conflict{}, err
	}
	if len(sp.Variants) != len(dp.Variants) || len(sp.Variants) == 0 {
		return Conflict{}, refuse(connection.ErrInvalid, "destination_product_id",
			fmt.Sprintf("the source product has %d variants and the destination product %d: link products with as many variants", len(sp.Variants), len(dp.Variants)))
	}
	order := pairVariants(c.Settings.Identifier, sp, dp)
	now := s.now().UTC().Truncate(time.Microsecond)
	links := make([]catalog.LinkInput, len(sp.Variants))
	for i, sv := range sp.Variants {
		dv := dp.Variants[order[i]]
		spr, dpr := sv.Price, dv.Price
		links[i] = catalog.LinkInput{SourceStoreID: c.Source.ID, SourceProductID: sp.ID, SourceVariantID: sv.ID, SourceInventoryItemID: sv.InventoryItemID,
			DestinationStoreID: c.Destination.ID, DestinationProductID: dp.ID, DestinationVariantID: dv.ID, DestinationInventoryItemID: dv.InventoryItemID,
			Identifier: identifierOf(c.Settings.Identifier, sv), SourceQuantity: sv.Quantity, SourcePrice: &spr, DestinationPrice: &dpr}
	}
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		for _, side := range []struct{ side, id, field string }{{"source", sp.ID, "source_product_id"}, {"destination", dp.ID, "destination_product_id"}} {
			ls, err := s.links.LinksOfProducts(ctx, tx, catalog.LinksOfProductsParams{ConnectionID: c.ID, Side: side.side, ProductIDs: []string{side.id}})
			if err != nil {
				return err
			}
			if len(ls) > 0 {
				return refuse(connection.ErrConflict, side.field, fmt.Sprintf("%s product %s is linked already", side.side, side.id))
			}
		}
		if err := s.links.SaveLinks(ctx, tx, catalog.SaveLinksParams{ConnectionID: c.ID, Links: links, At: now}); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE conflicts SET state = 'resolved', resolved_at = $1 WHERE id = $2 AND state = 'open'`, now, cf.ID)
		if err != nil {
			return fmt.Errorf("resolving conflict %d: %w", cf.ID, err)
		}
		if n == 0 {
			return refuse(connection.ErrConflict, "", fmt.Sprintf("conflict %d was resolved or skipped meanwhile", cf.ID))
		}
		cf, err = getConflict(ctx, tx, c.ID, cf.ID)
		return err
	})
	if database.IsUniqueViolation(err) {
		return Conflict{}, refuse(connection.ErrConflict, "destination_product_id", "a variant of these products was linked meanwhile")
	}
	return cf, err
}

// readSide reads one product of a pair; one the platform does not know is a 404 naming field.
func readSide(ctx context.Context, r platform.CatalogReader, id, field string) (platform.Product, error) {
	p, err := r.Product(ctx, id)
	if platform.KindOf(err) == platform.KindNotFound {
		return platform.Product{}, refuse(connection.ErrNotFound, field, fmt.Sprintf("no product %s in the store", id))
	}
	if err != nil {
		return platform.Product{}, fmt.Errorf("reading product %s: %w", id, err)
	}
	return p, nil
}

// pairVariants pairs the variants of two products of as many: by identifier when each side's
// values are distinct, not empty and the same set; else in order.
func pairVariants(id catalog.Identifier, sp, dp platform.Product) []int {
	order := make([]int, len(sp.Variants))
	byIdent := map[string]int{}
	for i, v := range dp.Variants {
		byIdent[identifierOf(id, v)] = i
	}
	ok := len(byIdent) == len(dp.Variants)
	used := map[int]bool{}
	for i, v := range sp.Variants {
		j, found := byIdent[identifierOf(id, v)]
		if !ok || !found || identifierOf(id, v) == "" || used[j] {
			ok = false
			break
		}
		used[j] = true
		order[i] = j
	}
	if !ok {
		for i := range order {
			order[i] = i
		}
	}
	return order
}
