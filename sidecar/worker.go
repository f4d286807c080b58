// Package sidecar is the worker: it brings up the stores and the group
// membership in order, and reports how far startup got to the health
// endpoint.
package sidecar

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/file"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/herder"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/metrics"
	"github.com/connect-sidecar/connect-sidecar/sidecar/peerless"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/sidecar/transforms"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// Module runs the worker for the app's lifetime.
var Module = fx.Module("worker",
	fx.Provide(
		func(c *kafkaclient.Clients) rest.Cluster { return c },
		func(w *Worker) rest.Herder { return w.api },
		func(w *Worker) metrics.Sources {
			return metrics.Sources{Configs: w.configs.Snapshot, Statuses: w.statuses.Snapshot}
		},
		Registry,
		NewWorker,
	),
	fx.Invoke(func(lc fx.Lifecycle, w *Worker) {
		lc.Append(fx.Hook{OnStart: w.Start, OnStop: w.Stop})
	}),
)

// Worker owns the startup sequence and the parts it starts. Startup never
// blocks fx's start: the REST server answers 503 "starting" meanwhile, as
// Connect's does.
type Worker struct {
	cfg      config.Worker
	log      *slog.Logger
	health   *health.State
	kafka    *kafkaclient.Clients
	shutdown fx.Shutdowner

	configs  *configstore.Store
	statuses *statusstore.Store
	offsets  *offsetstore.Store
	// connectorOffsets are the connectors' own offsets topics.
	connectorOffsets *offsetstore.Stores
	member           *coordination.Member
	herder           *herder.Herder
	api              *herder.API
	declared         *declared
	// exchange carries requests between workers in peerless mode; nil
	// otherwise.
	exchange *peerless.Exchange

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Registry holds every plugin built into the worker, under Java's class
// names; only the connectors SIDECAR_CONNECTOR_CLASSES lists may run.
func Registry(sc config.Sidecar, m *metrics.Metrics) (*plugin.Registry, error) {
	app := httpsink.Defaults{URL: sc.AppURL, HealthURL: sc.AppHealthURL}
	if m != nil {
		app.Observer = m
	}
	// By default the HTTP connectors reach the app the sink delivers to.
	egressPolicy, err := egress.New(sc.HTTPAllowedHosts, cmp.Or(sc.AppURL, httpsink.DefaultURL), sc.AppHealthURL)
	if err != nil {
		return nil, err
	}
	app.Egress = egressPolicy
	reg, err := plugin.NewRegistry(slices.Concat(connectors.Plugins(app, file.AllowedPaths(sc.FileAllowedPaths)), converters.Plugins(), transforms.Plugins())...)
	if err != nil {
		return nil, err
	}
	if err := reg.EnableConnectors(sc.ConnectorClasses, "SIDECAR_CONNECTOR_CLASSES"); err != nil {
		return nil, err
	}
	return reg, nil
}

// NewWorker builds the worker; it does nothing until Start.
func NewWorker(cfg config.Worker, log *slog.Logger, h *health.State, k *kafkaclient.Clients, reg *plugin.Registry, m *metrics.Metrics, shutdown fx.Shutdowner, sc config.Sidecar, peers *rest.Client, exchange *peerless.Exchange) (*Worker, error) {
	w := &Worker{
		cfg:      cfg,
		exchange: exchange,
		log:      log.With("component", "worker"),
		health:   h,
		kafka:    k,
		shutdown: shutdown,
		configs:  configstore.NewStore(k, cfg, log),
		statuses: statusstore.NewStore(k, cfg, log),
		offsets:  offsetstore.NewStore(k, cfg, log),
		declared: newDeclared(sc.Connectors, peers, h, log),
	}
	w.connectorOffsets = offsetstore.NewStores(k, cfg, w.offsets, log)
	w.herder = herder.New(herder.Deps{
		WorkerID:  cfg.WorkerID(),
		Configs:   w.configs,
		Statuses:  w.statuses,
		Publisher: peers,
		Log:       log,
		Started:   h.Started,
	})
	w.api = herder.NewAPI(w.herder, reg, connectorconfig.Worker{
		GroupID:                  cfg.GroupID,
		ExactlyOnceSourceSupport: cfg.ExactlyOnceSource(),
		KeyConverter:             cfg.KeyConverter,
		ValueConverter:           cfg.ValueConverter,
		Providers:                cfg.Providers,
	}, cfg.AdvertisedURL(), herder.OffsetBackends{Sources: w.offsets, Connectors: w.connectorOffsets, Groups: k.Client, Worker: cfg})
	var preflight runtime.Preflight
	if cfg.ExactlyOnceSource() {
		w.api.EnableExactlyOnce(herder.ExactlyOnce{GroupID: cfg.GroupID, Transactions: k, SyncTimeout: cfg.WorkerSyncTimeout.D()})
		preflight = w.api
	}
	w.member = coordination.New(coordination.Config{
		GroupID:           cfg.GroupID,
		URL:               cfg.AdvertisedURL(),
		Protocol:          cfg.ConnectProtocol,
		SessionTimeout:    cfg.SessionTimeout.D(),
		RebalanceTimeout:  cfg.RebalanceTimeout.D(),
		HeartbeatInterval: cfg.HeartbeatInterval.D(),
		MaxDelay:          cfg.ScheduledRebalanceMaxDelay.D(),
		SyncTimeout:       cfg.WorkerSyncTimeout.D(),
	}, k.RoundTripper, k.Bootstrap, w.herder, log, m.RebalanceHooks(coordination.Hooks{
		RebalanceStarted:   w.herder.RebalanceStarted,
		RebalanceCompleted: w.checkPeers,
	}))
	w.herder.SetGroup(w.member)
	w.herder.SetRunner(runtime.New(runtime.Deps{
		Worker:  cfg,
		Clients: k,
		Plugins: reg,
		Offsets: w.offsets,

		OffsetStores: w.connectorOffsets,
		Statuses:     w.statuses,
		Log:          log,
		Lease:        w.member.Lease,
		Generation:   w.herder.Generation,
		Changed:      w.herder.Changed,
		Hooks:        []runtime.Hook{m},

		ExactlyOnce: preflight,
	}))
	w.watch()
	return w, nil
}

// checkPeers has the exchange, in peerless mode, warn about members of the
// group that can only be reached over HTTP.
func (w *Worker) checkPeers(a coordination.Assignment, _ time.Duration) {
	if w.exchange == nil {
		return
	}
	var members []string
	if a.Owners != nil {
		members = slices.Collect(maps.Values(a.Owners.URLs))
	}
	w.exchange.CheckGroup(a.LeaderURL, members)
}

// Start begins startup in the background.
func (w *Worker) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.run(ctx)
	}()
	return nil
}

