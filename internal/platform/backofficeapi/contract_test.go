package backofficeapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database/dbtest"
	"github.com/storesync/storesync/internal/platform"
)

// The contract of platform.BackOffice, run against both implementations: the account's own back
// office (backoffice.Target) and the Open API client talking over HTTPS to another storesync, on
// SQLite and on PostgreSQL. Each case has an account of its own. Cases that need HTTP (keys,
// lost answers, 429) run for the client only.
func TestBackOfficeContract(t *testing.T) {
	t.Parallel()
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := newServer(t, d)
			for _, im := range []impl{builtIn, external} {
				t.Run(string(im), func(t *testing.T) {
					t.Parallel()
					for _, c := range contract {
						t.Run(c.name, func(t *testing.T) {
							if c.httpOnly && im != external {
								t.Skip("the built-in back office has no HTTP between it and its caller")
							}
							c.run(t, newEnv(t, s, im))
						})
					}
				})
			}
		})
	}
}

var contract = []struct {
	name     string
	httpOnly bool
	run      func(t *testing.T, e *env)
}{
	{"verify", false, testVerify},
	{"verify keys", true, testVerifyKeys},
	{"users and card types", false, testLists},
	{"contacts", false, testContacts},
	{"order job once", false, testOrderJobOnce},
	{"order job completes a partial job", false, testOrderJobCompletes},
	{"order job after lost answers", true, testOrderJobLostAnswers},
	{"order job refused names the field", false, testOrderJobInvalid},
	{"cancel", false, testCancel},
	{"note", false, testNote},
	{"payment once", false, testPaymentOnce},
	{"stock read in SKU order", false, testStockRead},
	{"stock adjusted once", false, testStockAdjust},
	{"rate limit", true, testRateLimit},
	{"unavailable", true, testUnavailable},
}

func testVerify(t *testing.T, e *env) {
	id, err := e.bo.Verify(t.Context())
	if err != nil || id.AccountName != e.name || !id.CanWrite {
		t.Fatalf("Verify = %+v, %v; want %s, may write", id, err, e.name)
	}
}

func testVerifyKeys(t *testing.T, e *env) {
	id, err := e.readOnly.Verify(t.Context())
	if err != nil || id.AccountName != e.name || id.CanWrite {
		t.Fatalf("Verify with a read key = %+v, %v; want %s, read only", id, err, e.name)
	}
	_, err = e.badKey.Verify(t.Context())
	_ = wantKind(t, err, platform.KindAuth)
	_, err = e.readOnly.CreateContact(t.Context(), "k", platform.BackOfficeContactInput{Kind: platform.BackOfficeDropship, Name: "X"})
	_ = wantKind(t, err, platform.KindForbidden)
}

func testLists(t *testing.T, e *env) {
	users, err := e.bo.Users(t.Context())
	if err != nil || !slices.Equal(users, e.users) {
		t.Fatalf("Users = %v, %v; want %v", users, err, e.users)
	}
	// More card types than a page holds.
	want := []platform.BackOfficeListItem{{Code: "visa", Name: "Visa", Active: true}, {Code: "amex", Name: "American Express", Active: true}}
	for i := range 10 {
		it := backoffice.PutListItemParams{AccountID: e.account, List: backoffice.ListCardTypes, Code: fmt.Sprintf("card%02d", i),
			Name: fmt.Sprintf("Card %d", i), Active: i%2 == 0}
		if _, err := e.a.BackOffice.PutListItem(t.Context(), it); err != nil {
			t.Fatal(err)
		}
		want = append(want, platform.BackOfficeListItem{Code: it.Code, Name: it.Name, Active: it.Active})
	}
	got, err := e.bo.CardTypes(t.Context())
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("CardTypes = %v, %v; want %v", got, err, want)
	}
}

