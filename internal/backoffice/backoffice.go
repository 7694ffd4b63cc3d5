// Package backoffice is storesync's built-in order-management system: contacts, jobs, their sales
// and purchase orders, line items, payments and the supporting lists an account edits. It holds the
// rules that protect that data (job numbering, status transitions, reps who must be users of the
// account, store jobs that need a store ID, the 13-month visibility window of the Open API) and its
// storage on SQLite and PostgreSQL. It knows nothing of HTTP.
package backoffice

import (
	"errors"
	"fmt"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// PerPage is the fixed size of a page of search results, as the Open API promises its clients.
const PerPage = 10

// VisibleMonths is how far back jobs (and everything under them) are visible through the API.
const VisibleMonths = 13

// Service is the back office of every account. Each method takes the account it acts for in its
// params and never reads or writes another account's rows.
type Service struct {
	db  *database.DB
	now func() time.Time
}

// NewService returns the back office over db. now is the clock: the 13-month window and every
// created_at/updated_at depend on it, so tests inject a fixed one.
func NewService(db *database.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// VisibleSince returns the oldest creation time of a job the API may show at instant now.
func VisibleSince(now time.Time) time.Time {
	return now.UTC().AddDate(0, -VisibleMonths, 0)
}

// visibleSince is VisibleSince for this service's clock, or the zero time when the caller asked
// for old jobs too.
func (s *Service) visibleSince(includeOld bool) time.Time {
	if includeOld {
		return time.Time{}
	}
	return VisibleSince(s.now())
}

// Errors the service returns besides a wrapped database.ErrNotFound, so that callers can map them to
// their own (for example HTTP) errors with errors.Is and errors.As.
var (
	// ErrStale means the caller's expected version no longer matches: someone else wrote first.
	ErrStale = errors.New("the object was changed by someone else")
	// ErrConflict means the request is well formed but cannot apply to the object as it is, for
	// example updating a store job through the dropship endpoint.
	ErrConflict = errors.New("conflict")
)

// ValidationError names the input field that broke a rule, by its API name (snake_case), so that
// callers can point the user at it.
type ValidationError struct {
	Field   string
	Message string
	Value   any
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

func invalid(field string, value any, format string, args ...any) error {
	return &ValidationError{Field: field, Value: value, Message: fmt.Sprintf(format, args...)}
}

func notFound(what string, id int64) error {
	return fmt.Errorf("%s %d: %w", what, id, database.ErrNotFound)
}

// Page is one page of search results.
type Page[T any] struct {
	Items []T
	// Page is the 1-based page number returned.
	Page int
	// Total counts every match, on all pages.
	Total int64
}

// HasNext reports whether a page follows this one.
func (p Page[T]) HasNext() bool { return int64(p.Page)*PerPage < p.Total }

// MaxPage is the highest page number a search takes, so that the offset (page-1)×PerPage can
// never overflow; the Open API declares it as the maximum of its page parameter.
const MaxPage = 1_000_000

func pageOffset(page int) (int, int) {
	page = min(max(page, 1), MaxPage)
	return page, (page - 1) * PerPage
}
