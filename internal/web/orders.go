package web

import (
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/orders"
	"github.com/storesync/storesync/internal/store"
)

// The Orders pages: the orders of the account's destination stores, filtered by push status,
// fulfilment status and the day they were placed, and per order its lines, each source's part
// (eligible or why not, push status) and its timeline.

func (h *dashboard) orderRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Orders == nil {
		return
	}
	for _, p := range []string{"orders", "order"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(orderFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	mux.Handle("GET /orders", h.authed(h.ordersPage))
	mux.Handle("GET /orders/{id}", h.authed(h.orderPage))
	mux.Handle("POST /orders/{id}/push", cop.Handler(h.authed(h.pushOrder)))
	mux.Handle("POST /orders/{id}/retry", cop.Handler(h.authed(h.retryOrder)))
	h.orderFlagRoutes(mux, cop)
}

// pushOrder pushes one source's part of the order now, with the shipping fee of the form.
func (h *dashboard) pushOrder(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "order")
	if !ok {
		return
	}
	to := "/orders/" + strconv.FormatInt(id, 10)
	src, err := strconv.ParseInt(r.PostFormValue("source_store_id"), 10, 64)
	if err != nil || src < 1 {
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Choose the source store to push to."})
		return
	}
	_, err = h.Orders.PushNow(r.Context(), p.AccountID, id, orders.PushInput{SourceStoreIDs: []int64{src}, ShippingFee: r.PostFormValue("shipping_fee")})
	h.pushAnswer(w, r, to, err, "Push queued: the source order is created within seconds.")
}

// retryOrder queues the order's failed pushes again.
func (h *dashboard) retryOrder(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "order")
	if !ok {
		return
	}
	to := "/orders/" + strconv.FormatInt(id, 10)
	_, err := h.Orders.Retry(r.Context(), p.AccountID, id)
	h.pushAnswer(w, r, to, err, "Retry queued.")
}

func (h *dashboard) pushAnswer(w http.ResponseWriter, r *http.Request, to string, err error, ok string) {
	oe, isInput := errors.AsType[*orders.Error](err)
	ce, isConflict := errors.AsType[*orders.ConflictError](err)
	switch {
	case err == nil:
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: ok})
	case isInput:
		h.flash(w, r, to, account.Flash{Kind: "err", Message: strings.ReplaceAll(oe.Field, "_", " ") + ": " + oe.Message + "."})
	case isConflict:
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Not pushed: " + ce.Message + "."})
	case errors.Is(err, database.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such order in this account.")
	default:
		h.Logger.ErrorContext(r.Context(), "pushing an order", "error", err)
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Cannot queue the push right now; try again."})
	}
}

var orderFuncs = template.FuncMap{
	"amount": func(minor int64, currency string) string {
		if currency == "" {
			return strconv.FormatInt(minor, 10)
		}
		s, err := money.Format(minor, currency)
		if err != nil {
			return strconv.FormatInt(minor, 10)
		}
		return s + " " + currency
	},
	"list":   func(v ...string) []string { return v },
	"words":  func(v []string) string { return strings.Join(v, ", ") },
	"spaced": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
}

// ordersPage lists the account's orders with the filters of the query string.
func (h *dashboard) ordersPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	q := r.URL.Query()
	lp := orders.ListParams{AccountID: p.AccountID, PushStatus: q.Get("push_status"), FulfillmentStatus: q.Get("fulfillment_status")}
	lp.StoreID, _ = strconv.ParseInt(q.Get("store"), 10, 64)
	lp.Page, _ = strconv.Atoi(q.Get("page"))
	data := map[string]any{"Account": p.AccountName, "Push": lp.PushStatus, "Fulfillment": lp.FulfillmentStatus,
		"From": q.Get("from"), "To": q.Get("to"), "StoreID": lp.StoreID, "Flagged": q.Get("flagged")}
	if h.Stores != nil {
		if stores, err := h.Stores.List(r.Context(), store.ListParams{AccountID: p.AccountID}); err == nil {
			data["Stores"] = stores
		}
	}
	var bad []string
	day := func(field string) *time.Time {
		v := q.Get(field)
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			bad = append(bad, field+": give a day as YYYY-MM-DD")
			return nil
		}
		return &t
	}
	lp.From, lp.To = day("from"), day("to")
	var okFlagged bool
	if lp.Flagged, okFlagged = flaggedFilter(q.Get("flagged")); !okFlagged {
		bad = append(bad, "flagged: choose yes or no")
	}
	if lp.From != nil && lp.To != nil && lp.From.After(*lp.To) {
		bad = append(bad, "from is after to: give a range whose from is on or before its to")
	}
	if lp.To != nil {
		end := lp.To.AddDate(0, 0, 1) // to is a whole day
		lp.To = &end
	}
	status := http.StatusOK
	if len(bad) == 0 {
		page, err := h.Orders.List(r.Context(), lp)
		var oe *orders.Error
		switch {
		case errors.As(err, &oe):
			bad = append(bad, oe.Error())
		case err != nil:
			h.Logger.ErrorContext(r.Context(), "listing orders", "error", err)
			h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the orders right now; try again.")
			return
		default:
			data["Orders"], data["Total"], data["Page"] = page.Items, page.Total, page.Page
			if page.HasNext() {
				next := url.Values{}
				maps.Copy(next, q)
				next.Set("page", strconv.Itoa(page.Page+1))
				data["Next"] = "/orders?" + next.Encode()
			}
		}
	}
	if len(bad) > 0 {
		data["FilterError"] = strings.Join(bad, "; ")
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, "orders", status, data)
}

// orderPage shows one order with its lines, pushes and timeline.
func (h *dashboard) orderPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such order in this account.")
		return
	}
	o, err := h.Orders.Get(r.Context(), p.AccountID, id)
	if errors.Is(err, database.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such order in this account.")
		return
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading an order", "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the order right now; try again.")
		return
	}
	names := map[int64]string{}
	for _, ps := range o.Pushes {
		names[ps.SourceStoreID] = ps.SourceName
	}
	type line struct {
		orders.Line
		Source string
	}
	lines := make([]line, 0, len(o.Lines))
	for _, l := range o.Lines {
		ln := line{Line: l}
		for _, ps := range o.Pushes {
			for _, pos := range ps.LinePositions {
				if pos == l.Position {
					ln.Source = ps.SourceName
				}
			}
		}
		lines = append(lines, ln)
	}
	data := map[string]any{"Account": p.AccountName, "Order": o, "Lines": lines, "SourceNames": names}
	if h.BackOfficeLinks != nil {
		if st, ok, err := h.BackOfficeLinks.OrderStatus(r.Context(), p.AccountID, o.ID); err != nil {
			h.Logger.WarnContext(r.Context(), "reading an order's back-office status", "error", err)
		} else if ok {
			data["BackOffice"] = st
		}
	}
	h.render(w, r, "order", http.StatusOK, data)
}
