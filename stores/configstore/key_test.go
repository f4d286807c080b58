package configstore

import "testing"

func TestParseKey(t *testing.T) {
	tests := []struct {
		key  string
		want Key
		ok   bool
	}{
		{"connector-foo", Key{Kind: ConnectorKey, Name: "foo"}, true},
		{"connector-my-source-v2", Key{Kind: ConnectorKey, Name: "my-source-v2"}, true},
		{"connector-", Key{Kind: ConnectorKey, Name: ""}, true},
		{"target-state-foo", Key{Kind: TargetStateKey, Name: "foo"}, true},
		{"target-state-connector-x", Key{Kind: TargetStateKey, Name: "connector-x"}, true},
		{"task-foo-0", Key{Kind: TaskKey, Name: "foo", Task: 0}, true},
		{"task-my-jdbc-source-12", Key{Kind: TaskKey, Name: "my-jdbc-source", Task: 12}, true},
		{"task-a--1", Key{Kind: TaskKey, Name: "a-", Task: 1}, true},
		{"task--0", Key{Kind: TaskKey, Name: "", Task: 0}, true},
		{"task-a-+7", Key{Kind: TaskKey, Name: "a", Task: 7}, true},
		{"task-a-٣", Key{Kind: TaskKey, Name: "a", Task: 3}, true},
		{"task-foo", Key{Kind: UnknownKey, Name: "task-foo"}, false},
		{"task-foo-", Key{Kind: UnknownKey, Name: "task-foo-"}, false},
		{"task-foo-x", Key{Kind: UnknownKey, Name: "task-foo-x"}, false},
		{"task-foo-2147483648", Key{Kind: UnknownKey, Name: "task-foo-2147483648"}, false},
		{"commit-foo", Key{Kind: CommitKey, Name: "foo"}, true},
		{"commit-task-foo-0", Key{Kind: CommitKey, Name: "task-foo-0"}, true},
		{"restart-connector-foo", Key{Kind: RestartKey, Name: "foo"}, true},
		{"tasks-fencing-foo", Key{Kind: TaskCountKey, Name: "foo"}, true},
		{"tasks-fencing-my-src", Key{Kind: TaskCountKey, Name: "my-src"}, true},
		{"session-key", Key{Kind: SessionKeyKey}, true},
		{"session-keys", Key{Kind: UnknownKey, Name: "session-keys"}, false},
		{"logger-cluster-org.apache.kafka", Key{Kind: LoggerLevelKey, Name: "org.apache.kafka"}, true},
		{"task-count-record-foo", Key{Kind: UnknownKey, Name: "task-count-record-foo"}, false},
		{"", Key{Kind: UnknownKey, Name: ""}, false},
		{"Connector-foo", Key{Kind: UnknownKey, Name: "Connector-foo"}, false},
	}
	for _, tt := range tests {
		got, ok := ParseKey(tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeyStringRoundTrip(t *testing.T) {
	for _, k := range []Key{
		{Kind: ConnectorKey, Name: "a-b"},
		{Kind: TargetStateKey, Name: "a-b"},
		{Kind: TaskKey, Name: "a-b-c", Task: 41},
		{Kind: CommitKey, Name: "a"},
		{Kind: RestartKey, Name: "a"},
		{Kind: TaskCountKey, Name: "a"},
		{Kind: SessionKeyKey},
		{Kind: LoggerLevelKey, Name: "root"},
	} {
		got, ok := ParseKey(k.String())
		if !ok || got != k {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v", k.String(), got, ok, k)
		}
	}
}
