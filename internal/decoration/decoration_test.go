package decoration_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/decoration"
)

// fixture is one database with two accounts, a store each, and the service.
type fixture struct {
	t        *testing.T
	db       *database.DB
	svc      *decoration.Service
	acc, alt int64 // the accounts
	st, altS int64 // their stores
}

func newFixture(t *testing.T, db *database.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, svc: decoration.NewService(db, func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) })}
	f.acc, f.st = f.account("harbor")
	f.alt, f.altS = f.account("lonely")
	return f
}

// account adds an account with one store, as rows: decoration reads no credentials.
func (f *fixture) account(name string) (int64, int64) {
	f.t.Helper()
	var acc, st int64
	name = dbtest.Name(name)
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		now := time.Now().UTC()
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`, name, now).Scan(&acc); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO stores (account_id, name, platform, address, base_url, store_key, credentials, created_at, updated_at)
			VALUES ($1, $2, 'shopify', $3, '', $4, '', $5, $5) RETURNING id`, acc, name, name+".myshopify.com", "store_"+name, now).Scan(&st)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return acc, st
}

func (f *fixture) logo(name, method, supplier string) decoration.Logo {
	f.t.Helper()
	l, err := f.svc.CreateLogo(context.Background(), decoration.SaveLogoParams{AccountID: f.acc, StoreID: f.st, Name: name, Method: method, Supplier: supplier})
	if err != nil {
		f.t.Fatalf("adding logo %s: %v", name, err)
	}
	return l
}

func fieldsOf(err error) []string {
	var ve *decoration.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Logos: added, listed by name, renamed, names unique whatever their case, bad fields refused
// naming them, deleted with their placements.
func TestLogos(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		crest := f.logo("  Crest ", "Embroidery", "Stitch & Co")
		if crest.Name != "Crest" || crest.Method != "Embroidery" || crest.Supplier != "Stitch & Co" || crest.ID == 0 {
			t.Fatalf("created %+v", crest)
		}
		word := f.logo("Wordmark", "", "")
		_, err := f.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: f.acc, StoreID: f.st, Name: "CREST"})
		var ce *decoration.ConflictError
		if !errors.As(err, &ce) || ce.Field != "name" {
			t.Fatalf("duplicate name in another case: %v; want a conflict on name", err)
		}
		_, err = f.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: f.acc, StoreID: f.st, Name: " ", Method: strings.Repeat("x", 201), Supplier: "a\x00b"})
		if got := strings.Join(fieldsOf(err), ","); got != "name,decoration_method,decoration_supplier" {
			t.Fatalf("bad fields: %v; want name, decoration_method and decoration_supplier named", err)
		}
		// The same name is fine in another store.
		if _, err := f.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: f.alt, StoreID: f.altS, Name: "Crest"}); err != nil {
			t.Fatalf("another store's Crest: %v", err)
		}
		if _, err := f.svc.UpdateLogo(ctx, decoration.SaveLogoParams{AccountID: f.acc, StoreID: f.st, LogoID: word.ID, Name: "crest"}); !errors.As(err, &ce) {
			t.Fatalf("renaming to another logo's name: %v; want a conflict", err)
		}
		up, err := f.svc.UpdateLogo(ctx, decoration.SaveLogoParams{AccountID: f.acc, StoreID: f.st, LogoID: crest.ID, Name: "crest", Method: "Applique"})
		if err != nil || up.Name != "crest" || up.Method != "Applique" || up.Supplier != "" || !up.CreatedAt.Equal(crest.CreatedAt) {
			t.Fatalf("renaming in its own case: %+v %v", up, err)
		}
		list, err := f.svc.ListLogos(ctx, decoration.StoreParams{AccountID: f.acc, StoreID: f.st})
		if err != nil || len(list) != 2 || list[0].ID != crest.ID || list[1].ID != word.ID {
			t.Fatalf("list %+v %v", list, err)
		}
		if _, err := f.svc.PutProduct(ctx, decoration.PutProductParams{AccountID: f.acc, StoreID: f.st, ProductID: "p1",
			Placements: []decoration.PlacementInput{{LogoID: crest.ID, Location: "Left chest"}, {LogoID: word.ID, Location: "Back"}}}); err != nil {
			t.Fatal(err)
		}
		if l, _ := f.svc.GetLogo(ctx, decoration.LogoParams{AccountID: f.acc, StoreID: f.st, LogoID: crest.ID}); l.Placements != 1 {
			t.Errorf("crest's placements %d, want 1", l.Placements)
		}
		d, err := f.svc.DeleteLogo(ctx, decoration.LogoParams{AccountID: f.acc, StoreID: f.st, LogoID: crest.ID})
		if err != nil || d.Placements != 1 {
			t.Fatalf("delete: %+v %v; want 1 placement deleted", d, err)
		}
		p, err := f.svc.GetProduct(ctx, decoration.ProductParams{AccountID: f.acc, StoreID: f.st, ProductID: "p1"})
		if err != nil || len(p.Placements) != 1 || p.Placements[0].LogoID != word.ID {
			t.Fatalf("product after the logo's delete: %+v %v; want the wordmark's placement only", p, err)
		}
		if _, err := f.svc.DeleteLogo(ctx, decoration.LogoParams{AccountID: f.acc, StoreID: f.st, LogoID: crest.ID}); !errors.Is(err, database.ErrNotFound) {
			t.Fatalf("deleting again: %v; want not found", err)
		}
	})
}

