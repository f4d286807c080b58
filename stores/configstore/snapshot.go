package configstore

import (
	"bytes"
	"maps"
	"slices"

	"github.com/connect-sidecar/connect-sidecar/stores/internal/pmap"
)

// Snapshot is the config topic folded up to some offset: what Java's
// ClusterConfigState holds, plus the session key, restart requests and
// cluster logger levels read live.
//
// A Snapshot is an immutable value. Apply returns a new Snapshot that shares
// everything unchanged with the old one (a persistent map underneath), so
// applying a record costs a few small allocations however many connectors
// there are, and any Snapshot may be handed to other goroutines as is.
// Methods return copies the caller owns. Apply takes ownership of the maps
// and slices inside the record it is given; do not modify them afterwards.
//
// The zero Snapshot is the state before any record was read.
type Snapshot struct {
	next       int64 // the config offset, or 0 before any record: no record yields 0
	connectors pmap.Map[*connector]
	sessionKey *SessionKey
	restarts   pmap.Map[[]PendingRestart]
	loggers    pmap.Map[LoggerLevelUpdate]
}

// connector is everything kept per connector name. Java keeps the target
// state, task-config generation, task-count record, fencing flag and
// inconsistency flag in maps that deleting the connector does not clear, so
// they live here next to the parts it does clear.
type connector struct {
	config    Props // nil when the connector has no config
	target    TargetState
	hasCount  bool
	taskCount int32
	tasks     []Props // task configs 0..N-1 of the last complete commit
	applied   Props   // the connector config at that commit

	staged *stagedTask // task records since the last commit, newest first
	// stagedMap is Java's per-connector deferred map: created by the first
	// task record, emptied but kept by a commit, dropped with the connector.
	// A complete commit bumps the generation only while it exists.
	stagedMap bool

	hasGeneration      bool
	generation         int32
	hasTaskCountRecord bool
	taskCountRecord    int32
	pendingFencing     bool
	inconsistent       bool
}

// stagedTask is an immutable list cell, so staging a task shares the rest.
type stagedTask struct {
	task  int32
	props Props
	next  *stagedTask
}

// PendingRestart is a restart request read live, with its record's offset.
type PendingRestart struct {
	Request RestartRequest
	Offset  int64
}

// LoggerLevelUpdate is the latest cluster-wide level of a logger namespace
// read live, with its record's offset.
type LoggerLevelUpdate struct {
	Level  string
	Offset int64
}

// Apply folds in rec, read at offset (which must not be negative). live says
// whether the record was read after the store's startup catch-up: restart
// requests and logger levels count only then, as in Java, or every worker
// start would replay them. A nil rec, which is what Decode returns for a
// value that is not JSON, changes nothing, not even the offset.
func (s Snapshot) Apply(rec Record, offset int64, live bool) Snapshot {
	if rec == nil {
		return s
	}
	s.next = offset + 1
	switch r := rec.(type) {
	case ConnectorConfig:
		s.update(r.Connector, func(c *connector) { c.setConfig(r.Properties) })
	case ConnectorTombstone:
		s.update(r.Connector, (*connector).remove)
	case TaskConfig:
		s.update(r.ID.Connector, func(c *connector) { c.stage(r.ID.Task, r.Properties) })
	case Commit:
		s.update(r.Connector, func(c *connector) { c.commit(r.Tasks) })
	case ConnectorTargetState:
		s.update(r.Connector, func(c *connector) { c.target = r.State })
	case TargetStateTombstone:
		s.update(r.Connector, (*connector).resetTarget)
	case TaskCountRecord:
		s.update(r.Connector, func(c *connector) { c.setTaskCountRecord(r.TaskCount) })
	case SessionKey:
		s.sessionKey = &r
	case RestartRequest:
		if live {
			s.restarts = s.restarts.Set(r.Connector, pushRestart(s.restarts, r, offset))
		}
	case LoggerLevel:
		if live {
			s.loggers = s.loggers.Set(r.Namespace, LoggerLevelUpdate{Level: r.Level, Offset: offset})
		}
	case Ignored:
		if r.Key.Kind == CommitKey {
			// Java purges an unknown connector before it looks at the value.
			s.update(r.Key.Name, (*connector).purgeIfUnknown)
		}
	}
	return s
}

