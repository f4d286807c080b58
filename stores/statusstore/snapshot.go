package statusstore

import (
	"maps"
	"slices"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/stores/internal/pmap"
)

// Snapshot is the status topic folded up to some point: the cache a Java
// worker serves REST status from. It is an immutable value; Apply returns a
// new Snapshot sharing what did not change, and methods return copies.
// The zero Snapshot is empty.
type Snapshot struct {
	connectors pmap.Map[*connectorStatuses]
}

// connectorStatuses groups what is cached under one connector name. Its maps
// are replaced, never changed, once stored in a Snapshot.
type connectorStatuses struct {
	status *Status
	tasks  map[int32]Status
	topics map[string]TopicStatus
	// released holds the tasks whose last record read is UNASSIGNED, even
	// where KeepIncomingTask kept an older RUNNING in tasks: a worker
	// writes it once it has stopped the task.
	released map[int32]Status
}

// Apply folds in rec with Java's read rules: a connector tombstone drops the
// connector's task statuses too (but not its topics), and KeepIncomingTask
// filters task statuses. A nil rec changes nothing.
func (s Snapshot) Apply(rec Record) Snapshot {
	switch r := rec.(type) {
	case ConnectorStatus:
		s.update(r.Connector, func(c *connectorStatuses) { c.status = &r.Status })
	case ConnectorTombstone:
		s.update(r.Connector, func(c *connectorStatuses) { c.status, c.tasks, c.released = nil, nil, nil })
	case TaskStatus:
		s.update(r.ID.Connector, func(c *connectorStatuses) {
			var cached *Status
			if old, ok := c.tasks[r.ID.Task]; ok {
				cached = &old
			}
			if KeepIncomingTask(cached, r.Status) {
				c.tasks = with(c.tasks, r.ID.Task, r.Status)
			}
			if r.Status.State == Unassigned {
				c.released = with(c.released, r.ID.Task, r.Status)
			} else {
				c.released = without(c.released, r.ID.Task)
			}
		})
	case TaskTombstone:
		s.update(r.ID.Connector, func(c *connectorStatuses) {
			c.tasks, c.released = without(c.tasks, r.ID.Task), without(c.released, r.ID.Task)
		})
	case TopicStatus:
		s.update(r.Connector, func(c *connectorStatuses) { c.topics = with(c.topics, r.Topic, r) })
	case TopicTombstone:
		s.update(r.Connector, func(c *connectorStatuses) { c.topics = without(c.topics, r.Topic) })
	}
	return s
}

func (s *Snapshot) update(name string, fn func(*connectorStatuses)) {
	var c connectorStatuses
	if old, ok := s.connectors.Get(name); ok {
		c = *old
	}
	fn(&c)
	if c.status == nil && len(c.tasks) == 0 && len(c.topics) == 0 && len(c.released) == 0 {
		s.connectors = s.connectors.Delete(name)
		return
	}
	s.connectors = s.connectors.Set(name, &c)
}

func with[K comparable, V any](m map[K]V, k K, v V) map[K]V {
	out := make(map[K]V, len(m)+1)
	maps.Copy(out, m)
	out[k] = v
	return out
}

func without[K comparable, V any](m map[K]V, k K) map[K]V {
	if _, ok := m[k]; !ok {
		return m
	}
	out := maps.Clone(m)
	delete(out, k)
	return out
}

// Connector returns the connector's cached status.
func (s Snapshot) Connector(name string) (Status, bool) {
	c, ok := s.connectors.Get(name)
	if !ok || c.status == nil {
		return Status{}, false
	}
	return *c.status, true
}

// Task returns the task's cached status.
func (s Snapshot) Task(id TaskID) (Status, bool) {
	c, ok := s.connectors.Get(id.Connector)
	if !ok {
		return Status{}, false
	}
	st, ok := c.tasks[id.Task]
	return st, ok
}

// Released reports whether the latest status record of the connector (task
// -1) or of one of its tasks is UNASSIGNED, and which worker wrote it. Java
// workers and this one write it once they have stopped the work, so it
// tells that a worker gave the work up rather than crashed with it.
func (s Snapshot) Released(connector string, task int32) (worker string, ok bool) {
	c, found := s.connectors.Get(connector)
	switch {
	case !found:
		return "", false
	case task < 0:
		if c.status == nil || c.status.State != Unassigned {
			return "", false
		}
		return c.status.WorkerID, true
	}
	st, ok := c.released[task]
	return st.WorkerID, ok
}

// Tasks returns the cached statuses of the connector's tasks, by task number.
func (s Snapshot) Tasks(connector string) []TaskStatus {
	c, ok := s.connectors.Get(connector)
	if !ok {
		return nil
	}
	var out []TaskStatus
	for _, n := range slices.Sorted(maps.Keys(c.tasks)) {
		out = append(out, TaskStatus{ID: TaskID{connector, n}, Status: c.tasks[n]})
	}
	return out
}

// Topics returns the topics recorded for the connector, by topic name.
func (s Snapshot) Topics(connector string) []TopicStatus {
	c, ok := s.connectors.Get(connector)
	if !ok {
		return nil
	}
	out := slices.Collect(maps.Values(c.topics))
	slices.SortFunc(out, func(a, b TopicStatus) int { return strings.Compare(a.Topic, b.Topic) })
	return out
}

// HasTopic reports whether a task of the connector was recorded as using
// the topic.
func (s Snapshot) HasTopic(connector, topic string) bool {
	c, ok := s.connectors.Get(connector)
	if !ok {
		return false
	}
	_, ok = c.topics[topic]
	return ok
}

// Connectors returns, sorted, the connectors that have a cached status.
func (s Snapshot) Connectors() []string {
	var names []string
	for name, c := range s.connectors.All() {
		if c.status != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