// A product's decoration is replaced whole; a placement naming a logo the store does not have
// (another store's included) is refused naming it, and nothing changes; emptied, nothing is kept.
func TestProductDecoration(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		crest := f.logo("Crest", "", "")
		other, err := f.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: f.alt, StoreID: f.altS, Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		const pid = "gid://shopify/Product/42"
		empty, err := f.svc.GetProduct(ctx, decoration.ProductParams{AccountID: f.acc, StoreID: f.st, ProductID: pid})
		if err != nil || empty.UpdatedAt != nil || empty.ProductID != pid || len(empty.Placements) != 0 {
			t.Fatalf("product never set: %+v %v", empty, err)
		}
		put := decoration.PutProductParams{AccountID: f.acc, StoreID: f.st, ProductID: pid, Supplier: "SanMar", Method: "Screen print",
			DecorationSupplier: "InkWorks", DesignName: "Team", Location: "Front",
			Placements: []decoration.PlacementInput{{LogoID: crest.ID, Location: "Left chest"}}}
		got, err := f.svc.PutProduct(ctx, put)
		if err != nil || got.UpdatedAt == nil || got.Placements[0].LogoName != "Crest" {
			t.Fatalf("put: %+v %v", got, err)
		}
		bad := put
		bad.Supplier = "changed"
		bad.Placements = []decoration.PlacementInput{{LogoID: crest.ID, Location: "Back"}, {LogoID: other.ID, Location: "Front"}, {LogoID: 999999, Location: "Sleeve"}}
		_, err = f.svc.PutProduct(ctx, bad)
		if got := strings.Join(fieldsOf(err), ","); got != "placements[1].logo_id,placements[2].logo_id" {
			t.Fatalf("unknown logos: %v; want placements[1].logo_id and placements[2].logo_id", err)
		}
		bad.Placements = []decoration.PlacementInput{{LogoID: crest.ID, Location: "Back"}, {LogoID: crest.ID, Location: " back "}, {LogoID: crest.ID}}
		_, err = f.svc.PutProduct(ctx, bad)
		if got := strings.Join(fieldsOf(err), ","); got != "placements[1],placements[2].location" {
			t.Fatalf("duplicate and empty placements: %v", err)
		}
		now, err := f.svc.GetProduct(ctx, decoration.ProductParams{AccountID: f.acc, StoreID: f.st, ProductID: pid})
		if err != nil || now.Supplier != "SanMar" || len(now.Placements) != 1 || now.Placements[0].Location != "Left chest" {
			t.Fatalf("after refused puts: %+v %v; want unchanged", now, err)
		}
		cleared, err := f.svc.PutProduct(ctx, decoration.PutProductParams{AccountID: f.acc, StoreID: f.st, ProductID: pid})
		if err != nil || cleared.UpdatedAt != nil {
			t.Fatalf("clearing: %+v %v", cleared, err)
		}
		var n int64
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM product_decorations`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d decorations kept after clearing (%v)", n, err)
		}
	})
}

// Another account's store is not found for every read and write, and nothing of it changes.
func TestDecorationAccountIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		ctx := context.Background()
		f := newFixture(t, db)
		crest := f.logo("Crest", "", "")
		if _, err := f.svc.PutProduct(ctx, decoration.PutProductParams{AccountID: f.acc, StoreID: f.st, ProductID: "p", Supplier: "S"}); err != nil {
			t.Fatal(err)
		}
		other := f.alt // a stranger to f.st
		for name, err := range map[string]error{
			"list":   second(f.svc.ListLogos(ctx, decoration.StoreParams{AccountID: other, StoreID: f.st})),
			"get":    second(f.svc.GetLogo(ctx, decoration.LogoParams{AccountID: other, StoreID: f.st, LogoID: crest.ID})),
			"other":  second(f.svc.GetLogo(ctx, decoration.LogoParams{AccountID: other, StoreID: f.altS, LogoID: crest.ID})),
			"create": second(f.svc.CreateLogo(ctx, decoration.SaveLogoParams{AccountID: other, StoreID: f.st, Name: "X"})),
			"update": second(f.svc.UpdateLogo(ctx, decoration.SaveLogoParams{AccountID: other, StoreID: f.st, LogoID: crest.ID, Name: "X"})),
			"mine":   second(f.svc.UpdateLogo(ctx, decoration.SaveLogoParams{AccountID: other, StoreID: f.altS, LogoID: crest.ID, Name: "X"})),
			"delete": second(f.svc.DeleteLogo(ctx, decoration.LogoParams{AccountID: other, StoreID: f.st, LogoID: crest.ID})),
			"read":   second(f.svc.GetProduct(ctx, decoration.ProductParams{AccountID: other, StoreID: f.st, ProductID: "p"})),
			"put":    second(f.svc.PutProduct(ctx, decoration.PutProductParams{AccountID: other, StoreID: f.st, ProductID: "p"})),
		} {
			if !errors.Is(err, database.ErrNotFound) {
				t.Errorf("%s by another account: %v; want not found", name, err)
			}
		}
		l, err := f.svc.GetLogo(ctx, decoration.LogoParams{AccountID: f.acc, StoreID: f.st, LogoID: crest.ID})
		p, _ := f.svc.GetProduct(ctx, decoration.ProductParams{AccountID: f.acc, StoreID: f.st, ProductID: "p"})
		if err != nil || l.Name != "Crest" || p.Supplier != "S" {
			t.Fatalf("after another account's tries: %+v %+v %v", l, p, err)
		}
	})
}

func second[T any](_ T, err error) error { return err }
