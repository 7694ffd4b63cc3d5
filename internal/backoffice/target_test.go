package backoffice_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
)

// The built-in back office as a platform.BackOffice answers for its own account only, and in
// platform errors. The whole contract runs in internal/platform/backofficeapi, beside the Open
// API client's.
func TestTargetIsItsAccountsOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		acme, globex := newFixture(t, db, "acme"), newFixture(t, db, "globex")
		a, g := backoffice.Target(acme.svc, acme.account), backoffice.Target(globex.svc, globex.account)
		if id, err := a.Verify(ctx); err != nil || id.AccountName != "acme" || !id.CanWrite {
			t.Fatalf("Verify = %+v, %v", id, err)
		}
		if users, err := g.Users(ctx); err != nil || !slices.Equal(users, []string{"csr@globex.test", "rep@globex.test"}) {
			t.Fatalf("Users = %v, %v", users, err)
		}
		in := platform.BackOfficeOrderJob{Kind: platform.BackOfficeDropship, ExternalRef: "store 1 / order 1", ContactID: acme.contact.ID,
			PrimaryRep: acme.rep(), Currency: "usd", Lines: []platform.BackOfficeLine{{Description: "Tee", Quantity: 1, UnitPrice: 900}}}
		j, err := a.CreateOrderJob(ctx, "k1", in)
		if err != nil || j.SalesOrderID == 0 {
			t.Fatalf("CreateOrderJob = %+v, %v", j, err)
		}
		if _, ok, err := g.FindJob(ctx, in.ExternalRef); ok || err != nil {
			t.Fatalf("another account's Target finds the job: %v, %v", ok, err)
		}
		if _, err := g.CancelJob(ctx, j.ID); platform.KindOf(err) != platform.KindNotFound {
			t.Fatalf("another account's Target cancels the job: %v", err)
		}
		// The same reference in another account is another job; its contact is not globex's.
		_, err = g.CreateOrderJob(ctx, "k1", in)
		if pe, ok := errors.AsType[*platform.Error](err); !ok || pe.Kind != platform.KindInvalidInput || len(pe.Fields) != 1 || pe.Fields[0].Field != "contact_id" {
			t.Fatalf("globex's CreateOrderJob with acme's contact = %v", err)
		}
		if _, err := a.CreateOrderJob(ctx, "", in); platform.KindOf(err) != platform.KindInvalidInput {
			t.Fatalf("CreateOrderJob without a key = %v", err)
		}
	})
}
