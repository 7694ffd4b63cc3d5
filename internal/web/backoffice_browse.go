package web

import (
	"context"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

// The back-office pages: the account's jobs (newest first, filtered by the day they were created,
// status, client group and contact), one job with its sales and purchase orders, their lines and
// payments, and the account's contacts. They read the built-in back office; they change nothing.
// Like the Open API they show the jobs of the last 13 months: the service lists the orders of
// those jobs only.

func (h *dashboard) backOfficeBrowseRoutes(mux *http.ServeMux) {
	if h.BackOffice == nil {
		return
	}
	for _, p := range []string{"bo_jobs", "bo_job", "bo_contacts", "bo_items", "bo_item"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(orderFuncs).Funcs(boFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	mux.Handle("GET /back-office/jobs", h.authed(h.boJobsPage))
	mux.Handle("GET /back-office/jobs/{id}", h.authed(h.boJobPage))
	mux.Handle("GET /back-office/contacts", h.authed(h.boContactsPage))
	mux.Handle("GET /back-office/items", h.authed(h.boItemsPage)) // backoffice_items.go
	mux.Handle("GET /back-office/items/{id}", h.authed(h.boItemPage))
}

var boFuncs = template.FuncMap{
	"day":      func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"statuses": func() []backoffice.JobStatus { return backoffice.JobStatuses },
}

// filterErrors collects the bad values of a page's query string, each naming its field.
type filterErrors []string

func (b *filterErrors) day(q url.Values, field string) time.Time {
	v := strings.TrimSpace(q.Get(field))
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		*b = append(*b, field+": give a day as YYYY-MM-DD")
		return time.Time{}
	}
	return t
}

func (b *filterErrors) id(q url.Values, field string) int64 {
	v := strings.TrimSpace(q.Get(field))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		*b = append(*b, field+": give the number of a "+field)
		return 0
	}
	return n
}

func (b *filterErrors) page(q url.Values) int {
	v := q.Get("page")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > backoffice.MaxPage {
		*b = append(*b, "page: give a page number from 1 to "+strconv.Itoa(backoffice.MaxPage))
		return 1
	}
	return n
}

// nextPage is the link to the page after this one, with the same filters.
func nextPage(path string, q url.Values, page int) string {
	next := url.Values{}
	maps.Copy(next, q)
	next.Set("page", strconv.Itoa(page+1))
	return path + "?" + next.Encode()
}

// boJobsPage lists the account's jobs with the filters of the query string.
func (h *dashboard) boJobsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	q := r.URL.Query()
	sp := backoffice.SearchJobsParams{AccountID: p.AccountID, Status: backoffice.JobStatus(strings.TrimSpace(q.Get("status"))),
		ClientGroupID: strings.TrimSpace(q.Get("client_group"))}
	var bad filterErrors
	sp.CreatedFrom = bad.day(q, "from")
	to := bad.day(q, "to")
	sp.ContactID = bad.id(q, "contact")
	page := bad.page(q)
	if sp.Status != "" && !sp.Status.Valid() {
		bad = append(bad, "status: choose one of "+strings.Join(jobStatusNames(), ", "))
	}
	if !sp.CreatedFrom.IsZero() && !to.IsZero() && sp.CreatedFrom.After(to) {
		bad = append(bad, "from is after to: give a range whose from is on or before its to")
	}
	if !to.IsZero() {
		sp.CreatedTo = to.AddDate(0, 0, 1) // to is a whole day
	}
	data := map[string]any{"Account": p.AccountName, "Status": string(sp.Status), "ClientGroup": sp.ClientGroupID,
		"From": q.Get("from"), "To": q.Get("to"), "Contact": q.Get("contact")}
	if len(bad) > 0 {
		data["FilterError"] = strings.Join(bad, "; ")
		h.render(w, r, "bo_jobs", http.StatusUnprocessableEntity, data)
		return
	}
	if sp.ContactID != 0 {
		c, err := h.BackOffice.GetContact(r.Context(), backoffice.GetContactParams{AccountID: p.AccountID, ID: sp.ContactID})
		if errors.Is(err, database.ErrNotFound) {
			data["FilterError"] = "contact: there is no contact " + strconv.FormatInt(sp.ContactID, 10) + " in this account"
			h.render(w, r, "bo_jobs", http.StatusUnprocessableEntity, data)
			return
		}
		if err != nil {
			h.boUnavailable(w, r, "reading a back-office contact", err)
			return
		}
		data["ContactName"] = c.Name
	}
	jobs, total, err := h.newestJobs(r.Context(), sp, page)
	if err != nil {
		h.boUnavailable(w, r, "searching back-office jobs", err)
		return
	}
	rows, err := h.jobRows(r.Context(), p.AccountID, jobs)
	if err != nil {
		h.boUnavailable(w, r, "reading back-office contacts", err)
		return
	}
	data["Jobs"], data["Total"], data["Page"] = rows, total, page
	if int64(page)*backoffice.PerPage < total {
		data["Next"] = nextPage("/back-office/jobs", q, page)
	}
	h.render(w, r, "bo_jobs", http.StatusOK, data)
}

