package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/reconcile"
)

// The operations of reconciliation: start a run of a connection, list its runs and their drifts,
// and the account's schedule. The destination's account only: the source's is refused (403).

// Reconcile adds the reconciliation operations.
func Reconcile(svc *reconcile.Service) func(huma.API) { return reconcileHandlers{svc: svc}.register }

type reconcileHandlers struct{ svc *reconcile.Service }

func (h reconcileHandlers) register(hapi huma.API) {
	tags := []string{"Reconciliation"}
	huma.Register(hapi, huma.Operation{OperationID: "start-reconciliation", Method: http.MethodPost,
		Path: "/api/v2/connections/{id}/reconcile", Summary: "Reconcile a connection now",
		Description: "Starts a run that reads both stores and fixes every drift it finds (a dropped webhook, a destination " +
			"edited by hand): incremental (products changed since the last run, every linked item's levels) or full (the " +
			"source's whole catalog through its export). A durable job: follow it at Location. A connection with a run " +
			"queued or running answers that run. A blocked or disconnected connection is a 409.",
		DefaultStatus: http.StatusAccepted, Tags: tags,
		Errors: []int{http.StatusNotFound, http.StatusForbidden, http.StatusConflict}}, h.start)
	huma.Register(hapi, huma.Operation{OperationID: "list-reconciliations", Method: http.MethodGet,
		Path: "/api/v2/connections/{id}/reconciliations", Summary: "List a connection's reconciliations",
		Description: "The latest runs, newest first, each with what it read and how many drifts it fixed.", Tags: tags,
		Errors: []int{http.StatusNotFound, http.StatusForbidden}}, h.list)
	huma.Register(hapi, huma.Operation{OperationID: "get-reconciliation", Method: http.MethodGet,
		Path: "/api/v2/reconciliations/{id}", Summary: "Read a reconciliation", Tags: tags,
		Errors: []int{http.StatusNotFound}}, h.get)
	huma.Register(hapi, huma.Operation{OperationID: "list-reconciliation-drifts", Method: http.MethodGet,
		Path: "/api/v2/reconciliations/{id}/drifts", Summary: "List what a reconciliation fixed",
		Description: "Each drift: the link, the side it was found on, the attribute, what the hub expected and what the " +
			"store held, and when the fix was decided. Pages of up to 1000 after after_id.", Tags: tags,
		Errors: []int{http.StatusNotFound}}, h.drifts)
	huma.Register(hapi, huma.Operation{OperationID: "get-reconciliation-settings", Method: http.MethodGet,
		Path: "/api/v2/reconciliation-settings", Summary: "Read the reconciliation schedule", Tags: tags}, h.getSettings)
	huma.Register(hapi, huma.Operation{OperationID: "put-reconciliation-settings", Method: http.MethodPut,
		Path: "/api/v2/reconciliation-settings", Summary: "Change the reconciliation schedule",
		Description: "How often each of the account's connections is reconciled incrementally (a full pass runs daily).",
		Tags:        tags, Errors: []int{http.StatusUnprocessableEntity}}, h.putSettings)
}

