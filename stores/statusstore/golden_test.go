package statusstore

import (
	"os"
	"reflect"
	"testing"
)

const trace = "org.apache.kafka.connect.errors.ConnectException: boom <&>\n\tat x.y.Z.run(Z.java:42)\n\tat \"quoted\" ü"

// goldenRecords pairs each file in testdata, written by Kafka 4.1.1's
// KafkaStatusBackingStore serializers, with the record it holds.
var goldenRecords = []struct {
	file string
	rec  Record
}{
	{"connector-running.json", ConnectorStatus{"c", Status{State: Running, WorkerID: "host:8083", Generation: 7}}},
	{"connector-running-version.json", ConnectorStatus{"c", Status{State: Running, WorkerID: "host:8083", Generation: 7, Version: "4.1.1"}}},
	{"connector-failed.json", ConnectorStatus{"c", Status{State: Failed, Trace: trace, WorkerID: "10.0.0.1:8083", Generation: 12, Version: "1.0"}}},
	{"connector-stopped.json", ConnectorStatus{"c", Status{State: Stopped, WorkerID: "host:8083"}}},
	{"task-unassigned.json", TaskStatus{TaskID{"c", 0}, Status{State: Unassigned, WorkerID: "host:8083", Generation: 2147483647}}},
	{"task-paused.json", TaskStatus{TaskID{"c", 1}, Status{State: Paused, WorkerID: "host:8083", Generation: 3, Version: "2.0"}}},
	{"task-restarting.json", TaskStatus{TaskID{"c", 1}, Status{State: Restarting, WorkerID: "host:8083", Generation: -1}}},
	{"task-failed.json", TaskStatus{TaskID{"c", 2}, Status{State: Failed, Trace: trace, WorkerID: "h:1", Generation: 5}}},
	{"topic.json", TopicStatus{Topic: "orders", Connector: "c", Task: 3, DiscoverTimestamp: 1700000000123}},
}

func TestEncodeMatchesJava(t *testing.T) {
	for _, g := range goldenRecords {
		t.Run(g.file, func(t *testing.T) {
			want, err := os.ReadFile("testdata/" + g.file)
			if err != nil {
				t.Fatal(err)
			}
			_, got, err := Encode(g.rec)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestDecodeJavaRecords(t *testing.T) {
	for _, g := range goldenRecords {
		t.Run(g.file, func(t *testing.T) {
			value, err := os.ReadFile("testdata/" + g.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(g.rec.StatusKey(), value)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, g.rec) {
				t.Errorf("got  %#v\nwant %#v", got, g.rec)
			}
		})
	}
}

func TestEncodeTombstones(t *testing.T) {
	for _, rec := range []Record{
		ConnectorStatus{"c", Status{State: Destroyed, WorkerID: "w:1"}},
		TaskStatus{TaskID{"c", 0}, Status{State: Destroyed}},
		ConnectorTombstone{"c"}, TaskTombstone{TaskID{"c", 0}}, TopicTombstone{"t", "c"},
	} {
		if _, value, err := Encode(rec); err != nil || value != nil {
			t.Errorf("Encode(%#v) = %q, %v; want a tombstone", rec, value, err)
		}
	}
	if _, _, err := Encode(ConnectorStatus{"c", Status{}}); err == nil {
		t.Error("encoded a status without a state")
	}
}
