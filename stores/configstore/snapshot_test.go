package configstore

import (
	"reflect"
	"slices"
	"testing"
)

// replay applies records at offsets 0, 1, 2, … as a caught-up store would.
func replay(recs ...Record) Snapshot {
	var s Snapshot
	for i, r := range recs {
		s = s.Apply(r, int64(i), true)
	}
	return s
}

func conn(name string, kv ...string) ConnectorConfig {
	p := Props{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = ptr(kv[i+1])
	}
	return ConnectorConfig{Connector: name, Properties: p}
}

func task(name string, n int32, kv ...string) TaskConfig {
	return TaskConfig{ID: TaskID{name, n}, Properties: conn(name, kv...).Properties}
}

func taskIDs(name string, n int32) []TaskID {
	var ids []TaskID
	for i := int32(0); i < n; i++ {
		ids = append(ids, TaskID{name, i})
	}
	return ids
}

func TestConfigOffset(t *testing.T) {
	var s Snapshot
	if s.Offset() != -1 {
		t.Fatalf("empty offset = %d, want -1", s.Offset())
	}
	steps := []struct {
		key   string
		value []byte
		want  int64
	}{
		{"connector-c", []byte(`{"properties":{}}`), 1},
		{"bogus", []byte(`{"valid":"json"}`), 2},     // unknown key, valid JSON: counts
		{"connector-c", []byte(`{"properties":`), 2}, // not JSON: does not count
		{"task-c-0", nil, 4},                         // unexpected tombstone: counts
		{"commit-c", []byte(`{"tasks":"x"}`), 5},     // wrong type: counts
		{"connector-d", []byte("\x00{\x00}"), 5},     // not UTF-8 to us: does not count
		{"logger-cluster-x", []byte(`{"level":"INFO"}`), 7},
	}
	for i, st := range steps {
		rec, _ := Decode(st.key, st.value)
		s = s.Apply(rec, int64(i), true)
		if got := s.Offset(); got != st.want {
			t.Errorf("after %q at offset %d: Offset = %d, want %d", st.key, i, got, st.want)
		}
	}
}

func TestTaskConfigsWaitForCommit(t *testing.T) {
	s := replay(conn("c", "k", "v"), task("c", 0, "t", "0"), task("c", 1, "t", "1"))
	if got := s.Tasks("c"); got != nil {
		t.Fatalf("tasks visible before commit: %v", got)
	}
	s = s.Apply(Commit{"c", 2}, 3, true)
	if got := s.Tasks("c"); !reflect.DeepEqual(got, taskIDs("c", 2)) {
		t.Fatalf("Tasks = %v", got)
	}
	if p, _ := s.TaskConfig(TaskID{"c", 1}); *p["t"] != "1" {
		t.Errorf("task 1 config = %v", p)
	}
	if g, ok := s.TaskConfigGeneration("c"); !ok || g != 0 {
		t.Errorf("generation = %d, %v; want 0", g, ok)
	}
	// A new staged config stays invisible until the next commit.
	s = s.Apply(task("c", 1, "t", "new"), 4, true)
	if p, _ := s.TaskConfig(TaskID{"c", 1}); *p["t"] != "1" {
		t.Errorf("staged config leaked: %v", p)
	}
	s = s.Apply(task("c", 0, "t", "new"), 5, true).Apply(Commit{"c", 2}, 6, true)
	if p, _ := s.TaskConfig(TaskID{"c", 1}); *p["t"] != "new" {
		t.Errorf("task 1 after second commit = %v", p)
	}
	if g, _ := s.TaskConfigGeneration("c"); g != 1 {
		t.Errorf("generation = %d, want 1", g)
	}
}

func TestLatestStagedConfigWins(t *testing.T) {
	s := replay(conn("c"), task("c", 0, "v", "old"), task("c", 0, "v", "new"), Commit{"c", 1})
	if p, _ := s.TaskConfig(TaskID{"c", 0}); *p["v"] != "new" {
		t.Errorf("got %v", p)
	}
}

