package linking

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// retiredLink is a link whose destination stopped following its source, and why.
type retiredLink struct {
	reason   string
	quantity *int64 // the destination quantity last written
}

// retiredLinks returns, by link id, the links of a source product that say why they no longer
// follow it.
func (f *Follower) retiredLinks(ctx context.Context, connectionID int64, sourceProductID string) (map[int64]retiredLink, error) {
	rows, err := f.s.db.Query(ctx, `SELECT id, follow_reason, destination_quantity FROM product_links
		WHERE connection_id = $1 AND source_product_id = $2 AND follow_reason <> ''`, connectionID, sourceProductID)
	if err != nil {
		return nil, fmt.Errorf("reading why the links of source product %s stopped: %w", sourceProductID, err)
	}
	defer rows.Close()
	out := map[int64]retiredLink{}
	for rows.Next() {
		var id int64
		var r retiredLink
		if err := rows.Scan(&id, &r.reason, &r.quantity); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// retire makes one destination product of a source product that was deleted or archived a
// draft with no stock at any of its store's locations, and says why on its links. Done already
// (every link says so, with no stock written since), it calls nothing.
func (f *Follower) retire(ctx context.Context, c connection.Connection, dst platform.Store, links []catalog.Link, reason string, jobID int64) (recordFunc, error) {
	s := f.s
	retired, err := f.retiredLinks(ctx, c.ID, links[0].SourceProductID)
	if err != nil {
		return nil, err
	}
	done := true
	for _, l := range links {
		r, ok := retired[l.ID]
		done = done && ok && r.reason == reason && r.quantity != nil && *r.quantity == 0
	}
	destID := links[0].DestinationProductID
	record := func(ctx context.Context, tx database.Tx) error {
		for _, l := range links {
			if _, err := tx.Exec(ctx, `UPDATE product_links SET follow_reason = $2, destination_quantity = 0, synced_at = $3 WHERE id = $1`,
				l.ID, reason, s.now().UTC()); err != nil {
				return fmt.Errorf("recording why link %d stopped: %w", l.ID, err)
			}
		}
		return nil
	}
	if done {
		return noRecord, nil
	}
	cur, err := dst.Product(ctx, destID)
	if platform.KindOf(err) == platform.KindNotFound {
		return record, nil // gone at the destination too
	}
	if err != nil {
		return nil, fmt.Errorf("reading destination product %s: %w", destID, err)
	}
	if cur.Status != platform.ProductDraft {
		// A set keeps only the variants it names: name them all, as they are.
		in := platform.ProductInput{ID: cur.ID, Status: platform.ProductDraft, Options: cur.Options}
		for _, v := range cur.Variants {
			in.Variants = append(in.Variants, platform.VariantInput{ID: v.ID, SKU: v.SKU, Barcode: v.Barcode, Price: v.Price,
				CompareAtPrice: v.CompareAtPrice, Options: v.Options, Tracked: v.Tracked, AllowBackorder: v.AllowBackorder})
		}
		if _, err := dst.SetProduct(ctx, in); err != nil {
			return nil, fmt.Errorf("making %q a draft on %s: %w", cur.Title, c.Destination.Name, err)
		}
	}
	if err := f.zeroStock(ctx, dst, links, fmt.Sprintf("follow-%d-%s", jobID, destID)); err != nil {
		return nil, fmt.Errorf("setting the stock of %q to 0 on %s: %w", cur.Title, c.Destination.Name, err)
	}
	return record, nil
}

// zeroStock sets the linked destination items to 0 wherever the store holds a quantity of them
// other than 0.
func (f *Follower) zeroStock(ctx context.Context, dst platform.Store, links []catalog.Link, key string) error {
	items := make([]string, 0, len(links))
	for _, l := range links {
		if l.DestinationInventoryItemID != "" {
			items = append(items, l.DestinationInventoryItemID)
		}
	}
	if len(items) == 0 {
		return nil
	}
	locs, err := dst.Locations(ctx)
	if err != nil {
		return err
	}
	var changes []platform.InventoryChange
	for _, loc := range locs {
		if !loc.Active {
			continue
		}
		levels, err := dst.InventoryLevels(ctx, loc.ID, items)
		if err != nil {
			return err
		}
		for _, l := range levels {
			if l.Available != 0 {
				changes = append(changes, platform.InventoryChange{InventoryItemID: l.InventoryItemID, LocationID: loc.ID, Quantity: 0})
			}
		}
	}
	if len(changes) == 0 {
		return nil
	}
	_, err = dst.SetInventory(ctx, platform.SetInventoryParams{IdempotencyKey: key, Reason: "correction", Changes: changes})
	return err
}
