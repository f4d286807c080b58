package herder

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// fakeRunner runs nothing but remembers what it was told, as the runtime
// would report it; its connectors split work into tasks.max configs.
type fakeRunner struct {
	mu         sync.Mutex
	connectors map[string]runtime.Info
	tasks      map[runtime.TaskID]runtime.Info
	starts     map[string]int // connector or task key -> times started
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{connectors: map[string]runtime.Info{}, tasks: map[runtime.TaskID]runtime.Info{}, starts: map[string]int{}}
}

func (f *fakeRunner) StartConnector(spec runtime.ConnectorSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connectors[spec.Name] = runtime.Info{State: runtime.Running, Connector: spec}
	f.starts[spec.Name]++
	return nil
}

func (f *fakeRunner) StopConnectors(names []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		delete(f.connectors, n)
	}
}

func (f *fakeRunner) SetConnectorTarget(name string, t runtime.Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	info := f.connectors[name]
	info.Connector.Target = t
	f.connectors[name] = info
	return nil
}

func (f *fakeRunner) TaskConfigs(name string, maxTasks int) ([]map[string]string, error) {
	var out []map[string]string
	for i := range maxTasks {
		out = append(out, map[string]string{"task.number": fmt.Sprint(i)})
	}
	return out, nil
}

func (f *fakeRunner) StartTask(spec runtime.TaskSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks[spec.ID] = runtime.Info{State: runtime.Running, Task: spec}
	f.starts[fmt.Sprintf("%s/%d", spec.ID.Connector, spec.ID.Task)]++
	return nil
}

func (f *fakeRunner) StopTasks(ids []runtime.TaskID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		delete(f.tasks, id)
	}
}

func (f *fakeRunner) SetTaskTarget(id runtime.TaskID, t runtime.Target) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	info := f.tasks[id]
	info.Task.Target = t
	f.tasks[id] = info
	return nil
}

func (f *fakeRunner) Connectors() map[string]runtime.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.connectors)
}

func (f *fakeRunner) Tasks() map[runtime.TaskID]runtime.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.tasks)
}

func (f *fakeRunner) started(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.starts[key]
}

func (f *fakeRunner) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n, info := range f.connectors {
		out = append(out, n+":"+info.Connector.Target.String())
	}
	for id := range f.tasks {
		out = append(out, fmt.Sprintf("%s/%d", id.Connector, id.Task))
	}
	slices.Sort(out)
	return out
}

type rejoins struct {
	mu      sync.Mutex
	reasons []string
}

func (r *rejoins) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reasons)
}

func (r *rejoins) Rejoin(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons = append(r.reasons, reason)
}

// A leader herder over real stores and a fake runner: the connector it
// runs gets task configs published, its tasks start once assigned, and
// config changes restart what they touch.
func TestHerderRunsItsShareAndPublishesTaskConfigs(t *testing.T) {
	configs, statuses := startStores(t)
	runner := newFakeRunner()
	var ready sync.Once
	readyCh := make(chan struct{})
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: runner, Log: kafkatest.Quiet(),
		Started: func() { ready.Do(func() { close(readyCh) }) }})
	group := &rejoins{}
	h.SetGroup(group)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	defer func() { cancel(); <-done }()

	must(t, configs.PutConnectorConfig(ctx, "src", map[string]string{"connector.class": "X", "tasks.max": "2"}, nil))
	h.Assigned(coordination.Assignment{Generation: 1, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2,
		Work: work("src")})
	<-readyCh
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if n := configs.Snapshot().TaskCount("src"); n != 2 {
			return fmt.Errorf("task count %d, want 2 published by the leader", n)
		}
		if _, ok := configs.Snapshot().SessionKey(); !ok {
			return fmt.Errorf("no session key written by the sessioned leader")
		}
		if group.count() == 0 {
			return fmt.Errorf("new task configs did not ask for a rebalance")
		}
		return nil
	})
	h.Assigned(coordination.Assignment{Generation: 2, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2,
		Work: work("src", "src/0", "src/1")})
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if got := runner.running(); !slices.Equal(got, []string{"src/0", "src/1", "src:STARTED"}) {
			return fmt.Errorf("running %v", got)
		}
		return nil
	})

	must(t, configs.PutTargetState(ctx, "src", configstore.Paused))
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if got := runner.running(); !slices.Equal(got, []string{"src/0", "src/1", "src:PAUSED"}) {
			return fmt.Errorf("running %v after pause", got)
		}
		if runner.Tasks()[runtime.TaskID{Connector: "src", Task: 0}].Task.Target != configstore.Paused {
			return fmt.Errorf("task not paused")
		}
		return nil
	})
	must(t, configs.PutRestartRequest(ctx, configstore.RestartRequest{Connector: "src", IncludeTasks: true}))
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if n := runner.started("src/1"); n != 2 {
			return fmt.Errorf("task src/1 started %d times, want 2 after the restart request", n)
		}
		return nil
	})
	h.Revoke(ctx, work("src/1"))
	if got := runner.running(); slices.Contains(got, "src/1") {
		t.Errorf("revoked task still runs: %v", got)
	}
}