// update applies fn to a copy of the named connector's state and stores the
// copy, dropping it once nothing is left.
func (s *Snapshot) update(name string, fn func(*connector)) {
	var c connector
	if old, ok := s.connectors.Get(name); ok {
		c = *old
	}
	fn(&c)
	if c.empty() {
		s.connectors = s.connectors.Delete(name)
		return
	}
	s.connectors = s.connectors.Set(name, &c)
}

func (c *connector) empty() bool {
	return c.config == nil && c.target == 0 && !c.hasCount && c.tasks == nil && c.applied == nil &&
		c.staged == nil && !c.stagedMap && !c.hasGeneration && !c.hasTaskCountRecord &&
		!c.pendingFencing && !c.inconsistent
}

func (c *connector) setConfig(p Props) {
	if p == nil {
		p = Props{}
	}
	c.config = p
	if c.target == 0 {
		c.target = Started
	}
}

// remove is Java's processConnectorRemoval.
func (c *connector) remove() {
	c.config, c.applied, c.tasks, c.staged = nil, nil, nil, nil
	c.hasCount, c.taskCount, c.stagedMap = false, 0, false
}

func (c *connector) resetTarget() {
	c.target = 0
	if c.config != nil {
		c.target = Started
	}
}

func (c *connector) stage(task int32, p Props) {
	c.staged = &stagedTask{task: task, props: p, next: c.staged}
	c.stagedMap = true
}

// commit publishes the staged task configs (connect-spec §3.4).
func (c *connector) commit(n int32) {
	if c.config == nil {
		// Deleted, and compaction removed the tombstone: forget it all.
		c.remove()
		return
	}
	staged := c.latestStaged()
	if complete(staged, n) {
		if c.stagedMap {
			c.tasks = make([]Props, max(n, 0))
			for i := range c.tasks {
				c.tasks[i] = staged[int32(i)]
			}
			c.bumpGeneration()
		}
		c.inconsistent = false
		c.applied = c.config
	} else {
		// Compaction ate some task records; the connector stays without
		// tasks until its owner writes a full set again.
		c.inconsistent = true
	}
	c.staged = nil
	c.hasCount, c.taskCount = true, n
	c.pendingFencing = true
}

// latestStaged returns the newest staged config of each task.
func (c *connector) latestStaged() map[int32]Props {
	out := map[int32]Props{}
	for t := c.staged; t != nil; t = t.next {
		if _, seen := out[t.task]; !seen {
			out[t.task] = t.props
		}
	}
	return out
}

// complete is Java's check: tasks 0..n-1 must all be staged; extra, higher
// task numbers left over by compaction are fine.
func complete(staged map[int32]Props, n int32) bool {
	if int64(len(staged)) < int64(n) {
		return false
	}
	for i := int32(0); i < n; i++ {
		if _, ok := staged[i]; !ok {
			return false
		}
	}
	return true
}

func (c *connector) bumpGeneration() {
	if c.hasGeneration {
		c.generation++
		return
	}
	c.hasGeneration, c.generation = true, 0
}

func (c *connector) purgeIfUnknown() {
	if c.config == nil {
		c.remove()
	}
}

func (c *connector) setTaskCountRecord(n int32) {
	c.hasTaskCountRecord, c.taskCountRecord = true, n
	c.pendingFencing = false
}

// pushRestart queues r behind the connector's pending requests. The queue
// keeps, oldest first, only requests that outrank every newer one, so its
// head is the highest-impact request and AckRestarts can drop a prefix
// without losing one that arrived after the herder looked.
func pushRestart(restarts pmap.Map[[]PendingRestart], r RestartRequest, offset int64) []PendingRestart {
	old, _ := restarts.Get(r.Connector)
	queue := make([]PendingRestart, 0, len(old)+1)
	for _, p := range old {
		if p.Request.impactRank() > r.impactRank() {
			queue = append(queue, p)
		}
	}
	return append(queue, PendingRestart{Request: r, Offset: offset})
}

// AckRestarts returns a Snapshot without the restart requests read at or
// before offset through: call it once the herder has acted on a Snapshot
// whose Offset was through+1 or later.
func (s Snapshot) AckRestarts(through int64) Snapshot {
	for name, queue := range s.restarts.All() {
		i := 0
		for i < len(queue) && queue[i].Offset <= through {
			i++
		}
		switch {
		case i == len(queue):
			s.restarts = s.restarts.Delete(name)
		case i > 0:
			s.restarts = s.restarts.Set(name, queue[i:])
		}
	}
	return s
}

