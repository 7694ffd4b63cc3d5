package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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
	n     int64 // bytes read
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.timer.Reset(r.idle)
	n, err := r.r.Read(p)
	r.timer.Stop()
	r.n += int64(n)
	return n, err //nolint:wrapcheck // an io.Reader passes its source's errors through (io.EOF must stay io.EOF)
}

// streamJSONL downloads a bulk result from byte offset from (0: the whole file) and feeds it,
// one JSON value at a time, to an assembler, with the offset each line starts at. The download
// URL is pre-signed: it takes no access token. It runs on DownloadClient, without the API
// client's total timeout; a connection that stops delivering bytes for DownloadIdleTimeout
// (waiting for the headers included) is cancelled and reported as retryable. A later offset is
// asked for with a Range request; a server answering with the whole file instead has the bytes
// before the offset skipped unread.
func (c *Client) streamJSONL(parent context.Context, url string, from int64, asm *productAssembler) error {
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
	if from > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(from, 10)+"-")
	}
	res, err := c.cfg.DownloadClient.Do(req)
	timer.Stop()
	if err != nil {
		return unavailable("cannot download bulk result", err)
	}
	defer res.Body.Close()
	body := &idleReader{r: res.Body, timer: timer, idle: c.cfg.DownloadIdleTimeout}
	switch {
	case from > 0 && res.StatusCode == http.StatusPartialContent:
		if got := contentRangeStart(res.Header.Get("Content-Range")); got != from {
			e := c.newError(what, platform.KindUnavailable, fmt.Sprintf("bulk result download: asked for bytes from %d, got %q",
				from, res.Header.Get("Content-Range")))
			e.StatusCode, e.Retryable = res.StatusCode, true
			return e
		}
	case from > 0 && res.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// Nothing after the offset: the file ends there (the last product was read before).
		if size, ok := strings.CutPrefix(res.Header.Get("Content-Range"), "bytes */"); ok && size == strconv.FormatInt(from, 10) {
			return asm.flush()
		}
		return c.newError(what, platform.KindInvalidInput, fmt.Sprintf("bulk result download: offset %d is past the file's end (%s)",
			from, res.Header.Get("Content-Range")))
	case res.StatusCode == http.StatusOK:
		if from > 0 { // the server ignored the Range: skip to the offset
			if _, err := io.CopyN(io.Discard, body, from); err != nil {
				return unavailable("skipping to byte "+strconv.FormatInt(from, 10)+" of bulk result", err)
			}
		}
	default:
		e := c.newError(what, platform.KindUnavailable, "bulk result download: "+res.Status)
		e.StatusCode, e.Retryable = res.StatusCode, res.StatusCode >= 500
		return e
	}
	skipped := body.n
	dec := json.NewDecoder(body)
	for {
		at := from + dec.InputOffset() // where the next line starts (its leading newline included)
		var line json.RawMessage
		if err := dec.Decode(&line); errors.Is(err, io.EOF) {
			asm.end = from + body.n - skipped // the file's end, its last newline included
			break
		} else if err != nil {
			return unavailable("reading bulk result", err)
		}
		if err := asm.add(line, at); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return asm.flush()
}

// contentRangeStart is the first byte of a Content-Range "bytes first-last/size" (-1: none).
func contentRangeStart(h string) int64 {
	r, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return -1
	}
	first, _, ok := strings.Cut(r, "-")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// productAssembler rebuilds products from bulk JSONL: a product line, then its variant and
// media lines naming it in __parentId (the query runs with groupObjects: true, which guarantees
// that order). Only the current product is kept. Each product is emitted with the byte offset
// its file goes on at after it (the start of the next product's line, or the file's end): a
// download resumed there reads the products after it, and each once.
type productAssembler struct {
	currency string
	emit     func(p platform.Product, next int64) error
	cur      *gProduct
	count    int
	end      int64 // the file's end, set when the download reaches it
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

// add takes one line, which starts at byte offset at of the file.
func (a *productAssembler) add(line json.RawMessage, at int64) error {
	// Decode as a child first: children outnumber products, and __parentId tells them apart.
	var ch gBulkChild
	if err := json.Unmarshal(line, &ch); err != nil {
		return fmt.Errorf("bulk line: %w", err)
	}
	if ch.ParentID == "" {
		if err := a.emitCurrent(at); err != nil {
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
		if err := a.emitCurrent(at); err != nil {
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

// flush emits the last product, at the file's end.
func (a *productAssembler) flush() error { return a.emitCurrent(a.end) }

// emitCurrent emits the current product, if any, the file going on at next.
func (a *productAssembler) emitCurrent(next int64) error {
	if a.cur == nil {
		return nil
	}
	p, err := a.cur.product(a.currency)
	a.cur = nil
	if err != nil {
		return err
	}
	a.count++
	return a.emit(p, next)
}
