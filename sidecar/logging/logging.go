// Package logging builds the process logger: JSON for machines by default,
// text for people, and fx's own events routed into it.
package logging

import (
	"io"
	"log/slog"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// New returns a logger writing to w in the configured format and level.
func New(w io.Writer, s config.Sidecar) *slog.Logger {
	opts := &slog.HandlerOptions{Level: s.LogLevel}
	if s.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
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
