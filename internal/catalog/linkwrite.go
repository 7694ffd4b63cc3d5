package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// LinkInput is one link to save: a source variant and the destination variant that follows it.
type LinkInput struct {
	SourceStoreID              int64
	SourceProductID            string
	SourceVariantID            string
	SourceInventoryItemID      string
	DestinationStoreID         int64
	DestinationProductID       string
	DestinationVariantID       string
	DestinationInventoryItemID string
	Identifier                 string
	SourceQuantity             *int64
	DestinationQuantity        *int64
	SourcePrice                *platform.Money
	DestinationPrice           *platform.Money
}

// SaveLinksParams save the links of one connection, in the caller's transaction.
type SaveLinksParams struct {
	ConnectionID int64
	Links        []LinkInput
	At           time.Time
	// Whole, when set, says Links are all the links of their source products: the other links of
	// those products (variants the source removed) end.
	Whole bool
}

// SaveLinks creates the links, or updates the one of the same source variant (an import run
// again follows the same destination variant; an ended link is a link again), then recounts the
// connection's linked products.
// A destination variant already following another source variant of the connection is a unique
// violation (database.IsUniqueViolation): the caller decides what it means.
func (s *LinkStore) SaveLinks(ctx context.Context, tx database.Tx, p SaveLinksParams) error {
	at := p.At.UTC()
	known, err := s.activeItems(ctx, tx, p)
	if err != nil {
		return err
	}
	if p.Whole {
		if err := endOthers(ctx, tx, p); err != nil {
			return err
		}
	}
	for _, l := range p.Links {
		// an ended link (history) of this destination variant under another source variant gives
		// way to the new link: a variant follows one source variant of a connection
		if _, err := tx.Exec(ctx, `DELETE FROM product_links WHERE connection_id = $1 AND destination_variant_id = $2
			AND source_variant_id <> $3 AND ended_at IS NOT NULL`, p.ConnectionID, l.DestinationVariantID, l.SourceVariantID); err != nil {
			return fmt.Errorf("replacing the ended link of destination variant %s: %w", l.DestinationVariantID, err)
		}
		sa, scur := moneyCols(l.SourcePrice)
		da, dcur := moneyCols(l.DestinationPrice)
		_, err := tx.Exec(ctx, `INSERT INTO product_links (connection_id, source_store_id, source_product_id, source_variant_id,
			source_inventory_item_id, destination_store_id, destination_product_id, destination_variant_id,
			destination_inventory_item_id, identifier, source_quantity, destination_quantity,
			source_price_amount, source_price_currency, destination_price_amount, destination_price_currency, synced_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
			ON CONFLICT (connection_id, source_variant_id) DO UPDATE SET
				source_product_id = excluded.source_product_id, source_inventory_item_id = excluded.source_inventory_item_id,
				destination_product_id = excluded.destination_product_id, destination_variant_id = excluded.destination_variant_id,
				destination_inventory_item_id = excluded.destination_inventory_item_id, identifier = excluded.identifier,
				source_quantity = COALESCE(excluded.source_quantity, product_links.source_quantity),
				destination_quantity = COALESCE(excluded.destination_quantity, product_links.destination_quantity),
				source_price_amount = excluded.source_price_amount, source_price_currency = excluded.source_price_currency,
				destination_price_amount = excluded.destination_price_amount, destination_price_currency = excluded.destination_price_currency,
				synced_at = excluded.synced_at, ended_at = NULL, ended_reason = ''`,
			p.ConnectionID, l.SourceStoreID, l.SourceProductID, l.SourceVariantID, l.SourceInventoryItemID,
			l.DestinationStoreID, l.DestinationProductID, l.DestinationVariantID, l.DestinationInventoryItemID,
			l.Identifier, l.SourceQuantity, l.DestinationQuantity, sa, scur, da, dcur, at)
		if err != nil {
			return fmt.Errorf("linking source variant %s to destination variant %s: %w", l.SourceVariantID, l.DestinationVariantID, err)
		}
	}
	if err := Recount(ctx, tx, p.ConnectionID); err != nil {
		return err
	}
	bySource := map[int64]*Linked{}
	for _, l := range p.Links {
		if known[l.SourceVariantID] != [2]string{l.SourceInventoryItemID, l.DestinationInventoryItemID} {
			addLinked(bySource, p.ConnectionID, l.SourceStoreID, l.SourceInventoryItemID, l.DestinationVariantID)
		}
	}
	return s.runLinkedAll(ctx, tx, bySource)
}

