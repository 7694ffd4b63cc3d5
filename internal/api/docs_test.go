package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/api"
)

// The reference page renders the descriptions' Markdown, keeps out whatever HTML or script they
// carry, and links back to the dashboard.
func TestDocsRenderMarkdownSafely(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	api.New(mux, api.Deps{Register: []func(huma.API){func(h huma.API) {
		huma.Register(h, huma.Operation{
			OperationID: "get-thing", Method: http.MethodGet, Path: "/api/v2/thing", Summary: "A thing", Tags: []string{"Things"},
			Description: "Send `Authorization: Bearer` and **mind** the [guide](https://example.com/guide).\n\n" +
				"<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)>",
		}, func(context.Context, *struct{}) (*struct{}, error) { return &struct{}{}, nil })
	}}})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/api/docs", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, want := range []string{"<code>Authorization: Bearer</code>", "<strong>mind</strong>", `<a href="https://example.com/guide">guide</a>`,
		`<a href="/">← Dashboard</a>`, "<code>Authorization: Bearer ssk_...</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>alert", "javascript:", "onerror", "**mind**", "`Authorization"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
}
