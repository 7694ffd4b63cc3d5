package web

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/store"
)

// emptyPlacements is how many blank placement rows the product decoration form offers.
const emptyPlacements = 3

// placementRow is one placement row of the form: the logo chosen, its location, and its errors.
type placementRow struct {
	LogoID   int64
	Location string
	Error    string
}

// decorationForm is a product's decoration form as shown.
type decorationForm struct {
	ProductID                                                  string
	Supplier, Method, DecorationSupplier, DesignName, Location string
	Placements                                                 []placementRow
	Errors                                                     map[string]string
	Saved                                                      bool
}

func decorationFormOf(p decoration.Product) decorationForm {
	f := decorationForm{ProductID: p.ProductID, Supplier: p.Supplier, Method: p.Method, DecorationSupplier: p.DecorationSupplier,
		DesignName: p.DesignName, Location: p.Location, Saved: p.UpdatedAt != nil}
	for _, pl := range p.Placements {
		f.Placements = append(f.Placements, placementRow{LogoID: pl.LogoID, Location: pl.Location})
	}
	return f
}

// decorationFormFrom reads the posted form: placement rows are the logo_id and location lists,
// in order; a row with neither is left out.
func decorationFormFrom(r *http.Request, productID string) (decorationForm, decoration.PutProductParams) {
	_ = r.ParseForm()
	v := func(k string) string { return r.PostFormValue(k) }
	f := decorationForm{ProductID: productID, Supplier: v("supplier"), Method: v("decoration_method"),
		DecorationSupplier: v("decoration_supplier"), DesignName: v("design_name"), Location: v("decoration_location")}
	in := decoration.PutProductParams{ProductID: productID, Supplier: f.Supplier, Method: f.Method,
		DecorationSupplier: f.DecorationSupplier, DesignName: f.DesignName, Location: f.Location}
	logos, locs := r.PostForm["logo_id"], r.PostForm["location"]
	for i := range max(len(logos), len(locs)) {
		var row placementRow
		if i < len(logos) {
			row.LogoID, _ = strconv.ParseInt(logos[i], 10, 64)
		}
		if i < len(locs) {
			row.Location = locs[i]
		}
		if row.LogoID == 0 && strings.TrimSpace(row.Location) == "" {
			continue
		}
		f.Placements = append(f.Placements, row)
		in.Placements = append(in.Placements, decoration.PlacementInput{LogoID: row.LogoID, Location: row.Location})
	}
	return f, in
}

func (h *dashboard) decorationPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	prod, err := h.Decoration.GetProduct(r.Context(), decoration.ProductParams{AccountID: p.AccountID, StoreID: st.ID, ProductID: r.PathValue("product_id")})
	if _, refused := fieldErrors(err); refused {
		h.fail(w, r, http.StatusNotFound, "Not found", "That is not a product id: give the platform's id of the product.")
		return
	}
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	h.renderDecoration(w, r, p, st, http.StatusOK, decorationFormOf(prod), nil)
}

func (h *dashboard) renderDecoration(w http.ResponseWriter, r *http.Request, p account.Principal, st store.Store, status int, f decorationForm, extra map[string]any) {
	logos, err := h.Decoration.ListLogos(r.Context(), decoration.StoreParams{AccountID: p.AccountID, StoreID: st.ID})
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	for range emptyPlacements {
		f.Placements = append(f.Placements, placementRow{})
	}
	data := map[string]any{"Account": p.AccountName, "Store": st, "Logos": logos, "Form": f,
		"Action": decorationPath(st.ID, f.ProductID), "LogosPath": logosPath(st.ID)}
	maps.Copy(data, extra)
	h.render(w, r, "decoration", status, data)
}

// saveDecoration replaces the product's decoration, or shows the form again with the fields that
// are wrong (nothing changed).
func (h *dashboard) saveDecoration(w http.ResponseWriter, r *http.Request, p account.Principal) {
	st, ok := h.decoStore(w, r, p)
	if !ok {
		return
	}
	f, in := decorationFormFrom(r, r.PathValue("product_id"))
	in.AccountID, in.StoreID = p.AccountID, st.ID
	_, err := h.Decoration.PutProduct(r.Context(), in)
	if errs, refused := fieldErrors(err); refused {
		f.Errors = map[string]string{}
		for field, msg := range errs {
			var i int
			var rest string
			if n, _ := fmt.Sscanf(field, "placements[%d]%s", &i, &rest); n >= 1 && i >= 0 && i < len(f.Placements) {
				if label := strings.TrimPrefix(rest, "."); label != "" {
					msg = label + ": " + msg
				}
				f.Placements[i].Error = msg
				continue
			}
			f.Errors[field] = msg
		}
		h.renderDecoration(w, r, p, st, http.StatusUnprocessableEntity, f, nil)
		return
	}
	if err != nil {
		h.decorationFailed(w, r, p, err)
		return
	}
	h.flash(w, r, decorationPath(st.ID, f.ProductID), account.Flash{Kind: "ok", Message: "Decoration saved."})
}
