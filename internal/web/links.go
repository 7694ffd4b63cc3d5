package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/linking"
)

// The product links page of a connection, for its destination's account: each destination
// variant with the source variant it follows, the last quantities read and written, and its
// buffer, which a person may set for that product (overriding the connection's) or clear.

// linkRoutes adds the product links page and its buffer form to mux.
func (h *dashboard) linkRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	h.pages["links"] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(connectionFuncs).
		ParseFS(templateFS, "templates/layout.html", "templates/links.html"))
	mux.Handle("GET /connections/{id}/links", h.authed(h.linksPage))
	mux.Handle("POST /connections/{id}/links/{lid}/buffer", cop.Handler(h.authed(h.saveLinkBuffer)))
}

// linkRow is one link as the page shows it.
type linkRow struct {
	catalog.Link
	EffectiveBuffer int64
}

func (h *dashboard) linksPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	c, ok := h.connectionOf(w, r, p)
	if !ok {
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pg, err := h.Linking.ListLinks(r.Context(), linking.LinksParams{AccountID: p.AccountID, ConnectionID: c.ID, Page: page})
	if err != nil {
		h.linkingRefused(w, r, p, fmt.Sprintf("/connections/%d", c.ID), err)
		return
	}
	rows := make([]linkRow, 0, len(pg.Items))
	for _, l := range pg.Items {
		rows = append(rows, linkRow{Link: l, EffectiveBuffer: catalog.EffectiveBuffer(l, c.Settings)})
	}
	next := 0
	if int64(pg.Page)*linking.PerPage < pg.Total {
		next = pg.Page + 1
	}
	h.render(w, r, "links", http.StatusOK, map[string]any{"Account": p.AccountName, "AccountID": p.AccountID, "C": c,
		"Links": rows, "Total": pg.Total, "Page": pg.Page, "NextPage": next})
}

// saveLinkBuffer sets the link's own buffer, or clears it when the field is left empty.
func (h *dashboard) saveLinkBuffer(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "connection")
	if !ok {
		return
	}
	lid, _ := strconv.ParseInt(r.PathValue("lid"), 10, 64)
	to := fmt.Sprintf("/connections/%d/links", id)
	if pg := r.PostFormValue("page"); pg != "" {
		to += "?page=" + strconv.Itoa(max(1, atoi(pg)))
	}
	var buffer *int64
	if v := strings.TrimSpace(r.PostFormValue("buffer")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			h.flash(w, r, to, account.Flash{Kind: "err", Message: "Buffer: give a whole number of units, 0 or more, or leave it empty for the connection's."})
			return
		}
		buffer = &n
	}
	_, err := h.Linking.SetLinkBuffer(r.Context(), linking.SetLinkBufferParams{AccountID: p.AccountID, ConnectionID: id, LinkID: lid, Buffer: buffer})
	if ve, ok := errors.AsType[*catalog.ValidationError](err); ok {
		h.flash(w, r, to, account.Flash{Kind: "err", Message: "Buffer " + ve.Of("buffer") + "."})
		return
	}
	if err != nil {
		h.linkingRefused(w, r, p, to, err)
		return
	}
	msg := fmt.Sprintf("Link %d: the connection's buffer applies again.", lid)
	if buffer != nil {
		msg = fmt.Sprintf("Link %d: %d units held back. Its destination quantity follows within seconds.", lid, *buffer)
	}
	h.flash(w, r, to, account.Flash{Kind: "ok", Message: msg})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
