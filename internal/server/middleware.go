// Package server is storesync's HTTP plumbing: the middleware every request passes (request ID,
// recovery, body limit, access log, metrics), TLS with a kept self-signed certificate, and a
// listener with graceful shutdown. It knows nothing of the routes it serves.
package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

type requestIDKey struct{}

// RequestID returns the ID of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RouteLimit gives the requests whose path starts with Prefix their own body limit: the webhooks
// platforms send are larger than anything the API takes.
type RouteLimit struct {
	Prefix   string
	MaxBytes int64
}

// bodyLimit is the limit of r's path: the first route limit whose prefix matches, else maxBody.
func bodyLimit(r *http.Request, maxBody int64, routes []RouteLimit) int64 {
	for _, rl := range routes {
		if strings.HasPrefix(r.URL.Path, rl.Prefix) {
			return rl.MaxBytes
		}
	}
	return maxBody
}

// Wrap puts the middleware around h, outermost first: request ID, recovery, body limit (maxBody,
// or a route's own), then the access log and metrics, which sit right outside h so they see the
// route pattern the mux matched.
func Wrap(h http.Handler, logger *slog.Logger, m *Metrics, maxBody int64, routes ...RouteLimit) http.Handler {
	observed := observe(h, logger, m)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = rand.Text()[:20]
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(ctx)
		defer recoverPanic(ctx, w, logger, id)
		if limit := bodyLimit(r, maxBody, routes); r.Body != nil && limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		observed.ServeHTTP(w, r)
	})
}

// recoverPanic, deferred by Wrap, turns a handler's panic into a logged 500 that names the request
// ID. http.ErrAbortHandler is re-raised: it is net/http's way to abort a response on purpose.
// recover works here because recoverPanic itself is the deferred call.
func recoverPanic(ctx context.Context, w http.ResponseWriter, logger *slog.Logger, id string) {
	v := recover()
	if v == nil {
		return
	}
	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		panic(v)
	}
	logger.ErrorContext(ctx, "panic serving request", "request_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	WriteProblem(w, http.StatusInternalServerError, "internal error; the request ID is "+id)
}

func observe(h http.Handler, logger *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r) // the mux sets r.Pattern on this same request
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		if m != nil {
			m.observeRequest(r.Method, route, sw.status, d)
		}
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		}
		logger.Log(r.Context(), level, "request", "request_id", RequestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "route", route, "status", sw.status, "bytes", sw.bytes, "duration", d)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status, bytes int
	wrote         bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// problem is an RFC 9457 problem document.
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// WriteProblem answers with an RFC 9457 problem document. encoding/json escapes the detail for
// JSON (and <, > and & for HTML), so whatever text it carries stays one string.
func WriteProblem(w http.ResponseWriter, status int, detail string) {
	b, err := json.Marshal(problem{Title: http.StatusText(status), Status: status, Detail: detail})
	if err != nil { // strings and an int: encoding cannot fail
		http.Error(w, detail, status)
		return
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
