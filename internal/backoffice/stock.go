package backoffice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Back-office stock: an inventory item is one SKU of the account with what is on hand, what open
// sales orders have committed, and its cost and price. Available is OnHand − Committed and may be
// negative: an oversold item is shown as such, never clipped to zero.

// ItemInput is what a caller may set on an inventory item. Cost and Price are minor units of
// Currency. Stock counts change only through adjustments, imports and sales orders.
type ItemInput struct {
	SKU         string
	Barcode     string
	Description string
	Currency    string
	Cost        int64
	Price       int64
}

// Item is the stock of one SKU.
type Item struct {
	ItemInput
	ID        int64
	OnHand    int64
	Committed int64
	// Available is OnHand − Committed: what may still be sold.
	Available int64
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Oversold reports whether more is committed than is on hand.
func (it Item) Oversold() bool { return it.Available < 0 }

// CreateItemParams creates an inventory item with its opening stock, recorded in its history as
// "created" by Actor.
type CreateItemParams struct {
	AccountID int64
	Input     ItemInput
	OnHand    int64
	Actor     string
}

// GetItemParams names one inventory item of an account.
type GetItemParams struct {
	AccountID int64
	ID        int64
}

// UpdateItemParams changes an item's description, identifiers and prices; see
// UpdateContactParams for IfVersion and Change.
type UpdateItemParams struct {
	AccountID int64
	ID        int64
	IfVersion int64
	Change    func(*ItemInput)
}

// SearchItemsParams filters inventory items; zero fields do not filter. Q matches part of the SKU,
// barcode or description whatever the case; SKU matches a whole SKU whatever its case; Barcode a
// whole barcode. Results are ordered by SKU (folded), so AfterSKU (a SKU of the previous page)
// reads on from there whatever was added meanwhile; Page pages by number as the other searches do.
type SearchItemsParams struct {
	AccountID int64
	Q         string
	SKU       string
	Barcode   string
	AfterSKU  string
	Page      int
}

// CreateItem validates and stores a new inventory item. A SKU the account already has (in any
// case) is refused naming sku.
func (s *Service) CreateItem(ctx context.Context, p CreateItemParams) (Item, error) {
	in := p.Input
	if err := validateItem(&in); err != nil {
		return Item{}, fmt.Errorf("creating inventory item: %w", err)
	}
	if err := checkActor(p.Actor); err != nil {
		return Item{}, fmt.Errorf("creating inventory item: %w", err)
	}
	if p.OnHand < 0 || p.OnHand > maxStock {
		return Item{}, fmt.Errorf("creating inventory item: %w", invalid("on_hand", p.OnHand, "must be 0 to %d", int64(maxStock)))
	}
	var out Item
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		now := s.now()
		var id int64
		err := tx.QueryRow(ctx, sqlInsertItem, p.AccountID, in.SKU, skuKey(in.SKU), in.Barcode, in.Description,
			in.Currency, in.Cost, in.Price, p.OnHand, now).Scan(&id)
		if database.IsUniqueViolation(err) {
			return duplicateSKU(in.SKU)
		}
		if err != nil {
			return fmt.Errorf("inserting inventory item: %w", err)
		}
		if err := addHistory(ctx, tx, p.AccountID, id, now, stockChange{Actor: p.Actor, Kind: HistoryCreated,
			OnHandAfter: p.OnHand}); err != nil {
			return err
		}
		out, err = getItem(ctx, tx, p.AccountID, id, false)
		return err
	})
	if err != nil {
		return Item{}, fmt.Errorf("creating inventory item: %w", err)
	}
	return out, nil
}

// UpdateItem applies p.Change to an item, checks the result and stores it in one transaction.
func (s *Service) UpdateItem(ctx context.Context, p UpdateItemParams) (Item, error) {
	var out Item
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		cur, err := getItem(ctx, tx, p.AccountID, p.ID, false)
		if err != nil {
			return err
		}
		if p.IfVersion != 0 && p.IfVersion != cur.Version {
			return fmt.Errorf("inventory item %d is at version %d, not %d: %w", p.ID, cur.Version, p.IfVersion, ErrStale)
		}
		in := cur.ItemInput
		if p.Change != nil {
			p.Change(&in)
		}
		if err := validateItem(&in); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, sqlUpdateItem, p.AccountID, p.ID, in.SKU, skuKey(in.SKU), in.Barcode, in.Description,
			in.Currency, in.Cost, in.Price, s.now(), cur.Version)
		if database.IsUniqueViolation(err) {
			return duplicateSKU(in.SKU)
		}
		if err != nil {
			return fmt.Errorf("updating inventory item %d: %w", p.ID, err)
		}
		if n == 0 {
			return fmt.Errorf("inventory item %d: %w", p.ID, ErrStale)
		}
		out, err = getItem(ctx, tx, p.AccountID, p.ID, false)
		return err
	})
	if err != nil {
		return Item{}, fmt.Errorf("updating inventory item: %w", err)
	}
	return out, nil
}

