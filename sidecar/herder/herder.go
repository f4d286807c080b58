package herder

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/assign"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// sessionKeyTTL is inter.worker.key.ttl.ms's default: how long a signing
// key lives before the leader writes a new one.
const sessionKeyTTL = time.Hour

// claimTimeout bounds a new leader's claim on the config topic's
// transactional id, which the herder's loop waits for.
const claimTimeout = 5 * time.Second

// resyncEvery bounds how long a missed signal can delay reconciling.
const resyncEvery = time.Second

// Group is the part of the group membership the herder drives.
type Group interface {
	Rejoin(reason string)
}

// Publisher reaches the leader over Connect's internal requests, signed
// with the session key: POST /connectors/{c}/tasks sends task configs when
// this worker runs a connector but does not lead, and PUT
// /connectors/{c}/fence asks for a fencing round before an exactly-once
// source task starts here.
type Publisher interface {
	PublishTaskConfigs(ctx context.Context, leaderURL, connector string, configs []map[string]string, key []byte) error
	FenceZombies(ctx context.Context, leaderURL, connector string, key []byte) error
}

// Deps are what the herder works with.
type Deps struct {
	WorkerID  string // host:port, stamped on statuses
	Configs   *configstore.Store
	Statuses  *statusstore.Store
	Runner    Runner
	Publisher Publisher // nil: only the leader publishes task configs
	Log       *slog.Logger
	// Started is called once, when the first assignment was applied.
	Started func()
}

// Herder owns what runs on this worker. Its Run goroutine is the only one
// that touches the runner; the group member reaches it through the
// coordination.Host methods, which hand requests to that goroutine.
type Herder struct {
	d     Deps
	log   *slog.Logger
	group Group

	wake      chan struct{}
	revokes   chan revokeRequest
	publishes chan publishResult // from the posts to the leader
	progress  atomic.Int64       // Unix ns when Run last came round, for /live

	mu          sync.Mutex
	assignment  coordination.Assignment
	assigned    bool
	rebalancing bool // between a rebalance's start and its assignment
	// changed is closed, and replaced, whenever a rebalance starts or ends:
	// what writes waiting for a settled assignment wait on.
	changed  chan struct{}
	restarts Restarts

	// Owned by Run's goroutine.
	shape          *string           // connectors and task counts last seen; nil before the first look
	published      map[string]string // connector -> config fingerprint its task configs match
	publishing     map[string]bool   // connectors whose task configs are on their way to the leader
	leaderDutiesAt int32             // generation whose leader duties were done
	started        bool
	loggersFrom    int64 // config offset from which cluster logger levels are new
}

type revokeRequest struct {
	work wire.Work
	done chan struct{}
}

var _ coordination.Host = (*Herder)(nil)

// New returns a herder; SetGroup must be called before Run.
func New(d Deps) *Herder {
	return &Herder{
		d:          d,
		log:        d.Log.With("component", "herder"),
		wake:       make(chan struct{}, 1),
		revokes:    make(chan revokeRequest),
		publishes:  make(chan publishResult),
		restarts:   Restarts{Connectors: map[string]bool{}, Tasks: map[runtime.TaskID]bool{}},
		published:  map[string]string{},
		publishing: map[string]bool{},
		changed:    make(chan struct{}),
	}
}

// SetGroup connects the herder to the group member it serves.
func (h *Herder) SetGroup(g Group) { h.group = g }

// SetRunner gives the herder what runs the work; the runtime needs the
// herder's callbacks, so it is built after the herder.
func (h *Herder) SetRunner(r Runner) { h.d.Runner = r }

// Config gives the assignor each connector's committed task count; a
// connector whose task configs are inconsistent runs no tasks.
func (h *Herder) Config() assign.Config {
	snap := h.d.Configs.Snapshot()
	tasks := map[string]int{}
	for _, c := range snap.Connectors() {
		tasks[c] = len(snap.Tasks(c))
	}
	return assign.Config{Offset: snap.Offset(), Tasks: tasks}
}

// ReadConfigToEnd catches up with the config topic.
func (h *Herder) ReadConfigToEnd(ctx context.Context) error { return h.d.Configs.ReadToEnd(ctx) }

