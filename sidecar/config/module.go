package config

import (
	"log/slog"

	"go.uber.org/fx"
)

// Module supplies settings loaded before the app was built, so that a bad
// setting stops the process before any part starts, and logs once what was
// given but ignored.
func Module(l Loaded) fx.Option {
	return fx.Module("config",
		fx.Supply(l.Worker, l.Sidecar),
		fx.Invoke(func(log *slog.Logger) {
			for _, line := range l.Ignored {
				log.Warn(line)
			}
		}),
	)
}
