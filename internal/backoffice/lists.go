package backoffice

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// ListItemsParams pages through one supporting list of an account, ordered by id.
type ListItemsParams struct {
	AccountID int64
	List      ListName
	// Kind filters commission codes by kind; empty means all.
	Kind Kind
	Page int
}

// PutListItemParams adds an entry to a supporting list or, when its code exists, changes it.
type PutListItemParams struct {
	AccountID int64
	List      ListName
	Code      string
	Name      string
	Kind      Kind // commission codes only: dropship or store
	Active    bool
}

// ListItems returns a page of a supporting list.
func (s *Service) ListItems(ctx context.Context, p ListItemsParams) (Page[ListItem], error) {
	page, offset := pageOffset(p.Page)
	out := Page[ListItem]{Page: page}
	if !p.List.Valid() {
		return out, invalid("list", p.List, "is not a supporting list")
	}
	var f filter
	f.add("account_id = ?", p.AccountID)
	f.add("list = ?", p.List)
	f.addIf(p.Kind != "", "kind = ?", p.Kind)
	out, err := collectPage(ctx, s.db, out, "SELECT count(*) FROM bo_list_items"+f.where(),
		sqlSelectListItems+f.where()+" ORDER BY id", f, offset, scanListItem)
	if err != nil {
		return out, fmt.Errorf("%s: %w", p.List, err)
	}
	return out, nil
}

// PutListItem stores an entry of a supporting list, keyed by its code.
func (s *Service) PutListItem(ctx context.Context, p PutListItemParams) (ListItem, error) {
	var out ListItem
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		var err error
		out, err = putListItem(ctx, tx, p, s.now())
		return err
	})
	if err != nil {
		return ListItem{}, fmt.Errorf("saving %s entry: %w", p.List, err)
	}
	return out, nil
}

func putListItem(ctx context.Context, tx database.Tx, p PutListItemParams, now time.Time) (ListItem, error) {
	p.Code, p.Name = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name)
	switch {
	case !p.List.Valid():
		return ListItem{}, invalid("list", p.List, "is not a supporting list")
	case p.Code == "":
		return ListItem{}, invalid("code", p.Code, "is required")
	case p.Name == "":
		return ListItem{}, invalid("name", p.Name, "is required")
	case p.List == ListCommissionCodes && !p.Kind.Valid():
		return ListItem{}, invalid("kind", p.Kind, "must be dropship or store")
	case p.List != ListCommissionCodes && p.Kind != "":
		return ListItem{}, invalid("kind", p.Kind, "applies to commission codes only")
	}
	var id int64
	if err := tx.QueryRow(ctx, sqlUpsertListItem, p.AccountID, p.List, p.Code, p.Name, p.Kind, p.Active, now).Scan(&id); err != nil {
		return ListItem{}, fmt.Errorf("storing: %w", err)
	}
	return scanListItem(tx.QueryRow(ctx, sqlSelectListItems+" WHERE account_id = $1 AND id = $2", p.AccountID, id))
}

func scanListItem(r database.Row) (ListItem, error) {
	var it ListItem
	err := r.Scan(&it.ID, &it.List, &it.Code, &it.Name, &it.Kind, &it.Active, &it.CreatedAt, &it.UpdatedAt)
	return it, err
}
