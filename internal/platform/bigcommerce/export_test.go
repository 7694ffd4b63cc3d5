package bigcommerce_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
)

type bigcommerceConfig = bigcommerce.Config

var bigcommerceKeyTag = bigcommerce.KeyTag

func asPlatformError(err error) (*platform.Error, bool) { return errors.AsType[*platform.Error](err) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

type httpTimeoutClient struct {
	timeout time.Duration
	base    *http.Client
}

func (h *httpTimeoutClient) Do(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	resp, err := h.base.Do(r.WithContext(ctx)) //nolint:gosec // G704: a test client; the URL is the loopback test server the test started
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelBody{resp.Body, cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error { err := b.ReadCloser.Close(); b.cancel(); return err }

var bigcommerceCapabilities = bigcommerce.Capabilities
