package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/web"
)

// boSite is a dashboard with the built-in back office, and one account's back-office data: an old
// job and a job with a sales order (lines, payments) and a purchase order of client group g1, and
// ten jobs of client group g2.
type boSite struct {
	svc       *backoffice.Service
	acc       int64
	ada, bob  backoffice.Contact
	old, team backoffice.Job
}

func newBOSite(t *testing.T, db *database.DB) (*boSite, *connSite) {
	t.Helper()
	site := &connSite{db: db, acc: account.NewService(db, nil)}
	bo := &boSite{svc: backoffice.NewService(db, nil)}
	mux := http.NewServeMux()
	web.Register(mux, web.Deps{Accounts: site.acc, BackOffice: bo.svc, Problem: server.WriteProblem})
	site.srv = httptest.NewTLSServer(mux)
	t.Cleanup(site.srv.Close)
	return bo, site
}

func (bo *boSite) seed(ctx context.Context, t *testing.T, rep string) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range []backoffice.PutListItemParams{
		{List: backoffice.ListPaymentTypes, Code: "card", Name: "Credit card"},
		{List: backoffice.ListCardTypes, Code: "visa", Name: "Visa"},
		{List: backoffice.ListSuppliers, Code: "sanmar", Name: "SanMar"},
	} {
		it.AccountID, it.Active = bo.acc, true
		must(bo.svc.PutListItem(ctx, it))
	}
	contact := func(name, mail, group string) backoffice.Contact {
		c, err := bo.svc.CreateContact(ctx, backoffice.CreateContactParams{AccountID: bo.acc, Kind: backoffice.KindDropship,
			Input: backoffice.ContactInput{Name: name, Email: mail, ClientGroupID: group, Address: backoffice.Address{City: "Austin", Country: "US"}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	bo.ada, bo.bob = contact("Ada Lovelace", "ada@example.com", "g1"), contact("Bob Marley", "bob@example.com", "g2")
	job := func(desc string, c backoffice.Contact, created time.Time) backoffice.Job {
		j, err := bo.svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: bo.acc, Kind: backoffice.KindDropship, CreatedAt: created,
			Input: backoffice.JobInput{Description: desc, ContactID: c.ID, PrimaryRep: rep}})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	bo.old = job("Old banners", bo.ada, time.Now().AddDate(0, 0, -40))
	ship := backoffice.Address{Name: "Ann Lee", Line1: "9 Dock Rd", City: "Portland", State: "OR", PostalCode: "97201", Country: "US"}
	oj, err := bo.svc.CreateOrderJob(ctx, backoffice.CreateOrderJobParams{
		Job: backoffice.CreateJobParams{AccountID: bo.acc, Kind: backoffice.KindDropship, ExternalRef: "store 1 / order 1001",
			Input: backoffice.JobInput{Description: "Team shirts", ContactID: bo.ada.ID, PrimaryRep: rep}},
		SalesOrder: backoffice.SalesOrderInput{Currency: "USD", SoldTo: backoffice.Address{Name: "Sally Sold", Country: "US"},
			BillTo: backoffice.Address{Name: "Bill Payer", Country: "US"}, ShipTo: ship, CustomerInstructions: "Leave at the back door"},
		Lines: []backoffice.LineInput{{SKU: "TEE-RED-M", Description: "Red tee", Quantity: 3, UnitPrice: 1500,
			Decoration: backoffice.Decoration{DesignName: "Harbor logo", Location: "left chest", Method: "embroidery", Supplier: "sanmar"}}},
		Payments: []backoffice.PaymentInput{{Amount: 2000, PaymentType: "card", CardType: "visa", Reference: "ch_123"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	po, err := bo.svc.CreatePurchaseOrder(ctx, backoffice.CreatePurchaseOrderParams{AccountID: bo.acc, JobID: oj.Job.ID,
		Input: backoffice.PurchaseOrderInput{Supplier: "sanmar", Currency: "USD", ShipTo: ship, Instructions: "Blank tees, sizes as listed"},
		Lines: []backoffice.LineInput{{SKU: "BLANK-M", Description: "Blank tee", Quantity: 3, UnitPrice: 300}}})
	if err != nil {
		t.Fatal(err)
	}
	must(bo.svc.CreatePayment(ctx, backoffice.CreatePaymentParams{Order: backoffice.OrderRef{AccountID: bo.acc, JobID: oj.Job.ID,
		Kind: backoffice.PurchaseOrderKind, OrderID: po.ID}, Input: backoffice.PaymentInput{Amount: 900, PaymentType: "card", Reference: "po_pay_9"}}))
	bo.team, err = bo.svc.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: bo.acc, ID: oj.Job.ID,
		Change: func(in *backoffice.JobInput) { in.Status = backoffice.JobOpen }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 3; i <= 12; i++ {
		job(fmt.Sprintf("Batch %d", i), bo.bob, time.Time{})
	}
}

// before reports whether body has a and then b.
func before(body, a, b string) bool {
	i, j := strings.Index(body, a), strings.Index(body, b)
	return i >= 0 && j > i
}

// The Back office pages list the account's jobs newest first with their filters (a bad value is a
// 422 naming the field), show a job's sales and purchase orders with lines and payments, and list
// the contacts linking to their jobs; another account sees none of it.
func TestBackOfficeBrowsePages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		t.Parallel()
		bo, site := newBOSite(t, db)
		ra, racc, _ := site.person(t, "harbor")
		xa, _, _ := site.person(t, "lonely")
		bo.acc = racc.ID
		bo.seed(context.Background(), t, "harbor@example.com")

		a := ra.do("GET", "/back-office/jobs", nil)
		if a.status != 200 || !strings.Contains(a.body, `href="/back-office/jobs"`) || !strings.Contains(a.body, "12 jobs") ||
			!before(a.body, "Batch 12", "Batch 3") || strings.Contains(a.body, "Team shirts") || !strings.Contains(a.body, "page=2") {
			t.Fatalf("jobs page 1: want jobs 12 to 3, newest first, and a next page: %d %.3000s", a.status, a.body)
		}
		if !strings.Contains(a.body, "Bob Marley") || !strings.Contains(a.body, "harbor@example.com") {
			t.Errorf("jobs page lacks the contact or the primary rep: %.3000s", a.body)
		}
		if a := ra.do("GET", "/back-office/jobs?page=2", nil); a.status != 200 || !before(a.body, "Team shirts", "Old banners") || strings.Contains(a.body, "Batch") {
			t.Errorf("jobs page 2: want jobs 2 and 1: %d %.3000s", a.status, a.body)
		}
		today := time.Now().UTC()
		for _, c := range []struct {
			name, query string
			want, not   []string
		}{
			{"status", "status=open", []string{"Team shirts", "1 job<"}, []string{"Batch", "Old banners"}},
			{"client group", "client_group=g1", []string{"Team shirts", "Old banners"}, []string{"Batch"}},
			{"old days", "from=" + today.AddDate(0, 0, -50).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, -30).Format(time.DateOnly),
				[]string{"Old banners"}, []string{"Team shirts", "Batch"}},
			{"today", "from=" + today.Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly) + "&client_group=g1",
				[]string{"Team shirts"}, []string{"Old banners", "Batch"}},
			{"contact", fmt.Sprintf("contact=%d", bo.ada.ID), []string{"Team shirts", "Old banners", `id="contact-filter"`, "Ada Lovelace"}, []string{"Batch"}},
		} {
			a := ra.do("GET", "/back-office/jobs?"+c.query, nil)
			if a.status != 200 {
				t.Errorf("%s: %d", c.name, a.status)
			}
			for _, w := range c.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("%s: page lacks %q: %.3000s", c.name, w, a.body)
				}
			}
			for _, n := range c.not {
				if strings.Contains(a.body, n) {
					t.Errorf("%s: page shows %q", c.name, n)
				}
			}
		}
		for q, msg := range map[string]string{
			"from=2026-13-45":               "from: give a day as YYYY-MM-DD",
			"to=yesterday":                  "to: give a day as YYYY-MM-DD",
			"from=2026-02-02&to=2026-02-01": "from is after to",
			"status=lost":                   "status: choose one of pending",
			"contact=abc":                   "contact: give the number of a contact",
			"page=0":                        "page: give a page number",
		} {
			if a := ra.do("GET", "/back-office/jobs?"+q, nil); a.status != 422 || !strings.Contains(a.body, `id="filter-error"`) || !strings.Contains(a.body, msg) {
				t.Errorf("%s: %d; want 422 with %q", q, a.status, msg)
			}
		}

		path := fmt.Sprintf("/back-office/jobs/%d", bo.team.ID)
		a = ra.do("GET", path, nil)
		if a.status != 200 {
			t.Fatalf("job page: %d %.2000s", a.status, a.body)
		}
		for _, want := range []string{fmt.Sprintf("Job %d", bo.team.Number), "Team shirts", "Ada Lovelace", "store 1 / order 1001",
			"Sold To", "Sally Sold", "Bill Payer", "9 Dock Rd", "Leave at the back door",
			"TEE-RED-M", "Red tee", "Harbor logo", "left chest", "embroidery", "45.00 USD", "ch_123", "visa",
			"balance 25.00 USD", "Purchase order", "sanmar", "Blank tees, sizes as listed", "BLANK-M", "9.00 USD", "po_pay_9"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("job page lacks %q", want)
			}
		}
		if !before(a.body, "Red tee", "ch_123") || !before(a.body, "ch_123", "BLANK-M") || !before(a.body, "BLANK-M", "po_pay_9") {
			t.Errorf("job page: want the SO's lines, its payments, then the PO's lines and payments: %.5000s", a.body)
		}
		if a := ra.do("GET", "/back-office/jobs/999999", nil); a.status != 404 {
			t.Errorf("no such job: %d; want 404", a.status)
		}
		if a := xa.do("GET", path, nil); a.status != 404 || strings.Contains(a.body, "Team shirts") {
			t.Errorf("another account reads the job: %d; want 404", a.status)
		}
		if a := xa.do("GET", "/back-office/jobs", nil); a.status != 200 || strings.Contains(a.body, "Team shirts") || !strings.Contains(a.body, "0 jobs") {
			t.Errorf("another account lists the jobs: %d", a.status)
		}

		a = ra.do("GET", "/back-office/contacts", nil)
		if a.status != 200 || !before(a.body, "Ada Lovelace", "Bob Marley") ||
			!strings.Contains(a.body, fmt.Sprintf(`href="/back-office/jobs?contact=%d"`, bo.ada.ID)) {
			t.Errorf("contacts page: %d %.3000s", a.status, a.body)
		}
		if a := ra.do("GET", "/back-office/contacts?email=BOB@example.com", nil); !strings.Contains(a.body, "Bob Marley") || strings.Contains(a.body, "Ada Lovelace") {
			t.Errorf("contacts by email: %.3000s", a.body)
		}
		if a := ra.do("GET", "/back-office/contacts?client_group=g1", nil); !strings.Contains(a.body, "Ada Lovelace") || strings.Contains(a.body, "Bob Marley") {
			t.Errorf("contacts by client group: %.3000s", a.body)
		}
		if a := ra.do("GET", "/back-office/contacts?page=x", nil); a.status != 422 || !strings.Contains(a.body, "page: give a page number") {
			t.Errorf("bad page: %d; want 422", a.status)
		}
		if a := xa.do("GET", "/back-office/contacts", nil); strings.Contains(a.body, "Ada Lovelace") {
			t.Errorf("another account lists the contacts")
		}
	})
}

// Without a back office the pages are not there.
func TestBackOfficeBrowseAbsent(t *testing.T) {
	t.Parallel()
	site := newConnSite(t, dbtest.New(t, database.SQLite))
	b, _, _ := site.person(t, "harbor")
	if a := b.do("GET", "/back-office/jobs", nil); a.status != 404 {
		t.Errorf("jobs page without a back office: %d; want 404", a.status)
	}
}
