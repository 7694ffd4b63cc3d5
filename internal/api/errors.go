package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/connection"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/money"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/server"
	"github.com/storesync/storesync/internal/store"
	"github.com/storesync/storesync/internal/webhook"
)

// The one error mapper of every API surface. Handlers return domain errors as they are; huma
// hands every error that is not already an HTTP status (and every validation failure) to
// huma.NewErrorWithContext, which storesync replaces once, here, with mapError. So no handler can
// leak internal text: an unknown error answers 500 "internal error" with the request ID, and the
// cause goes to the log.

type loggerKey struct{}

var installMapper sync.Once

// install makes mapError huma's error constructor. huma offers only this package-level hook; the
// mapper itself keeps no state: the logger comes with each request's context (see withLogger).
func install() {
	installMapper.Do(func() {
		newError := huma.NewError
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newError(status, shorten(msg, maxMessage), echoDetails(errs)...)
		}
		huma.NewErrorWithContext = mapError
	})
}

// maxMessage bounds the detail of any problem document, however a handler built its error: a
// message that quotes a value sent must not repeat all of it.
const maxMessage = 500

// echoDetails shortens the values and messages the error details repeat.
func echoDetails(errs []error) []error {
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		if d, ok := e.(huma.ErrorDetailer); ok && d != nil {
			if ed := d.ErrorDetail(); ed != nil {
				c := *ed
				c.Value, c.Message = Echo(c.Value), shorten(c.Message, maxMessage)
				e = &c
			}
		}
		out = append(out, e)
	}
	return out
}

// withLogger puts the API's logger into ctx for mapError.
func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// maxEcho is how much of an offending value a problem document repeats: enough to recognise it.
const maxEcho = 64

// Echo shortens a value a client sent to what an error may repeat of it.
func Echo(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	return shorten(s, maxEcho)
}

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func mapError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	var ctx context.Context = context.Background()
	if hctx != nil {
		ctx = hctx.Context()
	}
	if status == http.StatusInternalServerError && len(errs) == 1 && errs[0] != nil {
		return mapDomain(ctx, errs[0])
	}
	return huma.NewError(status, msg, errs...)
}

// mapDomain turns a domain error into its status: the one table of them.
func mapDomain(ctx context.Context, err error) huma.StatusError {
	var ve *backoffice.ValidationError
	var se huma.StatusError
	var perr *platform.Error
	var ce *connection.Error
	var cve *catalog.ValidationError
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &ce):
		return connectionError(ce)
	case errors.As(err, &cve):
		details := make([]error, 0, len(cve.Fields))
		for _, f := range cve.Fields {
			details = append(details, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message, Value: Echo(f.Value)})
		}
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed", details...)
	case errors.As(err, &ve):
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body." + ve.Field, Message: ve.Message, Value: Echo(ve.Value)})
	case errors.Is(err, database.ErrNotFound):
		return huma.NewError(http.StatusNotFound, notFoundMessage(err))
	case errors.Is(err, backoffice.ErrStale):
		return huma.NewError(http.StatusPreconditionFailed, "the object was changed since you read it: GET it again and retry")
	case errors.Is(err, backoffice.ErrConflict):
		return huma.NewError(http.StatusConflict, conflictMessage(err))
	case errors.Is(err, money.ErrOutOfRange):
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body", Message: "an amount or total is out of range"})
	case errors.Is(err, store.ErrInvalidInput), errors.Is(err, webhook.ErrInvalid), errors.Is(err, account.ErrInvalidInput):
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed",
			&huma.ErrorDetail{Location: "body", Message: shorten(err.Error(), 300)})
	case errors.Is(err, account.ErrUnauthenticated):
		return huma.NewError(http.StatusUnauthorized, "invalid API key")
	case errors.As(err, &perr):
		status := http.StatusBadGateway
		if perr.Kind == platform.KindUnavailable || perr.Kind == platform.KindRateLimited {
			status = http.StatusServiceUnavailable
		}
		return huma.NewError(status, fmt.Sprintf("the store's platform answered %s while %s; see the store's page", perr.Kind, perr.Op))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return huma.NewError(http.StatusServiceUnavailable, "the request was cut short; try again")
	}
	id := server.RequestID(ctx)
	logger, _ := ctx.Value(loggerKey{}).(*slog.Logger)
	if logger == nil {
		logger = slog.Default()
	}
	logger.ErrorContext(ctx, "API operation failed", "request_id", id, "error", err)
	detail := "internal error"
	if id != "" {
		detail += "; the request ID is " + id
	}
	return huma.NewError(http.StatusInternalServerError, detail)
}

// connectionError answers a refused connection request with its status, naming the input at
// fault when there is one.
func connectionError(ce *connection.Error) huma.StatusError {
	status := http.StatusUnprocessableEntity
	switch {
	case errors.Is(ce, connection.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(ce, connection.ErrConflict):
		status = http.StatusConflict
	case errors.Is(ce, connection.ErrForbidden):
		status = http.StatusForbidden
	}
	if ce.Field == "" {
		return huma.NewError(status, ce.Message)
	}
	return huma.NewError(status, ce.Message, &huma.ErrorDetail{Location: "body." + ce.Field, Message: ce.Message})
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

// AccountID is the account of the request's principal. The gate admits no request to an
// operation without one, so handlers take it from here once and never re-check it; an operation
// registered outside the gate is a programming error and panics (the server answers 500).
func AccountID(ctx context.Context) int64 {
	p, ok := account.PrincipalFrom(ctx)
	if !ok || p.AccountID == 0 {
		panic("api: operation called without the gate's principal")
	}
	return p.AccountID
}