// Offset is the config offset Java reports: one past the last record that
// held valid JSON (or a tombstone), or -1 before any.
func (s Snapshot) Offset() int64 {
	if s.next == 0 {
		return -1
	}
	return s.next
}

// Connectors returns the names of connectors that have a config, sorted.
func (s Snapshot) Connectors() []string {
	var names []string
	for name, c := range s.connectors.All() {
		if c.config != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Contains reports whether the connector has a config.
func (s Snapshot) Contains(name string) bool {
	c, ok := s.connectors.Get(name)
	return ok && c.config != nil
}

// ConnectorConfig returns the connector's config.
func (s Snapshot) ConnectorConfig(name string) (Props, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || c.config == nil {
		return nil, false
	}
	return c.config.Clone(), true
}

// AppliedConfig returns the connector config as it was at the last complete
// task commit (Java's appliedConnectorConfig, KAFKA-9228).
func (s Snapshot) AppliedConfig(name string) (Props, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || c.applied == nil {
		return nil, false
	}
	return c.applied.Clone(), true
}

// TargetState returns the connector's target state. It may exist before the
// connector's config does (created with an initial state).
func (s Snapshot) TargetState(name string) (TargetState, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || c.target == 0 {
		return 0, false
	}
	return c.target, true
}

// TaskCount returns the task count of the connector's last commit, or 0.
func (s Snapshot) TaskCount(name string) int32 {
	if c, ok := s.connectors.Get(name); ok {
		return c.taskCount
	}
	return 0
}

// Tasks returns the connector's tasks 0..count-1, or none while the
// connector is inconsistent.
func (s Snapshot) Tasks(name string) []TaskID {
	c, ok := s.connectors.Get(name)
	if !ok || c.inconsistent || !c.hasCount {
		return nil
	}
	var ids []TaskID
	for i := int32(0); i < c.taskCount; i++ {
		ids = append(ids, TaskID{Connector: name, Task: i})
	}
	return ids
}

// TaskConfig returns the config of a task listed by Tasks.
func (s Snapshot) TaskConfig(id TaskID) (Props, bool) {
	c, ok := s.connectors.Get(id.Connector)
	if !ok || c.inconsistent || !c.hasCount || id.Task < 0 || id.Task >= c.taskCount || int(id.Task) >= len(c.tasks) {
		return nil, false
	}
	return c.tasks[id.Task].Clone(), true
}

// TaskConfigGeneration counts the connector's complete task commits, from 0.
// It survives the connector's deletion, as in Java.
func (s Snapshot) TaskConfigGeneration(name string) (int32, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || !c.hasGeneration {
		return 0, false
	}
	return c.generation, true
}

// TaskCountRecord returns the task count of the connector's last
// tasks-fencing record.
func (s Snapshot) TaskCountRecord(name string) (int32, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || !c.hasTaskCountRecord {
		return 0, false
	}
	return c.taskCountRecord, true
}

// PendingFencing reports whether task configs were committed after the
// connector's last tasks-fencing record (KIP-618).
func (s Snapshot) PendingFencing(name string) bool {
	c, ok := s.connectors.Get(name)
	return ok && c.pendingFencing
}

// Inconsistent returns, sorted, the connectors whose last commit found task
// configs missing.
func (s Snapshot) Inconsistent() []string {
	var names []string
	for name, c := range s.connectors.All() {
		if c.inconsistent {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// SessionKey returns the last session key read.
func (s Snapshot) SessionKey() (SessionKey, bool) {
	if s.sessionKey == nil {
		return SessionKey{}, false
	}
	k := *s.sessionKey
	k.Key = bytes.Clone(k.Key)
	return k, true
}

// RestartRequests returns each connector's highest-impact restart request
// read live and not yet acknowledged with AckRestarts.
func (s Snapshot) RestartRequests() map[string]PendingRestart {
	out := map[string]PendingRestart{}
	for name, queue := range s.restarts.All() {
		out[name] = queue[0]
	}
	return out
}

// LoggerLevels returns the latest cluster-wide level of each logger
// namespace read live.
func (s Snapshot) LoggerLevels() map[string]LoggerLevelUpdate {
	return maps.Collect(s.loggers.All())
}
