package configstore

import (
	"encoding/base64"
	"fmt"
	"slices"

	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

// Encode returns the key and value a Java worker writes for rec; a nil value
// is a tombstone. Objects have Java's field order; a configuration map is
// written in java.util.HashMap order for its keys put in sorted order (Java's
// own order depends on the map it started from, so config bytes written by Go
// and by Java may differ in key order only; readers never compare them).
func Encode(rec Record) (key string, value []byte, err error) {
	key = rec.ConfigKey().String()
	var v any
	switch r := rec.(type) {
	case ConnectorConfig:
		v = javajson.Object{{Key: "properties", Value: propsValue(r.Properties)}}
	case TaskConfig:
		v = javajson.Object{{Key: "properties", Value: propsValue(r.Properties)}}
	case ConnectorTombstone, TargetStateTombstone:
		return key, nil, nil
	case Commit:
		v = javajson.Object{{Key: "tasks", Value: r.Tasks}}
	case ConnectorTargetState:
		if v, err = targetStateValue(r.State); err != nil {
			return key, nil, err
		}
	case SessionKey:
		v = javajson.Object{
			{Key: "key", Value: base64.StdEncoding.EncodeToString(r.Key)},
			{Key: "algorithm", Value: r.Algorithm},
			{Key: "creation-timestamp", Value: r.CreationTimestamp},
		}
	case RestartRequest:
		v = javajson.Object{{Key: "include-tasks", Value: r.IncludeTasks}, {Key: "only-failed", Value: r.OnlyFailed}}
	case TaskCountRecord:
		v = javajson.Object{{Key: "task-count", Value: r.TaskCount}}
	case LoggerLevel:
		v = javajson.Object{{Key: "level", Value: r.Level}}
	default:
		return key, nil, fmt.Errorf("configstore: cannot encode %T", rec)
	}
	value, err = javajson.Marshal(v)
	return key, value, err
}

// targetStateValue writes both fields: "state" for workers older than 3.5,
// which do not know STOPPED and get PAUSED instead, and "state.v2".
func targetStateValue(s TargetState) (javajson.Object, error) {
	legacy := s
	switch s {
	case Started, Paused:
	case Stopped:
		legacy = Paused
	default:
		return nil, fmt.Errorf("configstore: cannot encode target state %d", s)
	}
	return javajson.Object{{Key: "state", Value: legacy.String()}, {Key: "state.v2", Value: s.String()}}, nil
}

func propsValue(p Props) javajson.HashMap {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	m := make(javajson.HashMap, len(keys))
	for i, k := range keys {
		m[i] = javajson.Field{Key: k}
		if v := p[k]; v != nil {
			m[i].Value = *v
		}
	}
	return m
}
