package metrics_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/metrics"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// TestModule starts and stops the module; the worker has not started, so
// the poller waits and the scaling endpoint says so.
func TestModule(t *testing.T) {
	w := config.Worker{BootstrapServers: []string{"127.0.0.1:1"}, GroupID: "g", Listeners: config.List{"http://127.0.0.1:8083"}}
	clients, err := kafkaclient.New(w)
	if err != nil {
		t.Fatal(err)
	}
	plugins, err := plugin.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	app := fxtest.New(t,
		metrics.Module,
		fx.Supply(w, config.Sidecar{LagPerWorker: 100}, health.NewState(), clients, plugins, slog.New(slog.NewTextHandler(io.Discard, nil)),
			metrics.Sources{
				Configs:  func() configstore.Snapshot { return configstore.Snapshot{} },
				Statuses: func() statusstore.Snapshot { return statusstore.Snapshot{} },
			}),
		fx.Populate(fx.Annotate(&handler, fx.ParamTags(`name:"metrics"`))),
	)
	app.RequireStart()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics/scaling", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /metrics/scaling while starting = %d %s", rec.Code, rec.Body)
	}
	app.RequireStop()
}
