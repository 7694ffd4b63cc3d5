package web

import (
	"net/http"
	"slices"
	"strings"
)

// machinePaths are answered as problem+json, not as pages: their clients are programs.
var machinePaths = []string{"/api/", "/webhooks/", "/healthz", "/readyz", "/metrics"}

// unmatched answers every request no route took: 405 with Allow when the path exists for other
// methods, else 404; as a page of the dashboard, or as problem+json for the paths of programs.
func (h *dashboard) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := *r
			probe.Method = m
			if _, pattern := mux.Handler(&probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		status, title := http.StatusNotFound, "Page not found"
		msg := "There is no page at " + r.URL.Path + "."
		if len(allow) > 0 && !slices.Contains(allow, r.Method) {
			status, title = http.StatusMethodNotAllowed, "Method not allowed"
			msg = r.URL.Path + " does not answer " + r.Method + "; it answers " + strings.Join(allow, ", ") + "."
			w.Header().Set("Allow", strings.Join(allow, ", "))
		}
		for _, p := range machinePaths {
			if r.URL.Path == strings.TrimSuffix(p, "/") || strings.HasPrefix(r.URL.Path, p) {
				if h.Problem != nil {
					h.Problem(w, status, msg)
				} else {
					http.Error(w, msg, status)
				}
				return
			}
		}
		h.fail(w, r, status, title, msg)
	})
}