func TestIncompleteTaskSet(t *testing.T) {
	s := replay(conn("c"), task("c", 0), task("c", 2), Commit{"c", 3})
	if got := s.Tasks("c"); got != nil {
		t.Errorf("inconsistent connector has tasks %v", got)
	}
	if s.TaskCount("c") != 3 || !slices.Equal(s.Inconsistent(), []string{"c"}) {
		t.Errorf("count %d, inconsistent %v", s.TaskCount("c"), s.Inconsistent())
	}
	if _, ok := s.TaskConfigGeneration("c"); ok {
		t.Error("an incomplete commit bumped the generation")
	}
	if _, ok := s.TaskConfig(TaskID{"c", 0}); ok {
		t.Error("TaskConfig served a task of an inconsistent connector")
	}
	// The staged set was dropped: a complete set must be written again.
	s = s.Apply(task("c", 1), 4, true).Apply(Commit{"c", 3}, 5, true)
	if s.Tasks("c") != nil {
		t.Error("commit completed from tasks staged before the previous commit")
	}
	s = s.Apply(task("c", 0), 6, true).Apply(task("c", 1), 7, true).Apply(task("c", 2), 8, true).Apply(Commit{"c", 3}, 9, true)
	if !reflect.DeepEqual(s.Tasks("c"), taskIDs("c", 3)) || s.Inconsistent() != nil {
		t.Errorf("tasks %v, inconsistent %v", s.Tasks("c"), s.Inconsistent())
	}
}

func TestExtraHigherTasksAllowed(t *testing.T) {
	s := replay(conn("c"), task("c", 0), task("c", 1), task("c", 2), Commit{"c", 2})
	if !reflect.DeepEqual(s.Tasks("c"), taskIDs("c", 2)) {
		t.Errorf("Tasks = %v", s.Tasks("c"))
	}
	if _, ok := s.TaskConfig(TaskID{"c", 2}); ok {
		t.Error("task beyond the count is visible")
	}
}

func TestOrphanCommit(t *testing.T) {
	s := replay(task("gone", 0), Commit{"gone", 1})
	if s.TaskCount("gone") != 0 || s.PendingFencing("gone") || s.Tasks("gone") != nil {
		t.Errorf("orphan commit applied: count %d fencing %v", s.TaskCount("gone"), s.PendingFencing("gone"))
	}
	// The purge dropped the staged task, so the connector's first real
	// commit finds its set incomplete.
	s = s.Apply(conn("gone"), 2, true).Apply(Commit{"gone", 1}, 3, true)
	if !slices.Equal(s.Inconsistent(), []string{"gone"}) {
		t.Errorf("inconsistent = %v", s.Inconsistent())
	}
}

func TestOrphanCommitWithBadValuePurges(t *testing.T) {
	bad, _ := Decode("commit-c", []byte(`"not an object"`))
	s := replay(task("c", 0), bad, conn("c"), Commit{"c", 1})
	if s.Tasks("c") != nil {
		t.Error("staged task survived the purge")
	}
	// For a known connector the same bad commit changes nothing.
	s = replay(conn("c"), task("c", 0), bad, Commit{"c", 1})
	if !reflect.DeepEqual(s.Tasks("c"), taskIDs("c", 1)) {
		t.Errorf("Tasks = %v", s.Tasks("c"))
	}
}

func TestGenerationNeedsStagedTasks(t *testing.T) {
	s := replay(conn("c"), Commit{"c", 0})
	if _, ok := s.TaskConfigGeneration("c"); ok {
		t.Error("a commit with no task record ever seen bumped the generation")
	}
	s = s.Apply(task("c", 0), 2, true).Apply(Commit{"c", 1}, 3, true).Apply(Commit{"c", 0}, 4, true)
	if g, _ := s.TaskConfigGeneration("c"); g != 1 {
		t.Errorf("generation = %d, want 1: Java keeps the emptied staging map", g)
	}
	if s.Tasks("c") != nil {
		t.Errorf("Tasks after commit of 0 = %v", s.Tasks("c"))
	}
}