// Released implements coordination.Host from the status topic. When it
// cannot be read to the end in time, nothing counts as released: the
// departed workers' work then waits the delay, as after a crash.
func (h *Herder) Released(ctx context.Context, workers []string) func(string, int32) bool {
	if err := h.d.Statuses.ReadToEnd(ctx); err != nil {
		h.log.Warn("cannot read the status topic; work of departed workers waits for them", "err", err)
		return nil
	}
	snap := h.d.Statuses.Snapshot()
	return func(connector string, task int32) bool {
		worker, ok := snap.Released(connector, task)
		return ok && slices.Contains(workers, worker)
	}
}

// Revoke stops work and returns once it stopped and its statuses were sent.
func (h *Herder) Revoke(ctx context.Context, w wire.Work) {
	req := revokeRequest{work: w, done: make(chan struct{})}
	select {
	case h.revokes <- req:
	case <-ctx.Done():
		return
	}
	select {
	case <-req.done:
	case <-ctx.Done():
	}
}

// RebalanceStarted marks the assignment as about to change. Until the
// next Assigned, writes that need the leader wait for it (answering 409
// if it is long in coming), so that none acts on a leadership that may be
// gone.
func (h *Herder) RebalanceStarted(string) {
	h.mu.Lock()
	h.rebalancing = true
	h.changedLocked()
	h.mu.Unlock()
}

// changedLocked wakes, with mu held, whoever waits for the assignment.
func (h *Herder) changedLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// awaitSettled waits until this worker has an assignment and no rebalance
// is under way. It reports false if ctx ended first.
func (h *Herder) awaitSettled(ctx context.Context) bool {
	return h.awaitAssignment(ctx, func(coordination.Assignment) bool { return true })
}

