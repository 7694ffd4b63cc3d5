package shopify

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/shopify/queries"
)

// TestStartCatalogExport covers how a start finds an operation to adopt: only one running the
// very same query, found before starting or after losing a race; and a shop whose slots are all
// taken by other queries is a retryable refusal.
func TestStartCatalogExport(t *testing.T) {
	t.Parallel()
	ours := func(id, status, created string) map[string]any {
		return map[string]any{"id": id, "status": status, "createdAt": created, "objectCount": "7",
			"query": strings.ReplaceAll(queries.Get("bulkProducts"), "\n", "\n  ")} // reformatted: whitespace differs
	}
	other := map[string]any{"id": "gid://shopify/BulkOperation/9", "status": "RUNNING", "createdAt": "2026-11-23T10:00:00Z", "query": "{ orders { edges { node { id } } } }"}
	inProgress := func(running, created []any) map[string]any {
		return map[string]any{"running": map[string]any{"nodes": running}, "created": map[string]any{"nodes": created}}
	}
	runOK := map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/20", "status": "CREATED", "createdAt": "2026-11-23T12:00:00Z"}, "userErrors": []any{}}}
	runRefused := func(code string) map[string]any {
		return map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": nil, "userErrors": []any{
			map[string]any{"code": code, "field": []any{"query"}, "message": "A bulk query operation for this app and shop is already in progress."}}}}
	}
	tests := []struct {
		name     string
		lists    []map[string]any // answers to BulkOperationsInProgress, in order
		run      map[string]any
		wantID   string
		adopted  bool
		wantKind platform.Kind
		runs     int
	}{
		{"nothing running: starts", []map[string]any{inProgress(nil, nil)}, runOK, "gid://shopify/BulkOperation/20", false, "", 1},
		{"ours running: adopts the oldest", []map[string]any{inProgress([]any{ours("gid://shopify/BulkOperation/5", "RUNNING", "2026-11-23T11:00:00Z"), other}, []any{ours("gid://shopify/BulkOperation/6", "CREATED", "2026-11-23T11:30:00Z")})}, runOK, "gid://shopify/BulkOperation/5", true, "", 0},
		{"only another query running: starts", []map[string]any{inProgress([]any{other}, nil)}, runOK, "gid://shopify/BulkOperation/20", false, "", 1},
		{"lost a race: adopts the winner", []map[string]any{inProgress(nil, nil), inProgress(nil, []any{ours("gid://shopify/BulkOperation/7", "CREATED", "2026-11-23T11:59:00Z")})}, runRefused("OPERATION_IN_PROGRESS"), "gid://shopify/BulkOperation/7", true, "", 1},
		{"slots taken by others: retry later", []map[string]any{inProgress([]any{other}, nil), inProgress([]any{other}, nil)}, runRefused("LIMIT_REACHED"), "", false, platform.KindUnavailable, 1},
		{"invalid query: not retried", []map[string]any{inProgress(nil, nil)}, runRefused("INVALID"), "", false, platform.KindInvalidInput, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, nil)
			f.handle = func(w http.ResponseWriter, c call, n int) {
				switch c.Op {
				case "BulkOperationsInProgress":
					reply(w, tc.lists[min(n, len(tc.lists)-1)])
				case "BulkOperationRunQuery":
					reply(w, tc.run)
				}
			}
			c, _ := f.client(t)
			h, err := c.StartCatalogExport(context.Background())
			if tc.wantKind != "" {
				var pe *platform.Error
				if !asError(err, &pe) || pe.Kind != tc.wantKind || pe.Retryable != (tc.wantKind == platform.KindUnavailable) {
					t.Fatalf("want a %s error, got %+v, %v", tc.wantKind, h, err)
				}
			} else if err != nil || h.ID != tc.wantID || h.Adopted != tc.adopted || h.StartedAt.IsZero() {
				t.Fatalf("got %+v, %v; want %s adopted=%v", h, err, tc.wantID, tc.adopted)
			}
			if runs := len(f.opCalls("BulkOperationRunQuery")); runs != tc.runs {
				t.Fatalf("%d bulkOperationRunQuery calls, want %d", runs, tc.runs)
			}
		})
	}
}

