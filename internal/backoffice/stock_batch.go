package backoffice

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/storesync/storesync/internal/database"
)

// Batched stock reads and writes, for sync steps and supplier feeds that handle many items at once.

// BatchSize is the most items one statement reads or one transaction of SetOnHand writes.
const BatchSize = 500

// ItemsByIdentifiersParams names items by SKU (whatever the case) and by barcode.
type ItemsByIdentifiersParams struct {
	AccountID int64
	SKUs      []string
	Barcodes  []string
}

// ItemsAfterParams reads items in SKU order after AfterSKU (empty: from the first), Limit of
// them (at most BatchSize; zero means BatchSize).
type ItemsAfterParams struct {
	AccountID int64
	AfterSKU  string
	Limit     int
}

// OnHandEntry is one row of a feed: an item's count and what else the feed says of it.
type OnHandEntry struct {
	SKU    string
	OnHand int64
	// Uncounted leaves the on hand as it is (a row that gives prices only).
	Uncounted bool
	// Details, where given, replace the item's own.
	Details ItemDetails
}

// ItemDetails are what a feed may say of an item besides its count; an empty field leaves the
// item's own as it is.
type ItemDetails struct {
	Description string
	// Currency is Price's and Cost's; they are applied to an item in that currency (or one
	// without a currency yet, which takes it) and refused for an item in another.
	Currency    string
	Price, Cost *int64
}

func (d ItemDetails) empty() bool {
	return strings.TrimSpace(d.Description) == "" && d.Price == nil && d.Cost == nil
}

// apply returns the item's details with d's applied, and whether d's prices were refused for
// the item's currency.
func (d ItemDetails) apply(in ItemInput) (ItemInput, bool) {
	if desc := strings.TrimSpace(d.Description); desc != "" {
		in.Description = desc
	}
	if d.Price == nil && d.Cost == nil {
		return in, false
	}
	cur, err := NormalizeCurrency(d.Currency)
	if err != nil || (in.Currency != "" && in.Currency != cur) {
		return in, true
	}
	in.Currency = cur
	if d.Price != nil {
		in.Price = *d.Price
	}
	if d.Cost != nil {
		in.Cost = *d.Cost
	}
	return in, false
}

// SetOnHandParams sets the on hand of many items by SKU, as a feed or a stock take reports them.
type SetOnHandParams struct {
	AccountID int64
	Entries   []OnHandEntry
	Actor     string
	Reference string
}

// SetOnHandResult says what a SetOnHand did.
type SetOnHandResult struct {
	// Changed counts the items whose on hand changed (one "imported" history row each).
	Changed int
	// Unchanged counts the items that already had the count.
	Unchanged int
	// Missing lists the SKUs of entries no item of the account has, in the order given.
	Missing []string
	// Updated counts the items whose details (description, price, cost) changed.
	Updated int
	// CurrencyRefused lists the SKUs of items whose price or cost was given in a currency
	// other than theirs (and so left as it was).
	CurrencyRefused []string
	// Oversold lists the changed items whose available is now below zero.
	Oversold []Item
}