// awaitAssignment waits until this worker has an assignment for which ok
// holds and no rebalance is under way. It reports false if ctx ended first.
func (h *Herder) awaitAssignment(ctx context.Context, ok func(coordination.Assignment) bool) bool {
	for {
		h.mu.Lock()
		changed, now := h.changed, h.assigned && !h.rebalancing && ok(h.assignment)
		h.mu.Unlock()
		if now {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

// Assigned takes the complete set of work to run from now on.
func (h *Herder) Assigned(a coordination.Assignment) {
	h.mu.Lock()
	h.assignment, h.assigned, h.rebalancing = a, true, false
	h.changedLocked()
	h.mu.Unlock()
	h.poke()
}

// Generation is the group generation of the current assignment, stamped on
// statuses.
func (h *Herder) Generation() int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.assignment.Generation
}

// Assignment returns the current assignment and whether there is one.
func (h *Herder) Assignment() (coordination.Assignment, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.assignment, h.assigned
}

// Restart asks for a connector (and some of its tasks) to start afresh on
// this worker, if it runs them.
func (h *Herder) Restart(connector string, connectorToo bool, tasks []runtime.TaskID) {
	h.mu.Lock()
	if connectorToo {
		h.restarts.Connectors[connector] = true
	}
	for _, id := range tasks {
		h.restarts.Tasks[id] = true
	}
	h.mu.Unlock()
	h.poke()
}

// Changed asks for a reconcile; the runtime calls it when work fails.
func (h *Herder) Changed() { h.poke() }

func (h *Herder) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Progress is when Run last came round: at least every resyncEvery while
// it is idle, and between the steps of a reconcile, each of which is
// bounded. Zero before Run starts.
func (h *Herder) Progress() time.Time {
	if ns := h.progress.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

func (h *Herder) step() { h.progress.Store(time.Now().UnixNano()) }

// Run reconciles until ctx ends, then stops everything that runs.
func (h *Herder) Run(ctx context.Context) {
	tick := time.NewTicker(resyncEvery)
	defer tick.Stop()
	for {
		h.step()
		select {
		case <-ctx.Done():
			h.stopAll()
			return
		case req := <-h.revokes:
			h.revoke(req.work)
			close(req.done)
		case r := <-h.publishes:
			h.recordPublish(r)
		case <-h.wake:
			h.reconcile(ctx)
		case <-h.d.Configs.Changed():
			h.reconcile(ctx)
		case <-tick.C:
			h.reconcile(ctx)
		}
	}
}

func (h *Herder) revoke(w wire.Work) {
	// Revoked work leaves the assignment too, or the next reconcile would
	// start it again before the group hands out the new assignment.
	h.mu.Lock()
	h.assignment.Work = h.assignment.Work.Minus(w)
	h.mu.Unlock()
	var ids []runtime.TaskID
	for _, t := range w.Tasks {
		ids = append(ids, runtime.TaskID{Connector: t.Connector, Task: t.Task})
	}
	h.d.Runner.StopTasks(ids)
	h.d.Runner.StopConnectors(w.Connectors)
	for _, c := range w.Connectors {
		delete(h.published, c)
	}
	h.d.Statuses.Flush()
}

func (h *Herder) stopAll() {
	h.d.Runner.StopTasks(slices.Collect(maps.Keys(h.d.Runner.Tasks())))
	h.d.Runner.StopConnectors(slices.Collect(maps.Keys(h.d.Runner.Connectors())))
	h.d.Statuses.Flush()
}

// reconcile makes what runs match what is wanted, then does the connector
// owner's and the leader's duties.
func (h *Herder) reconcile(ctx context.Context) {
	snap := h.d.Configs.Snapshot()
	h.applyClusterLoggerLevels(snap)
	h.rejoinOnNewShape(snap)
	h.mu.Lock()
	a, assigned := h.assignment, h.assigned
	h.mu.Unlock()
	if !assigned {
		return
	}
	h.takeRestartRequests(snap, a)
	h.mu.Lock()
	restarts := h.restarts
	h.restarts = Restarts{Connectors: map[string]bool{}, Tasks: map[runtime.TaskID]bool{}}
	h.mu.Unlock()

	plan := Plan(Desire(snap, a.Work), h.d.Runner.Connectors(), h.d.Runner.Tasks(), restarts)
	h.apply(plan)
	if !h.started {
		h.started = true
		h.log.Info("first assignment applied", "connectors", len(a.Work.Connectors), "tasks", len(a.Work.Tasks))
		if h.d.Started != nil {
			h.d.Started()
		}
	}
	h.publishTaskConfigs(ctx, snap, a)
	if a.Leader() {
		h.leaderDuties(ctx, snap, a)
	}
}

func (h *Herder) apply(plan []Action) {
	var stopTasks []runtime.TaskID
	var stopConnectors []string
	for _, act := range plan {
		switch act.Op {
		case StopTask:
			stopTasks = append(stopTasks, act.ID)
		case StopConnector:
			stopConnectors = append(stopConnectors, act.Name)
			delete(h.published, act.Name)
		}
	}
	if len(stopTasks) > 0 {
		h.d.Runner.StopTasks(stopTasks)
		h.step()
	}
	if len(stopConnectors) > 0 {
		h.d.Runner.StopConnectors(stopConnectors)
	}
	for _, act := range plan {
		h.step()
		var err error
		switch act.Op {
		case StartConnector:
			err = h.d.Runner.StartConnector(act.Connector)
		case SetConnectorTarget:
			err = h.d.Runner.SetConnectorTarget(act.Connector.Name, act.Connector.Target)
		case StartTask:
			err = h.d.Runner.StartTask(act.Task)
		case SetTaskTarget:
			err = h.d.Runner.SetTaskTarget(act.Task.ID, act.Task.Target)
		}
		if err != nil {
			c, n := act.subject()
			h.log.Warn("could not apply a change", "op", act.Op.String(), "connector", c, "task", n, "err", err)
		}
	}
}

// rejoinOnNewShape asks for a rebalance when connectors come or go or their
// task counts change; other config changes are applied where the work runs.
func (h *Herder) rejoinOnNewShape(snap configstore.Snapshot) {
	var b strings.Builder
	for _, c := range snap.Connectors() {
		b.WriteString(c + "=" + strconv.Itoa(len(snap.Tasks(c))) + ";")
	}
	shape := b.String()
	if h.shape != nil && shape == *h.shape {
		return
	}
	first := h.shape == nil
	h.shape = &shape
	if !first && h.group != nil {
		h.group.Rejoin("connectors or task counts changed in the config topic")
	}
}

// publishTaskConfigs is the connector owner's duty: ask each running
// connector for its task configs and publish them when they differ from the
// config topic's (connect-spec §3.4).
func (h *Herder) publishTaskConfigs(ctx context.Context, snap configstore.Snapshot, a coordination.Assignment) {
	running := h.d.Runner.Connectors()
	for _, name := range a.Work.Connectors {
		h.step()
		info, ok := running[name]
		if !ok || info.State != runtime.Running || info.Connector.Target != configstore.Started {
			// Stopping a connector empties its task configs: once it runs
			// again they are published anew, not taken as done.
			delete(h.published, name)
			continue
		}
		fp := fingerprint(info.Connector.Config)
		if h.published[name] == fp {
			continue
		}
		configs, err := h.d.Runner.TaskConfigs(name, tasksMax(info.Connector.Config))
		if err != nil {
			h.log.Warn("connector gave no task configs", "connector", name, "err", err)
			continue
		}
		if sameTaskConfigs(snap, name, info.Connector.Config, configs) {
			h.published[name] = fp
			continue
		}
		r := publishResult{connector: name, fingerprint: fp, tasks: len(configs)}
		if a.Leader() {
			r.err = h.write(ctx, name, configs)
			h.recordPublish(r)
			continue
		}
		// The post to the leader goes on beside this goroutine, as Java's
		// herder forwards it from another thread: a leader slow to answer
		// (frozen, or in a rebalance itself) must not hold up revocations.
		if h.publishing[name] {
			continue
		}
		h.publishing[name] = true
		go func() {
			r.err = h.post(ctx, snap, a, name, configs)
			select {
			case h.publishes <- r:
			case <-ctx.Done():
			}
		}()
	}
}

// publishResult is how publishing a connector's task configs went.
type publishResult struct {
	connector, fingerprint string
	tasks                  int
	err                    error
}

// recordPublish records a publish's outcome; a failed one is retried at a
// later reconcile.
func (h *Herder) recordPublish(r publishResult) {
	delete(h.publishing, r.connector)
	if r.err != nil {
		h.log.Warn("could not publish task configs, will retry", "connector", r.connector, "err", r.err)
		return
	}
	h.published[r.connector] = r.fingerprint
	h.log.Info("published task configs", "connector", r.connector, "tasks", r.tasks)
}

// publishTimeout bounds one write or post of task configs.
const publishTimeout = 30 * time.Second

// write is the leader's publish: straight to the config topic.
func (h *Herder) write(ctx context.Context, name string, configs []map[string]string) error {
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	return h.d.Configs.PutTaskConfigs(ctx, name, configs)
}

// post is a follower's publish: to the leader, which writes them.
func (h *Herder) post(ctx context.Context, snap configstore.Snapshot, a coordination.Assignment, name string, configs []map[string]string) error {
	if h.d.Publisher == nil {
		return fmt.Errorf("this worker does not lead and has no way to reach the leader")
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	var key []byte
	if k, ok := snap.SessionKey(); ok {
		key = k.Key
	}
	return h.d.Publisher.PublishTaskConfigs(ctx, a.LeaderURL, name, configs, key)
}

// sameTaskConfigs is Java's test for skipping a publish: same count, same
// configs, and the connector config they were made from is the current one.
func sameTaskConfigs(snap configstore.Snapshot, name string, current map[string]string, configs []map[string]string) bool {
	if int(snap.TaskCount(name)) != len(configs) {
		return false
	}
	if applied, ok := snap.AppliedConfig(name); !ok || !maps.Equal(Plain(applied), current) {
		return false
	}
	for i, c := range configs {
		got, ok := snap.TaskConfig(configstore.TaskID{Connector: name, Task: int32(i)})
		if !ok || !maps.Equal(Plain(got), c) {
			return false
		}
	}
	return true
}

func tasksMax(config map[string]string) int {
	n, err := strconv.Atoi(strings.TrimSpace(config["tasks.max"]))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

func fingerprint(config map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(config)) {
		b.WriteString(strconv.Quote(k) + "=" + strconv.Quote(config[k]) + "\n")
	}
	return b.String()
}

// takeRestartRequests turns restart requests read live from the config
// topic into restarts of the parts this worker runs (connect-spec §3.8).
func (h *Herder) takeRestartRequests(snap configstore.Snapshot, a coordination.Assignment) {
	requests := snap.RestartRequests()
	if len(requests) == 0 {
		return
	}
	connectors, tasks := h.d.Runner.Connectors(), h.d.Runner.Tasks()
	var through int64 = -1
	h.mu.Lock()
	for name, pr := range requests {
		through = max(through, pr.Offset)
		r := pr.Request
		if info, ok := connectors[name]; ok && (!r.OnlyFailed || info.State == runtime.Failed) {
			h.restarts.Connectors[name] = true
			h.d.Statuses.PutConnector(name, statusstore.Status{State: statusstore.Restarting, WorkerID: h.d.WorkerID, Generation: a.Generation})
		}
		if !r.IncludeTasks {
			continue
		}
		for id, info := range tasks {
			if id.Connector == name && (!r.OnlyFailed || info.State == runtime.Failed) {
				h.restarts.Tasks[id] = true
				h.d.Statuses.PutTask(statusstore.TaskID(id), statusstore.Status{State: statusstore.Restarting, WorkerID: h.d.WorkerID, Generation: a.Generation})
			}
		}
	}
	h.mu.Unlock()
	h.d.Configs.AckRestarts(through)
}

// leaderDuties: keep a signing key for sessioned groups, and after each
// rebalance tombstone the statuses of connectors and tasks that no longer
// exist (connect-spec §3.6, §3.7).
func (h *Herder) leaderDuties(ctx context.Context, snap configstore.Snapshot, a coordination.Assignment) {
	if h.leaderDutiesAt != a.Generation {
		// A new leader fences any earlier one still writing the config
		// topic; if it cannot now, its first privileged write claims again.
		claim, cancel := context.WithTimeout(ctx, claimTimeout)
		if err := h.d.Configs.ClaimWritePrivileges(claim); err != nil {
			h.log.Warn("could not claim write privileges for the config topic; the next leader write tries again", "err", err)
		}
		cancel()
	}
	if a.Version == wire.V2 {
		k, ok := snap.SessionKey()
		if !ok || time.UnixMilli(k.CreationTimestamp).Add(sessionKeyTTL).Before(time.Now()) {
			if err := h.writeSessionKey(ctx); err != nil {
				h.log.Warn("could not write a new session key", "err", err)
			}
		}
	}
	if h.leaderDutiesAt == a.Generation {
		return
	}
	h.leaderDutiesAt = a.Generation
	h.dropStaleStatuses(ctx)
}

// dropStaleStatuses tombstones the statuses of connectors and tasks the
// config topic no longer has. The config topic is read to its end after
// the statuses are taken, not before: a connector created meanwhile may
// already have a RUNNING status from its owner, and must not look deleted
// to a config snapshot older than that status.
func (h *Herder) dropStaleStatuses(ctx context.Context) {
	statuses := h.d.Statuses.Snapshot()
	read, cancel := context.WithTimeout(ctx, claimTimeout)
	err := h.d.Configs.ReadToEnd(read)
	cancel()
	if err != nil {
		h.log.Warn("cannot read the config topic to its end; statuses of deleted connectors stay until the next rebalance this worker leads", "err", err)
		return
	}
	snap := h.d.Configs.Snapshot()
	for _, c := range statuses.Connectors() {
		if !snap.Contains(c) {
			h.d.Statuses.DeleteConnector(c)
		}
		count := snap.TaskCount(c)
		for _, ts := range statuses.Tasks(c) {
			if !snap.Contains(c) || ts.ID.Task >= count {
				h.d.Statuses.DeleteTask(ts.ID)
			}
		}
	}
}

func (h *Herder) writeSessionKey(ctx context.Context) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return h.d.Configs.PutSessionKey(ctx, configstore.SessionKey{Key: key, Algorithm: "HmacSHA256", CreationTimestamp: time.Now().UnixMilli()})
}
