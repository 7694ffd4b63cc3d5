package boapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database"
)

func TestFail(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := &handlers{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, tc := range []struct {
		err      error
		status   int
		detail   string
		location string
	}{
		{fmt.Errorf("updating job: job 7: %w", database.ErrNotFound), http.StatusNotFound, "job 7: not found", ""},
		{fmt.Errorf("creating job: %w", &backoffice.ValidationError{Field: "primary_rep", Message: "unknown"}), http.StatusUnprocessableEntity, "", "body.primary_rep"},
		{fmt.Errorf("updating job: job 7 is at version 2, not 1: %w", backoffice.ErrStale), http.StatusPreconditionFailed, "", ""},
		{fmt.Errorf("updating job: job 7 is a store job, not dropship: %w", backoffice.ErrConflict), http.StatusConflict, "job 7 is a store job, not dropship", ""},
		{errors.New("connection reset by secret-host"), http.StatusInternalServerError, "internal error", ""},
	} {
		err := h.fail(context.Background(), tc.err)
		var se *huma.ErrorModel
		if !errors.As(err, &se) || se.Status != tc.status {
			t.Errorf("%v: got %v, want status %d", tc.err, err, tc.status)
			continue
		}
		if tc.detail != "" && se.Detail != tc.detail {
			t.Errorf("%v: detail %q, want %q", tc.err, se.Detail, tc.detail)
		}
		if tc.location != "" && (len(se.Errors) != 1 || se.Errors[0].Location != tc.location) {
			t.Errorf("%v: errors %+v, want location %s", tc.err, se.Errors, tc.location)
		}
		if strings.Contains(se.Detail, "secret-host") {
			t.Errorf("internal error leaked: %q", se.Detail)
		}
	}
	if !strings.Contains(logs.String(), "secret-host") {
		t.Errorf("the unexpected error was not logged: %q", logs.String())
	}
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		version int64
		bad     bool
	}{
		{"", 0, false},
		{"*", 0, false},
		{`"v3"`, 3, false},
		{`W/"v12"`, 12, false},
		{`"3"`, 0, true},
		{`"v0"`, 0, true},
		{`"vx"`, 0, true},
		{`v3`, 0, true},
	} {
		v, err := ifMatch(tc.in)
		if (err != nil) != tc.bad || v != tc.version {
			t.Errorf("ifMatch(%q) = %d, %v; want %d, error %v", tc.in, v, err, tc.version, tc.bad)
		}
	}
}
