package decoration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// The SQL of decoration, in one place. Every query of the Service names the account: a row of
// another account's store is never read or written. Resolve, which a store's own order work
// calls, reads by store.

const logoColumns = `l.id, l.store_id, l.name, l.decoration_method, l.decoration_supplier,
	(SELECT COUNT(*) FROM logo_placements p WHERE p.logo_id = l.id), l.created_at, l.updated_at`

func scanLogo(row database.Row) (Logo, error) {
	var l Logo
	err := row.Scan(&l.ID, &l.StoreID, &l.Name, &l.Method, &l.Supplier, &l.Placements, &l.CreatedAt, &l.UpdatedAt)
	return l, err
}

func listLogos(ctx context.Context, q database.Querier, accountID, storeID int64) ([]Logo, error) {
	rows, err := q.Query(ctx, `SELECT `+logoColumns+` FROM logos l WHERE l.account_id = $1 AND l.store_id = $2
		ORDER BY l.name_key, l.id`, accountID, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Logo{}
	for rows.Next() {
		l, err := scanLogo(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func getLogo(ctx context.Context, q database.Querier, accountID, storeID, logoID int64) (Logo, error) {
	l, err := scanLogo(q.QueryRow(ctx, `SELECT `+logoColumns+` FROM logos l
		WHERE l.account_id = $1 AND l.store_id = $2 AND l.id = $3`, accountID, storeID, logoID))
	if errors.Is(err, database.ErrNoRows) {
		return Logo{}, fmt.Errorf("logo %d of store %d: %w", logoID, storeID, database.ErrNotFound)
	}
	return l, err
}

// logoByName finds a store's logo by its name, whatever the case; ok is false when it has none.
func logoByName(ctx context.Context, q database.Querier, storeID int64, name string) (Logo, bool, error) {
	l, err := scanLogo(q.QueryRow(ctx, `SELECT `+logoColumns+` FROM logos l WHERE l.store_id = $1 AND l.name_key = $2`,
		storeID, key(name)))
	if errors.Is(err, database.ErrNoRows) {
		return Logo{}, false, nil
	}
	return l, err == nil, err
}

// nameTaken reports whether another logo of the store (not except) has the name.
func nameTaken(ctx context.Context, q database.Querier, storeID, except int64, name string) (bool, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM logos WHERE store_id = $1 AND name_key = $2 AND id <> $3`,
		storeID, key(name), except).Scan(&n)
	return n > 0, err
}

func insertLogo(ctx context.Context, q database.Querier, accountID int64, l Logo) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO logos (account_id, store_id, name, name_key, decoration_method, decoration_supplier,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		accountID, l.StoreID, l.Name, key(l.Name), l.Method, l.Supplier, l.UpdatedAt).Scan(&id)
	return id, err
}

func updateLogo(ctx context.Context, q database.Querier, accountID int64, l Logo) (int64, error) {
	return q.Exec(ctx, `UPDATE logos SET name = $1, name_key = $2, decoration_method = $3, decoration_supplier = $4, updated_at = $5
		WHERE account_id = $6 AND store_id = $7 AND id = $8`,
		l.Name, key(l.Name), l.Method, l.Supplier, l.UpdatedAt, accountID, l.StoreID, l.ID)
}

// deleteLogo deletes a logo and, by the database's cascade, its placements, counting them first.
func deleteLogo(ctx context.Context, q database.Querier, accountID, storeID, logoID int64) (placements int64, found bool, err error) {
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM logo_placements WHERE account_id = $1 AND store_id = $2 AND logo_id = $3`,
		accountID, storeID, logoID).Scan(&placements); err != nil {
		return 0, false, err
	}
	n, err := q.Exec(ctx, `DELETE FROM logos WHERE account_id = $1 AND store_id = $2 AND id = $3`, accountID, storeID, logoID)
	return placements, n > 0, err
}

// logoIDs returns which of ids are logos of the store.
func logoIDs(ctx context.Context, q database.Querier, storeID int64) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT id, name FROM logos WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// getProduct reads a product's decoration and placements in the store; a product with nothing
// kept is the zero Product with its ids.
func getProduct(ctx context.Context, q database.Querier, storeID int64, productID string) (Product, []placementRow, error) {
	p := Product{StoreID: storeID, ProductID: productID}
	var at sql.Null[time.Time]
	err := q.QueryRow(ctx, `SELECT supplier, decoration_method, decoration_supplier, design_name, decoration_location, updated_at
		FROM product_decorations WHERE store_id = $1 AND product_id = $2`, storeID, productID).
		Scan(&p.Supplier, &p.Method, &p.DecorationSupplier, &p.DesignName, &p.Location, &at)
	if errors.Is(err, database.ErrNoRows) {
		return p, nil, nil
	}
	if err != nil {
		return Product{}, nil, err
	}
	if at.Valid {
		p.UpdatedAt = &at.V
	}
	rows, err := q.Query(ctx, `SELECT p.logo_id, l.name, l.decoration_method, l.decoration_supplier, p.location
		FROM logo_placements p JOIN logos l ON l.id = p.logo_id
		WHERE p.store_id = $1 AND p.product_id = $2 ORDER BY p.position`, storeID, productID)
	if err != nil {
		return Product{}, nil, err
	}
	defer rows.Close()
	var prs []placementRow
	p.Placements = []Placement{}
	for rows.Next() {
		var r placementRow
		if err := rows.Scan(&r.LogoID, &r.LogoName, &r.method, &r.supplier, &r.Location); err != nil {
			return Product{}, nil, err
		}
		prs = append(prs, r)
		p.Placements = append(p.Placements, r.Placement)
	}
	return p, prs, rows.Err()
}

// placementRow is a placement with its logo's method and supplier, for Resolve.
type placementRow struct {
	Placement
	method, supplier string
}

// putProduct replaces a product's decoration and placements in q.
func putProduct(ctx context.Context, q database.Querier, accountID int64, p Product) error {
	if _, err := q.Exec(ctx, `DELETE FROM product_decorations WHERE account_id = $1 AND store_id = $2 AND product_id = $3`,
		accountID, p.StoreID, p.ProductID); err != nil {
		return err
	}
	if p.UpdatedAt == nil { // nothing left to keep
		return nil
	}
	if _, err := q.Exec(ctx, `INSERT INTO product_decorations (account_id, store_id, product_id, supplier, decoration_method,
			decoration_supplier, design_name, decoration_location, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		accountID, p.StoreID, p.ProductID, p.Supplier, p.Method, p.DecorationSupplier, p.DesignName, p.Location, *p.UpdatedAt); err != nil {
		return err
	}
	for i, pl := range p.Placements {
		if _, err := q.Exec(ctx, `INSERT INTO logo_placements (account_id, store_id, product_id, position, logo_id, location, location_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, p.StoreID, p.ProductID, i, pl.LogoID, pl.Location, key(pl.Location)); err != nil {
			return err
		}
	}
	return nil
}
