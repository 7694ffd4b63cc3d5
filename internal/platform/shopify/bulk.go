package shopify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// BulkStatus is the state of a bulk operation.
type BulkStatus struct {
	ID              string    `json:"id"`
	Status          string    `json:"status"`
	ErrorCode       string    `json:"errorCode"`
	CreatedAt       time.Time `json:"createdAt"`
	ObjectCount     string    `json:"objectCount"`
	RootObjectCount string    `json:"rootObjectCount"`
	FileSize        string    `json:"fileSize"`
	URL             string    `json:"url"`
	PartialDataURL  string    `json:"partialDataUrl"`
	Query           string    `json:"query"`
}

type gBulkRun struct {
	BulkOperationRunQuery struct {
		BulkOperation *BulkStatus `json:"bulkOperation"`
		UserErrors    []userError `json:"userErrors"`
	} `json:"bulkOperationRunQuery"`
}

type gBulkInProgress struct {
	Running struct {
		Nodes []BulkStatus `json:"nodes"`
	} `json:"running"`
	Created struct {
		Nodes []BulkStatus `json:"nodes"`
	} `json:"created"`
}

// ExportCatalog reads the whole catalog with a bulk operation and calls fn once per product with
// all its variants and images, waiting for the operation inside the call (at most
// Config.BulkMaxWait). It is the small-catalog path, built on StartCatalogExport, ExportStatus
// and ReadExport, which a job uses for a large one.
func (c *Client) ExportCatalog(ctx context.Context, fn func(platform.Product) error) error {
	const what = "exporting catalog"
	h, err := c.StartCatalogExport(ctx)
	if err != nil {
		return err
	}
	deadline := c.cfg.Now().Add(c.cfg.BulkMaxWait)
	for {
		st, err := c.ExportStatus(ctx, h)
		if err != nil {
			return err
		}
		if st.Status == platform.ExportFailed {
			e := c.newError(what, platform.KindUnavailable, "bulk operation "+h.ID+" "+st.Reason)
			e.Retryable = st.Retryable
			return e
		}
		if st.Status == platform.ExportCompleted {
			break
		}
		if !c.cfg.Now().Before(deadline) {
			e := c.newError(what, platform.KindUnavailable, fmt.Sprintf("bulk operation %s still running after %s (%d objects): a large catalog needs a job driving StartCatalogExport", h.ID, c.cfg.BulkMaxWait, st.Objects))
			e.Retryable = true
			return e
		}
		if err := c.cfg.Sleep(ctx, c.cfg.BulkPollInterval); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return c.ReadExport(ctx, h, fn)
}

// StartCatalogExport starts the bulk query of the whole catalog, or adopts the one already
// running: a job re-run after a crash, or two jobs at once, poll one operation instead of
// starting duplicates (a shop runs few bulk queries at a time and the rest fail).
func (c *Client) StartCatalogExport(ctx context.Context) (platform.ExportHandle, error) {
	const what = "starting catalog export"
	query := c.docs["bulkProducts"]
	if h, ok, err := c.runningBulkQuery(ctx, query); err != nil || ok {
		return h, err
	}
	var run gBulkRun
	// Starting reads nothing and changes nothing but the operation list; a retry after a lost
	// answer at worst starts a second operation, which the next start adopts.
	if err := c.do(ctx, op{doc: "bulkOperationRunQuery", what: what, retrySafe: true}, map[string]any{"query": query}, &run); err != nil {
		return platform.ExportHandle{}, err
	}
	if ue := run.BulkOperationRunQuery.UserErrors; len(ue) > 0 {
		if slices.ContainsFunc(ue, func(u userError) bool { return u.Code == "OPERATION_IN_PROGRESS" || u.Code == "LIMIT_REACHED" }) {
			// Lost a race with another start, or the shop's slots are taken by other queries.
			if h, ok, err := c.runningBulkQuery(ctx, query); err != nil || ok {
				return h, err
			}
			e := c.newError(what, platform.KindUnavailable, "the shop is running as many bulk queries as it allows: "+ue[0].Message)
			e.Retryable = true
			return platform.ExportHandle{}, e
		}
		return platform.ExportHandle{}, c.userErrorsToError(what, ue)
	}
	b := run.BulkOperationRunQuery.BulkOperation
	if b == nil {
		return platform.ExportHandle{}, c.newError(what, platform.KindInternal, "no bulk operation returned")
	}
	return platform.ExportHandle{ID: b.ID, StartedAt: b.CreatedAt}, nil
}

// runningBulkQuery finds a created or running bulk query of exactly this text, the oldest first
// (it is the nearest to done).
func (c *Client) runningBulkQuery(ctx context.Context, query string) (platform.ExportHandle, bool, error) {
	var out gBulkInProgress
	if err := c.do(ctx, op{doc: "bulkOperationsInProgress", what: "listing bulk operations", retrySafe: true}, nil, &out); err != nil {
		return platform.ExportHandle{}, false, err
	}
	want := strings.Join(strings.Fields(query), " ")
	var found *BulkStatus
	for _, b := range slices.Concat(out.Running.Nodes, out.Created.Nodes) {
		if strings.Join(strings.Fields(b.Query), " ") != want {
			continue
		}
		if found == nil || b.CreatedAt.Before(found.CreatedAt) {
			found = &b
		}
	}
	if found == nil {
		return platform.ExportHandle{}, false, nil
	}
	c.log.Info("adopting running bulk query", "operation", found.ID, "objects", found.ObjectCount)
	return platform.ExportHandle{ID: found.ID, StartedAt: found.CreatedAt, Adopted: true}, true, nil
}

// ExportStatus reads the bulk operation behind h.
func (c *Client) ExportStatus(ctx context.Context, h platform.ExportHandle) (platform.ExportState, error) {
	st, err := c.BulkOperation(ctx, h.ID)
	if err != nil {
		return platform.ExportState{}, err
	}
	return exportState(st), nil
}

func exportState(st BulkStatus) platform.ExportState {
	out := platform.ExportState{Status: platform.ExportRunning}
	out.Objects, _ = strconv.ParseInt(st.ObjectCount, 10, 64)
	out.Bytes, _ = strconv.ParseInt(st.FileSize, 10, 64)
	switch st.Status {
	case "COMPLETED":
		out.Status = platform.ExportCompleted
	case "FAILED", "CANCELED", "CANCELING", "EXPIRED":
		out.Status = platform.ExportFailed
		out.Reason = strings.ToLower(st.Status)
		if st.ErrorCode != "" {
			out.Reason += " (" + st.ErrorCode + ")"
		}
		out.Retryable = st.Status != "FAILED" || st.ErrorCode == "INTERNAL_SERVER_ERROR"
	}
	return out
}

// ReadExport streams the result of a completed export to fn. The file is read with
// Config.DownloadClient, which has no total timeout: a large catalog's file takes as long as it
// takes, and only a download making no progress for Config.DownloadIdleTimeout fails.
func (c *Client) ReadExport(ctx context.Context, h platform.ExportHandle, fn func(platform.Product) error) error {
	return c.ReadExportFrom(ctx, h, "", func(p platform.Product, _ string) error { return fn(p) })
}

// ReadExportFrom is ReadExport resumed at a position (from) that an earlier read gave with a
// product: the products after it are read, and only those ("" reads from the beginning). Each
// product comes with the position just after it. A position is the byte offset of the export's
// file where the next product begins; the file is downloaded from there with a Range request.
func (c *Client) ReadExportFrom(ctx context.Context, h platform.ExportHandle, from string, fn func(p platform.Product, next string) error) error {
	const what = "reading catalog export"
	var offset int64
	if from != "" {
		n, err := strconv.ParseInt(from, 10, 64)
		if err != nil || n < 0 {
			return c.newError(what, platform.KindInvalidInput, fmt.Sprintf("position %q is not a byte offset of the export's file", from))
		}
		offset = n
	}
	st, err := c.BulkOperation(ctx, h.ID)
	if err != nil {
		return err
	}
	switch s := exportState(st); s.Status {
	case platform.ExportRunning:
		return c.newError(what, platform.KindConflict, "bulk operation "+h.ID+" is not done yet")
	case platform.ExportFailed:
		e := c.newError(what, platform.KindUnavailable, "bulk operation "+h.ID+" "+s.Reason)
		e.Retryable = s.Retryable
		return e
	case platform.ExportCompleted:
	}
	if st.URL == "" {
		return nil // Shopify gives no file when the query matched nothing
	}
	cur, err := c.currency(ctx)
	if err != nil {
		return err
	}
	emit := func(p platform.Product, next int64) error { return fn(p, strconv.FormatInt(next, 10)) }
	return c.streamJSONL(ctx, st.URL, offset, &productAssembler{currency: cur, emit: emit})
}

// BulkOperation reads the status of a bulk operation.
func (c *Client) BulkOperation(ctx context.Context, id string) (BulkStatus, error) {
	var out struct {
		BulkOperation *BulkStatus `json:"bulkOperation"`
	}
	if err := c.do(ctx, op{doc: "bulkOperation", what: "polling bulk operation", retrySafe: true}, map[string]any{"id": id}, &out); err != nil {
		return BulkStatus{}, err
	}
	if out.BulkOperation == nil {
		return BulkStatus{}, c.newError("polling bulk operation", platform.KindNotFound, "no bulk operation "+id)
	}
	return *out.BulkOperation, nil
}
