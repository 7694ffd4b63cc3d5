package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/feed"
	"github.com/storesync/storesync/internal/syncrun"
)

// The sync pages: the back-office bar (Sync All and one button per step, on the back-office and
// sync pages), the running run with its live progress and the run history, one run with its
// steps and their errors, and each store's "Stock comes from" form. The progress is refreshed by a
// small script of this site (the CSP allows no inline script) reading a JSON view of the run;
// without scripts the page refreshes itself.

//go:embed static/*.js
var staticFS embed.FS

func (h *dashboard) syncRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.SyncRuns == nil {
		return
	}
	for _, p := range []string{"sync_runs", "sync_run", "sync_feeds", "sync_feed"} {
		h.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(syncFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html", "templates/sync_feedform.html"))
	}
	mux.Handle("GET /static/sync.js", http.HandlerFunc(serveSyncJS))
	mux.Handle("GET /sync", h.authed(h.syncPage))
	mux.Handle("POST /sync/runs", cop.Handler(h.authed(h.startRun)))
	mux.Handle("GET /sync/runs/{id}", h.authed(h.runPage))
	mux.Handle("GET /sync/runs/{id}/progress", h.authed(h.runProgress))
	mux.Handle("POST /stores/{id}/master", cop.Handler(h.authed(h.setMaster)))
	h.feedRoutes(mux, cop) // sync_feeds.go
}

var syncFuncs = template.FuncMap{
	"stepName": func(n int) string { return syncrun.StepNames[n] },
	"allSteps": func() []int { return syncrun.AllSteps },
	"formats":  func() []feed.Format { return []feed.Format{feed.CSV, feed.XLSX, feed.JSON} },
	"active":   func(status string) bool { return status == syncrun.StatusQueued || status == syncrun.StatusRunning },
}

func serveSyncJS(w http.ResponseWriter, _ *http.Request) {
	b, err := staticFS.ReadFile("static/sync.js")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

// syncBar is what the back-office bar shows: the run under way, if any. It is added to the
// back-office and sync pages only.
type syncBar struct {
	Active *syncrun.Run
}

// addSyncBar puts the back-office bar on the pages it belongs to.
func (h *dashboard) addSyncBar(r *http.Request, page string, data map[string]any) {
	p, ok := account.PrincipalFrom(r.Context())
	if h.SyncRuns == nil || !ok {
		return
	}
	data["SyncNav"], data["SyncSchedules"] = true, h.SyncSchedules != nil
	if !strings.HasPrefix(page, "bo_") && !strings.HasPrefix(page, "sync_") && page != "backoffice" {
		return
	}
	bar := syncBar{}
	if run, ok, err := h.SyncRuns.Active(r.Context(), p.AccountID); err != nil {
		h.Logger.WarnContext(r.Context(), "reading the sync run under way", "account", p.AccountName, "error", err)
	} else if ok {
		bar.Active = &run
	}
	data["SyncBar"] = bar
}

// syncPage shows the run under way with its progress, and the run history.
func (h *dashboard) syncPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	runs, err := h.SyncRuns.List(r.Context(), syncrun.ListParams{AccountID: p.AccountID, Limit: 30})
	if err != nil {
		h.syncUnavailable(w, r, "listing sync runs", err)
		return
	}
	data := map[string]any{"Account": p.AccountName, "Runs": runs}
	if run, ok, err := h.SyncRuns.Active(r.Context(), p.AccountID); err != nil {
		h.syncUnavailable(w, r, "reading the sync run under way", err)
		return
	} else if ok {
		data["Run"] = run
	}
	h.render(w, r, "sync_runs", http.StatusOK, data)
}

// startRun starts a manual run of all steps, or of the steps the form names ("3" or "1,2").
// A run already under way is said on the page it names, not shown as an error page.
func (h *dashboard) startRun(w http.ResponseWriter, r *http.Request, p account.Principal) {
	steps, err := syncrun.ParseSteps(r.PostFormValue("steps"))
	if err != nil {
		h.flash(w, r, "/sync", account.Flash{Kind: "err", Message: err.Error()})
		return
	}
	h.start(w, r, p, steps, "")
}

// start starts a run and sends the browser to its page (or to back, when given).
func (h *dashboard) start(w http.ResponseWriter, r *http.Request, p account.Principal, steps []int, back string) {
	run, err := h.SyncRuns.Start(r.Context(), syncrun.StartParams{AccountID: p.AccountID, Trigger: syncrun.TriggerManual,
		Steps: steps, RequestedBy: fmt.Sprintf("user %d", p.UserID)})
	var se *syncrun.Error
	switch {
	case errors.As(err, &se) && errors.Is(err, syncrun.ErrRunning):
		h.flash(w, r, "/sync/runs/"+strconv.FormatInt(se.RunID, 10), account.Flash{Kind: "err",
			Message: fmt.Sprintf("Sync run %d is still under way: wait for it to finish before starting another.", se.RunID)})
	case errors.As(err, &se):
		h.flash(w, r, "/sync", account.Flash{Kind: "err", Message: se.Error()})
	case err != nil:
		h.syncUnavailable(w, r, "starting a sync run", err)
	default:
		to := "/sync/runs/" + strconv.FormatInt(run.ID, 10)
		if back != "" {
			to = back
		}
		h.flash(w, r, to, account.Flash{Kind: "ok", Message: fmt.Sprintf("Sync run %d started: %s.", run.ID, stepList(run))})
	}
}