// Stop stops all work, leaves the group and closes the stores. From its
// first moment /ready fails and the REST API refuses writes, which this
// worker could no longer see through.
func (w *Worker) Stop(ctx context.Context) error {
	w.health.Stop()
	// Writes taken before now finish first, with the group membership and
	// the stores they need, as Java's Connect stops its REST server (which
	// waits for requests in flight) before its herder.
	drain, cancel := context.WithTimeout(ctx, writeDrain)
	if !w.health.AwaitWrites(drain) {
		w.log.Warn("REST writes still in flight are cut short", "waited", writeDrain)
	}
	cancel()
	w.cancel()
	w.wg.Wait()
	if w.exchange != nil {
		w.exchange.Stop()
	}
	w.statuses.Stop()
	w.connectorOffsets.Close()
	w.offsets.Stop()
	w.configs.Stop()
	return nil
}

// writeDrain bounds how long a stopping worker waits for the REST writes
// it took: a write waits up to 5 s for a rebalance to end, and the rest of
// shutdown must fit in fx's stop timeout.
const writeDrain = 5 * time.Second

func (w *Worker) run(ctx context.Context) {
	w.health.Stage("connecting to Kafka at " + strings.Join(w.kafka.Bootstrap, ","))
	id, err := retry(ctx, w.log, "connecting to Kafka", w.kafka.ClusterID)
	if err != nil {
		return
	}
	w.log.Info("connected to Kafka", "cluster_id", id)
	for _, s := range []struct {
		what  string
		start func(context.Context) error
	}{
		{"reading the config topic " + w.cfg.ConfigStorageTopic, w.configs.Start},
		{"reading the status topic " + w.cfg.StatusStorageTopic, w.statuses.Start},
		{"reading the offsets topic " + w.cfg.OffsetStorageTopic, w.offsets.Start},
	} {
		w.health.Stage(s.what)
		if !w.startStore(ctx, s.what, s.start) {
			return
		}
	}
	if w.exchange != nil {
		// Before joining: a worker that learns this one's URL from the
		// group must find it announced on the request topic.
		what := "reading the request topic " + w.exchange.Topic()
		w.health.Stage(what)
		if !w.startStore(ctx, what, w.exchange.Start) {
			return
		}
	}
	w.health.Stage("joining the Connect group " + w.cfg.GroupID)
	// The member stops first: on its way out it hands revocations to the
	// herder, which must still be running to stop the work.
	herderCtx, stopHerder := context.WithCancel(context.Background())
	herderDone := make(chan struct{})
	go func() {
		defer close(herderDone)
		w.herder.Run(herderCtx)
	}()
	w.wg.Go(func() { w.declared.run(ctx, w.api) })
	_ = w.member.Run(ctx)
	stopHerder()
	<-herderDone
}

// startStore retries a store's start until it works, except when the topic
// itself is unfit: then a person must act, so the worker says why and exits.
func (w *Worker) startStore(ctx context.Context, what string, start func(context.Context) error) bool {
	_, err := retry(ctx, w.log, what, func(ctx context.Context) (struct{}, error) {
		err := start(ctx)
		var unfit *kafkalog.UnfitTopicError
		if errors.As(err, &unfit) {
			return struct{}{}, &permanent{err}
		}
		return struct{}{}, err
	})
	var p *permanent
	if errors.As(err, &p) {
		w.log.Error("cannot use an internal topic", "err", p.err)
		w.health.Fail(p.err.Error())
		_ = w.shutdown.Shutdown(fx.ExitCode(1))
	}
	return err == nil
}

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }

// retry calls f with capped exponential backoff until it succeeds, fails
// permanently, or ctx ends, logging each failure with the wait before the
// next attempt.
func retry[T any](ctx context.Context, log *slog.Logger, what string, f func(context.Context) (T, error)) (T, error) {
	backoff := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Minute)
		v, err := f(attempt)
		cancel()
		var p *permanent
		if err == nil || errors.As(err, &p) {
			return v, err
		}
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
		log.Warn(what+" failed, will retry", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
