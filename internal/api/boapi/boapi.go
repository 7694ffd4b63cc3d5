// Package boapi is the HTTP layer of the back office's Open API: v1 (read-only searches of jobs and
// contacts) and v2 (search, create and update of contacts, jobs, sales and purchase orders, line
// items, payments, and the supporting lists). Handlers decode, validate, call backoffice.Service and
// respond; the request and response types generate the OpenAPI 3.1 description.
//
// The server wraps every route in the API-key middleware, which refuses plain HTTP and writes with a
// read-only key and counts hits; handlers scope every call to the principal's account.
package boapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

// Tags group the operations in the reference.
const (
	tagV1       = "v1"
	tagContacts = "Contacts"
	tagJobs     = "Jobs"
	tagSales    = "Sales orders"
	tagPurchase = "Purchase orders"
	tagLists    = "Supporting lists"
)

// Register adds every back-office route, with its full path, to api. Unexpected errors answer 500
// without detail; RegisterLogged also logs them.
func Register(api huma.API, svc *backoffice.Service) {
	RegisterLogged(api, svc, nil)
}

// RegisterLogged is Register with a logger for unexpected (500) errors, so that they can be
// diagnosed without showing clients the internals. A nil logger discards.
func RegisterLogged(api huma.API, svc *backoffice.Service, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &handlers{svc: svc, logger: logger}
	h.registerV1(api)
	h.registerContacts(api)
	h.registerJobs(api)
	h.registerSalesOrders(api)
	h.registerPurchaseOrders(api)
	h.registerLineItems(api)
	h.registerPayments(api)
	h.registerLists(api)
}

type handlers struct {
	svc    *backoffice.Service
	logger *slog.Logger
}

// accountID returns the account of the authenticated request.
func accountID(ctx context.Context) (int64, error) {
	p, ok := account.PrincipalFrom(ctx)
	if !ok || p.AccountID == 0 {
		return 0, huma.Error401Unauthorized("an API key is required")
	}
	return p.AccountID, nil
}

// fail turns a service error into the problem+json the client sees. Fields are named where the
// client sent them: in the body.
func (h *handlers) fail(ctx context.Context, err error) error {
	var ve *backoffice.ValidationError
	switch {
	case errors.As(err, &ve):
		return huma.Error422UnprocessableEntity("validation failed",
			&huma.ErrorDetail{Location: "body." + ve.Field, Message: ve.Message, Value: ve.Value})
	case errors.Is(err, database.ErrNotFound):
		return huma.Error404NotFound(notFoundMessage(err))
	case errors.Is(err, backoffice.ErrStale):
		return huma.Error412PreconditionFailed("the object was changed since you read it: GET it again and retry")
	case errors.Is(err, backoffice.ErrConflict):
		return huma.Error409Conflict(conflictMessage(err))
	}
	h.logger.ErrorContext(ctx, "back office API", "error", err)
	return huma.Error500InternalServerError("internal error")
}

// notFoundMessage keeps the part of the error that says what was missing ("job 12: not found").
func notFoundMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		if j := strings.LastIndex(msg[:i], ": "); j >= 0 {
			return msg[j+2:]
		}
	}
	return msg
}

func conflictMessage(err error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+backoffice.ErrConflict.Error())
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// etag is the entity tag of an object at a version.
func etag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads an If-Match header into the version it requires: 0 when absent or "*".
func ifMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	v := strings.TrimPrefix(h, "W/")
	v = strings.TrimSuffix(strings.TrimPrefix(v, `"v`), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || !strings.HasPrefix(strings.TrimPrefix(h, "W/"), `"v`) {
		return 0, huma.Error412PreconditionFailed("If-Match does not hold an ETag of this API",
			&huma.ErrorDetail{Location: "header.If-Match", Value: h})
	}
	return n, nil
}

// IfMatch is the optimistic-concurrency header of every update.
type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"The ETag from your GET: the update fails with 412 if someone changed the object since."`
}

// PageQuery is the page parameter of every search. It remembers the request URL to build the link
// to the next page.
type PageQuery struct {
	Page int `query:"page" minimum:"1" default:"1" doc:"1-based page number; 10 results a page."`
	url  url.URL
}

// Resolve captures the request URL.
func (q *PageQuery) Resolve(ctx huma.Context) []error {
	q.url = ctx.URL()
	return nil
}

// ListOutput answers a search.
type ListOutput[T any] struct {
	Body ListBody[T]
}

func listOutput[T, U any](q PageQuery, p backoffice.Page[T], conv func(T) U) *ListOutput[U] {
	out := &ListOutput[U]{Body: ListBody[U]{Data: make([]U, 0, len(p.Items)), Page: p.Page, PerPage: backoffice.PerPage, Total: p.Total}}
	for _, it := range p.Items {
		out.Body.Data = append(out.Body.Data, conv(it))
	}
	if p.HasNext() {
		u := q.url
		v := u.Query()
		v.Set("page", strconv.Itoa(p.Page+1))
		next := u.Path + "?" + v.Encode()
		out.Body.Next = &next
	}
	return out
}

// GetOutput answers a get with the object and its ETag.
type GetOutput[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

// WriteOutput answers a create or an update.
type WriteOutput struct {
	Location string `header:"Location"`
	ETag     string `header:"ETag"`
	Body     WriteBody
}

func written(id, version int64, location string) *WriteOutput {
	return &WriteOutput{Location: location, ETag: etag(version), Body: WriteBody{ID: id, Location: location}}
}

// op describes one operation.
func op(method, path, id, tag, summary, desc string) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{tag}, Summary: summary, Description: desc}
	switch method {
	case http.MethodPost:
		o.DefaultStatus = http.StatusCreated
		o.Errors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}
	case http.MethodPut:
		o.Errors = []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
			http.StatusPreconditionFailed, http.StatusUnprocessableEntity}
	default:
		o.Errors = []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusUnprocessableEntity}
	}
	return o
}

// set copies *src into dst when the client sent it.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// amount parses a decimal amount of the field named field.
func amount(field, s, currency string) (int64, error) {
	n, err := backoffice.ParseAmount(s, currency)
	if err != nil {
		return 0, huma.Error422UnprocessableEntity("validation failed",
			&huma.ErrorDetail{Location: "body." + field, Message: err.Error(), Value: s})
	}
	return n, nil
}

func location(format string, args ...any) string { return fmt.Sprintf(format, args...) }
