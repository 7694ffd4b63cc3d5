package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/syncsched"
)

// SyncSchedule is a schedule that starts the account's sync runs.
type SyncSchedule struct {
	ID          int64      `json:"id"`
	Expression  string     `json:"expression" doc:"as written: every N minutes, every N hours, daily at HH:MM, weekdays at HH:MM, or a 5-field cron line"`
	TimeZone    string     `json:"time_zone" doc:"the IANA zone the expression's wall-clock times are in"`
	Steps       []int      `json:"steps" nullable:"false" doc:"the cycle's steps each run does, ascending: 1 orders web → hub, 2 orders hub → back office, 3 data back office → hub, 4 data hub → web"`
	Enabled     bool       `json:"enabled"`
	NextAt      *time.Time `json:"next_at" doc:"the next slot in UTC; null while disabled"`
	NextAtLocal *string    `json:"next_at_local" doc:"the next slot in the schedule's zone (RFC 3339 with its offset)"`
	LastSlotAt  *time.Time `json:"last_slot_at" doc:"the last slot that came; after downtime, the one catch-up run stands for the earliest missed slot"`
	LastRunID   *int64     `json:"last_run_id" doc:"the run that slot started"`
	LastResult  string     `json:"last_result" doc:"what the last slot did: started run 12, skipped: run 9 still running, failed: ..."`
	Version     int64      `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// SyncScheduleInput creates or replaces a schedule.
type SyncScheduleInput struct {
	Expression string `json:"expression" maxLength:"200" doc:"every N minutes (N from 5 to 1440, dividing the day), every N hours (dividing the day), daily at HH:MM, weekdays at HH:MM (Monday to Friday), or a 5-field cron line (minute hour day-of-month month day-of-week; @daily and the like too)"`
	TimeZone   string `json:"time_zone,omitempty" maxLength:"100" doc:"an IANA zone such as Europe/Paris (default UTC); a time the clock skips is skipped, one it repeats runs once"`
	Steps      []int  `json:"steps" maxItems:"4" doc:"a non-empty set of the steps 1 to 4, in any order"`
	Enabled    *bool  `json:"enabled,omitempty" doc:"default true"`
}

// SyncSchedules adds the operations on the account's sync schedules.
func SyncSchedules(svc *syncsched.Service) func(huma.API) {
	return syncScheduleHandlers{svc: svc}.register
}

type syncScheduleHandlers struct{ svc *syncsched.Service }

type syncScheduleIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createSyncScheduleInput struct {
	Body SyncScheduleInput
}

type putSyncScheduleInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" doc:"the ETag from your GET: the update fails with 412 if the schedule changed since"`
	Body    SyncScheduleInput
}

type syncScheduleList struct {
	Body struct {
		Data []SyncSchedule `json:"data" nullable:"false"`
	}
}

type syncScheduleOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     SyncSchedule
}

func (h syncScheduleHandlers) register(hapi huma.API) {
	tags := []string{"Sync schedules"}
	huma.Register(hapi, huma.Operation{OperationID: "list-sync-schedules", Method: http.MethodGet, Path: "/api/v2/sync-schedules",
		Summary: "List sync schedules", Description: "The account's schedules that start sync runs, oldest first.", Tags: tags}, h.list)
	huma.Register(hapi, huma.Operation{OperationID: "create-sync-schedule", Method: http.MethodPost, Path: "/api/v2/sync-schedules",
		Summary: "Create a sync schedule",
		Description: "A bad expression, zone or set of steps is a 422 naming the field, and nothing is created. A slot whose " +
			"account still has a run going is skipped; after downtime one catch-up run starts, then the next slot to come.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}, Tags: tags}, h.create)
	huma.Register(hapi, huma.Operation{OperationID: "get-sync-schedule", Method: http.MethodGet, Path: "/api/v2/sync-schedules/{id}",
		Summary: "Read a sync schedule", Errors: []int{http.StatusNotFound}, Tags: tags}, h.get)
	huma.Register(hapi, huma.Operation{OperationID: "put-sync-schedule", Method: http.MethodPut, Path: "/api/v2/sync-schedules/{id}",
		Summary: "Replace a sync schedule",
		Description: "The next slot is kept when the expression, zone and enabled state stay; otherwise it is the first to come. " +
			"With If-Match, a schedule changed since is a 412.",
		Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed, http.StatusUnprocessableEntity}, Tags: tags}, h.put)
	huma.Register(hapi, huma.Operation{OperationID: "delete-sync-schedule", Method: http.MethodDelete, Path: "/api/v2/sync-schedules/{id}",
		Summary: "Delete a sync schedule", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}, Tags: tags}, h.delete)
}

