package herder

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
)

// stuckRunner is a runner whose StopTasks hangs until released, as a
// runtime deadlocked on its own lock would.
type stuckRunner struct {
	*fakeRunner
	stuck   chan struct{}
	release sync.Once
}

func (r *stuckRunner) StopTasks(ids []runtime.TaskID) {
	<-r.stuck
	r.fakeRunner.StopTasks(ids)
}

func (r *stuckRunner) unstick() { r.release.Do(func() { close(r.stuck) }) }

// The herder loop comes round every resyncEvery while idle, so /live
// holds; stuck in the runner, it fails /live until it comes round again.
func TestStuckHerderLoopFailsLive(t *testing.T) {
	configs, statuses := startStores(t)
	ctx, cancel := context.WithCancel(context.Background())
	must(t, configs.PutConnectorConfig(ctx, "src", map[string]string{"connector.class": "X", "tasks.max": "1"}, nil))
	must(t, configs.PutTaskConfigs(ctx, "src", []map[string]string{{"task.number": "0"}}))
	runner := &stuckRunner{fakeRunner: newFakeRunner(), stuck: make(chan struct{})}
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: runner, Log: kafkatest.Quiet()})
	h.SetGroup(&rejoins{})
	state := health.NewState()
	state.Loop("herder loop", 3*resyncEvery, h.Progress)
	state.Started()
	if !h.Progress().IsZero() {
		t.Fatal("progress before Run")
	}
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { runner.unstick(); cancel(); <-done })

	h.Assigned(coordination.Assignment{Generation: 1, MemberID: "m2", LeaderID: "m1", Work: work("src/0")})
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if runner.started("src/0") != 1 {
			return fmt.Errorf("task not started")
		}
		// Idle since: still coming round.
		if p := h.Progress(); time.Since(p) > 2*resyncEvery {
			return fmt.Errorf("last progress %v ago", time.Since(p))
		}
		return liveIs(state, http.StatusOK, "")
	})
	revoked := make(chan struct{})
	go func() { defer close(revoked); h.Revoke(ctx, work("src/0")) }()
	kafkatest.Eventually(t, 10*time.Second, func() error {
		return liveIs(state, http.StatusServiceUnavailable, "the herder loop has made no progress for")
	})
	runner.unstick()
	<-revoked
	kafkatest.Eventually(t, 10*time.Second, func() error { return liveIs(state, http.StatusOK, "") })
}

func liveIs(s *health.State, want int, says string) error {
	rec := httptest.NewRecorder()
	s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", health.LivePath+"?full=1", nil))
	if body := rec.Body.String(); rec.Code != want || !strings.Contains(body, says) {
		return fmt.Errorf("/live = %d %s, want %d saying %q", rec.Code, body, want, says)
	}
	return nil
}