func testContacts(t *testing.T, e *env) {
	ctx := t.Context()
	if _, ok, err := e.bo.FindContact(ctx, platform.BackOfficeDropship, "bea@example.com"); ok || err != nil {
		t.Fatalf("FindContact of no one = %v, %v", ok, err)
	}
	in := platform.BackOfficeContactInput{Kind: platform.BackOfficeDropship, Name: "Bea Ray", Email: "Bea@Example.com", Phone: "555",
		Address: platform.BackOfficeAddress{Line1: "1 Main St", City: "Austin", State: "TX", PostalCode: "73301", Country: "US"}}
	c, err := e.bo.CreateContact(ctx, "contact/bea", in)
	if err != nil || c.ID == 0 || c.Kind != platform.BackOfficeDropship || c.Email != "bea@example.com" || c.Address.City != "Austin" {
		t.Fatalf("CreateContact = %+v, %v", c, err)
	}
	again, err := e.bo.CreateContact(ctx, "contact/bea", in)
	if err != nil || again.ID != c.ID {
		t.Fatalf("CreateContact again = %+v, %v; want contact %d", again, err, c.ID)
	}
	found, ok, err := e.bo.FindContact(ctx, platform.BackOfficeDropship, "BEA@example.com")
	if err != nil || !ok || found.ID != c.ID || found.Name != "Bea Ray" {
		t.Fatalf("FindContact = %+v, %v, %v; want contact %d", found, ok, err, c.ID)
	}
	store := platform.BackOfficeContactInput{Kind: platform.BackOfficeStore, Name: "Bea's Shop", Email: "shop@example.com", StoreID: "S-9"}
	sc, err := e.bo.CreateContact(ctx, "contact/shop", store)
	if err != nil || sc.Kind != platform.BackOfficeStore {
		t.Fatalf("CreateContact of a store = %+v, %v", sc, err)
	}
	if f, ok, err := e.bo.FindContact(ctx, platform.BackOfficeStore, "shop@example.com"); err != nil || !ok || f.ID != sc.ID {
		t.Fatalf("FindContact of the store = %+v, %v, %v", f, ok, err)
	}
	if _, ok, err := e.bo.FindContact(ctx, platform.BackOfficeDropship, "shop@example.com"); ok || err != nil {
		t.Fatalf("the store contact is found as a dropship one: %v, %v", ok, err)
	}
	_, err = e.bo.CreateContact(ctx, "contact/nameless", platform.BackOfficeContactInput{Kind: platform.BackOfficeStore, Name: "No store ID"})
	if pe := wantKind(t, err, platform.KindInvalidInput); !hasField(pe, "store_id") {
		t.Fatalf("a store contact without store_id: %v", err)
	}
}

// orderJob is a store order as it becomes a job: three lines, two payments.
func (e *env) orderJob(ref string) platform.BackOfficeOrderJob {
	paid := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	addr := platform.BackOfficeAddress{Name: "Ann Lee", Line1: "1 Main St", City: "Austin", State: "TX", PostalCode: "73301", Country: "US"}
	return platform.BackOfficeOrderJob{Kind: platform.BackOfficeDropship, ExternalRef: ref, Description: "Acme #" + ref,
		ContactID: e.contact, PrimaryRep: e.users[1], CSR: e.users[0], Currency: "USD", SoldTo: addr, BillTo: addr, ShipTo: addr,
		CustomerInstructions: "https://acme.example.com/admin/orders/" + ref, CSRInstructions: "Paid by card: 55.00",
		Lines: []platform.BackOfficeLine{
			{SKU: "TEE-M", Description: "T-shirt — Size: M", Quantity: 2, UnitPrice: 1500, DesignName: "Logo", Location: "left chest", Method: "embroidery"},
			{SKU: "CAP", Description: "Cap", Quantity: 1, UnitPrice: 1250},
			{SKU: "MUG", Description: "Mug", Quantity: 1, UnitPrice: 1250},
		},
		Payments: []platform.BackOfficePayment{
			{Amount: 5000, PaidAt: paid, PaymentType: "credit_card", CardType: "visa", Ref: "txn-1"},
			{Amount: 500, PaidAt: paid, PaymentType: "credit_card", CardType: "amex", Ref: "txn-2"},
		}}
}

