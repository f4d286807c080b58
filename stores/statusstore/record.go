package statusstore

import (
	"fmt"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// Record is one decoded status-topic record.
type Record interface {
	// StatusKey is the key the record is stored under.
	StatusKey() string
}

// ConnectorStatus is a status-connector-<c> record.
type ConnectorStatus struct {
	Connector string
	Status    Status
}

// TaskStatus is a status-task-<c>-<n> record.
type TaskStatus struct {
	ID     TaskID
	Status Status
}

// TopicStatus is a status-topic-<topic>:connector-<c> record: a task of the
// connector produced to or consumed from the topic (KIP-558).
type TopicStatus struct {
	Topic     string
	Connector string
	Task      int32
	// DiscoverTimestamp is in milliseconds since the epoch.
	DiscoverTimestamp int64
}

// ConnectorTombstone deletes a connector's status and, in every reader's
// cache, the statuses of all its tasks.
type ConnectorTombstone struct{ Connector string }

// TaskTombstone deletes a task's status.
type TaskTombstone struct{ ID TaskID }

// TopicTombstone deletes a topic record (topic tracking reset).
type TopicTombstone struct{ Topic, Connector string }

func (r ConnectorStatus) StatusKey() string    { return ConnectorKey(r.Connector) }
func (r TaskStatus) StatusKey() string         { return TaskKey(r.ID) }
func (r TopicStatus) StatusKey() string        { return TopicKey(r.Topic, r.Connector) }
func (r ConnectorTombstone) StatusKey() string { return ConnectorKey(r.Connector) }
func (r TaskTombstone) StatusKey() string      { return TaskKey(r.ID) }
func (r TopicTombstone) StatusKey() string     { return TopicKey(r.Topic, r.Connector) }

// BadRecordError explains why a status record is discarded. Err holds the
// JSON error when the value did not parse.
type BadRecordError struct {
	Key    string
	Reason string
	Err    error
}

func (e *BadRecordError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("status record %q: %s: %v", e.Key, e.Reason, e.Err)
	}
	return fmt.Sprintf("status record %q: %s", e.Key, e.Reason)
}

func (e *BadRecordError) Unwrap() error { return e.Err }

// Decode reads one status-topic record; a nil value is a tombstone. Like
// Java's reader it tolerates a missing "trace", "worker_id" or "version", and
// needs "state" and an integer "generation".
func Decode(key string, value []byte) (Record, error) {
	k, ok := ParseKey(key)
	if !ok {
		return nil, &BadRecordError{Key: key, Reason: "not a status key Java reads"}
	}
	if value == nil {
		return tombstone(k), nil
	}
	v, err := javajson.Decode(value)
	if err != nil {
		return nil, &BadRecordError{Key: key, Reason: "value is not JSON", Err: err}
	}
	m, ok := v.(javajson.HashMap)
	if !ok {
		return nil, &BadRecordError{Key: key, Reason: "value is not an object"}
	}
	rec, reason := decodeValue(k, m)
	if reason != "" {
		return nil, &BadRecordError{Key: key, Reason: reason}
	}
	return rec, nil
}

func tombstone(k Key) Record {
	switch k.Kind {
	case ConnectorStatusKey:
		return ConnectorTombstone{Connector: k.Connector}
	case TaskStatusKey:
		return TaskTombstone{ID: TaskID{k.Connector, k.Task}}
	}
	return TopicTombstone{Topic: k.Topic, Connector: k.Connector}
}

func decodeValue(k Key, m javajson.HashMap) (Record, string) {
	switch k.Kind {
	case ConnectorStatusKey:
		s, reason := decodeStatus(m)
		return ConnectorStatus{Connector: k.Connector, Status: s}, reason
	case TaskStatusKey:
		s, reason := decodeStatus(m)
		return TaskStatus{ID: TaskID{k.Connector, k.Task}, Status: s}, reason
	}
	return decodeTopic(k, m)
}

