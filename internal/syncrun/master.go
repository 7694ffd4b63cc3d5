package syncrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// Where a store's stock comes from.
const (
	MasterPlatform   = "platform"    // its own platform: the store's quantities are its own (the default)
	MasterBackOffice = "back_office" // the back office's available, written by step 4
)

// InventoryMaster is where a store's stock comes from, and how its variants are matched to the
// back office's items.
type InventoryMaster struct {
	StoreID   int64
	Master    string
	MatchBy   string // sku or barcode
	UpdatedAt *time.Time
}

// Master returns the store's inventory master (its own platform, matched by SKU, until it is
// set). The store must be the account's.
func (s *Service) Master(ctx context.Context, accountID, storeID int64) (InventoryMaster, error) {
	if err := s.ownStore(ctx, accountID, storeID); err != nil {
		return InventoryMaster{}, err
	}
	m := InventoryMaster{StoreID: storeID, Master: MasterPlatform, MatchBy: "sku"}
	var at time.Time
	err := s.cfg.DB.QueryRow(ctx, `SELECT master, match_by, updated_at FROM store_inventory_masters WHERE store_id = $1 AND account_id = $2`,
		storeID, accountID).Scan(&m.Master, &m.MatchBy, &at)
	if errors.Is(err, database.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return InventoryMaster{}, fmt.Errorf("reading the inventory master of store %d: %w", storeID, err)
	}
	m.UpdatedAt = &at
	return m, nil
}

// SetMaster sets where the store's stock comes from; a bad value is an error naming it and
// nothing changes.
func (s *Service) SetMaster(ctx context.Context, accountID int64, m InventoryMaster) (InventoryMaster, error) {
	if m.Master != MasterPlatform && m.Master != MasterBackOffice {
		return InventoryMaster{}, &Error{Kind: ErrInvalid, Field: "master", Message: fmt.Sprintf("%q is neither platform nor back_office", m.Master)}
	}
	if m.MatchBy == "" {
		m.MatchBy = "sku"
	}
	if m.MatchBy != "sku" && m.MatchBy != "barcode" {
		return InventoryMaster{}, &Error{Kind: ErrInvalid, Field: "match_by", Message: fmt.Sprintf("%q is neither sku nor barcode", m.MatchBy)}
	}
	if err := s.ownStore(ctx, accountID, m.StoreID); err != nil {
		return InventoryMaster{}, err
	}
	if _, err := s.cfg.DB.Exec(ctx, `INSERT INTO store_inventory_masters (store_id, account_id, master, match_by, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (store_id) DO UPDATE SET master = excluded.master, match_by = excluded.match_by,
			updated_at = excluded.updated_at`, m.StoreID, accountID, m.Master, m.MatchBy, s.now()); err != nil {
		return InventoryMaster{}, fmt.Errorf("saving the inventory master of store %d: %w", m.StoreID, err)
	}
	return s.Master(ctx, accountID, m.StoreID)
}

func (s *Service) ownStore(ctx context.Context, accountID, storeID int64) error {
	var one int
	err := s.cfg.DB.QueryRow(ctx, `SELECT 1 FROM stores WHERE id = $1 AND account_id = $2`, storeID, accountID).Scan(&one)
	if errors.Is(err, database.ErrNoRows) {
		return &Error{Kind: ErrNotFound, Message: fmt.Sprintf("store %d not found", storeID)}
	}
	return err
}