// activeItems are the inventory items (source, destination) of the connection's active links of
// p's source variants, before p saves them: a link saved again unchanged (a source product
// change followed, an import run again) was linked already, and its items are not new to it.
func (s *LinkStore) activeItems(ctx context.Context, tx database.Tx, p SaveLinksParams) (map[string][2]string, error) {
	out := map[string][2]string{}
	if len(s.linked) == 0 {
		return out, nil
	}
	variants := make([]string, len(p.Links))
	for i, l := range p.Links {
		variants[i] = l.SourceVariantID
	}
	for ids := range chunks(variants) {
		args := []any{p.ConnectionID}
		rows, err := tx.Query(ctx, `SELECT source_variant_id, source_inventory_item_id, destination_inventory_item_id FROM product_links
			WHERE connection_id = $1 AND ended_at IS NULL AND follow_reason = '' AND source_variant_id IN (`+placeholders(&args, ids)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
		}
		for rows.Next() {
			var v, si, di string
			if err := rows.Scan(&v, &si, &di); err != nil {
				rows.Close()
				return nil, err
			}
			out[v] = [2]string{si, di}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// endOthers removes the links of p's source products whose source variant p does not list.
func endOthers(ctx context.Context, tx database.Tx, p SaveLinksParams) error {
	keep := map[string][]string{}
	for _, l := range p.Links {
		keep[l.SourceProductID] = append(keep[l.SourceProductID], l.SourceVariantID)
	}
	for product, variants := range keep {
		args := []any{p.ConnectionID, product}
		in := placeholders(&args, variants)
		if _, err := tx.Exec(ctx, `DELETE FROM product_links WHERE connection_id = $1 AND source_product_id = $2
			AND source_variant_id NOT IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("ending the links of removed variants of source product %s: %w", product, err)
		}
	}
	return nil
}

// Recount keeps the connection's linked_products: its distinct linked destination products
// (ended links are history, not links).
func Recount(ctx context.Context, tx database.Tx, connectionID int64) error {
	_, err := tx.Exec(ctx, `UPDATE connections SET linked_products =
		(SELECT COUNT(DISTINCT destination_product_id) FROM product_links WHERE connection_id = $1 AND ended_at IS NULL) WHERE id = $1`, connectionID)
	if err != nil {
		return fmt.Errorf("counting the linked products of connection %d: %w", connectionID, err)
	}
	return nil
}

func moneyCols(m *platform.Money) (int64, string) {
	if m == nil {
		return 0, ""
	}
	return m.Amount, m.Currency
}

// LinksOfProductsParams name source or destination products of one connection.
type LinksOfProductsParams struct {
	ConnectionID int64
	// Side is "source" or "destination": which side's product ids ProductIDs are.
	Side       string
	ProductIDs []string
}

// LinksOfProducts returns the links (not ended) of the given products of a connection, whatever
// its state.
func (s *LinkStore) LinksOfProducts(ctx context.Context, q database.Querier, p LinksOfProductsParams) ([]Link, error) {
	col := "source_product_id"
	if p.Side == "destination" {
		col = "destination_product_id"
	}
	var out []Link
	for ids := range chunks(p.ProductIDs) {
		args := []any{p.ConnectionID}
		in := placeholders(&args, ids)
		links, err := collectLinks(q.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
			WHERE l.connection_id = $1 AND l.ended_at IS NULL AND l.`+col+` IN (`+in+`) ORDER BY l.id`, args...))
		if err != nil {
			return nil, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
		}
		out = append(out, links...)
	}
	return out, nil
}

// ListLinksParams select a page of a connection's links, in the order they were made.
type ListLinksParams struct {
	ConnectionID int64
	Limit        int
	Offset       int
}

// ListLinks returns a page of the connection's links and how many it has in all, ended ones
// included: they are its history (EndedAt says which).
func (s *LinkStore) ListLinks(ctx context.Context, p ListLinksParams) ([]Link, int64, error) {
	var total int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM product_links WHERE connection_id = $1`, p.ConnectionID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting the links of connection %d: %w", p.ConnectionID, err)
	}
	links, err := collectLinks(s.db.Query(ctx, `SELECT `+linkColumns+` FROM product_links l
		WHERE l.connection_id = $1 ORDER BY l.id LIMIT $2 OFFSET $3`, p.ConnectionID, p.Limit, p.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("reading the links of connection %d: %w", p.ConnectionID, err)
	}
	return links, total, nil
}
