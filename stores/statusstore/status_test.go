package statusstore

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		key  string
		want Key
		ok   bool
	}{
		{"status-connector-c", Key{Kind: ConnectorStatusKey, Connector: "c"}, true},
		{"status-connector-my-conn", Key{Kind: ConnectorStatusKey, Connector: "my-conn"}, true},
		{"status-connector-", Key{Kind: ConnectorStatusKey}, false},
		{"status-task-c-0", Key{Kind: TaskStatusKey, Connector: "c", Task: 0}, true},
		{"status-task-my-jdbc-src-11", Key{Kind: TaskStatusKey, Connector: "my-jdbc-src", Task: 11}, true},
		{"status-task--0", Key{Kind: TaskStatusKey, Connector: "", Task: 0}, true},
		{"status-task-c", Key{}, false},
		{"status-task-c-", Key{}, false},
		{"status-task-c-x", Key{}, false},
		{"status-topic-orders:connector-c", Key{Kind: TopicStatusKey, Topic: "orders", Connector: "c"}, true},
		{"status-topic-a.b:connector-my-conn", Key{Kind: TopicStatusKey, Topic: "a.b", Connector: "my-conn"}, true},
		{"status-topic-t:xxxxxxxxxxc", Key{Kind: TopicStatusKey, Topic: "t", Connector: "c"}, true}, // Java skips 11 chars unchecked
		{"status-topic-t:connector-a:b", Key{Kind: TopicStatusKey, Topic: "t", Connector: "a:b"}, true},
		{"status-topic-:connector-c", Key{}, false},
		{"status-topic-t:connector-", Key{}, false},
		{"status-topic-t", Key{}, false},
		{"status-c", Key{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseKey(tt.key)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeysRoundTrip(t *testing.T) {
	if k, ok := ParseKey(TaskKey(TaskID{"a-b", 9})); !ok || k != (Key{Kind: TaskStatusKey, Connector: "a-b", Task: 9}) {
		t.Errorf("task key: %+v", k)
	}
	if k, ok := ParseKey(TopicKey("t.x", "c-1")); !ok || k != (Key{Kind: TopicStatusKey, Topic: "t.x", Connector: "c-1"}) {
		t.Errorf("topic key: %+v", k)
	}
}

func TestDecodeTolerates(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  Status
	}{
		{"no trace", `{"state":"RUNNING","worker_id":"w:1","generation":3}`, Status{State: Running, WorkerID: "w:1", Generation: 3}},
		{"no worker", `{"state":"RUNNING","generation":3}`, Status{State: Running, Generation: 3}},
		{"nulls", `{"state":"PAUSED","trace":null,"worker_id":null,"generation":0,"version":null}`, Status{State: Paused}},
		{"generation narrowed", `{"state":"RUNNING","generation":4294967298}`, Status{State: Running, Generation: 2}},
		{"destroyed is readable", `{"state":"DESTROYED","generation":1}`, Status{State: Destroyed, Generation: 1}},
		{"extra fields", `{"state":"FAILED","trace":"t","generation":1,"x":[]}`, Status{State: Failed, Trace: "t", Generation: 1}},
	}
	for _, tt := range tests {
		got, err := Decode("status-connector-c", []byte(tt.value))
		if err != nil || !reflect.DeepEqual(got, ConnectorStatus{"c", tt.want}) {
			t.Errorf("%s: got %#v, %v", tt.name, got, err)
		}
	}
}

func TestDecodeTombstones(t *testing.T) {
	tests := map[string]Record{
		"status-connector-c":         ConnectorTombstone{"c"},
		"status-task-c-2":            TaskTombstone{TaskID{"c", 2}},
		"status-topic-t:connector-c": TopicTombstone{"t", "c"},
	}
	for key, want := range tests {
		if got, err := Decode(key, nil); err != nil || got != want {
			t.Errorf("Decode(%q, nil) = %#v, %v", key, got, err)
		}
	}
}

func TestDecodeBadRecords(t *testing.T) {
	tests := []struct{ key, value string }{
		{"status-connector-", `{"state":"RUNNING","generation":1}`},
		{"other", `{}`},
		{"status-connector-c", `{`},
		{"status-connector-c", ``},
		{"status-connector-c", `null`},
		{"status-connector-c", `[1]`},
		{"status-connector-c", `{"generation":1}`},
		{"status-connector-c", `{"state":"running","generation":1}`},
		{"status-connector-c", `{"state":"RUNNING"}`},
		{"status-connector-c", `{"state":"RUNNING","generation":1.0}`},
		{"status-connector-c", `{"state":"RUNNING","generation":"1"}`},
		{"status-task-c-0", `{"state":"RUNNING","generation":1,"trace":5}`},
		{"status-task-c-0", `{"state":"RUNNING","generation":1,"worker_id":true}`},
		{"status-task-c-0", `{"state":"RUNNING","generation":1,"version":1}`},
		{"status-topic-t:connector-c", `{"name":"t"}`},
		{"status-topic-t:connector-c", `{"topic":{"name":"t","connector":"c","task":0}}`},
		{"status-topic-t:connector-c", `{"topic":{"connector":"c","task":0,"discoverTimestamp":1}}`},
		{"status-topic-t:connector-c", `{"topic":{"name":"u","connector":"c","task":0,"discoverTimestamp":1}}`},
	}
	for _, tt := range tests {
		rec, err := Decode(tt.key, []byte(tt.value))
		var bad *BadRecordError
		if !errors.As(err, &bad) || rec != nil {
			t.Errorf("Decode(%q, %q) = %#v, %v; want a *BadRecordError", tt.key, tt.value, rec, err)
		}
	}
}

func TestSafeToWrite(t *testing.T) {
	cached := &Status{State: Running, WorkerID: "other:8083", Generation: 5}
	tests := []struct {
		name   string
		cached *Status
		next   Status
		want   bool
	}{
		{"nothing cached", nil, Status{State: Failed, WorkerID: "me:8083", Generation: 1}, true},
		{"other worker, later generation", cached, Status{State: Unassigned, WorkerID: "me:8083", Generation: 4}, false},
		{"other worker, later generation, FAILED", cached, Status{State: Failed, WorkerID: "me:8083", Generation: 4}, false},
		{"other worker, same generation", cached, Status{State: Unassigned, WorkerID: "me:8083", Generation: 5}, true},
		{"other worker, earlier generation", cached, Status{State: Failed, WorkerID: "me:8083", Generation: 6}, true},
		{"same worker", cached, Status{State: Unassigned, WorkerID: "other:8083", Generation: 1}, true},
		{"plain writes always go", cached, Status{State: Running, WorkerID: "me:8083", Generation: 1}, true},
	}
	for _, tt := range tests {
		if got := SafeToWrite(tt.cached, tt.next); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestKeepIncomingTask(t *testing.T) {
	running := &Status{State: Running, WorkerID: "a:1", Generation: 5}
	tests := []struct {
		name     string
		cached   *Status
		incoming Status
		want     bool
	}{
		{"nothing cached", nil, Status{State: Unassigned, Generation: 1}, true},
		{"stale unassigned", running, Status{State: Unassigned, Generation: 4}, false},
		{"same-generation unassigned", running, Status{State: Unassigned, Generation: 5}, false},
		{"newer unassigned", running, Status{State: Unassigned, Generation: 6}, true},
		{"other states pass", running, Status{State: Failed, Generation: 1}, true},
		{"cached not running", &Status{State: Paused, Generation: 9}, Status{State: Unassigned, Generation: 1}, true},
	}
	for _, tt := range tests {
		if got := KeepIncomingTask(tt.cached, tt.incoming); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStateNames(t *testing.T) {
	for s := Unassigned; s <= Stopped; s++ {
		if got, ok := ParseState(s.String()); !ok || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), got, ok)
		}
	}
	if _, ok := ParseState("UNKNOWN"); ok {
		t.Error("parsed UNKNOWN")
	}
}
