package backoffice_test

import (
	"context"
	"testing"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

func TestJobs(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		a := newFixture(t, db, "acme")
		b := newFixture(t, db, "globex")

		t.Run("numbers are unique and increasing per account", func(t *testing.T) {
			j1, j2 := a.newJob(ctx, t, "one"), a.newJob(ctx, t, "two")
			k1 := b.newJob(ctx, t, "other")
			if j1.Number != 1 || j2.Number != 2 || k1.Number != 1 {
				t.Fatalf("numbers %d, %d, %d; want 1, 2 and 1 in the other account", j1.Number, j2.Number, k1.Number)
			}
			if j1.Status != backoffice.JobPending || j1.PrimaryRep != a.rep() || j1.ClientGroupID != "g1" {
				t.Fatalf("new job = %+v", j1)
			}
		})

		t.Run("rules", func(t *testing.T) {
			base := backoffice.JobInput{ContactID: a.contact.ID, PrimaryRep: a.rep()}
			for _, tc := range []struct {
				name  string
				kind  backoffice.Kind
				edit  func(*backoffice.JobInput)
				field string
			}{
				{"unknown rep", backoffice.KindDropship, func(in *backoffice.JobInput) { in.PrimaryRep = "nobody@x.test" }, "primary_rep"},
				{"rep of another account", backoffice.KindDropship, func(in *backoffice.JobInput) { in.SecondaryRep = b.rep() }, "secondary_rep"},
				{"missing rep", backoffice.KindDropship, func(in *backoffice.JobInput) { in.PrimaryRep = "" }, "primary_rep"},
				{"store job without store", backoffice.KindStore, func(*backoffice.JobInput) {}, "store_id"},
				{"contact of another account", backoffice.KindDropship, func(in *backoffice.JobInput) { in.ContactID = b.contact.ID }, "contact_id"},
				{"not pending", backoffice.KindDropship, func(in *backoffice.JobInput) { in.Status = backoffice.JobOpen }, "status"},
				{"unknown commission code", backoffice.KindDropship, func(in *backoffice.JobInput) { in.CommissionCode = "nope" }, "commission_code"},
			} {
				in := base
				tc.edit(&in)
				_, err := a.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: a.account, Kind: tc.kind, Input: in})
				wantField(t, err, tc.field)
			}
		})

		t.Run("update checks transitions, kind and version", func(t *testing.T) {
			j := a.newJob(ctx, t, "to update")
			setStatus := func(s backoffice.JobStatus) func(*backoffice.JobInput) {
				return func(in *backoffice.JobInput) { in.Status = s }
			}
			_, err := a.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: a.account, ID: j.ID, Change: setStatus(backoffice.JobShipped)})
			wantField(t, err, "status")
			got, err := a.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: a.account, ID: j.ID, Kind: backoffice.KindDropship,
				IfVersion: j.Version, Change: setStatus(backoffice.JobOpen)})
			if err != nil || got.Status != backoffice.JobOpen || got.Version != j.Version+1 {
				t.Fatalf("update = %+v, %v", got, err)
			}
			_, err = a.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: a.account, ID: j.ID, IfVersion: j.Version, Change: setStatus(backoffice.JobOnHold)})
			wantErr(t, err, backoffice.ErrStale)
			_, err = a.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: a.account, ID: j.ID, Kind: backoffice.KindStore})
			wantErr(t, err, backoffice.ErrConflict)
			_, err = b.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: b.account, ID: j.ID, Change: setStatus(backoffice.JobOnHold)})
			wantErr(t, err, database.ErrNotFound)
		})

		t.Run("external reference", func(t *testing.T) {
			p := backoffice.CreateJobParams{AccountID: a.account, Kind: backoffice.KindStore, ExternalRef: "store-1/order-1001",
				Input: backoffice.JobInput{ContactID: a.contact.ID, PrimaryRep: a.rep(), StoreID: "S-1"}}
			j, err := a.svc.CreateJob(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.svc.CreateJob(ctx, p)
			wantErr(t, err, backoffice.ErrConflict)
			found, err := a.svc.JobByExternalRef(ctx, backoffice.JobByExternalRefParams{AccountID: a.account, ExternalRef: p.ExternalRef})
			if err != nil || found.ID != j.ID {
				t.Fatalf("found %+v, %v; want job %d", found, err, j.ID)
			}
		})
	})
}

func TestJobSearchAndWindow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f := newFixture(t, db, "acme")
		other := f.newContact(t, backoffice.KindDropship, "Bob", "g2")
		// 14 jobs one week apart; the first two are older than 13 months once the clock moves on.
		var jobs []backoffice.Job
		for i := range 14 {
			c := f.contact
			if i%2 == 1 {
				c = other
			}
			j, err := f.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: f.account, Kind: backoffice.KindDropship,
				CreatedAt: start.AddDate(0, 0, 7*i), Input: backoffice.JobInput{ContactID: c.ID, PrimaryRep: f.rep()}})
			if err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, j)
		}
		f.clock.Set(start.AddDate(0, 13, 10)) // jobs 0 and 1 (days 0 and 7) are now out of the window
		for _, tc := range []struct {
			name    string
			p       backoffice.SearchJobsParams
			total   int64
			first   int64 // number of the first job on the page
			entries int
		}{
			{"all visible", backoffice.SearchJobsParams{}, 12, 3, 10},
			{"page 2", backoffice.SearchJobsParams{Page: 2}, 12, 13, 2},
			{"group", backoffice.SearchJobsParams{ClientGroupID: "g2"}, 6, 4, 6},
			{"contact", backoffice.SearchJobsParams{ContactID: f.contact.ID}, 6, 3, 6},
			{"status", backoffice.SearchJobsParams{Status: backoffice.JobOpen}, 0, 0, 0},
			{"dates", backoffice.SearchJobsParams{CreatedFrom: start.AddDate(0, 0, 21), CreatedTo: start.AddDate(0, 0, 35)}, 2, 4, 2},
			{"include old", backoffice.SearchJobsParams{IncludeOld: true}, 14, 1, 10},
		} {
			tc.p.AccountID = f.account
			page, err := f.svc.SearchJobs(ctx, tc.p)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if page.Total != tc.total || len(page.Items) != tc.entries || (tc.entries > 0 && page.Items[0].Number != tc.first) {
				t.Errorf("%s: total %d, %d items; want %d, %d starting at number %d", tc.name, page.Total, len(page.Items), tc.total, tc.entries, tc.first)
			}
			for i := 1; i < len(page.Items); i++ {
				if page.Items[i].Number <= page.Items[i-1].Number {
					t.Errorf("%s: not ordered by number", tc.name)
				}
			}
		}
		_, err := f.svc.GetJob(ctx, backoffice.GetJobParams{AccountID: f.account, ID: jobs[0].ID})
		wantErr(t, err, database.ErrNotFound)
		if _, err := f.svc.GetJob(ctx, backoffice.GetJobParams{AccountID: f.account, ID: jobs[2].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetJob(ctx, backoffice.GetJobParams{AccountID: f.account, ID: jobs[0].ID, IncludeOld: true}); err != nil {
			t.Fatalf("old job lost: %v", err)
		}
	})
}