func (h syncScheduleHandlers) list(ctx context.Context, _ *struct{}) (*syncScheduleList, error) {
	l, err := h.svc.List(ctx, AccountID(ctx))
	if err != nil {
		return nil, err
	}
	out := &syncScheduleList{}
	out.Body.Data = make([]SyncSchedule, 0, len(l))
	for _, sc := range l {
		out.Body.Data = append(out.Body.Data, syncScheduleOut(sc))
	}
	return out, nil
}

func (h syncScheduleHandlers) create(ctx context.Context, in *createSyncScheduleInput) (*syncScheduleOutput, error) {
	b := in.Body
	sc, err := h.svc.Create(ctx, syncsched.CreateParams{AccountID: AccountID(ctx), Expression: b.Expression, TimeZone: b.TimeZone,
		Steps: b.Steps, Enabled: b.Enabled == nil || *b.Enabled})
	if err != nil {
		return nil, syncScheduleError(err)
	}
	return syncScheduleOutputOf(sc), nil
}

func (h syncScheduleHandlers) get(ctx context.Context, in *syncScheduleIDInput) (*syncScheduleOutput, error) {
	sc, err := h.svc.Get(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return syncScheduleOutputOf(sc), nil
}

func (h syncScheduleHandlers) put(ctx context.Context, in *putSyncScheduleInput) (*syncScheduleOutput, error) {
	version, err := scheduleIfMatch(in.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	sc, err := h.svc.Update(ctx, syncsched.UpdateParams{AccountID: AccountID(ctx), ID: in.ID, IfVersion: version,
		Expression: b.Expression, TimeZone: b.TimeZone, Steps: b.Steps, Enabled: b.Enabled == nil || *b.Enabled})
	if err != nil {
		return nil, syncScheduleError(err)
	}
	return syncScheduleOutputOf(sc), nil
}

func (h syncScheduleHandlers) delete(ctx context.Context, in *syncScheduleIDInput) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, AccountID(ctx), in.ID)
}

// scheduleIfMatch reads If-Match ("v3" as the ETag says, or *) into the version it requires: 0
// for none.
func scheduleIfMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	v, ok := strings.CutPrefix(strings.TrimPrefix(h, "W/"), `"v`)
	n, err := strconv.ParseInt(strings.TrimSuffix(v, `"`), 10, 64)
	if !ok || !strings.HasSuffix(v, `"`) || err != nil || n <= 0 {
		return 0, huma.Error412PreconditionFailed("If-Match does not hold an ETag of this API",
			&huma.ErrorDetail{Location: "header.If-Match", Value: Echo(h)})
	}
	return n, nil
}

// syncScheduleError names the fields of refused input; not found goes to the one mapper.
func syncScheduleError(err error) error {
	if ve, ok := errors.AsType[*syncsched.ValidationError](err); ok {
		details := make([]error, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			details = append(details, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message, Value: Echo(f.Value)})
		}
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed", details...)
	}
	if errors.Is(err, syncsched.ErrStale) {
		return huma.NewError(http.StatusPreconditionFailed, "the schedule was changed since you read it: GET it again and retry")
	}
	return err
}

func syncScheduleOutputOf(sc syncsched.Schedule) *syncScheduleOutput {
	return &syncScheduleOutput{ETag: fmt.Sprintf(`"v%d"`, sc.Version), Location: fmt.Sprintf("/api/v2/sync-schedules/%d", sc.ID),
		Body: syncScheduleOut(sc)}
}

func syncScheduleOut(sc syncsched.Schedule) SyncSchedule {
	out := SyncSchedule{ID: sc.ID, Expression: sc.Expression, TimeZone: sc.TimeZone, Steps: sc.Steps, Enabled: sc.Enabled,
		NextAt: sc.NextAt, LastSlotAt: sc.LastSlotAt, LastRunID: sc.LastRunID, LastResult: sc.LastResult, Version: sc.Version,
		CreatedAt: sc.CreatedAt, UpdatedAt: sc.UpdatedAt}
	if out.Steps == nil {
		out.Steps = []int{}
	}
	if sc.NextAt != nil {
		local := sc.NextAt.In(sc.Location()).Format(time.RFC3339)
		out.NextAtLocal = &local
	}
	return out
}
