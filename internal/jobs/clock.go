package jobs

import (
	"context"
	"log/slog"
	"time"
)

// clock hands an injected clock to River (rivertype.TimeGenerator), so that what River schedules
// and fetches follows the same time as the rest of storesync in tests.
type clock func() time.Time

func (c clock) Now() time.Time { return c() }

func (c clock) NowOrNil() *time.Time {
	t := c()
	return &t
}

// quietHandler lowers River's info records to debug and passes warnings and errors unchanged.
// River reports routine work at info (a producer's job counts every few seconds, each maintenance
// round), which would fill an operator's log while nothing is wrong.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(level))
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

func demote(l slog.Level) slog.Level {
	if l < slog.LevelWarn {
		return min(l, slog.LevelDebug)
	}
	return l
}