// ItemsByIdentifiers returns the account's items whose SKU or barcode is one of those given,
// each once, ordered by id, in one query per BatchSize identifiers.
func (s *Service) ItemsByIdentifiers(ctx context.Context, p ItemsByIdentifiersParams) ([]Item, error) {
	seen := map[int64]bool{}
	var out []Item
	for _, set := range []struct {
		column string
		values []string
	}{{"sku_key", foldAll(p.SKUs, skuKey)}, {"barcode", foldAll(p.Barcodes, strings.TrimSpace)}} {
		for chunk := range slices.Chunk(set.values, BatchSize) {
			var f filter
			f.add("account_id = ?", p.AccountID)
			f.addIn(set.column, chunk)
			items, err := queryItems(ctx, s.db, sqlSelectItems+f.where()+" ORDER BY id", f.args)
			if err != nil {
				return nil, fmt.Errorf("reading inventory items by %s: %w", set.column, err)
			}
			for _, it := range items {
				if !seen[it.ID] {
					seen[it.ID] = true
					out = append(out, it)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ItemsAfter returns up to p.Limit items in SKU order after p.AfterSKU: a sync step reads the
// whole stock with it, a page at a time, without missing items added meanwhile before its cursor.
func (s *Service) ItemsAfter(ctx context.Context, p ItemsAfterParams) ([]Item, error) {
	limit := p.Limit
	if limit <= 0 || limit > BatchSize {
		limit = BatchSize
	}
	items, err := queryItems(ctx, s.db, sqlSelectItems+" WHERE account_id = $1 AND sku_key > $2 ORDER BY sku_key LIMIT $3",
		[]any{p.AccountID, skuKey(p.AfterSKU), limit})
	if err != nil {
		return nil, fmt.Errorf("reading inventory items: %w", err)
	}
	return items, nil
}

// SetOnHand sets the on hand of the items named by SKU, BatchSize entries per transaction, with
// an "imported" history row by p.Actor for each item that changed. Entries are checked first:
// one bad entry changes nothing. A SKU named twice takes its last count.
func (s *Service) SetOnHand(ctx context.Context, p SetOnHandParams) (SetOnHandResult, error) {
	var out SetOnHandResult
	if err := checkActor(p.Actor); err != nil {
		return out, fmt.Errorf("setting on hand: %w", err)
	}
	counts, given := map[string]OnHandEntry{}, map[string]string{}
	var keys []string
	for i, e := range p.Entries {
		k := skuKey(e.SKU)
		switch {
		case k == "":
			return out, fmt.Errorf("setting on hand: %w", invalid(fmt.Sprintf("entries[%d].sku", i), e.SKU, "is required"))
		case !e.Uncounted && (e.OnHand < 0 || e.OnHand > maxStock):
			return out, fmt.Errorf("setting on hand: %w", invalid(fmt.Sprintf("entries[%d].on_hand", i), e.OnHand, "must be 0 to %d", int64(maxStock)))
		case e.Details.Price != nil && (*e.Details.Price < 0 || *e.Details.Price > maxMoney):
			return out, fmt.Errorf("setting on hand: %w", invalid(fmt.Sprintf("entries[%d].price", i), *e.Details.Price, "must be 0 to %d minor units", int64(maxMoney)))
		case e.Details.Cost != nil && (*e.Details.Cost < 0 || *e.Details.Cost > maxMoney):
			return out, fmt.Errorf("setting on hand: %w", invalid(fmt.Sprintf("entries[%d].cost", i), *e.Details.Cost, "must be 0 to %d minor units", int64(maxMoney)))
		}
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
			given[k] = strings.TrimSpace(e.SKU)
		}
		counts[k] = e
	}
	for chunk := range slices.Chunk(keys, BatchSize) {
		err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
			r, err := s.setOnHandChunk(ctx, tx, p, chunk, counts, given)
			if err == nil {
				out.Changed += r.Changed
				out.Unchanged += r.Unchanged
				out.Missing = append(out.Missing, r.Missing...)
				out.Oversold = append(out.Oversold, r.Oversold...)
				out.Updated += r.Updated
				out.CurrencyRefused = append(out.CurrencyRefused, r.CurrencyRefused...)
			}
			return err
		})
		if err != nil {
			return out, fmt.Errorf("setting on hand: %w", err)
		}
	}
	return out, nil
}

func (s *Service) setOnHandChunk(ctx context.Context, tx database.Tx, p SetOnHandParams, keys []string, counts map[string]OnHandEntry,
	given map[string]string) (SetOnHandResult, error) {
	var out SetOnHandResult
	var f filter
	f.add("account_id = ?", p.AccountID)
	f.addIn("sku_key", keys)
	items, err := queryItems(ctx, tx, sqlSelectItems+f.where()+" ORDER BY id"+forUpdate(tx), f.args)
	if err != nil {
		return out, fmt.Errorf("reading inventory items: %w", err)
	}
	found := map[string]bool{}
	for _, it := range items {
		k := skuKey(it.SKU)
		found[k] = true
		e := counts[k]
		if !e.Details.empty() {
			in, refused := e.Details.apply(it.ItemInput)
			if refused {
				out.CurrencyRefused = append(out.CurrencyRefused, it.SKU)
			}
			if in != it.ItemInput {
				if _, err := tx.Exec(ctx, sqlUpdateItem, p.AccountID, it.ID, in.SKU, skuKey(in.SKU), in.Barcode, in.Description,
					in.Currency, in.Cost, in.Price, s.now(), it.Version); err != nil {
					return out, fmt.Errorf("updating inventory item %d: %w", it.ID, err)
				}
				it.ItemInput = in
				it.Version++
				out.Updated++
			}
		}
		n := e.OnHand
		if e.Uncounted || n == it.OnHand {
			out.Unchanged++
			continue
		}
		after, err := s.writeStock(ctx, tx, p.AccountID, it, n, it.Committed, stockChange{Actor: p.Actor, Kind: HistoryImported,
			Reference: p.Reference})
		if err != nil {
			return out, err
		}
		out.Changed++
		if after.Oversold() {
			out.Oversold = append(out.Oversold, after)
		}
	}
	for _, k := range keys {
		if !found[k] {
			out.Missing = append(out.Missing, given[k])
		}
	}
	return out, nil
}

// forUpdate locks the rows a query reads on PostgreSQL, in the order it reads them; on SQLite
// the transaction already holds the one writer.
func forUpdate(tx database.Tx) string {
	if tx.Dialect() == database.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func queryItems(ctx context.Context, q database.Querier, query string, args []any) ([]Item, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func foldAll(vs []string, fold func(string) string) []string {
	out := make([]string, 0, len(vs))
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		if v = fold(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