// wantWhole checks that the job has one sales order with the three lines and two payments, once.
func (e *env) wantWhole(j platform.BackOfficeJob) {
	e.t.Helper()
	if j.ID == 0 || j.SalesOrderID == 0 || j.Status != "pending" {
		e.t.Fatalf("job = %+v", j)
	}
	if orders, lines, payments := e.counts(j.ID); orders != 1 || lines != 3 || payments != 2 {
		e.t.Fatalf("job %d has %d sales orders, %d lines, %d payments; want 1, 3, 2", j.ID, orders, lines, payments)
	}
	so, err := e.a.BackOffice.GetSalesOrder(e.t.Context(), backoffice.GetOrderParams{AccountID: e.account, JobID: j.ID, ID: j.SalesOrderID})
	if err != nil || so.Subtotal != 5500 || so.Paid != 5500 || so.Balance != 0 || so.ShipTo.City != "Austin" {
		e.t.Fatalf("sales order = %+v, %v", so, err)
	}
}

func testOrderJobOnce(t *testing.T, e *env) {
	ctx := t.Context()
	in := e.orderJob("store 1 / order 1001")
	j, err := e.bo.CreateOrderJob(ctx, "push/1001", in)
	if err != nil {
		t.Fatal(err)
	}
	e.wantWhole(j)
	if j.ExternalRef != in.ExternalRef || j.Number == 0 {
		t.Fatalf("job = %+v", j)
	}
	for _, key := range []string{"push/1001", "push/1001-again"} {
		again, err := e.bo.CreateOrderJob(ctx, key, in)
		if err != nil || again.ID != j.ID || again.SalesOrderID != j.SalesOrderID {
			t.Fatalf("CreateOrderJob again with %s = %+v, %v; want job %d", key, again, err, j.ID)
		}
	}
	e.wantWhole(j)
	found, ok, err := e.bo.FindJob(ctx, in.ExternalRef)
	if err != nil || !ok || found.ID != j.ID || found.SalesOrderID != j.SalesOrderID {
		t.Fatalf("FindJob = %+v, %v, %v", found, ok, err)
	}
	if _, ok, err := e.bo.FindJob(ctx, "store 1 / order 9999"); ok || err != nil {
		t.Fatalf("FindJob of no job = %v, %v", ok, err)
	}
	// A store job, and one without an external reference (the key is its reference).
	st := e.orderJob("")
	st.Kind, st.ContactID, st.StoreID = platform.BackOfficeStore, e.storeContact, "S-1"
	sj, err := e.bo.CreateOrderJob(ctx, "push/store", st)
	if err != nil {
		t.Fatal(err)
	}
	e.wantWhole(sj)
	if sj.ExternalRef != "push/store" {
		t.Fatalf("store job = %+v", sj)
	}
	if n := e.jobs(); n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}
}

// A job of the reference that another caller left half made is completed, not made again.
func testOrderJobCompletes(t *testing.T, e *env) {
	ctx := t.Context()
	svc := e.a.BackOffice
	in := e.orderJob("store 1 / order 2001")
	job, err := svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: e.account, Kind: backoffice.KindDropship, ExternalRef: in.ExternalRef,
		Input: backoffice.JobInput{ContactID: e.contact, PrimaryRep: e.users[1]}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.bo.CreateOrderJob(ctx, "push/2001", in)
	if err != nil || j.ID != job.ID {
		t.Fatalf("CreateOrderJob over a job with no sales order = %+v, %v; want job %d", j, err, job.ID)
	}
	e.wantWhole(j)

	// A sales order with one line and the second payment only.
	in = e.orderJob("store 1 / order 2002")
	job, err = svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: e.account, Kind: backoffice.KindDropship, ExternalRef: in.ExternalRef,
		Input: backoffice.JobInput{ContactID: e.contact, PrimaryRep: e.users[1]}})
	if err != nil {
		t.Fatal(err)
	}
	p := in.Payments[1]
	so, err := svc.CreateSalesOrder(ctx, backoffice.CreateSalesOrderParams{AccountID: e.account, JobID: job.ID,
		Input: backoffice.SalesOrderInput{Currency: "USD", ShipTo: backoffice.Address(in.ShipTo)},
		Lines: []backoffice.LineInput{{SKU: "TEE-M", Description: "T-shirt — Size: M", Quantity: 2, UnitPrice: 1500}},
		Payments: []backoffice.PaymentInput{{Amount: p.Amount, PaidAt: p.PaidAt, PaymentType: p.PaymentType, CardType: p.CardType,
			Reference: p.Ref}}})
	if err != nil {
		t.Fatal(err)
	}
	j, err = e.bo.CreateOrderJob(ctx, "push/2002", in)
	if err != nil || j.ID != job.ID || j.SalesOrderID != so.ID {
		t.Fatalf("CreateOrderJob over a partial job = %+v, %v; want job %d, sales order %d", j, err, job.ID, so.ID)
	}
	e.wantWhole(j)
	if n := e.jobs(); n != 2 {
		t.Fatalf("%d jobs, want 2", n)
	}
}

