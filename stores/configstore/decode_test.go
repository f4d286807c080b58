package configstore

import (
	"errors"
	"reflect"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

func TestDecodeRecords(t *testing.T) {
	tests := []struct {
		name  string
		key   string
		value []byte
		want  Record
	}{
		{"connector tombstone", "connector-c", nil, ConnectorTombstone{"c"}},
		{"empty value reads as null", "connector-c", []byte{}, ConnectorTombstone{"c"}},
		{"JSON null reads as null", "connector-c", []byte("null"), ConnectorTombstone{"c"}},
		{"target-state tombstone", "target-state-c", nil, TargetStateTombstone{"c"}},
		{"null property", "connector-c", []byte(`{"properties":{"a":null}}`), ConnectorConfig{"c", Props{"a": nil}}},
		{"extra fields ignored", "commit-c", []byte(`{"tasks":2,"x":1}`), Commit{"c", 2}},
		{"tasks narrowed to int like Java", "commit-c", []byte(`{"tasks":4294967297}`), Commit{"c", 1}},
		{"negative task count", "commit-c", []byte(`{"tasks":-1}`), Commit{"c", -1}},
		{"old worker state only", "target-state-c", []byte(`{"state":"PAUSED"}`), ConnectorTargetState{"c", Paused}},
		{"state.v2 wins", "target-state-c", []byte(`{"state":"PAUSED","state.v2":"STOPPED"}`), ConnectorTargetState{"c", Stopped}},
		{"state.v2 not a string falls back", "target-state-c", []byte(`{"state":"PAUSED","state.v2":5}`), ConnectorTargetState{"c", Paused}},
		{"state.v2 null falls back", "target-state-c", []byte(`{"state":"STARTED","state.v2":null}`), ConnectorTargetState{"c", Started}},
		{"restart defaults", "restart-connector-c", []byte(`{}`), RestartRequest{Connector: "c"}},
		{"restart non-boolean defaults", "restart-connector-c", []byte(`{"include-tasks":"true","only-failed":1}`), RestartRequest{Connector: "c"}},
		{"unpadded session key", "session-key", []byte(`{"key":"AQI","algorithm":"HmacSHA256","creation-timestamp":5}`), SessionKey{[]byte{1, 2}, "HmacSHA256", 5}},
		{"task with dashes", "task-a-b-3", []byte(`{"properties":{}}`), TaskConfig{TaskID{"a-b", 3}, Props{}}},
		{"leading zeros", "tasks-fencing-c", []byte(`{"task-count":007}`), TaskCountRecord{"c", 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestDecodeBadRecords covers records Java ignores. All but the non-JSON ones
// come back as Ignored, because Java still advances the config offset.
func TestDecodeBadRecords(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		value   string
		tomb    bool
		counted bool
	}{
		{name: "not JSON", key: "connector-c", value: `{"properties":`},
		{name: "not JSON under unknown key", key: "bogus", value: `{`},
		{name: "UTF-16", key: "connector-c", value: "{\x00}\x00"},
		{name: "unknown prefix", key: "bogus-c", value: `{}`, counted: true},
		{name: "old fencing prefix", key: "task-count-record-c", value: `{"task-count":1}`, counted: true},
		{name: "bad task key", key: "task-c-x", value: `{"properties":{}}`, counted: true},
		{name: "not an object", key: "connector-c", value: `"x"`, counted: true},
		{name: "no properties", key: "connector-c", value: `{"props":{}}`, counted: true},
		{name: "properties not an object", key: "task-c-0", value: `{"properties":[]}`, counted: true},
		{name: "property not a string", key: "connector-c", value: `{"properties":{"tasks.max":3}}`, counted: true},
		{name: "task tombstone", key: "task-c-0", tomb: true, counted: true},
		{name: "commit tombstone", key: "commit-c", tomb: true, counted: true},
		{name: "tasks not integer", key: "commit-c", value: `{"tasks":3.0}`, counted: true},
		{name: "tasks missing", key: "commit-c", value: `{}`, counted: true},
		{name: "unknown state", key: "target-state-c", value: `{"state":"RUNNING"}`, counted: true},
		{name: "bad state.v2 does not fall back", key: "target-state-c", value: `{"state":"PAUSED","state.v2":"paused"}`, counted: true},
		{name: "no state", key: "target-state-c", value: `{"state.v2":null}`, counted: true},
		{name: "restart tombstone", key: "restart-connector-c", tomb: true, counted: true},
		{name: "fencing count float", key: "tasks-fencing-c", value: `{"task-count":"1"}`, counted: true},
		{name: "session key tombstone", key: "session-key", tomb: true, counted: true},
		{name: "session key not base64", key: "session-key", value: `{"key":"!!","algorithm":"a","creation-timestamp":1}`, counted: true},
		{name: "session key empty", key: "session-key", value: `{"key":"","algorithm":"a","creation-timestamp":1}`, counted: true},
		{name: "session key line break", key: "session-key", value: `{"key":"AQID\nBA==","algorithm":"a","creation-timestamp":1}`, counted: true},
		{name: "session key no algorithm", key: "session-key", value: `{"key":"AQ==","creation-timestamp":1}`, counted: true},
		{name: "session key float time", key: "session-key", value: `{"key":"AQ==","algorithm":"a","creation-timestamp":1.0}`, counted: true},
		{name: "logger tombstone", key: "logger-cluster-root", tomb: true, counted: true},
		{name: "logger level not string", key: "logger-cluster-root", value: `{"level":1}`, counted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var value []byte
			if !tt.tomb {
				value = []byte(tt.value)
			}
			rec, err := Decode(tt.key, value)
			var bad *BadRecordError
			if !errors.As(err, &bad) || bad.Key != tt.key || bad.Reason == "" {
				t.Fatalf("err = %v, want a *BadRecordError for %q", err, tt.key)
			}
			if _, ignored := rec.(Ignored); ignored != tt.counted || (!tt.counted && rec != nil) {
				t.Errorf("record = %#v, want Ignored: %v", rec, tt.counted)
			}
		})
	}
}

func TestBadRecordErrorUnwraps(t *testing.T) {
	_, err := Decode("connector-c", []byte("{"))
	var syntax *javajson.SyntaxError
	if !errors.As(err, &syntax) {
		t.Fatalf("%v does not wrap the JSON error", err)
	}
}

func TestIgnoredKeepsParsedKey(t *testing.T) {
	rec, _ := Decode("commit-my-conn", []byte(`"nope"`))
	if rec != (Ignored{Key: Key{Kind: CommitKey, Name: "my-conn"}}) {
		t.Errorf("got %#v", rec)
	}
}
