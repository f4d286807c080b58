package statusstore

import (
	"reflect"
	"testing"
)

// FuzzDecodeStatus checks that Decode never panics and that what it accepts
// encodes and decodes back to the same record.
func FuzzDecodeStatus(f *testing.F) {
	f.Add("status-connector-c", []byte(`{"state":"RUNNING","trace":null,"worker_id":"h:1","generation":7,"version":null}`), false)
	f.Add("status-task-a-b-3", []byte(`{"state":"FAILED","trace":"x\ny","worker_id":"h:1","generation":-1}`), false)
	f.Add("status-topic-t:connector-c", []byte(`{"topic":{"name":"t","connector":"c","task":0,"discoverTimestamp":1}}`), false)
	f.Add("status-task-c-0", []byte(nil), true)
	base := apply(ConnectorStatus{"c", Status{State: Running}}, TaskStatus{TaskID{"c", 0}, Status{State: Running, Generation: 3}})
	f.Fuzz(func(t *testing.T, key string, value []byte, tombstone bool) {
		if tombstone {
			value = nil
		}
		rec, err := Decode(key, value)
		_ = base.Apply(rec).Tasks("c")
		if err != nil {
			return
		}
		if st, ok := rec.(ConnectorStatus); ok && st.Status.State == Destroyed {
			return // written as a tombstone, so it cannot come back
		}
		if st, ok := rec.(TaskStatus); ok && st.Status.State == Destroyed {
			return
		}
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
