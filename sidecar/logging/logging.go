// Package logging builds the process logger: JSON for machines by default,
// text for people, and fx's own events routed into it. Its levels are set
// per logger namespace at run time, as Connect's /admin/loggers API does
// with log4j (see Levels).
package logging

import (
	"io"
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// New returns a logger writing to w in the configured format. The
// configured level is the root logger's; LevelsOf reaches the tree that
// levels every logger made from it.
func New(w io.Writer, s config.Sidecar) *slog.Logger {
	// The tree decides what is logged, so the writing handler takes all.
	opts := &slog.HandlerOptions{Level: levelAll}
	var inner slog.Handler = slog.NewJSONHandler(w, opts)
	if s.LogFormat == "text" {
		inner = slog.NewTextHandler(w, opts)
	}
	return slog.New(newLevels(s.LogLevel).handler(inner))
}

// Module provides the logger and makes fx log through it; fx's own
// lifecycle chatter goes at debug level.
func Module(log *slog.Logger) fx.Option {
	// fx.WithLogger applies to the scope it is given in, so it stays
	// outside the named module to cover the whole app.
	return fx.Options(
		fx.Module("logging", fx.Supply(log)),
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log.With("component", "fx")}
			l.UseLogLevel(slog.LevelDebug)
			return l
		}),
	)
}
