package metrics

import (
	"math"
	"reflect"
	"testing"
)

func TestDesiredWorkers(t *testing.T) {
	tests := []struct {
		name              string
		connectors, tasks int
		lag, perWorker    int64
		want              int
	}{
		{"no connectors", 0, 0, 0, 100, 0},
		{"no connectors, stale lag", 0, 0, 5000, 100, 0},
		{"lag 0 keeps one worker", 2, 4, 0, 100, 1},
		{"lag below the target", 1, 4, 99, 100, 1},
		{"lag at the target", 1, 4, 100, 100, 1},
		{"lag just above the target", 1, 4, 101, 100, 2},
		{"lag above the target", 1, 8, 350, 100, 4},
		{"capped by the tasks", 1, 3, 10_000, 100, 3},
		{"connector without tasks yet", 1, 0, 10_000, 100, 1},
		{"lag per worker 1", 1, 10, 7, 1, 7},
		{"lag per worker 0 is taken as 1", 1, 10, 7, 0, 7},
		{"huge lag does not overflow", 1, 50, math.MaxInt64, 1000, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DesiredWorkers(tt.connectors, tt.tasks, tt.lag, tt.perWorker); got != tt.want {
				t.Errorf("DesiredWorkers(%d connectors, %d tasks, lag %d, %d per worker) = %d, want %d",
					tt.connectors, tt.tasks, tt.lag, tt.perWorker, got, tt.want)
			}
		})
	}
}

func TestLagOf(t *testing.T) {
	tests := []struct {
		name                  string
		committed, start, end int64
		earliest              bool
		want                  int64
	}{
		{"behind", 40, 0, 100, true, 60},
		{"caught up", 100, 0, 100, true, 0},
		{"empty partition", -1, 0, 0, true, 0},
		{"nothing committed, earliest", -1, 0, 100, true, 100},
		{"nothing committed, earliest, retention deleted some", -1, 70, 100, true, 30},
		{"nothing committed, latest", -1, 70, 100, false, 0},
		{"committed below the log start counts from the start", 10, 70, 100, true, 30},
		{"committed below the log start, latest, resets to the end", 10, 70, 100, false, 0},
		{"committed past the end (topic recreated)", 500, 0, 100, true, 0},
		{"latest does not change a valid commit", 80, 70, 100, false, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lagOf(tt.committed, tt.start, tt.end, tt.earliest); got != tt.want {
				t.Errorf("lagOf(committed %d, start %d, end %d, earliest %v) = %d, want %d",
					tt.committed, tt.start, tt.end, tt.earliest, got, tt.want)
			}
		})
	}
}

func TestNewLagReport(t *testing.T) {
	st := clusterState{
		connectors: 3,
		tasks:      5,
		sinks: []sinkState{
			{name: "b-sink", running: true, earliest: true, partitions: []partitionOffsets{
				{topic: "t", partition: 1, committed: -1, start: 5, end: 25}, // uninitialised: 20
				{topic: "t", partition: 0, committed: 10, start: 0, end: 15}, // 5
			}},
			{name: "a-paused", running: false, earliest: true, partitions: []partitionOffsets{
				{topic: "u", partition: 0, committed: 0, start: 0, end: 1000}, // shown, not scaled on
			}},
			{name: "c-no-topics", running: true, earliest: true},
		},
	}
	got := newLagReport(st, 10)
	want := lagReport{
		scaling: Scaling{DesiredWorkers: 3, Lag: 25, Tasks: 5, LagPerWorker: 10},
		partitions: []partitionLag{
			{"a-paused", "u", 0, 1000},
			{"b-sink", "t", 0, 5},
			{"b-sink", "t", 1, 20},
		},
		maxLag: map[string]int64{"a-paused": 1000, "b-sink": 20, "c-no-topics": 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("newLagReport =\n%+v\nwant\n%+v", got, want)
	}
}
