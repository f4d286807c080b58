package sidecar

import (
	"context"
	"log/slog"
	"sync"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/assign"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
)

// host is what the group member sees of the worker. For now it keeps the
// latest assignment and marks startup complete with the first one; the
// herder that runs connectors and tasks takes its place.
type host struct {
	configs *configstore.Store
	health  *health.State
	log     *slog.Logger

	mu         sync.Mutex
	assignment coordination.Assignment
}

var _ coordination.Host = (*host)(nil)

// Config gives the assignor each connector's committed task count; a
// connector whose task configs are inconsistent runs no tasks.
func (h *host) Config() assign.Config {
	snap := h.configs.Snapshot()
	tasks := map[string]int{}
	for _, c := range snap.Connectors() {
		tasks[c] = len(snap.Tasks(c))
	}
	return assign.Config{Offset: snap.Offset(), Tasks: tasks}
}

func (h *host) ReadConfigToEnd(ctx context.Context) error { return h.configs.ReadToEnd(ctx) }

// Revoke has nothing to stop yet: no connector or task runs.
func (h *host) Revoke(context.Context, wire.Work) {}

func (h *host) Assigned(a coordination.Assignment) {
	h.mu.Lock()
	h.assignment = a
	h.mu.Unlock()
	h.health.Started()
}
