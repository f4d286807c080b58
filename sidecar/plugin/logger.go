package plugin

import (
	"context"
	"log/slog"
)

type loggerKey struct{}

// WithLogger returns ctx carrying log, the logger of the connector or task
// that ctx is handed to; the runtime sets it on every context it gives a
// task.
func WithLogger(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, log)
}

// Logger is the logger ctx carries: the task's, which names its connector
// and task as Java's log context does, so a plugin's warnings say whose
// they are. Without one (a plugin run outside the runtime) it discards.
func Logger(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return log
	}
	return slog.New(slog.DiscardHandler)
}