func jobStatusNames() []string {
	out := make([]string, 0, len(backoffice.JobStatuses))
	for _, s := range backoffice.JobStatuses {
		out = append(out, string(s))
	}
	return out
}

// newestJobs returns page `page` of the matching jobs, newest (highest number) first. The service
// pages in number order, so the page is cut from the one or two service pages that hold it.
func (h *dashboard) newestJobs(ctx context.Context, sp backoffice.SearchJobsParams, page int) ([]backoffice.Job, int64, error) {
	sp.Page = 1
	first, err := h.BackOffice.SearchJobs(ctx, sp)
	if err != nil {
		return nil, 0, err
	}
	total := first.Total
	hi := total - 1 - int64(page-1)*backoffice.PerPage // index of the newest job of the page, in number order
	if hi < 0 {
		return nil, total, nil
	}
	lo := max(hi-backoffice.PerPage+1, 0)
	var asc []backoffice.Job
	for sp.Page = int(lo/backoffice.PerPage) + 1; sp.Page <= int(hi/backoffice.PerPage)+1; sp.Page++ {
		got := first
		if sp.Page != 1 {
			if got, err = h.BackOffice.SearchJobs(ctx, sp); err != nil {
				return nil, 0, err
			}
		}
		base := int64(sp.Page-1) * backoffice.PerPage
		for i, j := range got.Items {
			if n := base + int64(i); n >= lo && n <= hi {
				asc = append(asc, j)
			}
		}
	}
	slices.Reverse(asc)
	return asc, total, nil
}

type jobRow struct {
	backoffice.Job
	ContactName string
}

// jobRows adds each job's contact name, reading each contact of the page once.
func (h *dashboard) jobRows(ctx context.Context, accountID int64, jobs []backoffice.Job) ([]jobRow, error) {
	names := map[int64]string{}
	out := make([]jobRow, 0, len(jobs))
	for _, j := range jobs {
		name, ok := names[j.ContactID]
		if !ok {
			c, err := h.BackOffice.GetContact(ctx, backoffice.GetContactParams{AccountID: accountID, ID: j.ContactID})
			if err != nil && !errors.Is(err, database.ErrNotFound) {
				return nil, err
			}
			name, names[j.ContactID] = c.Name, c.Name
		}
		out = append(out, jobRow{Job: j, ContactName: name})
	}
	return out, nil
}

func (h *dashboard) boUnavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.Logger.ErrorContext(r.Context(), what, "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the back office right now; try again.")
}

// boContactsPage lists the account's contacts, searched by email and client group.
func (h *dashboard) boContactsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	q := r.URL.Query()
	sp := backoffice.SearchContactsParams{AccountID: p.AccountID, Email: strings.TrimSpace(q.Get("email")),
		ClientGroupID: strings.TrimSpace(q.Get("client_group"))}
	var bad filterErrors
	sp.Page = bad.page(q)
	data := map[string]any{"Account": p.AccountName, "Email": sp.Email, "ClientGroup": sp.ClientGroupID}
	if len(bad) > 0 {
		data["FilterError"] = strings.Join(bad, "; ")
		h.render(w, r, "bo_contacts", http.StatusUnprocessableEntity, data)
		return
	}
	got, err := h.BackOffice.SearchContacts(r.Context(), sp)
	if err != nil {
		h.boUnavailable(w, r, "searching back-office contacts", err)
		return
	}
	data["Contacts"], data["Total"], data["Page"] = got.Items, got.Total, got.Page
	if got.HasNext() {
		data["Next"] = nextPage("/back-office/contacts", q, got.Page)
	}
	h.render(w, r, "bo_contacts", http.StatusOK, data)
}

