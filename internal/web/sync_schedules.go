package web

import (
	"errors"
	"html/template"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/syncsched"
)

// The schedule editor: the account's sync schedules, each with its next slot and last result,
// added with an expression, a time zone and steps, enabled, disabled and deleted. A bad
// expression shows the form again with the error naming the field.

func (h *dashboard) scheduleRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	if h.SyncSchedules == nil || h.SyncRuns == nil {
		return
	}
	h.pages["sync_schedules"] = template.Must(template.New("layout.html").Funcs(funcs).Funcs(syncFuncs).
		ParseFS(templateFS, "templates/layout.html", "templates/sync_schedules.html"))
	mux.Handle("GET /sync/schedules", h.authed(h.schedulesPage))
	mux.Handle("POST /sync/schedules", cop.Handler(h.authed(h.createSchedule)))
	mux.Handle("POST /sync/schedules/{id}", cop.Handler(h.authed(h.editSchedule)))
	mux.Handle("POST /sync/schedules/{id}/enabled", cop.Handler(h.authed(h.toggleSchedule)))
	mux.Handle("POST /sync/schedules/{id}/delete", cop.Handler(h.authed(h.deleteSchedule)))
}

type scheduleForm struct {
	Expression, TimeZone string
	Steps                map[int]bool
}

func (h *dashboard) schedulesPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	h.showSchedules(w, r, p, http.StatusOK, scheduleForm{TimeZone: "UTC", Steps: map[int]bool{1: true, 2: true, 3: true, 4: true}}, "")
}

func (h *dashboard) showSchedules(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form scheduleForm, formErr string) {
	h.showSchedulesWith(w, r, p, status, form, formErr, nil)
}

// showSchedulesWith is the page with extra data (a refused edit's form and error).
func (h *dashboard) showSchedulesWith(w http.ResponseWriter, r *http.Request, p account.Principal, status int, form scheduleForm, formErr string,
	extra map[string]any) {
	list, err := h.SyncSchedules.List(r.Context(), p.AccountID)
	if err != nil {
		h.syncUnavailable(w, r, "listing sync schedules", err)
		return
	}
	data := map[string]any{"Account": p.AccountName, "Schedules": list, "Form": form}
	if formErr != "" {
		data["FormError"] = formErr
	}
	maps.Copy(data, extra)
	h.render(w, r, "sync_schedules", status, data)
}

func (h *dashboard) createSchedule(w http.ResponseWriter, r *http.Request, p account.Principal) {
	form := scheduleForm{Expression: strings.TrimSpace(r.PostFormValue("expression")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Steps: map[int]bool{}}
	var steps []int
	for _, v := range r.PostForm["steps"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			h.showSchedules(w, r, p, http.StatusUnprocessableEntity, form, "steps: "+strconv.Quote(v)+" is not a step number (1 to 4)")
			return
		}
		form.Steps[n] = true
		steps = append(steps, n)
	}
	if len(steps) == 0 {
		h.showSchedules(w, r, p, http.StatusUnprocessableEntity, form, "steps: choose at least one step")
		return
	}
	_, err := h.SyncSchedules.Create(r.Context(), syncsched.CreateParams{AccountID: p.AccountID, Expression: form.Expression,
		TimeZone: form.TimeZone, Steps: steps, Enabled: true})
	if ve, ok := errors.AsType[*syncsched.ValidationError](err); ok {
		h.showSchedules(w, r, p, http.StatusUnprocessableEntity, form, strings.TrimPrefix(ve.Error(), "invalid sync schedule: "))
		return
	}
	if err != nil {
		h.syncUnavailable(w, r, "adding a sync schedule", err)
		return
	}
	h.flash(w, r, "/sync/schedules", account.Flash{Kind: "ok", Message: "Schedule " + form.Expression + " added."})
}

// scheduleOf reads the schedule of the path, or shows a not-found page.
func (h *dashboard) scheduleOf(w http.ResponseWriter, r *http.Request, p account.Principal) (syncsched.Schedule, bool) {
	return syncRecordOf(h, w, r, p, "sync schedule", h.SyncSchedules.Get, database.ErrNotFound)
}

func (h *dashboard) toggleSchedule(w http.ResponseWriter, r *http.Request, p account.Principal) {
	sc, ok := h.scheduleOf(w, r, p)
	if !ok {
		return
	}
	on := r.PostFormValue("enabled") == "on"
	_, err := h.SyncSchedules.Update(r.Context(), syncsched.UpdateParams{AccountID: p.AccountID, ID: sc.ID, IfVersion: sc.Version,
		Expression: sc.Expression, TimeZone: sc.TimeZone, Steps: sc.Steps, Enabled: on})
	if err != nil {
		h.syncUnavailable(w, r, "saving a sync schedule", err)
		return
	}
	msg := "Schedule " + sc.Expression + " disabled."
	if on {
		msg = "Schedule " + sc.Expression + " enabled."
	}
	h.flash(w, r, "/sync/schedules", account.Flash{Kind: "ok", Message: msg})
}

func (h *dashboard) deleteSchedule(w http.ResponseWriter, r *http.Request, p account.Principal) {
	sc, ok := h.scheduleOf(w, r, p)
	if !ok {
		return
	}
	if err := h.SyncSchedules.Delete(r.Context(), p.AccountID, sc.ID); err != nil && !errors.Is(err, database.ErrNotFound) {
		h.syncUnavailable(w, r, "deleting a sync schedule", err)
		return
	}
	h.flash(w, r, "/sync/schedules", account.Flash{Kind: "ok", Message: "Schedule " + sc.Expression + " deleted."})
}

// editSchedule replaces a schedule's expression, time zone, steps and enabled state. Bad input
// shows the page again (422) with the edit form as sent and the error naming the field; nothing
// is changed.
func (h *dashboard) editSchedule(w http.ResponseWriter, r *http.Request, p account.Principal) {
	sc, ok := h.scheduleOf(w, r, p)
	if !ok {
		return
	}
	form := scheduleForm{Expression: strings.TrimSpace(r.PostFormValue("expression")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		Steps: map[int]bool{}}
	enabled := r.PostFormValue("enabled") == "on"
	refuse := func(msg string) {
		h.showSchedulesWith(w, r, p, http.StatusUnprocessableEntity, scheduleForm{TimeZone: "UTC", Steps: map[int]bool{1: true, 2: true, 3: true, 4: true}}, "",
			map[string]any{"EditID": sc.ID, "EditForm": form, "EditEnabled": enabled, "EditError": msg})
	}
	var steps []int
	for _, v := range r.PostForm["steps"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			refuse("steps: " + strconv.Quote(v) + " is not a step number (1 to 4)")
			return
		}
		form.Steps[n] = true
		steps = append(steps, n)
	}
	if len(steps) == 0 {
		refuse("steps: choose at least one step")
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	got, err := h.SyncSchedules.Update(r.Context(), syncsched.UpdateParams{AccountID: p.AccountID, ID: sc.ID, IfVersion: version,
		Expression: form.Expression, TimeZone: form.TimeZone, Steps: steps, Enabled: enabled})
	if ve, ok := errors.AsType[*syncsched.ValidationError](err); ok {
		refuse(strings.TrimPrefix(ve.Error(), "invalid sync schedule: "))
		return
	}
	if errors.Is(err, syncsched.ErrStale) {
		refuse("the schedule was changed since you opened this page: reload it and edit again")
		return
	}
	if err != nil {
		h.syncUnavailable(w, r, "saving a sync schedule", err)
		return
	}
	h.flash(w, r, "/sync/schedules", account.Flash{Kind: "ok", Message: "Schedule " + got.Expression + " saved."})
}
