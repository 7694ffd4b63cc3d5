package shopify

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// maxInventoryRounds bounds how often one batch is re-sent after stale compare-and-set answers.
const maxInventoryRounds = 4

type gInventoryLevels struct {
	Nodes []*struct {
		ID             string `json:"id"`
		SKU            string `json:"sku"`
		Tracked        bool   `json:"tracked"`
		InventoryLevel *struct {
			ID         string    `json:"id"`
			UpdatedAt  time.Time `json:"updatedAt"`
			Quantities []struct {
				Name     string `json:"name"`
				Quantity int64  `json:"quantity"`
			} `json:"quantities"`
		} `json:"inventoryLevel"`
	} `json:"nodes"`
}

// InventoryLevels reads the available and on-hand quantities of items at one location, 250 per
// call. Items not stocked at the location (or unknown) are left out of the result.
func (c *Client) InventoryLevels(ctx context.Context, locationID string, itemIDs []string) ([]platform.InventoryLevel, error) {
	var levels []platform.InventoryLevel
	for start := 0; start < len(itemIDs); start += MaxInputArray {
		chunk := itemIDs[start:min(start+MaxInputArray, len(itemIDs))]
		var out gInventoryLevels
		vars := map[string]any{"ids": chunk, "locationId": locationID}
		if err := c.do(ctx, op{doc: "inventoryLevels", what: "reading inventory", retrySafe: true}, vars, &out); err != nil {
			return nil, err
		}
		for _, n := range out.Nodes {
			if n == nil || n.InventoryLevel == nil {
				continue
			}
			l := platform.InventoryLevel{InventoryItemID: n.ID, LocationID: locationID, SKU: n.SKU, UpdatedAt: n.InventoryLevel.UpdatedAt}
			for _, q := range n.InventoryLevel.Quantities {
				switch q.Name {
				case "available":
					l.Available = q.Quantity
				case "on_hand":
					onHand := q.Quantity
					l.OnHand = &onHand
				}
			}
			levels = append(levels, l)
		}
	}
	return levels, nil
}