// GetItem returns one inventory item of the account.
func (s *Service) GetItem(ctx context.Context, p GetItemParams) (Item, error) {
	return getItem(ctx, s.db, p.AccountID, p.ID, false)
}

// SearchItems returns one page of the account's matching inventory items, ordered by SKU.
func (s *Service) SearchItems(ctx context.Context, p SearchItemsParams) (Page[Item], error) {
	var f filter
	f.add("account_id = ?", p.AccountID)
	f.addIf(strings.TrimSpace(p.SKU) != "", "sku_key = ?", skuKey(p.SKU))
	f.addIf(strings.TrimSpace(p.Barcode) != "", "barcode = ?", strings.TrimSpace(p.Barcode))
	f.addIf(strings.TrimSpace(p.AfterSKU) != "", "sku_key > ?", skuKey(p.AfterSKU))
	if q := strings.TrimSpace(p.Q); q != "" {
		f.addMatch([]string{"sku", "barcode", "description"}, q)
	}
	page, offset := pageOffset(p.Page)
	out, err := collectPage(ctx, s.db, Page[Item]{Page: page}, "SELECT count(*) FROM backoffice_items"+f.where(),
		sqlSelectItems+f.where()+" ORDER BY sku_key, id", f, offset, scanItem)
	if err != nil {
		return out, fmt.Errorf("searching inventory items: %w", err)
	}
	return out, nil
}

// getItem reads one item; lock takes its row lock until the transaction ends (PostgreSQL; on
// SQLite the transaction already holds the one writer).
func getItem(ctx context.Context, q database.Querier, accountID, id int64, lock bool) (Item, error) {
	query := sqlSelectItems + " WHERE account_id = $1 AND id = $2"
	if tx, ok := q.(database.Tx); ok && lock {
		query += forUpdate(tx)
	}
	it, err := scanItem(q.QueryRow(ctx, query, accountID, id))
	if errors.Is(err, database.ErrNoRows) {
		return Item{}, notFound("inventory item", id)
	}
	if err != nil {
		return Item{}, fmt.Errorf("reading inventory item %d: %w", id, err)
	}
	return it, nil
}

func scanItem(r database.Row) (Item, error) {
	var it Item
	err := r.Scan(&it.ID, &it.SKU, &it.Barcode, &it.Description, &it.Currency, &it.Cost, &it.Price, &it.OnHand,
		&it.Committed, &it.Version, &it.CreatedAt, &it.UpdatedAt)
	it.Available = it.OnHand - it.Committed
	return it, err
}

// maxStock bounds any count an item holds, so sums of them cannot overflow.
const maxStock = 1_000_000_000_000

// maxMoney bounds cost and price (minor units), far beyond any real item.
const maxMoney = 1_000_000_000_000_000

// skuKey folds a SKU for comparison: SKUs are equal whatever their case.
func skuKey(sku string) string { return strings.ToLower(strings.TrimSpace(sku)) }

func duplicateSKU(sku string) error {
	return invalid("sku", sku, "is already the SKU of an inventory item of this account (SKUs are compared whatever their case)")
}

// validateItem normalises in and checks it.
func validateItem(in *ItemInput) error {
	in.SKU = strings.TrimSpace(in.SKU)
	in.Barcode = strings.TrimSpace(in.Barcode)
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.SKU == "":
		return invalid("sku", in.SKU, "is required")
	case len(in.SKU) > 100:
		return invalid("sku", in.SKU, "must be at most 100 bytes")
	case len(in.Barcode) > 100:
		return invalid("barcode", in.Barcode, "must be at most 100 bytes")
	case len(in.Description) > 1000:
		return invalid("description", in.Description, "must be at most 1000 bytes")
	case in.Cost < 0 || in.Cost > maxMoney:
		return invalid("cost", in.Cost, "must be 0 to %d minor units", int64(maxMoney))
	case in.Price < 0 || in.Price > maxMoney:
		return invalid("price", in.Price, "must be 0 to %d minor units", int64(maxMoney))
	}
	c, err := NormalizeCurrency(in.Currency)
	if err != nil {
		return invalid("currency", in.Currency, "must be an ISO 4217 currency code")
	}
	in.Currency = c
	return nil
}

// checkActor checks the "who" of a stock change, which every history row names.
func checkActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return invalid("actor", actor, "is required: who changes the stock (for example \"user ann@example.com\")")
	}
	return nil
}
