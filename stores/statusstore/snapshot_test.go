package statusstore

import (
	"reflect"
	"testing"
)

func apply(recs ...Record) Snapshot {
	var s Snapshot
	for _, r := range recs {
		s = s.Apply(r)
	}
	return s
}

func TestSnapshotTaskFilter(t *testing.T) {
	id := TaskID{"c", 0}
	s := apply(TaskStatus{id, Status{State: Running, WorkerID: "b:1", Generation: 5}},
		TaskStatus{id, Status{State: Unassigned, WorkerID: "a:1", Generation: 5}})
	if st, _ := s.Task(id); st.State != Running {
		t.Errorf("stale UNASSIGNED replaced RUNNING: %+v", st)
	}
	s = s.Apply(TaskStatus{id, Status{State: Unassigned, WorkerID: "a:1", Generation: 6}})
	if st, _ := s.Task(id); st.State != Unassigned {
		t.Errorf("newer UNASSIGNED ignored: %+v", st)
	}
}

func TestSnapshotConnectorTombstoneDropsTasks(t *testing.T) {
	s := apply(
		ConnectorStatus{"c", Status{State: Running, Generation: 1}},
		TaskStatus{TaskID{"c", 0}, Status{State: Running, Generation: 1}},
		TaskStatus{TaskID{"c", 1}, Status{State: Failed, Trace: "x", Generation: 1}},
		TopicStatus{Topic: "t", Connector: "c", Task: 0, DiscoverTimestamp: 1},
		ConnectorStatus{"d", Status{State: Paused}},
		ConnectorTombstone{"c"},
	)
	if _, ok := s.Connector("c"); ok || s.Tasks("c") != nil {
		t.Error("connector tombstone left statuses behind")
	}
	if got := s.Topics("c"); len(got) != 1 {
		t.Errorf("topics = %v; Java keeps them", got)
	}
	if got := s.Connectors(); !reflect.DeepEqual(got, []string{"d"}) {
		t.Errorf("Connectors = %v", got)
	}
}

func TestSnapshotTombstonesAndTopics(t *testing.T) {
	s := apply(
		TaskStatus{TaskID{"c", 1}, Status{State: Running}},
		TaskStatus{TaskID{"c", 0}, Status{State: Paused}},
		TopicStatus{Topic: "b", Connector: "c", Task: 1, DiscoverTimestamp: 2},
		TopicStatus{Topic: "a", Connector: "c", Task: 0, DiscoverTimestamp: 1},
	)
	tasks := s.Tasks("c")
	if len(tasks) != 2 || tasks[0].ID.Task != 0 || tasks[1].Status.State != Running {
		t.Errorf("Tasks = %+v", tasks)
	}
	if topics := s.Topics("c"); len(topics) != 2 || topics[0].Topic != "a" {
		t.Errorf("Topics = %+v", topics)
	}
	before := s
	s = s.Apply(TaskTombstone{TaskID{"c", 1}}).Apply(TopicTombstone{"a", "c"}).Apply(TaskTombstone{TaskID{"c", 7}})
	if _, ok := s.Task(TaskID{"c", 1}); ok || len(s.Topics("c")) != 1 {
		t.Error("tombstones not applied")
	}
	if _, ok := before.Task(TaskID{"c", 1}); !ok || len(before.Topics("c")) != 2 {
		t.Error("an earlier snapshot changed")
	}
	s = s.Apply(TaskTombstone{TaskID{"c", 0}}).Apply(TopicTombstone{"b", "c"})
	if s.connectors.Len() != 0 {
		t.Error("empty connector entry kept")
	}
	if s.Apply(nil).connectors.Len() != 0 {
		t.Error("nil record changed the snapshot")
	}
}

// Released tells who last gave a task or connector up, even when Java's
// filter keeps the RUNNING status that the same generation wrote first.
func TestSnapshotReleased(t *testing.T) {
	id := TaskID{"c", 0}
	s := apply(
		ConnectorStatus{"c", Status{State: Running, WorkerID: "a:1", Generation: 5}},
		TaskStatus{id, Status{State: Running, WorkerID: "a:1", Generation: 5}},
	)
	if _, ok := s.Released("c", 0); ok {
		t.Error("a RUNNING task counts as released")
	}
	s = s.Apply(TaskStatus{id, Status{State: Unassigned, WorkerID: "a:1", Generation: 5}})
	s = s.Apply(ConnectorStatus{"c", Status{State: Unassigned, WorkerID: "a:1", Generation: 5}})
	if st, _ := s.Task(id); st.State != Running {
		t.Errorf("the filter changed: %+v", st)
	}
	if w, ok := s.Released("c", 0); !ok || w != "a:1" {
		t.Errorf("task released = %q, %v; want a:1", w, ok)
	}
	if w, ok := s.Released("c", -1); !ok || w != "a:1" {
		t.Errorf("connector released = %q, %v; want a:1", w, ok)
	}
	s = s.Apply(TaskStatus{id, Status{State: Running, WorkerID: "b:1", Generation: 6}})
	if _, ok := s.Released("c", 0); ok {
		t.Error("a task running again still counts as released")
	}
	s = s.Apply(TaskStatus{id, Status{State: Unassigned, WorkerID: "b:1", Generation: 6}}).Apply(TaskTombstone{id})
	if _, ok := s.Released("c", 0); ok {
		t.Error("a deleted task still counts as released")
	}
}