// boOrder is a sales or purchase order of the job page with its lines and payments.
type boOrder[T any] struct {
	Order    T
	Lines    []backoffice.LineItem
	Payments []backoffice.Payment
}

// boJobPage shows one job with its details and its orders, each with its lines and payments.
func (h *dashboard) boJobPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "job")
	if !ok {
		return
	}
	ctx := r.Context()
	j, err := h.BackOffice.GetJob(ctx, backoffice.GetJobParams{AccountID: p.AccountID, ID: id})
	if errors.Is(err, database.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no job "+r.PathValue("id")+" in this account.")
		return
	}
	if err != nil {
		h.boUnavailable(w, r, "reading a back-office job", err)
		return
	}
	data := map[string]any{"Account": p.AccountName, "Job": j}
	if c, err := h.BackOffice.GetContact(ctx, backoffice.GetContactParams{AccountID: p.AccountID, ID: j.ContactID}); err == nil {
		data["Contact"] = c
	}
	list := backoffice.ListOrdersParams{AccountID: p.AccountID, JobID: j.ID}
	sos, err := allPages(func(page int) (backoffice.Page[backoffice.SalesOrder], error) {
		list.Page = page
		return h.BackOffice.ListSalesOrders(ctx, list)
	})
	if err != nil {
		h.boUnavailable(w, r, "listing a job's sales orders", err)
		return
	}
	pos, err := allPages(func(page int) (backoffice.Page[backoffice.PurchaseOrder], error) {
		list.Page = page
		return h.BackOffice.ListPurchaseOrders(ctx, list)
	})
	if err != nil {
		h.boUnavailable(w, r, "listing a job's purchase orders", err)
		return
	}
	sales := make([]boOrder[backoffice.SalesOrder], 0, len(sos))
	for _, o := range sos {
		ref := backoffice.OrderRef{AccountID: p.AccountID, JobID: j.ID, Kind: backoffice.SalesOrderKind, OrderID: o.ID}
		bo := boOrder[backoffice.SalesOrder]{Order: o}
		if bo.Lines, bo.Payments, err = h.linesAndPayments(ctx, ref); err != nil {
			h.boUnavailable(w, r, "listing a sales order's lines and payments", err)
			return
		}
		sales = append(sales, bo)
	}
	purchases := make([]boOrder[backoffice.PurchaseOrder], 0, len(pos))
	for _, o := range pos {
		ref := backoffice.OrderRef{AccountID: p.AccountID, JobID: j.ID, Kind: backoffice.PurchaseOrderKind, OrderID: o.ID}
		bo := boOrder[backoffice.PurchaseOrder]{Order: o}
		if bo.Lines, bo.Payments, err = h.linesAndPayments(ctx, ref); err != nil {
			h.boUnavailable(w, r, "listing a purchase order's lines and payments", err)
			return
		}
		purchases = append(purchases, bo)
	}
	data["SalesOrders"], data["PurchaseOrders"] = sales, purchases
	h.render(w, r, "bo_job", http.StatusOK, data)
}

func (h *dashboard) linesAndPayments(ctx context.Context, ref backoffice.OrderRef) ([]backoffice.LineItem, []backoffice.Payment, error) {
	lines, err := allPages(func(page int) (backoffice.Page[backoffice.LineItem], error) {
		return h.BackOffice.ListLines(ctx, backoffice.ListOrderItemsParams{Order: ref, Page: page})
	})
	if err != nil {
		return nil, nil, err
	}
	pays, err := allPages(func(page int) (backoffice.Page[backoffice.Payment], error) {
		return h.BackOffice.ListPayments(ctx, backoffice.ListOrderItemsParams{Order: ref, Page: page})
	})
	return lines, pays, err
}

// maxListPages bounds how many service pages one list of the job page reads (1,000 entries).
const maxListPages = 100

// allPages reads every page of a list of the service, up to maxListPages.
func allPages[T any](fetch func(page int) (backoffice.Page[T], error)) ([]T, error) {
	var out []T
	for page := 1; page <= maxListPages; page++ {
		got, err := fetch(page)
		if err != nil {
			return nil, err
		}
		out = append(out, got.Items...)
		if !got.HasNext() {
			break
		}
	}
	return out, nil
}
