package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/server"
)

// InboundWebhooks registers POST /webhooks/{platform}/{store_key}, where stores' platforms deliver
// their webhooks. It answers as soon as the delivery is verified and kept (processing is a job),
// so platforms never time out waiting; a platform retries anything but 2xx, so only a delivery
// that must never be retried as is (bad signature, unknown store) gets a 4xx.
func InboundWebhooks(mux *http.ServeMux, svc *ingest.Service, logger *slog.Logger) {
	mux.HandleFunc("POST /webhooks/{platform}/{key}", func(w http.ResponseWriter, r *http.Request) {
		res, err := svc.Receive(r.Context(), r.PathValue("key"), r)
		var perr *platform.Error
		switch {
		case errors.Is(err, database.ErrNotFound):
			server.WriteProblem(w, http.StatusNotFound, "no store with this key")
			return
		case errors.As(err, &perr) && (perr.Kind == platform.KindAuth || perr.Kind == platform.KindNotFound || perr.Kind == platform.KindInvalidInput):
			logger.WarnContext(r.Context(), "webhook refused", "store", res.Store.String(), "error", err)
			status := http.StatusUnauthorized
			if perr.Kind != platform.KindAuth {
				status = http.StatusBadRequest
			}
			server.WriteProblem(w, status, perr.Message)
			return
		case err != nil:
			logger.ErrorContext(r.Context(), "receiving webhook", "store", res.Store.String(), "error", err)
			server.WriteProblem(w, http.StatusServiceUnavailable, "cannot keep the webhook right now; deliver it again")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if res.Duplicate {
			_, _ = w.Write([]byte(`{"received":true,"duplicate":true}`))
			return
		}
		_, _ = w.Write([]byte(`{"received":true,"duplicate":false}`))
	})
}
