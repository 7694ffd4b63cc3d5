package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/orders"
)

// Cancellations, edits and flags of destination orders: the flags on an order, clearing one, and
// a connection's cancel settings (part of its order settings).

// OrderFlag is something on an order a person has to look at, until cleared.
type OrderFlag struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind" enum:"destination_cancelled,source_cancelled,line_edited,cancel_failed" doc:"destination_cancelled: the order was cancelled after its push and its source order was not cancelled by storesync (the connection flags, the source order is fulfilled in part or in full, or the source refused); source_cancelled: a source order was cancelled at the source; line_edited: a line changed after the push (the source order was not changed); cancel_failed: cancelling and refunding the order (on_source_cancel cancel_and_refund) did not happen"`
	SourceStoreID int64      `json:"source_store_id,omitempty" doc:"the source store it is about"`
	Detail        string     `json:"detail" doc:"what happened and what to do, in words (a line edit names the line and its old and new quantity)"`
	CreatedAt     time.Time  `json:"created_at"`
	ClearedAt     *time.Time `json:"cleared_at" doc:"null until a person clears it"`
	ClearedBy     string     `json:"cleared_by,omitempty" doc:"who cleared it: user N or API key N"`
}

func flagsOut(fs []orders.Flag) []OrderFlag {
	if fs == nil {
		return nil
	}
	out := make([]OrderFlag, 0, len(fs))
	for _, f := range fs {
		out = append(out, flagOut(f))
	}
	return out
}

func flagOut(f orders.Flag) OrderFlag {
	return OrderFlag{ID: f.ID, Kind: f.Kind, SourceStoreID: f.SourceStoreID, Detail: f.Detail, CreatedAt: f.CreatedAt,
		ClearedAt: f.ClearedAt, ClearedBy: f.ClearedBy}
}

// CancelSettings are what a connection does with cancellations of pushed orders.
type CancelSettings struct {
	OnDestinationCancel string `json:"on_destination_cancel" enum:"cancel_source,flag" doc:"a destination order cancelled after its push: cancel_source (the default) cancels the source order unless it is fulfilled in part or in full (then the order is flagged); flag only flags the order for a person"`
	OnSourceCancel      string `json:"on_source_cancel" enum:"flag,cancel_and_refund" doc:"a source order cancelled at the source: flag (the default) flags the destination order; cancel_and_refund also cancels and refunds the destination order"`
}

// CancelSettingsInput sets them; a value left out takes its default.
type CancelSettingsInput struct {
	OnDestinationCancel string `json:"on_destination_cancel,omitempty" enum:"cancel_source,flag" doc:"default cancel_source"`
	OnSourceCancel      string `json:"on_source_cancel,omitempty" enum:"flag,cancel_and_refund" doc:"default flag"`
}

func (in CancelSettingsInput) cancel() orders.CancelSettingsInput {
	return orders.CancelSettingsInput{OnDestinationCancel: in.OnDestinationCancel, OnSourceCancel: in.OnSourceCancel}
}

func cancelSettingsOut(c orders.CancelSettings) CancelSettings {
	return CancelSettings{OnDestinationCancel: c.OnDestinationCancel, OnSourceCancel: c.OnSourceCancel}
}

// flaggedParam reads the flagged filter ("" any; the schema admits only true and false).
func flaggedParam(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

type clearFlagInput struct {
	ID     int64 `path:"id" minimum:"1"`
	FlagID int64 `path:"flag_id" minimum:"1"`
}

type flagOutput struct {
	Body OrderFlag
}

func (h orderHandlers) registerFlags(hapi huma.API) {
	huma.Register(hapi, huma.Operation{OperationID: "clear-order-flag", Method: http.MethodPost,
		Path: "/api/v2/orders/{id}/flags/{flag_id}/clear", Summary: "Clear a flag of an order",
		Description: "A person has dealt with what the flag says (a cancellation or an edit after the push): the flag is kept, " +
			"cleared, with who cleared it, and the order's timeline says so. An unknown order or flag is a 404; a flag cleared " +
			"already is a 409, nothing changed.",
		Errors: []int{http.StatusNotFound, http.StatusConflict}, Tags: []string{"Orders"}}, h.clearFlag)
}

// clearedBy names the principal of the request in words.
func clearedBy(ctx context.Context) string {
	p, _ := account.PrincipalFrom(ctx)
	switch {
	case p.KeyID != 0:
		return "API key " + strconv.FormatInt(p.KeyID, 10)
	case p.UserID != 0:
		return "user " + strconv.FormatInt(p.UserID, 10)
	}
	return "account " + strconv.FormatInt(p.AccountID, 10)
}

func (h orderHandlers) clearFlag(ctx context.Context, in *clearFlagInput) (*flagOutput, error) {
	f, err := h.svc.ClearFlag(ctx, AccountID(ctx), in.ID, in.FlagID, clearedBy(ctx))
	if errors.Is(err, database.ErrNotFound) {
		return nil, huma.Error404NotFound(err.Error())
	}
	if err != nil {
		return nil, ordersError(err, "path")
	}
	return &flagOutput{Body: flagOut(f)}, nil
}
