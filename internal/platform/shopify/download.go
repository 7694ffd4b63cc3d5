package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/storesync/storesync/internal/platform"
)

// errDownloadIdle is the cause a stalled download is cancelled with.
var errDownloadIdle = errors.New("no data received")

// idleReader cancels a download when one Read waits longer than the idle timeout. Only time
// spent waiting for bytes counts: the caller may take as long as it likes with each product
// between reads.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.timer.Reset(r.idle)
	n, err := r.r.Read(p)
	r.timer.Stop()
	return n, err //nolint:wrapcheck // an io.Reader passes its source's errors through (io.EOF must stay io.EOF)
}

// streamJSONL downloads a bulk result and feeds it, one JSON value at a time, to an assembler.
// The download URL is pre-signed: it takes no access token. It runs on DownloadClient, without
// the API client's total timeout; a connection that stops delivering bytes for
// DownloadIdleTimeout (waiting for the headers included) is cancelled and reported as retryable.
func (c *Client) streamJSONL(parent context.Context, url string, asm *productAssembler) error {
	const what = "downloading bulk result"
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	var once sync.Once
	timer := time.AfterFunc(c.cfg.DownloadIdleTimeout, func() { once.Do(func() { cancel(errDownloadIdle) }) })
	defer timer.Stop()
	unavailable := func(msg string, err error) error {
		if parent.Err() != nil {
			return fmt.Errorf("%s: %w", what, parent.Err())
		}
		if errors.Is(context.Cause(ctx), errDownloadIdle) {
			msg = fmt.Sprintf("%s: %s for %s", msg, errDownloadIdle, c.cfg.DownloadIdleTimeout)
		}
		e := c.newError(what, platform.KindUnavailable, msg)
		e.Err, e.Retryable = err, true
		return e
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return c.invalid(what, err)
	}
	res, err := c.cfg.DownloadClient.Do(req)
	timer.Stop()
	if err != nil {
		return unavailable("cannot download bulk result", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e := c.newError(what, platform.KindUnavailable, "bulk result download: "+res.Status)
		e.StatusCode, e.Retryable = res.StatusCode, res.StatusCode >= 500
		return e
	}
	dec := json.NewDecoder(&idleReader{r: res.Body, timer: timer, idle: c.cfg.DownloadIdleTimeout})
	for {
		var line json.RawMessage
		if err := dec.Decode(&line); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return unavailable("reading bulk result", err)
		}
		if err := asm.add(line); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return asm.flush()
}

// productAssembler rebuilds products from bulk JSONL: a product line, then its variant and
// media lines naming it in __parentId (the query runs with groupObjects: true, which guarantees
// that order). Only the current product is kept.
type productAssembler struct {
	currency string
	emit     func(platform.Product) error
	cur      *gProduct
	count    int
}

// gBulkChild is a child line of a bulk product: a variant or a media node. Decoding both shapes
// at once reads each line once; __typename tells them apart.
type gBulkChild struct {
	gVariant
	TypeName string `json:"__typename"`
	Alt      string `json:"alt"`
	Image    *struct {
		URL     string `json:"url"`
		AltText string `json:"altText"`
	} `json:"image"`
}

func (a *productAssembler) add(line json.RawMessage) error {
	// Decode as a child first: children outnumber products, and __parentId tells them apart.
	var ch gBulkChild
	if err := json.Unmarshal(line, &ch); err != nil {
		return fmt.Errorf("bulk line: %w", err)
	}
	if ch.ParentID == "" {
		if err := a.flush(); err != nil {
			return err
		}
		var p gProduct
		if err := json.Unmarshal(line, &p); err != nil {
			return fmt.Errorf("bulk product %s: %w", ch.ID, err)
		}
		a.cur = &p
		return nil
	}
	if a.cur == nil || a.cur.ID != ch.ParentID {
		// Children arrive after their parent; one that does not is emitted on a stub of its
		// product (id only) rather than dropped, so the caller still sees the variant.
		if err := a.flush(); err != nil {
			return err
		}
		a.cur = &gProduct{ID: ch.ParentID}
	}
	switch ch.TypeName {
	case "", "ProductVariant":
		a.cur.Variants.Nodes = append(a.cur.Variants.Nodes, ch.gVariant)
	default: // media: images kept, videos and 3D models skipped by images()
		a.cur.Media.Nodes = append(a.cur.Media.Nodes, gMedia{TypeName: ch.TypeName, ID: ch.ID, Alt: ch.Alt, Image: ch.Image})
	}
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