// startStores starts the config and status stores of a worker of a new
// group on a test broker.
func startStores(t *testing.T) (*configstore.Store, *statusstore.Store) {
	t.Helper()
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	clients := kafkatest.Clients(t, w)
	return kafkatest.Started(t, configstore.NewStore(clients, w, kafkatest.Quiet())),
		kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet()))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Work the member revokes must not come back at the next reconcile, before
// the group hands out a new assignment.
func TestRevokedWorkStaysStopped(t *testing.T) {
	configs, statuses := startStores(t)
	ctx, cancel := context.WithCancel(context.Background())
	must(t, configs.PutConnectorConfig(ctx, "src", map[string]string{"connector.class": "X", "tasks.max": "1"}, nil))
	must(t, configs.PutTaskConfigs(ctx, "src", []map[string]string{{"task.number": "0"}}))
	runner := newFakeRunner()
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: runner, Log: kafkatest.Quiet()})
	h.SetGroup(&rejoins{})
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	h.Assigned(coordination.Assignment{Generation: 1, MemberID: "m2", LeaderID: "m1", Work: work("src/0")})
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if runner.started("src/0") != 1 {
			return fmt.Errorf("task not started")
		}
		return nil
	})
	h.Revoke(ctx, work("src/0"))
	h.Changed() // a reconcile right after the revocation
	time.Sleep(2 * resyncEvery)
	if n := runner.started("src/0"); n != 1 || len(runner.Tasks()) != 0 {
		t.Errorf("revoked task started %d times and %d tasks run; want it to stay stopped", n, len(runner.Tasks()))
	}
}

// blockingPublisher is a leader that does not answer until released.
// Fencing requests are not part of these tests.
type blockingPublisher struct {
	Publisher
	posted  chan string // connector names, as posts begin
	release chan struct{}
}