func TestConnectorTombstone(t *testing.T) {
	s := replay(conn("c"), ConnectorTargetState{"c", Paused}, task("c", 0), Commit{"c", 1}, task("c", 0),
		TaskCountRecord{"c", 1}, ConnectorTombstone{"c"})
	if s.Contains("c") || s.Tasks("c") != nil || s.TaskCount("c") != 0 || s.Connectors() != nil {
		t.Error("connector not fully removed")
	}
	if _, ok := s.AppliedConfig("c"); ok {
		t.Error("applied config kept")
	}
	// Java keeps these across deletion.
	if st, _ := s.TargetState("c"); st != Paused {
		t.Errorf("target state = %v, want PAUSED until its own tombstone", st)
	}
	if g, ok := s.TaskConfigGeneration("c"); !ok || g != 0 {
		t.Errorf("generation = %d, %v", g, ok)
	}
	if n, ok := s.TaskCountRecord("c"); !ok || n != 1 {
		t.Errorf("task count record = %d, %v", n, ok)
	}
	// Recreated: the task staged before deletion is gone.
	s = s.Apply(conn("c"), 7, true).Apply(Commit{"c", 1}, 8, true)
	if s.Tasks("c") != nil {
		t.Error("task staged before deletion survived")
	}
}

func TestTargetStates(t *testing.T) {
	s := replay(conn("c"))
	if st, _ := s.TargetState("c"); st != Started {
		t.Errorf("default = %v, want STARTED", st)
	}
	s = s.Apply(ConnectorTargetState{"c", Stopped}, 1, true).Apply(TargetStateTombstone{"c"}, 2, true)
	if st, _ := s.TargetState("c"); st != Started {
		t.Errorf("after tombstone with config = %v, want STARTED", st)
	}
	s = s.Apply(ConnectorTombstone{"c"}, 3, true).Apply(TargetStateTombstone{"c"}, 4, true)
	if _, ok := s.TargetState("c"); ok {
		t.Error("target state kept after both tombstones")
	}
}

func TestTargetStateBeforeConnector(t *testing.T) {
	s := replay(ConnectorTargetState{"c", Stopped})
	if s.Contains("c") {
		t.Error("target state created the connector")
	}
	if st, ok := s.TargetState("c"); !ok || st != Stopped {
		t.Errorf("state = %v, %v", st, ok)
	}
	s = s.Apply(conn("c"), 1, true)
	if st, _ := s.TargetState("c"); st != Stopped || !s.Contains("c") {
		t.Errorf("state after config = %v, want STOPPED", st)
	}
}

func TestPendingFencing(t *testing.T) {
	s := replay(conn("c"), task("c", 0), Commit{"c", 1})
	if !s.PendingFencing("c") {
		t.Error("commit did not set pending fencing")
	}
	s = s.Apply(TaskCountRecord{"c", 1}, 3, true)
	if s.PendingFencing("c") {
		t.Error("task count record did not clear pending fencing")
	}
	if n, _ := s.TaskCountRecord("c"); n != 1 {
		t.Errorf("task count record = %d", n)
	}
	s = s.Apply(Commit{"c", 0}, 4, true)
	if !s.PendingFencing("c") {
		t.Error("a commit of zero tasks did not set pending fencing")
	}
}

func TestAppliedConfig(t *testing.T) {
	s := replay(conn("c", "v", "1"), task("c", 0), Commit{"c", 1}, conn("c", "v", "2"))
	applied, _ := s.AppliedConfig("c")
	current, _ := s.ConnectorConfig("c")
	if *applied["v"] != "1" || *current["v"] != "2" {
		t.Errorf("applied %v, current %v", applied, current)
	}
}

func TestSessionKey(t *testing.T) {
	s := replay(SessionKey{Key: []byte{1, 2}, Algorithm: "HmacSHA256", CreationTimestamp: 9})
	k, ok := s.SessionKey()
	if !ok || k.Algorithm != "HmacSHA256" || k.CreationTimestamp != 9 {
		t.Fatalf("got %+v, %v", k, ok)
	}
	k.Key[0] = 99
	if again, _ := s.SessionKey(); again.Key[0] != 1 {
		t.Error("SessionKey shares its bytes with the caller")
	}
}

