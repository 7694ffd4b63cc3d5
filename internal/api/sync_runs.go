package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/syncrun"
)

// SyncRun is a run of the sync cycle: (1) orders web → hub, (2) orders hub → back office, (3)
// data back office → hub, (4) data hub → web.
type SyncRun struct {
	ID          int64         `json:"id"`
	Trigger     string        `json:"trigger" enum:"manual,schedule,api,cli"`
	Status      string        `json:"status" enum:"queued,running,succeeded,failed" doc:"failed: a step failed (the steps after it still ran)"`
	Steps       []SyncRunStep `json:"steps"`
	ScheduleID  *int64        `json:"schedule_id,omitempty"`
	RequestedBy string        `json:"requested_by,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	StartedAt   *time.Time    `json:"started_at"`
	FinishedAt  *time.Time    `json:"finished_at"`
}

// SyncRunStep is what one step of a run did.
type SyncRunStep struct {
	Step       int              `json:"step" minimum:"1" maximum:"4"`
	Name       string           `json:"name"`
	Status     string           `json:"status" enum:"pending,running,succeeded,failed"`
	Done       int64            `json:"done" doc:"progress: done of total (total 0 while unknown)"`
	Total      int64            `json:"total"`
	Counts     map[string]int64 `json:"counts" doc:"named counts: orders_fetched, orders_sent, items_read, levels_changed, rows_refused, ..."`
	Error      string           `json:"error,omitempty" doc:"why the step failed"`
	ErrorCount int64            `json:"error_count"`
	Errors     []SyncRunError   `json:"errors,omitempty" doc:"the first 100, each with the object it concerns (on GET /api/v2/sync-runs/{id})"`
	StartedAt  *time.Time       `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at"`
}

// SyncRunError is one thing that went wrong in a step.
type SyncRunError struct {
	ObjectKind string    `json:"object_kind,omitempty" doc:"store, order, feed, item, sales_order"`
	ObjectID   string    `json:"object_id,omitempty"`
	Link       string    `json:"link,omitempty" doc:"the dashboard page of the object"`
	Message    string    `json:"message"`
	At         time.Time `json:"at"`
}

// SyncRunInput asks for a run.
type SyncRunInput struct {
	Steps []int `json:"steps,omitempty" maxItems:"4" doc:"the steps to run, each once (1 to 4); left out: all four, in order"`
}

// SyncRuns adds the operations on sync runs.
func SyncRuns(svc *syncrun.Service) func(huma.API) {
	return syncRunHandlers{svc: svc}.register
}

type syncRunHandlers struct{ svc *syncrun.Service }

type syncRunOutput struct{ Body SyncRun }

type syncRunsOutput struct {
	Body struct {
		Data []SyncRun `json:"data" nullable:"false"`
	}
}

type startSyncRunInput struct {
	Body *SyncRunInput `required:"false" doc:"left out: all four steps"`
}

type syncRunIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type listSyncRunsInput struct {
	BeforeID int64 `query:"before_id" minimum:"0" doc:"the next page: runs older than this one"`
	Limit    int   `query:"limit" minimum:"0" maximum:"100" doc:"0: 20"`
}