func (p *blockingPublisher) PublishTaskConfigs(ctx context.Context, _, connector string, _ []map[string]string, _ []byte) error {
	p.posted <- connector
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A follower posts its connector's task configs to the leader beside the
// herder's loop, as Java's herder forwards them from another thread: a
// leader that does not answer (frozen, or busy in a rebalance) must not
// hold up the revocations of the next rebalance, or the revoked work would
// keep running after the group has handed it to another worker.
func TestRevocationDoesNotWaitForALeaderThatDoesNotAnswer(t *testing.T) {
	configs, statuses := startStores(t)
	runner := newFakeRunner()
	leader := &blockingPublisher{posted: make(chan string, 1), release: make(chan struct{})}
	defer close(leader.release)
	h := New(Deps{WorkerID: "w2:8083", Configs: configs, Statuses: statuses, Runner: runner, Publisher: leader, Log: kafkatest.Quiet(), Started: func() {}})
	h.SetGroup(&rejoins{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	defer func() { cancel(); <-done }()

	must(t, configs.PutConnectorConfig(ctx, "src", map[string]string{"connector.class": "X", "tasks.max": "2"}, nil))
	h.Assigned(coordination.Assignment{Generation: 1, MemberID: "m2", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2,
		Work: work("src")})
	if got := <-leader.posted; got != "src" {
		t.Fatalf("posted the task configs of %q", got)
	}
	revoked := make(chan struct{})
	go func() { h.Revoke(ctx, work("src")); close(revoked) }()
	select {
	case <-revoked:
	case <-time.After(10 * time.Second):
		t.Fatal("the revocation waited for the leader's answer")
	}
	if got := runner.running(); slices.Contains(got, "src:STARTED") {
		t.Errorf("revoked connector still runs: %v", got)
	}
}

// Stopping a connector empties its task configs (as the REST stop does);
// resuming it has its owner publish them again, so its tasks come back.
func TestResumedConnectorPublishesItsTasksAgain(t *testing.T) {
	configs, statuses := startStores(t)
	runner := newFakeRunner()
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: runner, Log: kafkatest.Quiet()})
	h.SetGroup(&rejoins{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	defer func() { cancel(); <-done }()
	leads := func(gen int32, w wire.Work) {
		h.Assigned(coordination.Assignment{Generation: gen, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2, Work: w})
	}
	taskCount := func(want int32) {
		t.Helper()
		kafkatest.Eventually(t, 10*time.Second, func() error {
			if n := configs.Snapshot().TaskCount("src"); n != want {
				return fmt.Errorf("task count %d, want %d", n, want)
			}
			return nil
		})
	}

	must(t, configs.PutConnectorConfig(ctx, "src", map[string]string{"connector.class": "X", "tasks.max": "2"}, nil))
	leads(1, work("src"))
	taskCount(2)
	must(t, configs.PutTaskConfigs(ctx, "src", nil))
	must(t, configs.PutTargetState(ctx, "src", configstore.Stopped))
	leads(2, work("src"))
	taskCount(0)
	must(t, configs.PutTargetState(ctx, "src", configstore.Started))
	taskCount(2)
}

// A write that reaches the leader during a rebalance waits for it to end
// and then goes through, as Java's herder thread takes requests between
// rebalances; only one whose deadline comes first is answered 409.
func TestWriteDuringRebalanceWaitsForIt(t *testing.T) {
	configs, statuses := startStores(t)
	ctx := context.Background()
	must(t, configs.PutConnectorConfig(ctx, "a", map[string]string{"connector.class": "X"}, nil))
	must(t, configs.PutConnectorConfig(ctx, "b", map[string]string{"connector.class": "X"}, nil))
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: newFakeRunner(), Log: kafkatest.Quiet()})
	api := NewAPI(h, nil, connectorconfig.Worker{}, "http://w1:8083/", OffsetBackends{})
	leads := coordination.Assignment{Generation: 1, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2}
	h.Assigned(leads)
	h.RebalanceStarted("a connector was created")

	const deadline = 300 * time.Millisecond
	short, cancel := context.WithTimeout(ctx, deadline)
	start := time.Now()
	err := api.DeleteConnector(short, "a")
	cancel()
	if !errors.Is(err, rest.ErrRebalanceInProgress) {
		t.Fatalf("a write whose deadline passed during the rebalance: %v, want the rebalance error (409)", err)
	}
	if took := time.Since(start); took < deadline {
		t.Errorf("answered 409 after %v, before its %v deadline: it did not wait for the rebalance", took, deadline)
	}

	answered := make(chan error, 1)
	go func() { answered <- api.DeleteConnector(ctx, "b") }()
	leads.Generation = 2
	h.Assigned(leads)
	if err := <-answered; err != nil {
		t.Fatalf("a write during a rebalance that ended: %v", err)
	}
	if configs.Snapshot().Contains("b") || !configs.Snapshot().Contains("a") {
		t.Errorf("connectors after the writes: %v, want only a", configs.Snapshot().Connectors())
	}
}

// With exactly-once support the leader writes the config topic in
// transactions, and a newly elected leader's claim fences the old one. A
// write the old leader was about to make is fenced: it must wait for the
// rebalance that names the new leader (and be retried or forwarded then),
// not fail with 500, and it must not claim the config topic back from the
// new leader while it waits.
func TestFencedLeaderWriteWaitsForTheNewLeader(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	w.ExactlyOnceSourceSupport = "preparing"
	configs := kafkatest.Started(t, configstore.NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
	statuses := kafkatest.Started(t, statusstore.NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
	newLeader := kafkatest.Started(t, configstore.NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
	ctx := context.Background()
	must(t, configs.ClaimWritePrivileges(ctx))
	must(t, configs.PutConnectorConfig(ctx, "a", map[string]string{"connector.class": "X"}, nil))
	must(t, newLeader.ClaimWritePrivileges(ctx))

	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: newFakeRunner(), Log: kafkatest.Quiet()})
	api := NewAPI(h, nil, connectorconfig.Worker{}, "http://w1:8083/", OffsetBackends{})
	h.Assigned(coordination.Assignment{Generation: 1, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/", Version: 2})
	const deadline = 500 * time.Millisecond
	short, cancel := context.WithTimeout(ctx, deadline)
	start := time.Now()
	err := api.DeleteConnector(short, "a")
	cancel()
	if !errors.Is(err, rest.ErrRebalanceInProgress) {
		t.Fatalf("the fenced leader's delete: %v, want the rebalance error (409) once its deadline passed", err)
	}
	if took := time.Since(start); took < deadline {
		t.Errorf("answered after %v, before its %v deadline: it did not wait for the rebalance", took, deadline)
	}
	must(t, newLeader.ReadToEnd(ctx))
	if !newLeader.Snapshot().Contains("a") {
		t.Fatal("the fenced write deleted the connector")
	}
	if err := newLeader.PutConnectorConfig(ctx, "b", map[string]string{"connector.class": "X"}, nil); err != nil {
		t.Fatalf("the new leader could not write after the old one's fenced write: %v", err)
	}

	h.Assigned(coordination.Assignment{Generation: 2, MemberID: "m1", LeaderID: "m2", LeaderURL: "http://w2:8083/", Version: 2})
	var nl *rest.NotLeaderError
	if err := api.DeleteConnector(ctx, "a"); !errors.As(err, &nl) || nl.LeaderURL != "http://w2:8083/" {
		t.Fatalf("a delete after the rebalance: %v, want it forwarded to the new leader", err)
	}
}

// At each generation it leads, the leader drops the statuses of deleted
// connectors. A connector created while its reconcile ran, after the
// config snapshot it works from, already has its owner's RUNNING: that
// status must stay, and only the deleted connector's go.
func TestLeaderKeepsStatusesOfConnectorsCreatedDuringItsReconcile(t *testing.T) {
	configs, statuses := startStores(t)
	ctx := context.Background()
	h := New(Deps{WorkerID: "w1:8083", Configs: configs, Statuses: statuses, Runner: newFakeRunner(), Log: kafkatest.Quiet()})
	stale := configs.Snapshot()
	must(t, configs.PutConnectorConfig(ctx, "new", map[string]string{"connector.class": "X"}, nil))
	running := statusstore.Status{State: statusstore.Running, WorkerID: "w2:8083", Generation: 1}
	statuses.PutConnector("new", running)
	statuses.PutConnector("deleted", running)
	statuses.Flush()
	must(t, statuses.ReadToEnd(ctx))

	h.leaderDuties(ctx, stale, coordination.Assignment{Generation: 1, MemberID: "m1", LeaderID: "m1"})
	statuses.Flush()
	must(t, statuses.ReadToEnd(ctx))
	if _, ok := statuses.Snapshot().Connector("new"); !ok {
		t.Error("the leader dropped the status of a connector created during its reconcile")
	}
	if _, ok := statuses.Snapshot().Connector("deleted"); ok {
		t.Error("the status of a connector the config topic does not have stayed")
	}
}
