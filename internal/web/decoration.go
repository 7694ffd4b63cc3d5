package web

import (
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/store"
)

// A store's Logos page (list, add, edit, delete) and a product's decoration page (its fields and
// logo placements): what the store's orders carry to their sales order lines.

func (h *dashboard) decorationRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.Decoration == nil {
		return
	}
	for _, p := range []string{"logos", "decoration"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	mux.Handle("GET /stores/{id}/logos", h.authed(h.logosPage))
	mux.Handle("POST /stores/{id}/logos", cop.Handler(h.authed(h.addLogo)))
	mux.Handle("POST /stores/{id}/logos/{logo_id}/edit", cop.Handler(h.authed(h.editLogo)))
	mux.Handle("POST /stores/{id}/logos/{logo_id}/delete", cop.Handler(h.authed(h.deleteLogo)))
	mux.Handle("GET /stores/{id}/products/decoration", h.authed(h.openDecoration))
	mux.Handle("GET /stores/{id}/products/{product_id}/decoration", h.authed(h.decorationPage))
	mux.Handle("POST /stores/{id}/products/{product_id}/decoration", cop.Handler(h.authed(h.saveDecoration)))
}

// decoStore reads the path's store of the account, or answers the page that says why not.
func (h *dashboard) decoStore(w http.ResponseWriter, r *http.Request, p account.Principal) (store.Store, bool) {
	id, ok := h.pathID(w, r, "store")
	if !ok {
		return store.Store{}, false
	}
	st, err := h.Stores.Get(r.Context(), store.GetParams{AccountID: p.AccountID, ID: id})
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return store.Store{}, false
	}
	return st, true
}

func (h *dashboard) decorationFailed(w http.ResponseWriter, r *http.Request, p account.Principal, err error) {
	if errors.Is(err, database.ErrNotFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no such store or logo in this account.")
		return
	}
	h.Logger.ErrorContext(r.Context(), "decoration page", "account", p.AccountName, "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read or save the decoration right now; try again.")
}

// logoForm is a logo's form as shown: its values and the errors of its fields.
type logoForm struct {
	ID                     int64
	Name, Method, Supplier string
	Placements             int64
	Errors                 map[string]string
}

func logoFormFrom(r *http.Request) logoForm {
	return logoForm{Name: r.PostFormValue("name"), Method: r.PostFormValue("decoration_method"), Supplier: r.PostFormValue("decoration_supplier")}
}

// fieldErrors turns a refusal into messages by field; ok is false for any other error.
func fieldErrors(err error) (map[string]string, bool) {
	if ve, ok := errors.AsType[*decoration.ValidationError](err); ok {
		out := map[string]string{}
		for _, f := range ve.Fields {
			out[f.Field] = f.Message
		}
		return out, true
	}
	if ce, ok := errors.AsType[*decoration.ConflictError](err); ok {
		return map[string]string{ce.Field: ce.Message}, true
	}
	return nil, false
}

func (h *dashboard) logosPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if ok {
		h.renderLogos(w, r, p, st, http.StatusOK, nil)
	}
}

// renderLogos shows the store's logos, each an edit form, with extra (a refused form) on top.
func (h *dashboard) renderLogos(w http.ResponseWriter, r *http.Request, p account.Principal, st store.Store, status int, extra map[string]any) {
	list, err := h.Decoration.ListLogos(r.Context(), decoration.StoreParams{AccountID: p.AccountID, StoreID: st.ID})
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	forms := make([]logoForm, 0, len(list))
	for _, l := range list {
		forms = append(forms, logoForm{ID: l.ID, Name: l.Name, Method: l.Method, Supplier: l.Supplier, Placements: l.Placements})
	}
	if e, ok := extra["Edit"].(logoForm); ok { // a refused edit is shown in its row
		for i := range forms {
			if forms[i].ID == e.ID {
				e.Placements = forms[i].Placements
				forms[i] = e
			}
		}
	}
	data := map[string]any{"Account": p.AccountName, "Store": st, "Logos": forms, "New": logoForm{}}
	maps.Copy(data, extra)
	h.render(w, r, "logos", status, data)
}

func (h *dashboard) addLogo(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	f := logoFormFrom(r)
	l, err := h.Decoration.CreateLogo(r.Context(), decoration.SaveLogoParams{AccountID: p.AccountID, StoreID: st.ID,
		Name: f.Name, Method: f.Method, Supplier: f.Supplier})
	if errs, refused := fieldErrors(err); refused {
		f.Errors = errs
		h.renderLogos(w, r, p, st, http.StatusUnprocessableEntity, map[string]any{"New": f})
		return
	}
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	h.flash(w, r, logosPath(st.ID), account.Flash{Kind: "ok", Message: fmt.Sprintf("Logo %q added.", l.Name)})
}

func (h *dashboard) logoID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("logo_id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no logo "+r.PathValue("logo_id")+" in this store.")
		return 0, false
	}
	return id, true
}

func (h *dashboard) editLogo(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	id, ok := h.logoID(w, r)
	if !ok {
		return
	}
	f := logoFormFrom(r)
	f.ID = id
	l, err := h.Decoration.UpdateLogo(r.Context(), decoration.SaveLogoParams{AccountID: p.AccountID, StoreID: st.ID, LogoID: id,
		Name: f.Name, Method: f.Method, Supplier: f.Supplier})
	if errs, refused := fieldErrors(err); refused {
		f.Errors = errs
		h.renderLogos(w, r, p, st, http.StatusUnprocessableEntity, map[string]any{"Edit": f})
		return
	}
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	h.flash(w, r, logosPath(st.ID), account.Flash{Kind: "ok", Message: fmt.Sprintf("Logo %q saved.", l.Name)})
}

func (h *dashboard) deleteLogo(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	id, ok := h.logoID(w, r)
	if !ok {
		return
	}
	d, err := h.Decoration.DeleteLogo(r.Context(), decoration.LogoParams{AccountID: p.AccountID, StoreID: st.ID, LogoID: id})
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	h.flash(w, r, logosPath(st.ID), account.Flash{Kind: "ok",
		Message: fmt.Sprintf("Logo deleted, with its %d placement(s) on products.", d.Placements)})
}

func logosPath(storeID int64) string { return fmt.Sprintf("/stores/%d/logos", storeID) }

func decorationPath(storeID int64, productID string) string {
	return fmt.Sprintf("/stores/%d/products/%s/decoration", storeID, url.PathEscape(productID))
}

// openDecoration sends the browser to the decoration page of the product id entered.
func (h *dashboard) openDecoration(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	id := strings.TrimSpace(r.URL.Query().Get("product_id"))
	if id == "" {
		h.flash(w, r, logosPath(st.ID), account.Flash{Kind: "err", Message: "Give the product's id to open its decoration."})
		return
	}
	http.Redirect(w, r, decorationPath(st.ID, id), http.StatusSeeOther)
}
