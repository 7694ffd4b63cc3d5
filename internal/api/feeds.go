package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/feed"
	"github.com/storesync/storesync/internal/syncrun"
)

// FeedUploadsPrefix is where feed files are uploaded: its requests have their own body limit.
const FeedUploadsPrefix = "/api/v2/feed-uploads/"

// SupplierFeed is a supplier feed: a file of stock a supplier publishes (or a person uploads),
// applied to the back office's items by step 3 of each sync run.
type SupplierFeed struct {
	ID            int64               `json:"id"`
	Name          string              `json:"name"`
	Source        string              `json:"source" enum:"url,upload"`
	URL           string              `json:"url,omitempty"`
	HasAuthHeader bool                `json:"has_auth_header" doc:"the header itself is never returned"`
	AuthHint      string              `json:"auth_header_hint,omitempty"`
	Format        string              `json:"format,omitempty" doc:"csv, xlsx or json; empty: detected from the file"`
	Mapping       feed.Mapping        `json:"mapping"`
	Rules         feed.Rules          `json:"rules"`
	UploadName    string              `json:"upload_name,omitempty"`
	UploadSize    int64               `json:"upload_size"`
	Enabled       bool                `json:"enabled"`
	LastRunAt     *time.Time          `json:"last_run_at"`
	LastResult    *syncrun.FeedResult `json:"last_result,omitempty" doc:"counts of the last application, and the rows refused with their reason"`
	Version       int64               `json:"version"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// SupplierFeedInput creates or replaces a feed.
type SupplierFeedInput struct {
	Name       string       `json:"name" maxLength:"200"`
	Source     string       `json:"source" enum:"url,upload"`
	URL        string       `json:"url,omitempty" maxLength:"2000" doc:"url feeds: https://... (private addresses are refused)"`
	AuthHeader *string      `json:"auth_header,omitempty" maxLength:"2000" doc:"\"Name: value\" sent with each fetch, kept encrypted; left out keeps the saved one, \"\" removes it"`
	Format     string       `json:"format,omitempty" maxLength:"10"`
	Mapping    feed.Mapping `json:"mapping" doc:"header texts of the columns: sku or barcode (one is required), quantity, price, cost, title"`
	Rules      feed.Rules   `json:"rules,omitzero" doc:"missing: leave or zero (the feed's own items it no longer lists); quantity_multiplier; quantity_cap"`
	Enabled    *bool        `json:"enabled,omitempty" doc:"left out: true"`
	Version    int64        `json:"version,omitempty" doc:"PUT: the version read (another is a 409); 0 skips the check"`
}

// SupplierFeeds adds the operations on supplier feeds.
func SupplierFeeds(svc *syncrun.Service) func(huma.API) {
	return feedHandlers{svc: svc}.register
}

type feedHandlers struct{ svc *syncrun.Service }

type feedOutput struct{ Body SupplierFeed }

type feedsOutput struct {
	Body struct {
		Data []SupplierFeed `json:"data" nullable:"false"`
	}
}

type feedIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createFeedInput struct{ Body SupplierFeedInput }

type putFeedInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body SupplierFeedInput
}

type uploadFeedInput struct {
	ID      int64  `path:"id" minimum:"1"`
	Name    string `query:"name" maxLength:"200" doc:"the file's name (its extension tells the format when the feed has none)"`
	RawBody []byte `contentType:"application/octet-stream"`
}

type previewInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Rows int   `query:"rows" minimum:"0" maximum:"50" doc:"0: 10"`
}

type previewOutput struct {
	Body struct {
		Header []string   `json:"header"`
		Rows   [][]string `json:"rows"`
	}
}

func (h feedHandlers) register(hapi huma.API) {
	tags := []string{"Supplier feeds"}
	huma.Register(hapi, huma.Operation{OperationID: "list-feeds", Method: http.MethodGet, Path: "/api/v2/feeds", Summary: "List supplier feeds",
		Tags: tags}, h.list)
	huma.Register(hapi, huma.Operation{OperationID: "create-feed", Method: http.MethodPost, Path: "/api/v2/feeds", Summary: "Add a supplier feed",
		Description:   "A URL that is not HTTPS or points at a private address, or a mapping without an identifier column, is a 422 naming it.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusUnprocessableEntity}, Tags: tags}, h.create)
	huma.Register(hapi, huma.Operation{OperationID: "get-feed", Method: http.MethodGet, Path: "/api/v2/feeds/{id}", Summary: "Get a supplier feed",
		Errors: []int{http.StatusNotFound}, Tags: tags}, h.get)
	huma.Register(hapi, huma.Operation{OperationID: "put-feed", Method: http.MethodPut, Path: "/api/v2/feeds/{id}", Summary: "Replace a supplier feed",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity}, Tags: tags}, h.put)
	huma.Register(hapi, huma.Operation{OperationID: "delete-feed", Method: http.MethodDelete, Path: "/api/v2/feeds/{id}", Summary: "Remove a supplier feed",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}, Tags: tags}, h.delete)
	huma.Register(hapi, huma.Operation{OperationID: "upload-feed", Method: http.MethodPut, Path: FeedUploadsPrefix + "{id}",
		Summary: "Upload an upload feed's file", Description: "The body is the file (up to 200 MiB); it must read as the feed's format.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Tags: tags}, h.upload)
	huma.Register(hapi, huma.Operation{OperationID: "preview-feed", Method: http.MethodGet, Path: "/api/v2/feeds/{id}/preview",
		Summary: "Preview a supplier feed", Description: "The header and first rows of its current file, to map its columns.",
		Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Tags: tags}, h.preview)
}

func (h feedHandlers) list(ctx context.Context, _ *struct{}) (*feedsOutput, error) {
	fs, err := h.svc.ListFeeds(ctx, AccountID(ctx))
	if err != nil {
		return nil, err
	}
	out := &feedsOutput{}
	out.Body.Data = make([]SupplierFeed, 0, len(fs))
	for _, f := range fs {
		out.Body.Data = append(out.Body.Data, feedOut(f))
	}
	return out, nil
}

func feedInput(in SupplierFeedInput) syncrun.FeedInput {
	enabled := in.Enabled == nil || *in.Enabled
	return syncrun.FeedInput{Name: in.Name, Source: in.Source, URL: in.URL, AuthHeader: in.AuthHeader, Format: in.Format,
		Mapping: in.Mapping, Rules: in.Rules, Enabled: enabled}
}

func (h feedHandlers) create(ctx context.Context, in *createFeedInput) (*feedOutput, error) {
	f, err := h.svc.CreateFeed(ctx, AccountID(ctx), feedInput(in.Body))
	if err != nil {
		return nil, feedProblem(err)
	}
	return &feedOutput{Body: feedOut(f)}, nil
}

func (h feedHandlers) get(ctx context.Context, in *feedIDInput) (*feedOutput, error) {
	f, err := h.svc.GetFeed(ctx, AccountID(ctx), in.ID)
	if err != nil {
		return nil, feedProblem(err)
	}
	return &feedOutput{Body: feedOut(f)}, nil
}

func (h feedHandlers) put(ctx context.Context, in *putFeedInput) (*feedOutput, error) {
	f, err := h.svc.UpdateFeed(ctx, AccountID(ctx), in.ID, in.Body.Version, feedInput(in.Body))
	if err != nil {
		return nil, feedProblem(err)
	}
	return &feedOutput{Body: feedOut(f)}, nil
}

type deleteFeedOutput struct{}

func (h feedHandlers) delete(ctx context.Context, in *feedIDInput) (*deleteFeedOutput, error) {
	if err := h.svc.DeleteFeed(ctx, AccountID(ctx), in.ID); err != nil {
		return nil, feedProblem(err)
	}
	return &deleteFeedOutput{}, nil
}

func (h feedHandlers) upload(ctx context.Context, in *uploadFeedInput) (*feedOutput, error) {
	f, err := h.svc.Upload(ctx, AccountID(ctx), in.ID, in.Name, in.RawBody)
	if err != nil {
		return nil, feedProblem(err)
	}
	return &feedOutput{Body: feedOut(f)}, nil
}

func (h feedHandlers) preview(ctx context.Context, in *previewInput) (*previewOutput, error) {
	n := in.Rows
	if n == 0 {
		n = 10
	}
	header, rows, err := h.svc.PreviewFeed(ctx, AccountID(ctx), in.ID, n)
	if err != nil {
		if se, ok := errors.AsType[*syncrun.Error](err); ok {
			return nil, feedProblem(se)
		}
		return nil, huma.NewError(http.StatusUnprocessableEntity, "the feed's file cannot be read: "+err.Error())
	}
	out := &previewOutput{}
	out.Body.Header, out.Body.Rows = header, rows
	if out.Body.Rows == nil {
		out.Body.Rows = [][]string{}
	}
	return out, nil
}

func feedProblem(err error) error {
	if se, ok := errors.AsType[*syncrun.Error](err); ok && errors.Is(se, syncrun.ErrConflict) {
		return huma.NewError(http.StatusConflict, se.Message)
	}
	return syncRunProblem(err)
}

func feedOut(f syncrun.Feed) SupplierFeed {
	return SupplierFeed{ID: f.ID, Name: f.Name, Source: f.Source, URL: f.URL, HasAuthHeader: f.HasAuthHeader, AuthHint: f.AuthHint,
		Format: string(f.Format), Mapping: f.Mapping, Rules: f.Rules, UploadName: f.UploadName, UploadSize: f.UploadSize, Enabled: f.Enabled,
		LastRunAt: f.LastRunAt, LastResult: f.LastResult, Version: f.Version, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}