// Over HTTP the answer of any of the creates may be lost: the call fails as retryable, and the
// retry completes the job with nothing twice, whether or not the API still has the keys.
func testOrderJobLostAnswers(t *testing.T, e *env) {
	ctx := t.Context()
	// POSTs in order: 1 job, 2 sales order, 3-5 lines, 6-7 payments.
	for _, c := range []struct {
		post    int
		outage  bool
		forget  bool
		newKeys bool
	}{
		{post: 2, outage: true},               // the sales order's answer lost, then the connection down
		{post: 2, outage: true, forget: true}, // ... and the API forgot the keys before the retry
		{post: 1, outage: true, forget: true}, // the job's answer lost
		{post: 4, outage: true},               // the second line's
		{post: 4, outage: true, newKeys: true},
		{post: 7, outage: true, forget: true}, // the last payment's
		{post: 3},                             // one answer lost: the client sends it again itself
	} {
		name := fmt.Sprintf("post %d outage %v forget %v new keys %v", c.post, c.outage, c.forget, c.newKeys)
		ref := "store 1 / " + name
		key := "push/" + name
		in := e.orderJob(ref)
		e.faults.loseAnswer(c.post, c.outage)
		j, err := e.bo.CreateOrderJob(ctx, key, in)
		if c.outage {
			if pe := wantKind(t, err, platform.KindUnavailable); !pe.Retryable {
				t.Fatalf("%s: %v is not retryable", name, err)
			}
			e.faults.heal()
			if c.forget {
				e.forgetKeys()
			}
			if c.newKeys {
				key += "/2"
			}
			j, err = e.bo.CreateOrderJob(ctx, key, in)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		e.wantWhole(j)
		_ = e.sleeps.take()
	}
	if n := e.jobs(); n != 7 {
		t.Fatalf("%d jobs, want 7", n)
	}
}

func testOrderJobInvalid(t *testing.T, e *env) {
	in := e.orderJob("store 1 / order 3001")
	in.PrimaryRep = "left@example.com"
	_, err := e.bo.CreateOrderJob(t.Context(), "push/3001", in)
	if pe := wantKind(t, err, platform.KindInvalidInput); !hasField(pe, "primary_rep") {
		t.Fatalf("%v does not name primary_rep", err)
	}
	if n := e.jobs(); n != 0 {
		t.Fatalf("%d jobs after a refused create", n)
	}
}

func hasField(pe *platform.Error, field string) bool {
	for _, f := range pe.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func testCancel(t *testing.T, e *env) {
	ctx := t.Context()
	j, err := e.bo.CreateOrderJob(ctx, "push/4001", e.orderJob("store 1 / order 4001"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.bo.CancelJob(ctx, j.ID)
	if err != nil || !c.Cancelled || c.Status != "cancelled" || c.ID != j.ID || c.SalesOrderID != j.SalesOrderID {
		t.Fatalf("CancelJob of a pending job = %+v, %v", c, err)
	}
	if got := e.jobStatus(j.ID); got != backoffice.JobCancelled {
		t.Fatalf("job is %s after CancelJob", got)
	}
	if c, err = e.bo.CancelJob(ctx, j.ID); err != nil || c.Cancelled || c.Status != "cancelled" {
		t.Fatalf("CancelJob again = %+v, %v", c, err)
	}
	// A store job someone opened meanwhile is left open.
	st := e.orderJob("store 1 / order 4002")
	st.Kind, st.ContactID, st.StoreID = platform.BackOfficeStore, e.storeContact, "S-1"
	sj, err := e.bo.CreateOrderJob(ctx, "push/4002", st)
	if err != nil {
		t.Fatal(err)
	}
	c, err = e.bo.CancelJob(ctx, sj.ID)
	if err != nil || !c.Cancelled {
		t.Fatalf("CancelJob of a pending store job = %+v, %v", c, err)
	}
	oj, err := e.bo.CreateOrderJob(ctx, "push/4003", e.orderJob("store 1 / order 4003"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.BackOffice.UpdateJob(ctx, backoffice.UpdateJobParams{AccountID: e.account, ID: oj.ID,
		Change: func(in *backoffice.JobInput) { in.Status = backoffice.JobOpen }}); err != nil {
		t.Fatal(err)
	}
	if c, err = e.bo.CancelJob(ctx, oj.ID); err != nil || c.Cancelled || c.Status != "open" {
		t.Fatalf("CancelJob of an open job = %+v, %v; want it left open", c, err)
	}
	if got := e.jobStatus(oj.ID); got != backoffice.JobOpen {
		t.Fatalf("open job is %s after CancelJob", got)
	}
	_, err = e.bo.CancelJob(ctx, oj.ID+1000)
	_ = wantKind(t, err, platform.KindNotFound)
}

func (e *env) jobStatus(id int64) backoffice.JobStatus {
	e.t.Helper()
	j, err := e.a.BackOffice.GetJob(e.t.Context(), backoffice.GetJobParams{AccountID: e.account, ID: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return j.Status
}

func testNote(t *testing.T, e *env) {
	ctx := t.Context()
	j, err := e.bo.CreateOrderJob(ctx, "push/5001", e.orderJob("store 1 / order 5001"))
	if err != nil {
		t.Fatal(err)
	}
	for _, note := range []string{"Cancelled at the store", "Cancelled at the store", "Refunded 5.00"} {
		if err := e.bo.AddNote(ctx, j.ID, j.SalesOrderID, note); err != nil {
			t.Fatal(err)
		}
	}
	so, err := e.a.BackOffice.GetSalesOrder(ctx, backoffice.GetOrderParams{AccountID: e.account, JobID: j.ID, ID: j.SalesOrderID})
	if want := "Paid by card: 55.00\nCancelled at the store\nRefunded 5.00"; err != nil || so.CSRInstructions != want {
		t.Fatalf("CSR instructions = %q, %v; want %q", so.CSRInstructions, err, want)
	}
	err = e.bo.AddNote(ctx, j.ID, j.SalesOrderID+1000, "x")
	_ = wantKind(t, err, platform.KindNotFound)
}

func testPaymentOnce(t *testing.T, e *env) {
	ctx := t.Context()
	j, err := e.bo.CreateOrderJob(ctx, "push/6001", e.orderJob("store 1 / order 6001"))
	if err != nil {
		t.Fatal(err)
	}
	refund := platform.BackOfficePayment{Amount: -500, PaymentType: "credit_card", CardType: "visa", Ref: "refund-1",
		PaidAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	for _, key := range []string{"refund/1", "refund/1", "refund/1-again"} {
		if err := e.bo.RecordPayment(ctx, key, j.ID, j.SalesOrderID, refund); err != nil {
			t.Fatal(err)
		}
	}
	noRef := refund
	noRef.Ref, noRef.Amount = "", -100
	for range 2 {
		if err := e.bo.RecordPayment(ctx, "adjust/1", j.ID, j.SalesOrderID, noRef); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, payments := e.counts(j.ID); payments != 4 {
		t.Fatalf("%d payments, want the order's 2 and 2 recorded once each", payments)
	}
	bad := refund
	bad.Ref, bad.CardType = "refund-2", "diners"
	err = e.bo.RecordPayment(ctx, "refund/2", j.ID, j.SalesOrderID, bad)
	if pe := wantKind(t, err, platform.KindInvalidInput); !hasField(pe, "card_type") {
		t.Fatalf("%v does not name card_type", err)
	}
}

// A 429 is waited out inside the call for as long as Retry-After says, within a bound; a longer
// wait, or too many, is the caller's: KindRateLimited, retryable, with RetryAfter.
func testRateLimit(t *testing.T, e *env) {
	ctx := t.Context()
	e.faults.answer(2, http.StatusTooManyRequests, "2")
	if id, err := e.bo.Verify(ctx); err != nil || id.AccountName != e.name {
		t.Fatalf("Verify after two 429s = %+v, %v", id, err)
	}
	if got := e.sleeps.take(); !slices.Equal(got, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Fatalf("waited %v, want 2s twice (Retry-After)", got)
	}
	e.faults.answer(1, http.StatusTooManyRequests, "60")
	_, err := e.bo.Users(ctx)
	if pe := wantKind(t, err, platform.KindRateLimited); !pe.Retryable || pe.RetryAfter != time.Minute {
		t.Fatalf("429 with Retry-After 60 = %+v", pe)
	}
	if got := e.sleeps.take(); len(got) != 0 {
		t.Fatalf("waited %v for a Retry-After past the bound", got)
	}
	e.faults.answer(3, http.StatusTooManyRequests, "1")
	_, err = e.bo.CardTypes(ctx)
	if pe := wantKind(t, err, platform.KindRateLimited); !pe.Retryable || pe.RetryAfter != time.Second {
		t.Fatalf("three 429s = %+v", pe)
	}
	if got := e.sleeps.take(); len(got) != 2 {
		t.Fatalf("waited %v, want 2 waits (3 attempts)", got)
	}
	// A 429 on an update is sent again too: the API did nothing.
	j, err := e.bo.CreateOrderJob(ctx, "push/7001", e.orderJob("store 1 / order 7001"))
	if err != nil {
		t.Fatal(err)
	}
	e.faults.answer(1, http.StatusTooManyRequests, "1")
	if err := e.bo.AddNote(ctx, j.ID, j.SalesOrderID, "note"); err != nil {
		t.Fatal(err)
	}
}

// 5xx and a cut connection are KindUnavailable and retryable; a read is sent again at once.
func testUnavailable(t *testing.T, e *env) {
	ctx := t.Context()
	e.faults.answer(1, http.StatusServiceUnavailable, "")
	if _, err := e.bo.Users(ctx); err != nil {
		t.Fatalf("Users after one 503: %v", err)
	}
	if got := e.sleeps.take(); len(got) != 1 {
		t.Fatalf("waited %v, want one backoff", got)
	}
	e.faults.answer(3, http.StatusBadGateway, "")
	_, err := e.bo.Users(ctx)
	if pe := wantKind(t, err, platform.KindUnavailable); !pe.Retryable || pe.StatusCode != http.StatusBadGateway {
		t.Fatalf("three 502s = %+v", pe)
	}
	// A keyed create answered 409 with no field (the API is still answering the first request
	// with the key) is sent again after a wait.
	_ = e.sleeps.take()
	e.faults.answerOn(http.MethodPost, http.StatusConflict)
	j, err := e.bo.CreateOrderJob(ctx, "push/8001", e.orderJob("store 1 / order 8001"))
	if err != nil {
		t.Fatal(err)
	}
	e.wantWhole(j)
	if got := e.sleeps.take(); len(got) != 1 {
		t.Fatalf("waited %v after a 409 to a keyed create, want one backoff", got)
	}
	// An update is not sent again after a 5xx (it may have been applied): the caller retries.
	e.faults.answerOn(http.MethodPut, http.StatusServiceUnavailable)
	_, err = e.bo.CancelJob(ctx, j.ID)
	if pe := wantKind(t, err, platform.KindUnavailable); !pe.Retryable {
		t.Fatalf("a 503 on the update = %+v", pe)
	}
	if got := e.sleeps.take(); len(got) != 0 {
		t.Fatalf("the update was sent again after a 503 (waited %v)", got)
	}
	if c, err := e.bo.CancelJob(ctx, j.ID); err != nil || !c.Cancelled {
		t.Fatalf("CancelJob retried = %+v, %v", c, err)
	}
}
