package configstore

import (
	"reflect"
	"testing"
)

// FuzzDecodeConfig checks that Decode never panics, that whatever it accepts
// encodes and decodes back to the same record, and that applying it to a
// populated snapshot does not panic either.
func FuzzDecodeConfig(f *testing.F) {
	f.Add("connector-c", []byte(`{"properties":{"a":"b","n":null}}`), false)
	f.Add("task-my-conn-3", []byte(`{"properties":{}}`), false)
	f.Add("commit-c", []byte(`{"tasks":2147483647}`), false)
	f.Add("target-state-c", []byte(`{"state":"PAUSED","state.v2":"STOPPED"}`), false)
	f.Add("session-key", []byte(`{"key":"AQID","algorithm":"HmacSHA256","creation-timestamp":1}`), false)
	f.Add("restart-connector-c", []byte(`{"include-tasks":true,"only-failed":false}`), false)
	f.Add("tasks-fencing-c", []byte(`{"task-count":3}`), false)
	f.Add("logger-cluster-org", []byte(`{"level":"DEBUG"}`), false)
	f.Add("connector-c", []byte(nil), true)
	f.Add("task-a--1", []byte(`{"properties":{"k":"v"}}`), false)
	base := replay(conn("c"), task("c", 0), task("c", 1), Commit{"c", 2}, ConnectorTargetState{"d", Paused})
	f.Fuzz(func(t *testing.T, key string, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		}
		rec, err := Decode(key, value)
		next := base.Apply(rec, 100, true)
		if err != nil {
			return
		}
		name := rec.ConfigKey().Name
		_, _ = next.TaskConfig(TaskID{name, 0})
		_ = next.Tasks(name)
		k, v, err := Encode(rec)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", rec, err)
		}
		again, err := Decode(k, v)
		if err != nil || !reflect.DeepEqual(again, rec) {
			t.Fatalf("round trip of %#v gave %#v, %v", rec, again, err)
		}
	})
}
