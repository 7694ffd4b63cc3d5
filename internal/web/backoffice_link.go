package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/store"
)

// A store's back-office page (target, key, Verify, job settings) and the order page's
// back-office status with its Retry.

func (h *dashboard) backOfficeRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.BackOfficeLinks == nil {
		return
	}
	h.pages["backoffice"] = template.Must(template.New("layout.html").Funcs(funcs).
		ParseFS(templateFS, "templates/layout.html", "templates/backoffice.html"))
	mux.Handle("GET /stores/{id}/back-office", h.authed(h.backOfficePage))
	mux.Handle("POST /stores/{id}/back-office", cop.Handler(h.authed(h.saveBackOffice)))
	mux.Handle("POST /stores/{id}/back-office/verify", cop.Handler(h.authed(h.verifyBackOffice)))
	mux.Handle("POST /orders/{id}/back-office/retry", cop.Handler(h.authed(h.retryBackOffice)))
}

// backOfficeForm is the page's form, as shown.
type backOfficeForm struct {
	Target, BaseURL                        string
	BusinessName, PrimaryRep, SecondaryRep string
	CSR, JobType, StoreID                  string
	OneContact                             bool
	ContactEmail                           string
	LogoProperty, LocationProperty         string
	SendFrom                               string
}

const sendFromLayout = "2006-01-02T15:04"

func backOfficeFormOf(l bolink.Link) backOfficeForm {
	s := l.Settings
	f := backOfficeForm{Target: l.Target, BaseURL: l.BaseURL, BusinessName: s.BusinessName, PrimaryRep: s.PrimaryRep,
		SecondaryRep: s.SecondaryRep, CSR: s.CSR, JobType: s.JobType, StoreID: s.StoreID, OneContact: s.OneContact,
		ContactEmail: s.ContactEmail, LogoProperty: s.LogoProperty, LocationProperty: s.LocationProperty}
	if l.SendFrom != nil {
		f.SendFrom = l.SendFrom.UTC().Format(sendFromLayout)
	}
	return f
}

func (h *dashboard) storeOf(w http.ResponseWriter, r *http.Request, p account.Principal) (store.Store, bool) {
	id, ok := h.pathID(w, r, "store")
	if !ok {
		return store.Store{}, false
	}
	st, err := h.Stores.Get(r.Context(), store.GetParams{AccountID: p.AccountID, ID: id})
	if errors.Is(err, database.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no store "+r.PathValue("id")+" in this account.")
		return store.Store{}, false
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading a store", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the store right now; try again.")
		return store.Store{}, false
	}
	return st, true
}

func (h *dashboard) backOfficePage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.storeOf(w, r, p)
	if !ok {
		return
	}
	h.renderBackOffice(w, r, p, st, http.StatusOK, nil, nil)
}

func (h *dashboard) renderBackOffice(w http.ResponseWriter, r *http.Request, p account.Principal, st store.Store, status int,
	form *backOfficeForm, errs map[string]string) {
	l, err := h.BackOfficeLinks.Get(r.Context(), p.AccountID, st.ID)
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading a back-office link", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the back-office link right now; try again.")
		return
	}
	f := backOfficeFormOf(l)
	if form != nil {
		f = *form
	}
	h.render(w, r, "backoffice", status, map[string]any{"Account": p.AccountName, "Store": st, "Link": l, "Form": f,
		"Errors": errs})
}

func (h *dashboard) saveBackOffice(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.storeOf(w, r, p)
	if !ok {
		return
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := backOfficeForm{Target: v("target"), BaseURL: v("base_url"), BusinessName: v("business_name"), PrimaryRep: v("primary_rep"),
		SecondaryRep: v("secondary_rep"), CSR: v("csr"), JobType: v("job_type"), StoreID: v("store_id"),
		OneContact: r.PostFormValue("one_contact") != "", ContactEmail: v("contact_email"), LogoProperty: v("logo_property"),
		LocationProperty: v("location_property"), SendFrom: v("send_from")}
	in := bolink.PutParams{AccountID: p.AccountID, StoreID: st.ID, Target: f.Target, Settings: bolink.Settings{
		BusinessName: f.BusinessName, PrimaryRep: f.PrimaryRep, SecondaryRep: f.SecondaryRep, CSR: f.CSR, JobType: f.JobType,
		StoreID: f.StoreID, OneContact: f.OneContact, ContactEmail: f.ContactEmail, LogoProperty: f.LogoProperty,
		LocationProperty: f.LocationProperty}}
	if f.Target == bolink.TargetExternal {
		in.BaseURL = f.BaseURL
	}
	if k := v("api_key"); k != "" {
		in.APIKey = &k
	}
	switch r.PostFormValue("enabled") {
	case "off":
		off := false
		in.Enabled = &off
	case "on":
		on := true
		in.Enabled = &on
	}
	if f.SendFrom != "" {
		t, err := time.Parse(sendFromLayout, f.SendFrom)
		if err != nil {
			h.renderBackOffice(w, r, p, st, http.StatusUnprocessableEntity, &f, map[string]string{"send_from": "give a date and time, e.g. 2026-01-20T09:00 (UTC)"})
			return
		}
		l, _ := h.BackOfficeLinks.Get(r.Context(), p.AccountID, st.ID)
		if l.SendFrom == nil || !l.SendFrom.Equal(t) {
			in.SendFrom = &t
		}
	}
	_, err := h.BackOfficeLinks.Put(r.Context(), in)
	be, isInput := errors.AsType[*bolink.Error](err)
	switch {
	case err == nil:
		h.flash(w, r, fmt.Sprintf("/stores/%d/back-office", st.ID), account.Flash{Kind: "ok", Message: "Back-office link saved."})
	case isInput:
		h.renderBackOffice(w, r, p, st, http.StatusUnprocessableEntity, &f, map[string]string{be.Field: be.Message})
	default:
		h.Logger.ErrorContext(r.Context(), "saving a back-office link", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot save the back-office link right now; try again.")
	}
}

func (h *dashboard) verifyBackOffice(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.storeOf(w, r, p)
	if !ok {
		return
	}
	to := fmt.Sprintf("/stores/%d/back-office", st.ID)
	l, err := h.BackOfficeLinks.Verify(r.Context(), p.AccountID, st.ID)
	be, isInput := errors.AsType[*bolink.Error](err)
	switch {
	case err == nil && l.VerifyError != "":
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not verified: " + l.VerifyError + "."})
	case err == nil && l.Enabled:
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: "Connection verified: the link is enabled."})
	case err == nil:
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: "Connection verified: fill the job settings to enable the link."})
	case isInput:
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not verified: " + be.Message + "."})
	default:
		h.Logger.ErrorContext(r.Context(), "verifying a back-office link", "error", err)
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Cannot verify right now; try again."})
	}
}

func (h *dashboard) retryBackOffice(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "order")
	if !ok {
		return
	}
	to := "/orders/" + strconv.FormatInt(id, 10)
	_, err := h.BackOfficeLinks.Retry(r.Context(), p.AccountID, id)
	be, isInput := errors.AsType[*bolink.Error](err)
	switch {
	case err == nil:
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: "Sending to the back office again."})
	case errors.Is(err, bolink.ErrNotRetryable):
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not sent again: its send has not failed."})
	case isInput:
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not sent again: " + be.Message + "."})
	case errors.Is(err, database.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such order in this account.")
	default:
		h.Logger.ErrorContext(r.Context(), "retrying a back-office send", "error", err)
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Cannot retry right now; try again."})
	}
}
