package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/server"
)

// A route limit replaces the global body limit for the paths it names, and only for them.
func TestRouteBodyLimits(t *testing.T) {
	t.Parallel()
	read := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	h := server.Wrap(read, slog.New(slog.DiscardHandler), nil, 1024, server.RouteLimit{Prefix: "/webhooks/", MaxBytes: 4096})
	for _, tc := range []struct {
		path string
		size int
		want int
	}{
		{"/api/v2/x", 1000, 200},
		{"/api/v2/x", 2000, 413},
		{"/webhooks/shopify/k", 2000, 200},
		{"/webhooks/shopify/k", 5000, 413},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, tc.path, strings.NewReader(strings.Repeat("x", tc.size))))
		if rec.Code != tc.want {
			t.Errorf("%s with %d bytes: %d, want %d", tc.path, tc.size, rec.Code, tc.want)
		}
	}
}