// Reconciliation is one run of a connection's reconciliation.
type Reconciliation struct {
	ID           int64      `json:"id"`
	ConnectionID int64      `json:"connection_id"`
	Kind         string     `json:"kind" enum:"incremental,full"`
	Trigger      string     `json:"trigger" enum:"schedule,demand"`
	State        string     `json:"state" enum:"queued,running,done,failed"`
	Phase        string     `json:"phase" doc:"where a running run is: products, export, read, source, destination"`
	ProductsRead int64      `json:"products_read"`
	VariantsRead int64      `json:"variants_read"`
	LevelsRead   int64      `json:"levels_read" doc:"inventory levels read on both sides"`
	DriftsFixed  int64      `json:"drifts_fixed"`
	Error        string     `json:"error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
}

func reconciliationOut(r reconcile.Run) Reconciliation {
	return Reconciliation{ID: r.ID, ConnectionID: r.ConnectionID, Kind: string(r.Kind), Trigger: string(r.Trigger),
		State: string(r.State), Phase: r.Phase, ProductsRead: r.ProductsRead, VariantsRead: r.VariantsRead,
		LevelsRead: r.LevelsRead, DriftsFixed: r.DriftsFixed, Error: r.Error, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt,
		FinishedAt: r.FinishedAt}
}

type reconcileInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Full bool `json:"full,omitempty" doc:"a full pass through the source's export instead of an incremental run"`
	}
}

type reconciliationOutput struct {
	Location string `header:"Location"`
	Body     Reconciliation
}

func (h reconcileHandlers) start(ctx context.Context, in *reconcileInput) (*reconciliationOutput, error) {
	r, err := h.svc.Start(ctx, reconcile.StartParams{AccountID: AccountID(ctx), ConnectionID: in.ID, Full: in.Body.Full,
		Trigger: reconcile.TriggerDemand})
	if err != nil {
		return nil, err
	}
	return &reconciliationOutput{Location: fmt.Sprintf("/api/v2/reconciliations/%d", r.ID), Body: reconciliationOut(r)}, nil
}

type reconciliationsOutput struct {
	Body struct {
		Data []Reconciliation `json:"data"`
	}
}

type listReconciliationsInput struct {
	ID    int64 `path:"id" minimum:"1"`
	Limit int   `query:"limit" minimum:"0" maximum:"100" doc:"at most this many (default 20)"`
}

func (h reconcileHandlers) list(ctx context.Context, in *listReconciliationsInput) (*reconciliationsOutput, error) {
	runs, err := h.svc.Runs(ctx, reconcile.RunsParams{AccountID: AccountID(ctx), ConnectionID: in.ID, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &reconciliationsOutput{}
	out.Body.Data = make([]Reconciliation, 0, len(runs))
	for _, r := range runs {
		out.Body.Data = append(out.Body.Data, reconciliationOut(r))
	}
	return out, nil
}

type reconciliationIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type oneReconciliationOutput struct{ Body Reconciliation }

func (h reconcileHandlers) get(ctx context.Context, in *reconciliationIDInput) (*oneReconciliationOutput, error) {
	r, err := h.svc.Get(ctx, reconcile.GetParams{AccountID: AccountID(ctx), ID: in.ID})
	if err != nil {
		return nil, err
	}
	return &oneReconciliationOutput{Body: reconciliationOut(r)}, nil
}

// ReconciliationDrift is one thing a run found wrong and fixed.
type ReconciliationDrift struct {
	ID        int64     `json:"id"`
	LinkID    *int64    `json:"link_id" doc:"the product link; null once it was removed"`
	Side      string    `json:"side" enum:"source,destination"`
	Attribute string    `json:"attribute" doc:"quantity, or product (a change the hub never heard of)"`
	ItemID    string    `json:"item_id" doc:"the inventory item (at its location on the source side) or product"`
	Expected  string    `json:"expected" doc:"what the hub held"`
	Found     string    `json:"found" doc:"what the store held"`
	FixedAt   time.Time `json:"fixed_at" doc:"when the fix was decided (the write to the store is its job's, right after)"`
}

type driftsInput struct {
	ID      int64 `path:"id" minimum:"1"`
	AfterID int64 `query:"after_id" minimum:"0"`
	Limit   int   `query:"limit" minimum:"0" maximum:"1000" doc:"at most this many (default 100)"`
}

type driftsOutput struct {
	Body struct {
		Data []ReconciliationDrift `json:"data"`
	}
}

func (h reconcileHandlers) drifts(ctx context.Context, in *driftsInput) (*driftsOutput, error) {
	ds, err := h.svc.Drifts(ctx, reconcile.DriftsParams{AccountID: AccountID(ctx), RunID: in.ID, AfterID: in.AfterID, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &driftsOutput{}
	out.Body.Data = make([]ReconciliationDrift, 0, len(ds))
	for _, d := range ds {
		out.Body.Data = append(out.Body.Data, ReconciliationDrift{ID: d.ID, LinkID: d.LinkID, Side: string(d.Side),
			Attribute: d.Attribute, ItemID: d.ItemID, Expected: d.Expected, Found: d.Found, FixedAt: d.FixedAt})
	}
	return out, nil
}

// ReconciliationSettings is an account's reconciliation schedule.
type ReconciliationSettings struct {
	IntervalMinutes int64 `json:"interval_minutes" doc:"minutes between incremental runs of each connection, 5 to 1440"`
}

type settingsOutput struct{ Body ReconciliationSettings }

func (h reconcileHandlers) getSettings(ctx context.Context, _ *struct{}) (*settingsOutput, error) {
	s, err := h.svc.GetSettings(ctx, AccountID(ctx))
	if err != nil {
		return nil, err
	}
	return &settingsOutput{Body: ReconciliationSettings{IntervalMinutes: s.IntervalMinutes}}, nil
}

type putSettingsInput struct {
	Body ReconciliationSettings
}

func (h reconcileHandlers) putSettings(ctx context.Context, in *putSettingsInput) (*settingsOutput, error) {
	s, err := h.svc.SaveSettings(ctx, AccountID(ctx), reconcile.Settings{IntervalMinutes: in.Body.IntervalMinutes})
	if err != nil {
		return nil, err
	}
	return &settingsOutput{Body: ReconciliationSettings{IntervalMinutes: s.IntervalMinutes}}, nil
}
