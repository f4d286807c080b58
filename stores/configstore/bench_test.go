package configstore

import (
	"fmt"
	"testing"
)

// syntheticTopic is a config topic of connectors×tasks: per connector its
// config, its task configs, the commit and a target state, encoded as a Java
// worker writes them.
func syntheticTopic(b *testing.B, connectors, tasks int) (keys []string, values [][]byte) {
	b.Helper()
	for c := 0; c < connectors; c++ {
		name := fmt.Sprintf("jdbc-source-%04d", c)
		recs := []Record{ConnectorConfig{name, PropsOf(map[string]string{
			"name": name, "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
			"tasks.max": fmt.Sprint(tasks), "connection.url": "jdbc:postgresql://db:5432/app",
			"mode": "incrementing", "incrementing.column.name": "id", "topic.prefix": "pg-",
			"key.converter":    "org.apache.kafka.connect.json.JsonConverter",
			"value.converter":  "org.apache.kafka.connect.json.JsonConverter",
			"poll.interval.ms": "5000",
		})}}
		for t := 0; t < tasks; t++ {
			recs = append(recs, TaskConfig{TaskID{name, int32(t)}, PropsOf(map[string]string{
				"task.class": "io.confluent.connect.jdbc.source.JdbcSourceTask",
				"tables":     fmt.Sprintf("schema.table_%d", t), "connection.url": "jdbc:postgresql://db:5432/app",
				"mode": "incrementing", "topic.prefix": "pg-",
			})})
		}
		recs = append(recs, Commit{name, int32(tasks)}, ConnectorTargetState{name, Started})
		for _, r := range recs {
			k, v, err := Encode(r)
			if err != nil {
				b.Fatal(err)
			}
			keys, values = append(keys, k), append(values, v)
		}
	}
	return keys, values
}

// BenchmarkLoadConfigTopic decodes and applies a 1,000-connector × 10-task
// config topic (13,000 records) into a Snapshot; one op is the whole topic.
func BenchmarkLoadConfigTopic(b *testing.B) {
	keys, values := syntheticTopic(b, 1000, 10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var s Snapshot
		for j := range keys {
			rec, err := Decode(keys[j], values[j])
			if err != nil {
				b.Fatal(err)
			}
			s = s.Apply(rec, int64(j), false)
		}
		if len(s.Tasks("jdbc-source-0999")) != 10 {
			b.Fatal("topic not loaded")
		}
	}
}

// BenchmarkApplyConfigTopic is the Apply part alone, on decoded records.
func BenchmarkApplyConfigTopic(b *testing.B) {
	keys, values := syntheticTopic(b, 1000, 10)
	recs := make([]Record, len(keys))
	for j := range keys {
		recs[j], _ = Decode(keys[j], values[j])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var s Snapshot
		for j, r := range recs {
			s = s.Apply(r, int64(j), false)
		}
	}
}
