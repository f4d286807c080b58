// Package sidecar is the worker: it brings up the parts in order and reports
// how far startup got to the health endpoint.
package sidecar

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// Module runs the worker's startup sequence for the app's lifetime.
var Module = fx.Module("worker",
	fx.Provide(
		func(c *kafkaclient.Clients) rest.Cluster { return c },
		NewWorker,
	),
	fx.Invoke(func(lc fx.Lifecycle, w *Worker) {
		lc.Append(fx.Hook{OnStart: w.Start, OnStop: w.Stop})
	}),
)

// Worker owns the startup sequence. Startup never blocks fx's start: the
// REST server answers 503 "starting" meanwhile, as Connect's does.
type Worker struct {
	log    *slog.Logger
	health *health.State
	kafka  *kafkaclient.Clients

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewWorker builds the worker; it does nothing until Start.
func NewWorker(log *slog.Logger, h *health.State, k *kafkaclient.Clients) *Worker {
	return &Worker{log: log.With("component", "worker"), health: h, kafka: k}
}

// Start begins startup in the background.
func (w *Worker) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.startup(ctx)
	}()
	return nil
}

// Stop ends whatever startup is doing and waits for it.
func (w *Worker) Stop(context.Context) error {
	w.cancel()
	w.wg.Wait()
	return nil
}

func (w *Worker) startup(ctx context.Context) {
	w.health.Stage("connecting to Kafka at " + strings.Join(w.kafka.Bootstrap, ","))
	id, err := retry(ctx, w.log, "connect to Kafka", func(ctx context.Context) (string, error) {
		return w.kafka.ClusterID(ctx)
	})
	if err != nil {
		return
	}
	w.log.Info("connected to Kafka", "cluster_id", id)
	w.health.Started()
}

// retry calls f with capped exponential backoff until it succeeds or ctx
// ends, logging each failure once with the wait before the next attempt.
func retry[T any](ctx context.Context, log *slog.Logger, what string, f func(context.Context) (T, error)) (T, error) {
	backoff := 100 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 10*time.Second)
		v, err := f(attempt)
		cancel()
		if err == nil {
			return v, nil
		}
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
		log.Warn("cannot "+what+", will retry", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
