package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/orders"
)

// A connection's order settings on its page (the destination's: push mode, hold, pause, lock
// date, and what the source order carries) and the pushed-orders report download (both sides).

func (h *dashboard) orderSettingsRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Orders == nil || h.Connections == nil {
		return
	}
	mux.Handle("POST /connections/{id}/order-settings", cop.Handler(h.authed(h.saveOrderSettings)))
	mux.Handle("GET /connections/{id}/report", h.authed(h.pushedReport))
}

// orderForm is the order settings form's values, as shown.
type orderForm struct {
	Automatic, Paused                                         bool
	Hold, LockDate                                            string
	ForwardCustomer                                           bool
	EmailContact, ContactEmail                                string
	ShippingRule, ShippingAmount, FreeAbove, ShippingCurrency string
	PassShippingLine, PassDiscounts                           bool
	LinePrices, LineDiscountPercent                           string
	OnDestinationCancel, OnSourceCancel                       string // cancellations (orders' cancel_settings.go)
}

const lockLayout = "2006-01-02T15:04"

func orderFormOf(s orders.Settings) orderForm {
	r := s.Receive
	f := orderForm{Automatic: s.PushMode == orders.PushAutomatic, Paused: s.Paused, Hold: s.Hold.String(),
		LockDate: s.LockDate.UTC().Format(lockLayout), ForwardCustomer: r.ForwardCustomer, EmailContact: r.EmailContact,
		ContactEmail: r.ContactEmail, ShippingRule: r.ShippingRule, ShippingCurrency: r.ShippingCurrency,
		PassShippingLine: r.PassShippingLine, PassDiscounts: r.PassDiscounts, LinePrices: r.LinePrices,
		OnDestinationCancel: s.Cancel.OnDestinationCancel, OnSourceCancel: s.Cancel.OnSourceCancel}
	if r.ShippingCurrency != "" {
		f.ShippingAmount, _ = money.Format(r.ShippingAmount, r.ShippingCurrency)
		if r.ShippingRule == orders.ShippingFreeAbove {
			f.FreeAbove, _ = money.Format(r.FreeAbove, r.ShippingCurrency)
		}
	}
	if r.LineDiscountBP != 0 {
		f.LineDiscountPercent = money.FormatDigits(r.LineDiscountBP, 2)
	}
	return f
}

// orderFormFrom reads the posted form; a lock date that is not a date is an error of its own.
func orderFormFrom(r *http.Request) (orderForm, orders.SettingsInput, map[string]string) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	on := func(k string) bool { return r.PostFormValue(k) != "" }
	f := orderForm{Automatic: on("automatic"), Paused: on("paused"), Hold: v("hold_window"), LockDate: v("lock_date"),
		ForwardCustomer: on("forward_customer"), EmailContact: v("email_contact"), ContactEmail: v("contact_email"),
		ShippingRule: v("shipping_rule"), ShippingAmount: v("shipping_amount"), FreeAbove: v("free_above"),
		ShippingCurrency: v("shipping_currency"), PassShippingLine: on("pass_shipping_line"), PassDiscounts: on("pass_discounts"),
		LinePrices: v("line_prices"), LineDiscountPercent: v("line_discount_percent"),
		OnDestinationCancel: v("on_destination_cancel"), OnSourceCancel: v("on_source_cancel")}
	in := orders.SettingsInput{PushMode: orders.PushManual, Hold: f.Hold, Paused: f.Paused,
		Cancel: orders.CancelSettingsInput{OnDestinationCancel: f.OnDestinationCancel, OnSourceCancel: f.OnSourceCancel}}
	if f.Automatic {
		in.PushMode = orders.PushAutomatic
	}
	var errs map[string]string
	if f.LockDate != "" {
		t, err := time.Parse(lockLayout, f.LockDate)
		if err != nil {
			errs = map[string]string{"lock_date": "give a date and time, e.g. 2026-01-20T09:00 (UTC)"}
		}
		in.LockDate = &t
	}
	fc := f.ForwardCustomer
	in.Receive = orders.ReceiveInput{ForwardCustomer: &fc, EmailContact: f.EmailContact, ContactEmail: f.ContactEmail,
		ShippingRule: f.ShippingRule, PassShippingLine: f.PassShippingLine, PassDiscounts: f.PassDiscounts, LinePrices: f.LinePrices}
	// Fields of a choice not taken are kept in the form but not sent (they would be refused).
	if f.EmailContact == orders.ContactOther {
		in.Receive.ContactEmail = f.ContactEmail
	} else {
		in.Receive.ContactEmail = ""
	}
	if f.ShippingRule != orders.ShippingNone && f.ShippingRule != "" {
		in.Receive.ShippingAmount, in.Receive.ShippingCurrency = f.ShippingAmount, f.ShippingCurrency
		if f.ShippingRule == orders.ShippingFreeAbove {
			in.Receive.FreeAbove = f.FreeAbove
		}
	}
	if f.LinePrices == orders.PricesDestinationLess {
		in.Receive.LineDiscountPercent = f.LineDiscountPercent
	}
	return f, in, errs
}

