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

// InboundWebhooksPrefix starts the paths where platforms deliver webhooks; they have their own
// body limit (server.RouteLimit).
const InboundWebhooksPrefix = "/webhooks/"

// InboundWebhooks registers POST /webhooks/{platform}/{store_key}, where stores' platforms deliver
// their webhooks. It answers as soon as the delivery is verified and kept raw (decoding and
// processing are a job, and a payload that cannot be decoded is kept as failed, not refused), so
// platforms never time out waiting. A platform retries anything but 2xx, so only a delivery that
// must not be kept (unknown store, bad signature, too large, addressed to another shop) gets a
// 4xx; a 503 means only that storesync could not keep it right now.
func InboundWebhooks(mux *http.ServeMux, svc *ingest.Service, logger *slog.Logger) {
	mux.HandleFunc("POST "+InboundWebhooksPrefix+"{platform}/{key}", func(w http.ResponseWriter, r *http.Request) {
		res, err := svc.Receive(r.Context(), r.PathValue("key"), r)
		var perr *platform.Error
		switch {
		case err == nil:
		case errors.Is(err, database.ErrNotFound):
			server.WriteProblem(w, http.StatusNotFound, "no store with this key")
			return
		case errors.Is(err, platform.ErrWebhookTooLarge):
			logger.WarnContext(r.Context(), "webhook too large", "store", res.Store.String(), "limit", svc.MaxBodyBytes())
			server.WriteProblem(w, http.StatusRequestEntityTooLarge, "webhook body too large for this server; raise --webhook-max-body-bytes")
			return
		case errors.Is(err, platform.ErrNoWebhookSecret):
			logger.WarnContext(r.Context(), "webhook refused: the store has no webhook secret", "store", res.Store.String())
			server.WriteProblem(w, http.StatusUnauthorized, platform.ErrNoWebhookSecret.Error()+"; add the store's webhook secret in storesync")
			return
		case errors.As(err, &perr) && (perr.Kind == platform.KindAuth || perr.Kind == platform.KindNotFound || perr.Kind == platform.KindInvalidInput):
			logger.WarnContext(r.Context(), "webhook refused", "store", res.Store.String(), "error", err)
			status := http.StatusUnauthorized
			if perr.Kind != platform.KindAuth {
				status = http.StatusBadRequest
			}
			server.WriteProblem(w, status, perr.Message)
			return
		default:
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