// SetInventory sets available quantities with inventorySetQuantities, 250 per call (the API's
// maximum), so N changes take ⌈N/250⌉ calls when nothing is stale. Each call carries an
// @idempotent key derived from p.IdempotencyKey, the batch number and the round, so a retried
// call is applied once. Shopify rejects a whole call when one compare-and-set is stale; the
// stale items are then re-read and the call sent again with fresh expected values
// (RereadOnConflict) or without them (reported in Skipped).
func (c *Client) SetInventory(ctx context.Context, p platform.SetInventoryParams) (platform.SetInventoryResult, error) {
	const what = "setting inventory"
	var res platform.SetInventoryResult
	if strings.TrimSpace(p.IdempotencyKey) == "" {
		return res, c.newError(what, platform.KindInvalidInput, "an idempotency key is required (Shopify 2026-04 and later)")
	}
	changes := dedupeChanges(p.Changes)
	reason := p.Reason
	if reason == "" {
		reason = "correction"
	}
	for batch, start := 0, 0; start < len(changes); batch, start = batch+1, start+MaxInputArray {
		chunk := changes[start:min(start+MaxInputArray, len(changes))]
		if err := c.setInventoryBatch(ctx, p, reason, batch, chunk, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (c *Client) setInventoryBatch(ctx context.Context, p platform.SetInventoryParams, reason string, batch int, chunk []platform.InventoryChange, res *platform.SetInventoryResult) error {
	const what = "setting inventory"
	chunk = append([]platform.InventoryChange(nil), chunk...)
	for round := 0; len(chunk) > 0; round++ {
		if round == maxInventoryRounds {
			return c.newError(what, platform.KindConflict, fmt.Sprintf("quantities kept changing after %d attempts", round))
		}
		key := idempotencyKey(p.IdempotencyKey, batch, round, chunk)
		res.Calls++
		err := c.inventorySetCall(ctx, reason, p.IdempotencyKey, key, chunk)
		if err == nil {
			res.Applied += len(chunk)
			return nil
		}
		if platform.KindOf(err) != platform.KindConflict {
			return err
		}
		stale := staleIndexes(err, len(chunk))
		res.Conflicts += len(stale)
		c.log.InfoContext(ctx, "inventory changed since read", "batch", batch, "stale", len(stale), "reread", p.RereadOnConflict, "error", err)
		if !p.RereadOnConflict {
			kept := chunk[:0]
			for i, ch := range chunk {
				if stale[i] {
					res.Skipped = append(res.Skipped, ch.InventoryItemID)
				} else {
					kept = append(kept, ch)
				}
			}
			chunk = kept
			continue
		}
		// Shopify may name only the first stale quantity of a call: every compared one is read
		// again, so a chunk with many changed items needs one more round, not one per item.
		for i, ch := range chunk {
			if ch.Expected != nil {
				stale[i] = true
			}
		}
		if err := c.refreshExpected(ctx, chunk, stale); err != nil {
			return err
		}
	}
	return nil
}

// refreshExpected re-reads the current quantity of the stale changes and makes it their
// expected value.
func (c *Client) refreshExpected(ctx context.Context, chunk []platform.InventoryChange, stale map[int]bool) error {
	byLocation := map[string][]string{}
	for i := range stale {
		byLocation[chunk[i].LocationID] = append(byLocation[chunk[i].LocationID], chunk[i].InventoryItemID)
	}
	current := map[[2]string]int64{}
	for loc, ids := range byLocation {
		levels, err := c.InventoryLevels(ctx, loc, ids)
		if err != nil {
			return fmt.Errorf("re-reading stale inventory: %w", err)
		}
		for _, l := range levels {
			current[[2]string{l.InventoryItemID, loc}] = l.Available
		}
	}
	for i := range stale {
		q, ok := current[[2]string{chunk[i].InventoryItemID, chunk[i].LocationID}]
		if !ok {
			return c.newError("setting inventory", platform.KindInvalidInput, "item "+chunk[i].InventoryItemID+" is not stocked at "+chunk[i].LocationID)
		}
		chunk[i].Expected = &q
	}
	return nil
}

type gInventorySet struct {
	InventorySetQuantities struct {
		InventoryAdjustmentGroup *struct {
			ID string `json:"id"`
		} `json:"inventoryAdjustmentGroup"`
		UserErrors []userError `json:"userErrors"`
	} `json:"inventorySetQuantities"`
}

// quantityInput is one InventoryQuantityInput. ChangeFromQuantity has no omitempty: Shopify
// requires the field, null meaning "no compare".
type quantityInput struct {
	InventoryItemID    string `json:"inventoryItemId"`
	LocationID         string `json:"locationId"`
	Quantity           int64  `json:"quantity"`
	ChangeFromQuantity *int64 `json:"changeFromQuantity"`
}

func (c *Client) inventorySetCall(ctx context.Context, reason, jobKey, key string, chunk []platform.InventoryChange) error {
	const what = "setting inventory"
	qs := make([]quantityInput, len(chunk))
	for i, ch := range chunk {
		qs[i] = quantityInput{InventoryItemID: ch.InventoryItemID, LocationID: ch.LocationID, Quantity: ch.Quantity, ChangeFromQuantity: ch.Expected}
	}
	vars := map[string]any{
		"idempotencyKey": key,
		"input": map[string]any{
			"name": "available", "reason": reason, "quantities": qs,
			"referenceDocumentUri": "gid://storesync/SyncJob/" + url.PathEscape(jobKey),
		},
	}
	var out gInventorySet
	if err := c.do(ctx, op{doc: "inventorySetQuantities", what: what, retrySafe: true}, vars, &out); err != nil {
		return err
	}
	return c.userErrorsToError(what, out.InventorySetQuantities.UserErrors)
}

// staleIndexes finds which quantities a stale answer names (field path
// input.quantities.<i>.changeFromQuantity); when none can be told, all are treated as stale.
func staleIndexes(err error, n int) map[int]bool {
	stale := map[int]bool{}
	if pe, ok := errors.AsType[*platform.Error](err); ok {
		for _, f := range pe.Fields {
			if f.Code != codeChangeFromStale && f.Code != codeCompareStale {
				continue
			}
			parts := strings.Split(f.Field, ".")
			for i := 0; i+1 < len(parts); i++ {
				if parts[i] == "quantities" {
					if idx, err := strconv.Atoi(parts[i+1]); err == nil && idx >= 0 && idx < n {
						stale[idx] = true
					}
				}
			}
		}
	}
	if len(stale) == 0 {
		for i := range n {
			stale[i] = true
		}
	}
	return stale
}

// dedupeChanges keeps the last change of each item at each location: Shopify refuses a call
// naming the same pair twice.
func dedupeChanges(in []platform.InventoryChange) []platform.InventoryChange {
	pos := map[[2]string]int{}
	out := make([]platform.InventoryChange, 0, len(in))
	for _, ch := range in {
		k := [2]string{ch.InventoryItemID, ch.LocationID}
		if i, ok := pos[k]; ok {
			out[i] = ch
			continue
		}
		pos[k] = len(out)
		out = append(out, ch)
	}
	return out
}

// idempotencyKey derives a UUID-shaped key from the job's key, the batch, the round and what
// the call sets: the same job re-run sends the same keys for the same input (applied once),
// while a call with other input — fresh expected values re-read in a later round, or by a later
// attempt of the job that found the destination's quantities changed meanwhile — gets a new key
// (Shopify refuses a key reused with different input, and its compare-and-set keeps a re-sent
// change from applying twice).
func idempotencyKey(jobKey string, batch, round int, chunk []platform.InventoryChange) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", jobKey, batch, round)
	for _, ch := range chunk {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", ch.InventoryItemID, ch.LocationID, ch.Quantity)
		if ch.Expected != nil {
			fmt.Fprintf(h, "%d", *ch.Expected)
		}
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: custom
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
