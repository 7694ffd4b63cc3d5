package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// testApp opens the whole application on a fresh database of the given kind (SQLite when none is
// given), for the length of t.
func testApp(t *testing.T, dialect ...database.Dialect) *app.App {
	t.Helper()
	dir := t.TempDir()
	d := database.SQLite
	if len(dialect) > 0 {
		d = dialect[0]
	}
	cfg := config.Config{DataDir: dir, DB: dbtest.NewURL(t, d), LogLevel: "info", LogFormat: "json",
		Addr: "127.0.0.1:0", MaxBodyBytes: 1 << 20, Workers: 2, JobTimeout: time.Minute, JobRescueAfter: 2 * time.Minute,
		ShutdownTimeout: time.Second}
	if d == database.Postgres {
		cfg.SecretKey = testSecretKey // PostgreSQL needs a key; SQLite makes one in the data directory
	}
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{Work: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// eachApp runs fn with the application on SQLite and on PostgreSQL (when STORESYNC_TEST_POSTGRES
// is set; skipped, and saying so, otherwise).
func eachApp(t *testing.T, fn func(t *testing.T, a *app.App)) {
	t.Helper()
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel() // each dialect has its own application and database
			fn(t, testApp(t, d))
		})
	}
}

// The OpenAPI description the server serves is valid OpenAPI 3.1 by a real validator, and every
// operation is documented on the offline reference page.
func TestOpenAPIDescriptionIsValid(t *testing.T) {
	t.Parallel()
	eachApp(t, testOpenAPIDescription)
}

func testOpenAPIDescription(t *testing.T, a *app.App) {
	srv := httptest.NewServer(a.Handler(app.ServeOptions{}))
	defer srv.Close()
	resp, err := httpGet(t, srv.Client(), srv.URL+"/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading the OpenAPI description: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("OpenAPI version %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI description is invalid: %v", err)
	}
	resp, err = httpGet(t, srv.Client(), srv.URL+"/api/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(page), "<script src=") || strings.Contains(string(page), "cdn") {
		t.Error("the reference page loads scripts from elsewhere; it must work offline")
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s %s lacks an operation ID, summary or tag", method, path)
			}
			if !strings.Contains(string(page), `id="`+op.OperationID+`"`) {
				t.Errorf("the reference page does not show %s", op.OperationID)
			}
		}
	}
	if n < 5 {
		t.Errorf("only %d operations described", n)
	}
}

// httpGet sends a GET that ends with the test.
func httpGet(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}