func (h syncRunHandlers) register(hapi huma.API) {
	tags := []string{"Sync runs"}
	huma.Register(hapi, huma.Operation{OperationID: "start-sync-run", Method: http.MethodPost, Path: "/api/v2/sync-runs",
		Summary: "Start a sync run (Sync All, or chosen steps)",
		Description: "Runs the steps in the cycle's order: (1) orders web → hub, (2) orders hub → back office, (3) data back office → hub, " +
			"(4) data hub → web. One run per account at a time: a second while one is queued or running is a 409 naming it.",
		DefaultStatus: http.StatusAccepted,
		Errors:        []int{http.StatusConflict, http.StatusUnprocessableEntity}, Tags: tags}, h.start)
	huma.Register(hapi, huma.Operation{OperationID: "list-sync-runs", Method: http.MethodGet, Path: "/api/v2/sync-runs",
		Summary: "List sync runs", Description: "Newest first, with each step's status, counts and progress.", Tags: tags}, h.list)
	huma.Register(hapi, huma.Operation{OperationID: "get-sync-run", Method: http.MethodGet, Path: "/api/v2/sync-runs/{id}",
		Summary: "Get a sync run", Description: "Its steps with status, counts, progress and errors (each linking to its object).",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.get)
}

func (h syncRunHandlers) start(ctx context.Context, in *startSyncRunInput) (*syncRunOutput, error) {
	trigger, by := syncrun.TriggerAPI, ""
	if p, ok := account.PrincipalFrom(ctx); ok {
		if p.UserID != 0 {
			trigger, by = syncrun.TriggerManual, fmt.Sprintf("user %d", p.UserID)
		} else if p.KeyID != 0 {
			by = fmt.Sprintf("api key %d", p.KeyID)
		}
	}
	r, err := h.svc.Start(ctx, syncrun.StartParams{AccountID: AccountID(ctx), Trigger: trigger, Steps: stepsOf(in.Body), RequestedBy: by})
	if err != nil {
		return nil, syncRunProblem(err)
	}
	return &syncRunOutput{Body: SyncRunOut(r)}, nil
}

func (h syncRunHandlers) list(ctx context.Context, in *listSyncRunsInput) (*syncRunsOutput, error) {
	rs, err := h.svc.List(ctx, syncrun.ListParams{AccountID: AccountID(ctx), BeforeID: in.BeforeID, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &syncRunsOutput{}
	out.Body.Data = make([]SyncRun, 0, len(rs))
	for _, r := range rs {
		out.Body.Data = append(out.Body.Data, SyncRunOut(r))
	}
	return out, nil
}

func (h syncRunHandlers) get(ctx context.Context, in *syncRunIDInput) (*syncRunOutput, error) {
	r, err := h.svc.Get(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, syncRunProblem(err)
	}
	return &syncRunOutput{Body: SyncRunOut(r)}, nil
}

// syncRunProblem turns the run service's refusals into problems: 422 naming the field, 409
// naming the run under way, 404.
func syncRunProblem(err error) error {
	se, ok := errors.AsType[*syncrun.Error](err)
	if !ok {
		return err
	}
	switch {
	case errors.Is(se, syncrun.ErrInvalid):
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body." + se.Field, Message: se.Message})
	case errors.Is(se, syncrun.ErrRunning):
		return huma.NewError(http.StatusConflict, se.Message,
			&huma.ErrorDetail{Location: "running_run_id", Message: fmt.Sprintf("sync run %d is under way", se.RunID), Value: se.RunID})
	case errors.Is(se, syncrun.ErrNotFound):
		return huma.NewError(http.StatusNotFound, se.Message)
	}
	return err
}

// SyncRunOut is a run in the API's words.
func SyncRunOut(r syncrun.Run) SyncRun {
	out := SyncRun{ID: r.ID, Trigger: string(r.Trigger), Status: r.Status, ScheduleID: r.ScheduleID, RequestedBy: r.RequestedBy,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Steps: make([]SyncRunStep, 0, len(r.Steps))}
	for _, st := range r.Steps {
		s := SyncRunStep{Step: st.Step, Name: st.Name, Status: st.Status, Done: st.Done, Total: st.Total, Counts: st.Counts,
			Error: st.Error, ErrorCount: st.ErrorCount, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt}
		for _, e := range st.Errors {
			s.Errors = append(s.Errors, SyncRunError{ObjectKind: e.ObjectKind, ObjectID: e.ObjectID, Link: e.Link, Message: e.Message, At: e.At})
		}
		out.Steps = append(out.Steps, s)
	}
	return out
}

// InventoryMaster is where a store's stock comes from.
type InventoryMaster struct {
	StoreID   int64      `json:"store_id"`
	Master    string     `json:"master" enum:"platform,back_office" doc:"platform: the store's own quantities; back_office: the back office's available, written by step 4 of each sync run"`
	MatchBy   string     `json:"match_by" enum:"sku,barcode" doc:"how the store's variants are matched to the back office's items"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// InventoryMasterInput sets where a store's stock comes from.
type InventoryMasterInput struct {
	Master  string `json:"master" maxLength:"20" doc:"platform or back_office"`
	MatchBy string `json:"match_by,omitempty" maxLength:"20" doc:"sku (the default) or barcode"`
}

type inventoryMasterOutput struct{ Body InventoryMaster }

type putInventoryMasterInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body InventoryMasterInput
}

// InventoryMasters adds the operations on stores' inventory masters.
func InventoryMasters(svc *syncrun.Service) func(huma.API) {
	return func(hapi huma.API) {
		tags := []string{"Stores"}
		huma.Register(hapi, huma.Operation{OperationID: "get-store-inventory-master", Method: http.MethodGet,
			Path: "/api/v2/stores/{id}/inventory-master", Summary: "Get where a store's stock comes from",
			Errors: []int{http.StatusNotFound}, Tags: tags},
			func(ctx context.Context, in *storeIDInput) (*inventoryMasterOutput, error) {
				m, err := svc.Master(ctx, AccountID(ctx), in.ID)
				if err != nil {
					return nil, syncRunProblem(err)
				}
				return &inventoryMasterOutput{Body: InventoryMaster(m)}, nil
			})
		huma.Register(hapi, huma.Operation{OperationID: "put-store-inventory-master", Method: http.MethodPut,
			Path: "/api/v2/stores/{id}/inventory-master", Summary: "Set where a store's stock comes from",
			Description: "back_office: each sync run's step 4 sets the store's quantities from the back office's available, by SKU or " +
				"barcode; connections carry them on to the store's destinations.",
			Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Tags: tags},
			func(ctx context.Context, in *putInventoryMasterInput) (*inventoryMasterOutput, error) {
				m, err := svc.SetMaster(ctx, AccountID(ctx), syncrun.InventoryMaster{StoreID: in.ID, Master: in.Body.Master, MatchBy: in.Body.MatchBy})
				if err != nil {
					return nil, syncRunProblem(err)
				}
				return &inventoryMasterOutput{Body: InventoryMaster(m)}, nil
			})
	}
}

func stepsOf(in *SyncRunInput) []int {
	if in == nil {
		return nil
	}
	return in.Steps
}
