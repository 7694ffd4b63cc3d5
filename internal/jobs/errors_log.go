package jobs

import (
	"context"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// errorLogger logs every failed attempt of a job at warning level, with its kind, id, attempt
// and error: River reports them at information level, which the queue's quiet logger drops, and
// an operator must see a job failing long before it is discarded. A job's error text is the
// worker's own, which never carries a secret (workers wrap platform errors, which redact
// credentials).
type errorLogger struct{ log *slog.Logger }

func (h errorLogger) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	h.log.WarnContext(ctx, "job attempt failed", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"max_attempts", job.MaxAttempts, "error", err)
	return nil
}

func (h errorLogger) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	h.log.ErrorContext(ctx, "job attempt panicked", "kind", job.Kind, "job_id", job.ID, "attempt", job.Attempt,
		"panic", panicVal, "trace", trace)
	return nil
}