func TestRestartRequestsOnlyLive(t *testing.T) {
	var s Snapshot
	s = s.Apply(RestartRequest{Connector: "c", IncludeTasks: true}, 0, false)
	if len(s.RestartRequests()) != 0 {
		t.Error("request read during catch-up was kept")
	}
	s = s.Apply(RestartRequest{Connector: "c"}, 1, true)
	if got := s.RestartRequests()["c"]; got.Offset != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestRestartRanking(t *testing.T) {
	onlyFailed := RestartRequest{Connector: "c", OnlyFailed: true}                      // 0
	failedTasks := RestartRequest{Connector: "c", OnlyFailed: true, IncludeTasks: true} // 1
	connector := RestartRequest{Connector: "c"}                                         // 2
	all := RestartRequest{Connector: "c", IncludeTasks: true}                           // 3
	tests := []struct {
		name string
		seq  []RestartRequest
		want RestartRequest
	}{
		{"higher replaces", []RestartRequest{onlyFailed, failedTasks, connector, all}, all},
		{"lower ignored", []RestartRequest{all, connector, failedTasks, onlyFailed}, all},
		{"equal kept", []RestartRequest{connector, connector}, connector},
		{"mixed", []RestartRequest{failedTasks, onlyFailed, connector, onlyFailed}, connector},
	}
	for _, tt := range tests {
		var s Snapshot
		for i, r := range tt.seq {
			s = s.Apply(r, int64(i), true)
		}
		if got := s.RestartRequests()["c"].Request; got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestAckRestarts(t *testing.T) {
	s := replay(RestartRequest{Connector: "c", IncludeTasks: true}, RestartRequest{Connector: "d"})
	seen := s.Offset() - 1 // the herder acted on this snapshot
	s = s.Apply(RestartRequest{Connector: "c", OnlyFailed: true}, 2, true)
	if got := s.RestartRequests()["c"].Request.IncludeTasks; !got {
		t.Fatal("lower request displaced the pending one")
	}
	s = s.AckRestarts(seen)
	got := s.RestartRequests()
	if len(got) != 1 || got["c"].Request != (RestartRequest{Connector: "c", OnlyFailed: true}) {
		t.Errorf("after ack: %+v; the request read after the herder looked must survive", got)
	}
	if len(s.AckRestarts(2).RestartRequests()) != 0 {
		t.Error("ack through the last offset left requests")
	}
}

func TestLoggerLevelsOnlyLive(t *testing.T) {
	var s Snapshot
	s = s.Apply(LoggerLevel{"org.a", "TRACE"}, 0, false)
	s = s.Apply(LoggerLevel{"org.b", "INFO"}, 1, true)
	s = s.Apply(LoggerLevel{"org.b", "DEBUG"}, 2, true)
	want := map[string]LoggerLevelUpdate{"org.b": {"DEBUG", 2}}
	if got := s.LoggerLevels(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSnapshotsAreImmutable(t *testing.T) {
	before := replay(conn("c", "v", "1"), task("c", 0, "t", "1"), Commit{"c", 1})
	after := before.Apply(conn("c", "v", "2"), 3, true).Apply(ConnectorTombstone{"c"}, 4, true)
	if p, _ := before.ConnectorConfig("c"); *p["v"] != "1" {
		t.Errorf("old snapshot changed: %v", p)
	}
	p, _ := before.TaskConfig(TaskID{"c", 0})
	p["t"] = ptr("mutated")
	if again, _ := before.TaskConfig(TaskID{"c", 0}); *again["t"] != "1" {
		t.Error("TaskConfig returned shared state")
	}
	if after.Contains("c") || before.Offset() != 3 || after.Offset() != 5 {
		t.Error("snapshots mixed up")
	}
}

func TestNilRecordChangesNothing(t *testing.T) {
	s := replay(conn("c"))
	if got := s.Apply(nil, 10, true); !reflect.DeepEqual(got, s) {
		t.Error("nil record changed the snapshot")
	}
}

// Java stores a negative task count as is, and its ClusterConfigState.tasks
// then throws (new ArrayList<>(-1)); Go keeps the count and lists no tasks.
func TestNegativeTaskCount(t *testing.T) {
	s := replay(conn("c"), Commit{"c", -1})
	if s.TaskCount("c") != -1 || s.Tasks("c") != nil || s.Inconsistent() != nil {
		t.Errorf("count %d, tasks %v, inconsistent %v", s.TaskCount("c"), s.Tasks("c"), s.Inconsistent())
	}
}
