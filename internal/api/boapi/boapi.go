// Package boapi is the HTTP layer of the back office's Open API: v1 (read-only searches of jobs and
// contacts) and v2 (search, create and update of contacts, jobs, sales and purchase orders, line
// items, payments, the supporting lists and the account's users). Handlers decode, validate, call
// backoffice.Service and respond; the request and response types generate the OpenAPI 3.1
// description.
//
// The server wraps every route in the API-key middleware, which refuses plain HTTP and writes with a
// read-only key and counts hits; handlers scope every call to the principal's account.
package boapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/money"
)

// Tags group the operations in the reference.
const (
	tagV1       = "v1"
	tagContacts = "Contacts"
	tagJobs     = "Jobs"
	tagSales    = "Sales orders"
	tagPurchase = "Purchase orders"
	tagLists    = "Supporting lists"
	tagUsers    = "Users"
)

// Register adds every back-office route (routes.go), with its full path, to api. Handlers return
// domain errors as they are: the API's one error mapper (internal/api) turns them into statuses
// and logs the unexpected ones.
func Register(api huma.API, svc *backoffice.Service) {
	h := &handlers{svc: svc}
	h.routes(api)
}

// RegisterLogged is Register; the logger is the API's since errors have one mapper.
//
// Deprecated: use Register.
func RegisterLogged(api huma.API, svc *backoffice.Service, _ *slog.Logger) { Register(api, svc) }

type handlers struct {
	svc *backoffice.Service
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
			&huma.ErrorDetail{Location: "header.If-Match", Value: api.Echo(h)})
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
	Page int `query:"page" minimum:"1" maximum:"1000000" default:"1" doc:"1-based page number; 10 results a page."`
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
	n, err := money.Parse(s, currency)
	if err != nil {
		d, _ := money.Digits(currency)
		msg := fmt.Sprintf("must be a decimal amount with at most %d decimal places for %s", d, currency)
		if errors.Is(err, money.ErrOutOfRange) {
			msg = "is out of range"
		}
		return 0, huma.Error422UnprocessableEntity("validation failed",
			&huma.ErrorDetail{Location: "body." + field, Message: msg, Value: api.Echo(s)})
	}
	return n, nil
}

func location(format string, args ...any) string { return fmt.Sprintf(format, args...) }
