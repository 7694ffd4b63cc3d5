package platform

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies a platform failure by what a person (or the job runner) should do about it.
type Kind string

// The kinds of platform failure. Each names the remedy: reconnect the store, fix the input,
// wait, or report a bug.
const (
	KindAuth         Kind = "auth"          // token wrong or revoked: reconnect the store
	KindForbidden    Kind = "forbidden"     // token lacks a scope: grant it in the app settings
	KindNotFound     Kind = "not_found"     // shop or object does not exist
	KindRateLimited  Kind = "rate_limited"  // over the platform's limit even after waiting
	KindInvalidInput Kind = "invalid_input" // the platform rejected the data: fix the fields named
	KindConflict     Kind = "conflict"      // state changed under us (stale compare-and-set): re-read
	KindUnavailable  Kind = "unavailable"   // platform down, timeout, 5xx: try again later
	KindInternal     Kind = "internal"      // unexpected answer: a bug here or at the platform

	// KindOutcomeUnknown: a write that is not idempotent was sent and its answer lost (timeout,
	// 5xx, connection cut): it may have taken effect. Do not repeat it blindly: look again after
	// RetryAfter (the platform's read lag), when the write, if it was made, can be found.
	KindOutcomeUnknown Kind = "outcome_unknown"
)

// FieldError is one rejected input field, as the platform named it.
type FieldError struct {
	Field   string // dotted path, e.g. "input.quantities.3.changeFromQuantity"
	Code    string // platform code, e.g. CHANGE_FROM_QUANTITY_STALE
	Message string
}

// Error is the one error type every platform returns, so callers can show a person which store
// failed, doing what, and what to fix, and the job runner can decide to retry (errors.As).
type Error struct {
	Platform   string        // "shopify", "woocommerce", ...
	Store      string        // the store's domain or key
	Op         string        // what storesync was doing: "creating order", "setting inventory"
	Kind       Kind          // what went wrong, by remedy
	Message    string        // the platform's own words
	Fields     []FieldError  // rejected fields, for KindInvalidInput and KindConflict
	StatusCode int           // HTTP status, when there was one
	Retryable  bool          // the same call may succeed later
	RetryAfter time.Duration // how long the platform asked us to wait, if it said
	Err        error         // underlying cause (network error, decode error), if any
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Platform != "" {
		b.WriteString(e.Platform + " ")
	}
	if e.Store != "" {
		b.WriteString(e.Store)
	}
	if e.Op != "" {
		b.WriteString(": " + e.Op)
	}
	b.WriteString(": " + string(e.Kind))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s", f.Field)
		if f.Code != "" {
			fmt.Fprintf(&b, " [%s]", f.Code)
		}
		if f.Message != "" {
			fmt.Fprintf(&b, " %s", f.Message)
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or "" when there is none.
func KindOf(err error) Kind {
	if pe, ok := errors.AsType[*Error](err); ok {
		return pe.Kind
	}
	return ""
}

// IsRetryable reports whether err says the same call may succeed later. Errors that are not
// *Error (context cancellation, programming errors) are not retryable.
func IsRetryable(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Retryable
}

// HasFieldCode reports whether err carries a FieldError with the given platform code.
func HasFieldCode(err error, code string) bool {
	var pe *Error
	if !errors.As(err, &pe) {
		return false
	}
	for _, f := range pe.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}
