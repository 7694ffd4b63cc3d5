package decoration

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/storesync/storesync/internal/database"
)

// ProductParams name one product (by the platform's id) of a store of an account.
type ProductParams struct {
	AccountID int64
	StoreID   int64
	ProductID string
}

// PlacementInput is a placement as a person gives it: a logo of the store, by id, at a location.
type PlacementInput struct {
	LogoID   int64
	Location string
}

// PutProductParams replace every field of a product's decoration (PUT). Empty fields are not
// kept; a product left with no field and no placement has nothing kept.
type PutProductParams struct {
	AccountID          int64
	StoreID            int64
	ProductID          string
	Supplier           string
	Method             string
	DecorationSupplier string
	DesignName         string
	Location           string
	Placements         []PlacementInput
}

// GetProduct returns a product's decoration and placements; a product with nothing kept is the
// zero Product with its ids (not an error: the product is the platform's).
func (s *Service) GetProduct(ctx context.Context, p ProductParams) (Product, error) {
	var f fields
	id := f.text("product_id", p.ProductID, true)
	if err := f.err(); err != nil {
		return Product{}, err
	}
	if err := storeIn(ctx, s.db, p.AccountID, p.StoreID); err != nil {
		return Product{}, err
	}
	out, _, err := getProduct(ctx, s.db, p.StoreID, id)
	if err != nil {
		return Product{}, fmt.Errorf("reading the decoration of product %s of store %d: %w", id, p.StoreID, err)
	}
	return out, nil
}

func (p PutProductParams) check() (Product, fields) {
	var f fields
	out := Product{StoreID: p.StoreID}
	out.ProductID = f.text("product_id", p.ProductID, true)
	out.Supplier = f.text("supplier", p.Supplier, false)
	out.Method = f.text("decoration_method", p.Method, false)
	out.DecorationSupplier = f.text("decoration_supplier", p.DecorationSupplier, false)
	out.DesignName = f.text("design_name", p.DesignName, false)
	out.Location = f.text("decoration_location", p.Location, false)
	if len(p.Placements) > MaxPlacements {
		f.add("placements", fmt.Sprintf("give at most %d placements", MaxPlacements), len(p.Placements))
		return out, f
	}
	seen := map[[2]string]int{}
	out.Placements = make([]Placement, 0, len(p.Placements))
	for i, in := range p.Placements {
		at := fmt.Sprintf("placements[%d]", i)
		if in.LogoID < 1 {
			f.add(at+".logo_id", "give the id of a logo of the store", in.LogoID)
		}
		loc := f.text(at+".location", in.Location, true)
		k := [2]string{strconv.FormatInt(in.LogoID, 10), key(loc)}
		if j, dup := seen[k]; dup && loc != "" {
			f.add(at, fmt.Sprintf("the same logo at the same location as placements[%d]", j), nil)
		}
		seen[k] = i
		out.Placements = append(out.Placements, Placement{LogoID: in.LogoID, Location: loc})
	}
	return out, f
}

// PutProduct replaces a product's decoration and placements. Every placement must name a logo of
// the store (a *ValidationError naming placements[i].logo_id otherwise); nothing changes when
// any field is refused.
func (s *Service) PutProduct(ctx context.Context, p PutProductParams) (Product, error) {
	out, f := p.check()
	if err := f.err(); err != nil {
		return Product{}, err
	}
	if out.Supplier != "" || out.Method != "" || out.DecorationSupplier != "" || out.DesignName != "" || out.Location != "" ||
		len(out.Placements) > 0 {
		at := s.stamp()
		out.UpdatedAt = &at
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := storeIn(ctx, tx, p.AccountID, p.StoreID); err != nil {
			return err
		}
		logos, err := logoIDs(ctx, tx, p.StoreID)
		if err != nil {
			return err
		}
		var f fields
		for i, pl := range out.Placements {
			name, ok := logos[pl.LogoID]
			if !ok {
				f.add(fmt.Sprintf("placements[%d].logo_id", i), fmt.Sprintf("logo %d is not a logo of this store", pl.LogoID), pl.LogoID)
			}
			out.Placements[i].LogoName = name
		}
		if err := f.err(); err != nil {
			return err
		}
		return putProduct(ctx, tx, p.AccountID, out)
	})
	if err != nil {
		if _, refused := errors.AsType[*ValidationError](err); refused || isNotFound(err) {
			return Product{}, err
		}
		return Product{}, fmt.Errorf("saving the decoration of product %s of store %d: %w", out.ProductID, p.StoreID, err)
	}
	return out, nil
}
