package metrics

import (
	"log/slog"
	"net/http"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Module provides *Metrics and its handler, named "metrics" for the REST
// server, and runs the Poller for the app's lifetime. It needs the
// worker's Sources.
var Module = fx.Module("metrics",
	fx.Provide(
		New,
		fx.Annotate(func(m *Metrics) http.Handler { return m.Handler() }, fx.ResultTags(`name:"metrics"`)),
	),
	fx.Invoke(func(lc fx.Lifecycle, p PollerParams) {
		p.Metrics.ObserveSharedClient(p.Clients)
		poller := NewPoller(p.Metrics, PollerConfig{
			Worker:       p.Worker,
			WorkerID:     p.Worker.WorkerID(),
			LagPerWorker: p.Sidecar.LagPerWorker,
			Ready:        func() bool { code, _ := p.Health.Report(); return code == http.StatusOK },
		}, p.Sources, p.Plugins, p.Clients, p.Log)
		lc.Append(fx.Hook{OnStart: poller.Start, OnStop: poller.Stop})
	}),
)

// PollerParams are what the module's Poller is built from.
type PollerParams struct {
	fx.In
	Metrics *Metrics
	Worker  config.Worker
	Sidecar config.Sidecar
	Health  *health.State
	Sources Sources
	Plugins *plugin.Registry
	Clients *kafkaclient.Clients
	Log     *slog.Logger
}