func TestExportState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status, code string
		want         platform.ExportStatus
		retryable    bool
	}{
		{"CREATED", "", platform.ExportRunning, false},
		{"RUNNING", "", platform.ExportRunning, false},
		{"COMPLETED", "", platform.ExportCompleted, false},
		{"FAILED", "INTERNAL_SERVER_ERROR", platform.ExportFailed, true},
		{"FAILED", "ACCESS_DENIED", platform.ExportFailed, false},
		{"FAILED", "TIMEOUT", platform.ExportFailed, false},
		{"EXPIRED", "", platform.ExportFailed, true},
		{"CANCELING", "", platform.ExportFailed, true},
		{"CANCELED", "", platform.ExportFailed, true},
	}
	for _, tc := range tests {
		st := exportState(BulkStatus{Status: tc.status, ErrorCode: tc.code, ObjectCount: "12", FileSize: "345"})
		if st.Status != tc.want || st.Retryable != tc.retryable || st.Objects != 12 || st.Bytes != 345 ||
			(tc.want == platform.ExportFailed) != strings.Contains(st.Reason, strings.ToLower(tc.status)) {
			t.Errorf("%s/%s: %+v", tc.status, tc.code, st)
		}
	}
}

// TestExportCatalogWaitIsBounded: ExportCatalog gives up, retryable, once its operation has run
// longer than BulkMaxWait, instead of polling forever inside one job.
func TestExportCatalogWaitIsBounded(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, c call, n int) {
		switch c.Op {
		case "BulkOperationsInProgress":
			reply(w, map[string]any{"running": map[string]any{"nodes": []any{}}, "created": map[string]any{"nodes": []any{}}})
		case "BulkOperationRunQuery":
			reply(w, map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "CREATED", "createdAt": "2026-11-23T12:00:00Z"}, "userErrors": []any{}}})
		case "BulkOperation":
			reply(w, map[string]any{"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "RUNNING", "objectCount": "1000"}})
		}
	})
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c, _ := f.client(t, func(cfg *Config) {
		cfg.Now = func() time.Time { return now }
		cfg.BulkMaxWait, cfg.BulkPollInterval = time.Minute, 10*time.Second
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { now = now.Add(d); return ctx.Err() }
	})
	err := c.ExportCatalog(context.Background(), func(platform.Product) error { return nil })
	var pe *platform.Error
	if !asError(err, &pe) || pe.Kind != platform.KindUnavailable || !pe.Retryable || !strings.Contains(err.Error(), "still running after 1m0s") {
		t.Fatalf("unbounded wait: %v", err)
	}
	if polls := len(f.opCalls("BulkOperation")); polls != 7 {
		t.Fatalf("%d polls in a minute at 10 s, want 7", polls)
	}
}

// TestBulkMediaLines: image lines of a bulk export become the product's images in order; lines
// of other media are skipped; variants still assemble.
func TestBulkMediaLines(t *testing.T) {
	t.Parallel()
	var got []platform.Product
	a := &productAssembler{currency: "USD", emit: func(p platform.Product, _ int64) error { got = append(got, p); return nil }}
	lines := []string{
		`{"id":"gid://shopify/Product/1","title":"Mug","status":"ACTIVE"}`,
		`{"__typename":"MediaImage","id":"gid://shopify/MediaImage/11","alt":"Side","image":{"url":"https://cdn.shopify.com/a.jpg","altText":"Side"},"__parentId":"gid://shopify/Product/1"}`,
		`{"__typename":"Video","id":null,"alt":null,"image":null,"__parentId":"gid://shopify/Product/1"}`,
		`{"__typename":"MediaImage","id":"gid://shopify/MediaImage/12","alt":null,"image":{"url":"https://cdn.shopify.com/b.jpg","altText":"Top"},"__parentId":"gid://shopify/Product/1"}`,
		`{"id":"gid://shopify/ProductVariant/2","sku":"MUG","price":"4.50","inventoryItem":{"id":"gid://shopify/InventoryItem/3","tracked":true,"measurement":{"weight":{"unit":"POUNDS","value":0.75}}},"__parentId":"gid://shopify/Product/1"}`,
		`{"id":"gid://shopify/Product/4","title":"Plain","status":"DRAFT"}`,
	}
	for _, l := range lines {
		if err := a.add([]byte(l), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.flush(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[1].Images) != 0 {
		t.Fatalf("products %+v", got)
	}
	p := got[0]
	if len(p.Images) != 2 || p.Images[0].ID != "gid://shopify/MediaImage/11" || p.Images[1].AltText != "Top" || p.Images[1].Position != 2 ||
		len(p.Variants) != 1 || p.Variants[0].Weight == nil || p.Variants[0].Weight.String() != "0.75 lb" || p.Variants[0].Price.Amount != 450 {
		t.Fatalf("product %+v", p)
	}
}
