package httpsource

import (
	"errors"
	"fmt"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// decoder turns an answer's body into records.
type decoder struct {
	// json reads the body as JsonConverter with schemas.enable=false does,
	// so that keys and values are the Connect data that converter would
	// give back for the same JSON.
	json      *converters.JsonConverter
	topic     string
	partition map[string]any // shared by all records; read-only
}

func newDecoder(topic string, partition map[string]any) (*decoder, error) {
	c := &converters.JsonConverter{}
	if err := c.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		return nil, err
	}
	return &decoder{json: c, topic: topic, partition: partition}, nil
}

// decode reads a 200 answer. cursor is "" when the answer carries none.
func (d *decoder) decode(body []byte) (recs []plugin.Record, cursor string, err error) {
	_, v, err := d.json.ToConnectData(d.topic, body)
	if err != nil {
		return nil, "", err
	}
	root, ok := v.(*plugin.MapValue)
	if !ok {
		return nil, "", errors.New(`the body is not a JSON object {"records": [...], "cursor": "..."}`)
	}
	switch c := field(root, "cursor").(type) {
	case nil:
	case string:
		cursor = c
	default:
		return nil, "", errors.New("cursor: not a JSON string (quote a numeric cursor)")
	}
	var list []any
	switch l := field(root, "records").(type) {
	case nil:
	case []any:
		list = l
	default:
		return nil, "", errors.New("records: not a JSON array")
	}
	if len(list) > 0 && cursor == "" {
		return nil, "", fmt.Errorf("%d records but no cursor: the next request could not ask for what follows them", len(list))
	}
	// One offset for the whole answer; records share it read-only.
	offset := map[string]any{CursorField: cursor}
	recs = make([]plugin.Record, len(list))
	for i, e := range list {
		if recs[i], err = d.record(e, offset); err != nil {
			return nil, "", fmt.Errorf("records[%d]: %w", i, err)
		}
	}
	return recs, cursor, nil
}

func (d *decoder) record(v any, offset map[string]any) (plugin.Record, error) {
	m, ok := v.(*plugin.MapValue)
	if !ok {
		return plugin.Record{}, errors.New("not a JSON object")
	}
	r := plugin.Record{
		Topic:           d.topic,
		Partition:       plugin.NoPartition,
		Key:             field(m, "key"),
		Value:           field(m, "value"),
		SourcePartition: d.partition,
		SourceOffset:    offset,
	}
	switch t := field(m, "topic").(type) {
	case nil:
	case string:
		if t != "" {
			r.Topic = t
		}
	default:
		return r, errors.New("topic: not a JSON string")
	}
	switch ts := field(m, "timestamp").(type) {
	case nil:
	case int64:
		if ts < 0 {
			return r, fmt.Errorf("timestamp: %d is before 1970", ts)
		}
		r.Timestamp = time.UnixMilli(ts)
	default:
		return r, errors.New("timestamp: not a whole number of milliseconds since 1970")
	}
	switch h := field(m, "headers").(type) {
	case nil:
	case *plugin.MapValue:
		r.Headers = make([]plugin.Header, len(h.Entries))
		for i, e := range h.Entries {
			r.Headers[i] = plugin.Header{Key: e.Key.(string), Value: e.Value}
		}
	default:
		return r, errors.New(`headers: not a JSON object {"name": value, ...}`)
	}
	return r, nil
}

// field is the value of a JSON object's member, nil when it has none.
// (The reader keeps the last of repeated names, as Jackson does.)
func field(m *plugin.MapValue, name string) any {
	v, _ := m.Get(name)
	return v
}
