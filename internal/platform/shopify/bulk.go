package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/storesync/storesync/internal/platform"
)

// BulkStatus is the state of a bulk operation.
type BulkStatus struct {
	ID              string `json:"id"`
	Status          string `json:"status"`
	ErrorCode       string `json:"errorCode"`
	ObjectCount     string `json:"objectCount"`
	RootObjectCount string `json:"rootObjectCount"`
	URL             string `json:"url"`
	PartialDataURL  string `json:"partialDataUrl"`
}

type gBulkRun struct {
	BulkOperationRunQuery struct {
		BulkOperation *struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"bulkOperation"`
		UserErrors []userError `json:"userErrors"`
	} `json:"bulkOperationRunQuery"`
}

// ExportCatalog reads the whole catalog with a bulk operation and calls fn once per product with
// all its variants. The JSONL result is decoded line by line from the response stream; only the
// product being assembled is held in memory, whatever the catalog's size.
func (c *Client) ExportCatalog(ctx context.Context, fn func(platform.Product) error) error {
	cur, err := c.currency(ctx)
	if err != nil {
		return err
	}
	url, err := c.RunBulkQuery(ctx, c.docs["bulkProducts"])
	if err != nil {
		return err
	}
	if url == "" {
		return nil // Shopify gives no file when the query matched nothing
	}
	return c.streamJSONL(ctx, url, &productAssembler{currency: cur, emit: fn})
}

// RunBulkQuery starts a bulk query, waits for it to finish and returns the URL of its JSONL
// result ("" when there were no objects).
func (c *Client) RunBulkQuery(ctx context.Context, query string) (string, error) {
	const what = "running bulk query"
	var run gBulkRun
	// A bulk query reads only; starting a second one while the first runs fails with a user
	// error rather than doing harm, so the start is safe to retry.
	if err := c.do(ctx, op{doc: "bulkOperationRunQuery", what: what, retrySafe: true}, map[string]any{"query": query}, &run); err != nil {
		return "", err
	}
	if err := c.userErrorsToError(what, run.BulkOperationRunQuery.UserErrors); err != nil {
		return "", err
	}
	if run.BulkOperationRunQuery.BulkOperation == nil {
		return "", c.newError(what, platform.KindInternal, "no bulk operation returned")
	}
	id := run.BulkOperationRunQuery.BulkOperation.ID
	for {
		st, err := c.BulkOperation(ctx, id)
		if err != nil {
			return "", err
		}
		switch st.Status {
		case "COMPLETED":
			return st.URL, nil
		case "FAILED", "CANCELED", "CANCELING", "EXPIRED":
			e := c.newError(what, platform.KindUnavailable, fmt.Sprintf("bulk operation %s %s (%s)", id, strings.ToLower(st.Status), st.ErrorCode))
			e.Retryable = st.Status == "FAILED" && st.ErrorCode == "INTERNAL_SERVER_ERROR"
			return "", e
		}
		if err := c.cfg.Sleep(ctx, c.cfg.BulkPollInterval); err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
	}
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

// streamJSONL downloads a bulk result and feeds it, one JSON value at a time, to an assembler.
// The download URL is pre-signed: it takes no access token.
func (c *Client) streamJSONL(ctx context.Context, url string, asm *productAssembler) error {
	const what = "downloading bulk result"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return c.invalid(what, err)
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		e := c.newError(what, platform.KindUnavailable, "cannot download bulk result")
		e.Err, e.Retryable = err, true
		return e
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e := c.newError(what, platform.KindUnavailable, "bulk result download: "+res.Status)
		e.StatusCode, e.Retryable = res.StatusCode, res.StatusCode >= 500
		return e
	}
	dec := json.NewDecoder(res.Body)
	for {
		var line json.RawMessage
		if err := dec.Decode(&line); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			e := c.newError(what, platform.KindUnavailable, "reading bulk result")
			e.Err, e.Retryable = err, true
			return e
		}
		if err := asm.add(line); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return asm.flush()
}

// productAssembler rebuilds products from bulk JSONL: a product line, then its variant lines
// naming it in __parentId (the query runs with groupObjects: true, which guarantees that order).
// Only the current product is kept.
type productAssembler struct {
	currency string
	emit     func(platform.Product) error
	cur      *gProduct
	count    int
}

func (a *productAssembler) add(line json.RawMessage) error {
	// Decode as a variant first: variants outnumber products, and __parentId tells them apart.
	var v gVariant
	if err := json.Unmarshal(line, &v); err != nil {
		return fmt.Errorf("bulk line: %w", err)
	}
	if v.ParentID == "" {
		if err := a.flush(); err != nil {
			return err
		}
		var p gProduct
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("bulk product %s: %w", v.ID, err)
		}
		a.cur = &p
		return nil
	}
	if a.cur == nil || a.cur.ID != v.ParentID {
		// Children arrive after their parent; one that does not is emitted on a stub of its
		// product (id only) rather than dropped, so the caller still sees the variant.
		if err := a.flush(); err != nil {
			return err
		}
		a.cur = &gProduct{ID: v.ParentID}
	}
	a.cur.Variants.Nodes = append(a.cur.Variants.Nodes, v)
	return nil
}

func (a *productAssembler) flush() error {
	if a.cur == nil {
		return nil
	}
	p, err := a.cur.product(a.currency)
	a.cur = nil
	if err != nil {
		return err
	}
	a.count++
	return a.emit(p)
}