func stepList(run syncrun.Run) string {
	names := make([]string, 0, len(run.Steps))
	for _, st := range run.Steps {
		names = append(names, strconv.Itoa(st.Step)+". "+st.Name)
	}
	return strings.Join(names, ", ")
}

// runOf reads the run of the path, or shows a not-found page.
func (h *dashboard) runOf(w http.ResponseWriter, r *http.Request, p account.Principal) (syncrun.Run, bool) {
	return syncRecordOf(h, w, r, p, "sync run", h.SyncRuns.Get, syncrun.ErrNotFound)
}

// syncRecordOf reads the account's record of the path's {id} with get, what naming it: an id
// that is no number, or whose get fails with notFound, shows a not-found page; another error
// shows the try-again page. Runs, feeds and schedules are read this way.
func syncRecordOf[T any](h *dashboard, w http.ResponseWriter, r *http.Request, p account.Principal, what string,
	get func(ctx context.Context, accountID, id int64) (T, error), notFound error) (T, bool) {
	var zero T
	id, ok := h.pathID(w, r, what)
	if !ok {
		return zero, false
	}
	v, err := get(r.Context(), p.AccountID, id)
	if errors.Is(err, notFound) {
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no "+what+" "+r.PathValue("id")+" in this account.")
		return zero, false
	}
	if err != nil {
		h.syncUnavailable(w, r, "reading a "+what, err)
		return zero, false
	}
	return v, true
}

func (h *dashboard) runPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	run, ok := h.runOf(w, r, p)
	if !ok {
		return
	}
	h.render(w, r, "sync_run", http.StatusOK, map[string]any{"Account": p.AccountName, "Run": run})
}

// progressStep is one step in the progress JSON.
type progressStep struct {
	Step       int              `json:"step"`
	Name       string           `json:"name"`
	Status     string           `json:"status"`
	Done       int64            `json:"done"`
	Total      int64            `json:"total"`
	Counts     map[string]int64 `json:"counts"`
	ErrorCount int64            `json:"error_count"`
	Error      string           `json:"error,omitempty"`
}

// runProgress is the run's progress as JSON, read by static/sync.js.
func (h *dashboard) runProgress(w http.ResponseWriter, r *http.Request, p account.Principal) {
	w.Header().Set("Cache-Control", "no-store")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var run syncrun.Run
	if err == nil && id > 0 {
		run, err = h.SyncRuns.Get(r.Context(), p.AccountID, id)
	} else {
		err = &syncrun.Error{Kind: syncrun.ErrNotFound}
	}
	if errors.Is(err, syncrun.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "there is no sync run " + r.PathValue("id") + " in this account"})
		return
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "reading a sync run's progress", "account", p.AccountName, "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "cannot read the run right now"})
		return
	}
	steps := make([]progressStep, 0, len(run.Steps))
	for _, st := range run.Steps {
		steps = append(steps, progressStep{Step: st.Step, Name: st.Name, Status: st.Status, Done: st.Done, Total: st.Total,
			Counts: st.Counts, ErrorCount: st.ErrorCount, Error: st.Error})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": run.ID, "status": run.Status, "error": run.Error, "steps": steps})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return // the client went away: nothing more to tell it
	}
}

func (h *dashboard) syncUnavailable(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.Logger.ErrorContext(r.Context(), what, "error", err)
	h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the sync runs right now; try again.")
}

// storeMasters are the stores' inventory masters for the Stores page, by store.
func (h *dashboard) storeMasters(r *http.Request, p account.Principal, ids []int64) map[int64]syncrun.InventoryMaster {
	if h.SyncRuns == nil {
		return nil
	}
	out := map[int64]syncrun.InventoryMaster{}
	for _, id := range ids {
		m, err := h.SyncRuns.Master(r.Context(), p.AccountID, id)
		if err != nil {
			h.Logger.WarnContext(r.Context(), "reading a store's inventory master", "store", id, "error", err)
			continue
		}
		out[id] = m
	}
	return out
}

// setMaster sets where a store's stock comes from and how its variants match.
func (h *dashboard) setMaster(w http.ResponseWriter, r *http.Request, p account.Principal) {
	id, ok := h.pathID(w, r, "store")
	if !ok {
		return
	}
	_, err := h.SyncRuns.SetMaster(r.Context(), p.AccountID, syncrun.InventoryMaster{StoreID: id,
		Master: r.PostFormValue("master"), MatchBy: r.PostFormValue("match_by")})
	var se *syncrun.Error
	switch {
	case errors.Is(err, syncrun.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "Not found", "There is no store "+r.PathValue("id")+" in this account.")
	case errors.As(err, &se):
		h.flash(w, r, "/stores", account.Flash{Kind: "err", Message: "Stock comes from: " + se.Error() + "; nothing changed."})
	case err != nil:
		h.syncUnavailable(w, r, "setting a store's inventory master", err)
	default:
		h.flash(w, r, "/stores", account.Flash{Kind: "ok", Message: "Where the store's stock comes from is saved."})
	}
}
