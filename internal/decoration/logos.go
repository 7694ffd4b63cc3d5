package decoration

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/storesync/storesync/internal/database"
)

// StoreParams name one store of an account.
type StoreParams struct {
	AccountID int64
	StoreID   int64
}

// LogoParams name one logo of a store of an account.
type LogoParams struct {
	AccountID int64
	StoreID   int64
	LogoID    int64
}

// SaveLogoParams are a logo's fields as a person gives them. LogoID is zero for a new logo.
type SaveLogoParams struct {
	AccountID int64
	StoreID   int64
	LogoID    int64
	Name      string // unique in the store, whatever its case
	Method    string // optional decoration method
	Supplier  string // optional decoration supplier
}

// DeletedLogo says what went with a deleted logo.
type DeletedLogo struct {
	Placements int64 // products' placements of the logo, deleted with it
}

// ListLogos returns a store's logos by name.
func (s *Service) ListLogos(ctx context.Context, p StoreParams) ([]Logo, error) {
	if err := storeIn(ctx, s.db, p.AccountID, p.StoreID); err != nil {
		return nil, err
	}
	out, err := listLogos(ctx, s.db, p.AccountID, p.StoreID)
	if err != nil {
		return nil, fmt.Errorf("listing logos of store %d: %w", p.StoreID, err)
	}
	return out, nil
}

// GetLogo returns one logo of a store.
func (s *Service) GetLogo(ctx context.Context, p LogoParams) (Logo, error) {
	if err := storeIn(ctx, s.db, p.AccountID, p.StoreID); err != nil {
		return Logo{}, err
	}
	l, err := getLogo(ctx, s.db, p.AccountID, p.StoreID, p.LogoID)
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		return Logo{}, fmt.Errorf("reading logo %d: %w", p.LogoID, err)
	}
	return l, err
}

func (p SaveLogoParams) check() (Logo, error) {
	var f fields
	l := Logo{ID: p.LogoID, StoreID: p.StoreID}
	l.Name = f.text("name", p.Name, true)
	l.Method = f.text("decoration_method", p.Method, false)
	l.Supplier = f.text("decoration_supplier", p.Supplier, false)
	return l, f.err()
}

func nameConflict(name string) error {
	return &ConflictError{Field: "name", Message: fmt.Sprintf("the store already has a logo named %q (names are compared whatever their case)", name)}
}

// CreateLogo adds a logo to a store. A name the store already has, whatever its case, is a
// *ConflictError; bad fields a *ValidationError; nothing is saved then.
func (s *Service) CreateLogo(ctx context.Context, p SaveLogoParams) (Logo, error) {
	l, err := p.check()
	if err != nil {
		return Logo{}, err
	}
	l.CreatedAt = s.stamp()
	l.UpdatedAt = l.CreatedAt
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := storeIn(ctx, tx, p.AccountID, p.StoreID); err != nil {
			return err
		}
		if err := nameFree(ctx, tx, p.StoreID, 0, l.Name); err != nil {
			return err
		}
		l.ID, err = insertLogo(ctx, tx, p.AccountID, l)
		return err
	})
	return l, s.saveErr(err, l.Name, "adding a logo")
}

// UpdateLogo replaces a logo's name, method and supplier; its placements stay.
func (s *Service) UpdateLogo(ctx context.Context, p SaveLogoParams) (Logo, error) {
	l, err := p.check()
	if err != nil {
		return Logo{}, err
	}
	l.UpdatedAt = s.stamp()
	err = s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := storeIn(ctx, tx, p.AccountID, p.StoreID); err != nil {
			return err
		}
		if err := nameFree(ctx, tx, p.StoreID, p.LogoID, l.Name); err != nil {
			return err
		}
		n, err := updateLogo(ctx, tx, p.AccountID, l)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("logo %d of store %d: %w", p.LogoID, p.StoreID, database.ErrNotFound)
		}
		l, err = getLogo(ctx, tx, p.AccountID, p.StoreID, p.LogoID)
		return err
	})
	return l, s.saveErr(err, l.Name, "updating logo "+strconv.FormatInt(p.LogoID, 10))
}

// nameFree refuses a name another logo of the store (not except) has, whatever its case.
func nameFree(ctx context.Context, q database.Querier, storeID, except int64, name string) error {
	taken, err := nameTaken(ctx, q, storeID, except, name)
	if err != nil {
		return err
	}
	if taken {
		return nameConflict(name)
	}
	return nil
}

// saveErr passes refusals and not-found on as they are, and reads a unique violation (two
// requests adding the same name at once) as the name's conflict.
func (s *Service) saveErr(err error, name, doing string) error {
	var ce *ConflictError
	switch {
	case err == nil, errors.As(err, &ce), errors.Is(err, database.ErrNotFound):
		return err
	case database.IsUniqueViolation(err):
		return nameConflict(name)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// DeleteLogo deletes a logo of a store and every placement of it on the store's products (so
// lines naming it fall back to their products' decoration); Placements counts those.
func (s *Service) DeleteLogo(ctx context.Context, p LogoParams) (DeletedLogo, error) {
	var d DeletedLogo
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := storeIn(ctx, tx, p.AccountID, p.StoreID); err != nil {
			return err
		}
		n, found, err := deleteLogo(ctx, tx, p.AccountID, p.StoreID, p.LogoID)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("logo %d of store %d: %w", p.LogoID, p.StoreID, database.ErrNotFound)
		}
		d.Placements = n
		return nil
	})
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		return DeletedLogo{}, fmt.Errorf("deleting logo %d: %w", p.LogoID, err)
	}
	return d, err
}