// orderData adds the order settings form (destination) and the report form to a connection
// page's data, unless a failed save put its own there already.
func (h *dashboard) orderData(r *http.Request, p account.Principal, c connection.Connection, data map[string]any) {
	if h.Orders == nil {
		return
	}
	data["Reports"] = true
	if _, ok := data["OrderErrors"]; !ok {
		data["OrderErrors"] = map[string]string(nil) // typed, for the template's index
	}
	if _, ok := data["OrderForm"]; ok {
		return
	}
	role := c.RoleOf(p.AccountID)
	if role != connection.RoleDestination && role != connection.RoleBoth {
		return
	}
	cs, err := h.Orders.GetSettings(r.Context(), p.AccountID, c.ID)
	if err != nil {
		h.Logger.WarnContext(r.Context(), "reading a connection's order settings", "connection", c.ID, "error", err)
		return
	}
	data["OrderForm"] = orderFormOf(cs.Settings)
}

// saveOrderSettings replaces the connection's order settings, or shows the form again with the
// field that is wrong (nothing changed).
func (h *dashboard) saveOrderSettings(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	f, in, errs := orderFormFrom(r)
	if len(errs) == 0 {
		_, err := h.Orders.PutSettings(r.Context(), p.AccountID, c.ID, in)
		oe, isInput := errors.AsType[*orders.Error](err)
		switch {
		case err == nil:
			h.flash(w, r, fmt.Sprintf("/connections/%d", c.ID), account.Flash{Kind: "ok", Message: "Order settings saved."})
			return
		case isInput:
			errs = map[string]string{oe.Field: oe.Message}
		case errors.Is(err, orders.ErrForbidden):
			h.fail(w, r, http.StatusForbidden, "Not yours", "Only the destination store's account has the connection's order settings.")
			return
		default:
			h.connectionsFailed(w, r, p, err)
			return
		}
	}
	h.renderConnection(w, r, p, c, http.StatusUnprocessableEntity, formOf(c.Settings), nil,
		map[string]any{"OrderForm": f, "OrderErrors": errs})
}

// pushedReport downloads the connection's pushed-orders report as CSV or XLSX.
func (h *dashboard) pushedReport(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = orders.ReportCSV
	}
	bad := func(msg string) {
		h.fail(w, r, http.StatusUnprocessableEntity, "Cannot make the report", msg)
	}
	if format != orders.ReportCSV && format != orders.ReportXLSX {
		bad("format: choose csv or xlsx.")
		return
	}
	from, err1 := time.Parse(time.DateOnly, q.Get("from"))
	to, err2 := time.Parse(time.DateOnly, q.Get("to"))
	if err1 != nil || err2 != nil {
		bad("Give both days of the range as YYYY-MM-DD, e.g. 2026-01-20.")
		return
	}
	if from.After(to) {
		bad("from is after to: give a range whose from is on or before its to.")
		return
	}
	params := orders.ReportParams{AccountID: p.AccountID, ConnectionID: c.ID, From: from, To: to.AddDate(0, 0, 1)}
	if _, err := h.Orders.ReportHeadOf(r.Context(), params); err != nil {
		if oe, ok := errors.AsType[*orders.Error](err); ok {
			bad(strings.ReplaceAll(oe.Field, "_", " ") + ": " + oe.Message + ".")
			return
		}
		h.connectionsFailed(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", orders.ReportContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="pushed-orders-%d-%s-%s.%s"`, c.ID, q.Get("from"), q.Get("to"), format))
	if err := h.Orders.WriteReportFile(r.Context(), w, format, params); err != nil {
		h.Logger.ErrorContext(r.Context(), "writing the pushed-orders report", "connection", c.ID, "error", err)
	}
}
