package runtime_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/file"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/herder"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/sidecar/transforms"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

var _ herder.Runner = (*sidecarruntime.Runtime)(nil)

// TestMain fails the package if the runtime or the Kafka clients it made
// left goroutines behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left running:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Stacks of goroutines only the runtime starts: its own, and the kafka-go
// readers, writers and consumer groups it makes.
var ownedFrames = []string{
	"sidecar/runtime.",
	"kafka-go.(*Reader)", "kafka-go.(*reader)",
	"kafka-go.(*partitionWriter)", "kafka-go.(*writeBatch)",
	"kafka-go.(*ConsumerGroup)", "kafka-go.(*Generation)",
}

func leakedGoroutines(within time.Duration) string {
	deadline := time.Now().Add(within)
	for {
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			for _, f := range ownedFrames {
				if strings.Contains(g, f) && !strings.Contains(g, "leakedGoroutines") {
					leaked = append(leaked, g)
					break
				}
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// env is a worker's worth of runtime on a test broker.
type env struct {
	t        testing.TB
	b        *kafkatest.Broker
	w        config.Worker
	clients  *kafkaclient.Clients
	offsets  *offsetstore.Store
	statuses *statusstore.Store
	// connectorOffsets open connectors' offsets.storage.topic.
	connectorOffsets *offsetstore.Stores
	reg              *plugin.Registry
	rt               *sidecarruntime.Runtime
	lease            atomic.Bool
	gen              atomic.Int32 // the group generation statuses are stamped with
	changed          atomic.Int32
	hook             *countingHook
	logs             *testWriter
}

// newEnv starts stores and a runtime; workerEnv entries (CONNECT_X=v)
// change the worker's settings.
func newEnv(t testing.TB, workerEnv ...string) *env {
	t.Helper()
	b := kafkatest.Start(t)
	return newEnvOn(t, b, kafkatest.Name(t, "cluster"), workerEnv...)
}

// newEnvOn makes another worker of the same Connect cluster.
func newEnvOn(t testing.TB, b *kafkatest.Broker, group string, workerEnv ...string) *env {
	t.Helper()
	base := []string{"CONNECT_OFFSET_FLUSH_INTERVAL_MS=100", "CONNECT_REST_ADVERTISED_HOST_NAME=worker-a", "CONNECT_REST_ADVERTISED_PORT=8083"}
	w := kafkatest.Worker(t, b, group, append(base, workerEnv...)...)
	clients := kafkatest.Clients(t, w)
	// FileStream's connectors, for failures in a real connector's own code.
	fileStream := file.Plugins(file.AllowedPaths{os.TempDir()})
	reg, err := plugin.NewRegistry(slices.Concat(testPlugins, fileStream, converters.Plugins(), transforms.Plugins())...)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := recordingLogger(t)
	e := &env{t: t, b: b, w: w, clients: clients, reg: reg, hook: &countingHook{}, logs: logs}
	e.offsets = kafkatest.Started(t, offsetstore.NewStore(clients, w, kafkatest.Quiet()))
	e.statuses = kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet()))
	e.connectorOffsets = offsetstore.NewStores(clients, w, e.offsets, kafkatest.Quiet())
	t.Cleanup(e.connectorOffsets.Close)
	e.lease.Store(true)
	e.gen.Store(7)
	e.rt = sidecarruntime.New(sidecarruntime.Deps{
		Worker:   w,
		Clients:  clients,
		Plugins:  reg,
		Offsets:  e.offsets,
		Statuses: e.statuses,
		Log:      log,
		Lease:    e.lease.Load,

		OffsetStores: e.connectorOffsets,
		Generation:   e.gen.Load,
		Changed:      func() { e.changed.Add(1) },
		Hooks:        []sidecarruntime.Hook{e.hook},
		// A worker of its own: no leader to fence with, every task its own.
		ExactlyOnce: ownsEverything{},
	})
	t.Cleanup(e.stopAll)
	return e
}

// ownsEverything is the herder's preflight of a worker that runs alone.
type ownsEverything struct{}

func (ownsEverything) PrepareTask(context.Context, sidecarruntime.TaskID) error { return nil }
func (ownsEverything) StillOwns(context.Context, sidecarruntime.TaskID, int32) error {
	return nil
}

// stopAll stops what still runs, as the herder does when the worker stops.
func (e *env) stopAll() {
	var ids []sidecarruntime.TaskID
	for id := range e.rt.Tasks() {
		ids = append(ids, id)
	}
	e.rt.StopTasks(ids)
	var names []string
	for n := range e.rt.Connectors() {
		names = append(names, n)
	}
	e.rt.StopConnectors(names)
	e.statuses.Flush()
}

// start runs a connector and its tasks as the herder would: connector
// first, then a task for each config it makes.
func (e *env) start(name string, tasks int, conf map[string]string) []sidecarruntime.TaskID {
	e.t.Helper()
	conf = maps.Clone(conf)
	conf["name"] = name
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: name, Config: conf, Target: configstore.Started}); err != nil {
		e.t.Fatal(err)
	}
	configs, err := e.rt.TaskConfigs(name, tasks)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []sidecarruntime.TaskID
	for i, tc := range configs {
		id := sidecarruntime.TaskID{Connector: name, Task: int32(i)}
		if err := e.rt.StartTask(sidecarruntime.TaskSpec{ID: id, ConnectorConfig: conf, TaskConfig: tc, Target: configstore.Started}); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// stop stops a connector and its tasks.
func (e *env) stop(name string, ids []sidecarruntime.TaskID) {
	e.rt.StopTasks(ids)
	e.rt.StopConnectors([]string{name})
}

// taskStatus is a task's status as the status topic has it.
func (e *env) taskStatus(id sidecarruntime.TaskID) (statusstore.Status, bool) {
	return e.statuses.Snapshot().Task(statusstore.TaskID{Connector: id.Connector, Task: id.Task})
}

// waitTaskState waits until the status topic holds state for a task.
func (e *env) waitTaskState(id sidecarruntime.TaskID, state statusstore.State) statusstore.Status {
	e.t.Helper()
	var st statusstore.Status
	kafkatest.Eventually(e.t, 30*time.Second, func() error {
		var ok bool
		st, ok = e.taskStatus(id)
		if !ok || st.State != state {
			return fmt.Errorf("task %v status %v, want %v", id, st.State, state)
		}
		return nil
	})
	return st
}

func (e *env) waitConnectorState(name string, state statusstore.State) statusstore.Status {
	e.t.Helper()
	var st statusstore.Status
	kafkatest.Eventually(e.t, 30*time.Second, func() error {
		var ok bool
		st, ok = e.statuses.Snapshot().Connector(name)
		if !ok || st.State != state {
			return fmt.Errorf("connector %s status %v, want %v", name, st.State, state)
		}
		return nil
	})
	return st
}

// committed is the consumer group's committed offset of each partition.
func (e *env) committed(group, topic string, partitions int) map[int]int64 {
	e.t.Helper()
	var parts []int
	for p := range partitions {
		parts = append(parts, p)
	}
	resp, err := e.b.Client().OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// countingHook counts the runtime's metric events.
type countingHook struct {
	polled, written, put, commits, tolerated, failed atomic.Int64
	sendFailures                                     atomic.Int64
	transactions, aborted                            atomic.Int64
}

func (h *countingHook) OnTransaction(_ sidecarruntime.TaskID, _ int, committed bool) {
	if committed {
		h.transactions.Add(1)
	} else {
		h.aborted.Add(1)
	}
}

func (h *countingHook) OnSourcePoll(_ sidecarruntime.TaskID, n int) { h.polled.Add(int64(n)) }
func (h *countingHook) OnSourceWrite(_ sidecarruntime.TaskID, n, _ int) {
	h.written.Add(int64(n))
}
func (h *countingHook) OnSourceSendFailure(_ sidecarruntime.TaskID, _ string, n int) {
	h.sendFailures.Add(int64(n))
}
func (h *countingHook) OnSinkPut(_ sidecarruntime.TaskID, n int, _ time.Duration) {
	h.put.Add(int64(n))
}
func (h *countingHook) OnOffsetCommit(_ sidecarruntime.TaskID, _ time.Duration, err error) {
	if err == nil {
		h.commits.Add(1)
	}
}
func (h *countingHook) OnRecordError(_ sidecarruntime.TaskID, _ sidecarruntime.Stage, tolerated bool) {
	if tolerated {
		h.tolerated.Add(1)
	} else {
		h.failed.Add(1)
	}
}

// testLogger logs to t while the test runs and drops what comes after
// (an abandoned task may still log).
func testLogger(t testing.TB) *slog.Logger {
	log, _ := recordingLogger(t)
	return log
}

// recordingLogger is testLogger that also keeps the lines, for tests of
// what the log says.
func recordingLogger(t testing.TB) (*slog.Logger, *testWriter) {
	w := &testWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), w
}

type testWriter struct {
	mu    sync.Mutex
	t     testing.TB
	done  bool
	lines []string
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(p), nil
	}
	line := strings.TrimSuffix(string(p), "\n")
	w.lines = append(w.lines, line)
	if testing.Verbose() {
		w.t.Log(line)
	}
	return len(p), nil
}

// matching returns the lines logged so far that contain every one of
// parts.
func (w *testWriter) matching(parts ...string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, l := range w.lines {
		if containsAll(l, parts) {
			out = append(out, l)
		}
	}
	return out
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