func decodeStatus(m javajson.HashMap) (Status, string) {
	var s Status
	name, ok := field[string](m, "state")
	if !ok {
		return s, "'state' is not a string"
	}
	if s.State, ok = ParseState(name); !ok {
		return s, fmt.Sprintf("unknown state %q", name)
	}
	gen, ok := field[int64](m, "generation")
	if !ok {
		return s, "'generation' is not an integer"
	}
	s.Generation = int32(gen) // Java's Long.intValue
	for _, f := range []struct {
		name string
		dst  *string
	}{{"trace", &s.Trace}, {"worker_id", &s.WorkerID}, {"version", &s.Version}} {
		if v, _ := m.Get(f.name); v != nil {
			if *f.dst, ok = v.(string); !ok {
				return s, fmt.Sprintf("'%s' is not a string", f.name)
			}
		}
	}
	return s, ""
}

// decodeTopic reads {"topic":{...}}. Java files the value under the key's
// topic and connector whatever the value says; a value that names another
// topic or connector is refused here instead.
func decodeTopic(k Key, m javajson.HashMap) (Record, string) {
	inner, ok := field[javajson.HashMap](m, "topic")
	if !ok {
		return nil, "'topic' is not an object"
	}
	name, okName := field[string](inner, "name")
	connector, okConnector := field[string](inner, "connector")
	task, okTask := field[int64](inner, "task")
	ts, okTS := field[int64](inner, "discoverTimestamp")
	switch {
	case !okName || !okConnector:
		return nil, "'name' or 'connector' is not a string"
	case !okTask || !okTS:
		return nil, "'task' or 'discoverTimestamp' is not an integer"
	case name != k.Topic || connector != k.Connector:
		return nil, fmt.Sprintf("value names topic %q of connector %q", name, connector)
	}
	return TopicStatus{Topic: name, Connector: connector, Task: int32(task), DiscoverTimestamp: ts}, ""
}

func field[T any](m javajson.HashMap, name string) (T, bool) {
	v, _ := m.Get(name)
	t, ok := v.(T)
	return t, ok
}

// Encode returns the key and value a Java worker writes for rec. Statuses
// have Java's field order, {"state","trace","worker_id","generation","version"},
// with null for an empty trace or version. A DESTROYED status, like a
// tombstone record, gives a nil value.
func Encode(rec Record) (key string, value []byte, err error) {
	key = rec.StatusKey()
	var v javajson.Object
	switch r := rec.(type) {
	case ConnectorStatus:
		v, err = statusValue(r.Status)
	case TaskStatus:
		v, err = statusValue(r.Status)
	case TopicStatus:
		v = javajson.Object{{Key: "topic", Value: javajson.Object{
			{Key: "name", Value: r.Topic},
			{Key: "connector", Value: r.Connector},
			{Key: "task", Value: r.Task},
			{Key: "discoverTimestamp", Value: r.DiscoverTimestamp},
		}}}
	case ConnectorTombstone, TaskTombstone, TopicTombstone:
		return key, nil, nil
	default:
		return key, nil, fmt.Errorf("statusstore: cannot encode %T", rec)
	}
	if v == nil || err != nil {
		return key, nil, err
	}
	value, err = javajson.Marshal(v)
	return key, value, err
}

func statusValue(s Status) (javajson.Object, error) {
	switch s.State {
	case Destroyed:
		return nil, nil
	case Unassigned, Running, Paused, Failed, Restarting, Stopped:
	default:
		return nil, fmt.Errorf("statusstore: cannot encode state %d", s.State)
	}
	return javajson.Object{
		{Key: "state", Value: s.State.String()},
		{Key: "trace", Value: nullIfEmpty(s.Trace)},
		{Key: "worker_id", Value: s.WorkerID},
		{Key: "generation", Value: s.Generation},
		{Key: "version", Value: nullIfEmpty(s.Version)},
	}, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
