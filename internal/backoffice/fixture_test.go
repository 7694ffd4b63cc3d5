package backoffice_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var start = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db      *database.DB
	svc     *backoffice.Service
	clock   *clock
	account int64
	name    string // the account's name, which its users' e-mail addresses are made from
	contact backoffice.Contact
}

// newFixture makes an account with two users, the usual list entries and one contact.
func newFixture(t *testing.T, db *database.DB, name string) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{db: db, clock: &clock{t: start}, name: name}
	f.svc = backoffice.NewService(db, f.clock.Now)
	err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`, name, start).Scan(&f.account); err != nil {
			return err
		}
		for _, email := range []string{"rep@" + name + ".test", "csr@" + name + ".test"} {
			if _, err := tx.Exec(ctx, `INSERT INTO users (account_id, email, password_hash, created_at) VALUES ($1, $2, 'x', $3)`,
				f.account, email, start); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range []backoffice.PutListItemParams{
		{List: backoffice.ListPaymentTypes, Code: "card", Name: "Credit card"},
		{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"},
		{List: backoffice.ListSuppliers, Code: "sanmar", Name: "SanMar"},
		{List: backoffice.ListCommissionCodes, Code: "STD", Name: "Standard", Kind: backoffice.KindDropship},
		{List: backoffice.ListPaymentTerms, Code: "net30", Name: "Net 30"},
	} {
		it.AccountID, it.Active = f.account, true
		if _, err := f.svc.PutListItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	f.contact = f.newContact(t, backoffice.KindDropship, "Ada Lovelace", "g1")
	return f
}

func (f *fixture) rep() string { return "rep@" + f.name + ".test" }

func (f *fixture) newContact(t *testing.T, kind backoffice.Kind, name, group string) backoffice.Contact {
	t.Helper()
	in := backoffice.ContactInput{Name: name, Email: "c" + group + "@example.com", ClientGroupID: group,
		Address: backoffice.Address{Line1: "1 Main St", City: "Austin", State: "TX", Country: "US"}}
	if kind == backoffice.KindStore {
		in.StoreID = "S-1"
	}
	c, err := f.svc.CreateContact(t.Context(), backoffice.CreateContactParams{AccountID: f.account, Kind: kind, Input: in})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) newJob(ctx context.Context, t *testing.T, desc string) backoffice.Job {
	t.Helper()
	j, err := f.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: f.account, Kind: backoffice.KindDropship,
		Input: backoffice.JobInput{Description: desc, ContactID: f.contact.ID, PrimaryRep: f.rep()}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var ve *backoffice.ValidationError
	if !errors.As(err, &ve) || ve.Field != field {
		t.Fatalf("got %v, want a validation error on %s", err, field)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got %v, want %v", err, target)
	}
}
