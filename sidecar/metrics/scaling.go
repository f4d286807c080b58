package metrics

import (
	"cmp"
	"slices"
	"strings"
)

// Scaling is the scaling signal, the body of GET /metrics/scaling. KEDA's
// metrics-api scaler reads it with valueLocation desired_workers and
// targetValue 1, so that it asks for DesiredWorkers replicas.
type Scaling struct {
	DesiredWorkers int   `json:"desired_workers"`
	Lag            int64 `json:"lag"`   // sink records behind, over the connectors that run (target STARTED)
	Tasks          int   `json:"tasks"` // tasks of every connector in the cluster
	LagPerWorker   int64 `json:"lag_per_worker"`
}

// DesiredWorkers is how many workers the cluster needs: enough that each
// carries at most lagPerWorker records of sink lag, but no more than there
// are tasks to spread over them, since a worker without a task does
// nothing.
//
// The floor is one worker while any connector exists, whatever the lag: a
// source connector has no lag to show, and a sink connector's next record
// needs someone to consume it. With no connectors it is zero; whether an
// idle cluster keeps a replica (for the REST API, or the app beside it) is
// the platform's minimum replica count to decide. Scaling to zero with
// connectors is left to the platform's own Kafka trigger, since a cluster
// of zero workers reports no signal that could wake it.
func DesiredWorkers(connectors, tasks int, lag, lagPerWorker int64) int {
	if connectors == 0 {
		return 0
	}
	lagPerWorker = max(lagPerWorker, 1)
	n := lag / lagPerWorker
	if lag%lagPerWorker != 0 {
		n++
	}
	return int(max(min(n, int64(tasks)), 1))
}

// lagOf is how many records of a partition a sink connector has yet to
// read, from its group's committed offset (-1 for none) and the
// partition's log start and end offsets.
//
// A partition without a committed offset, or whose committed offset fell
// below the log start through retention, is read from where
// auto.offset.reset says: from the log start with earliest, Connect's
// default, so the records there count; from the end with latest, so none
// do. Records below the log start never count, since they can no longer
// be read (KEDA counted them, kedacore/keda#7936).
func lagOf(committed, start, end int64, earliest bool) int64 {
	from := committed
	if committed < start {
		if !earliest {
			return 0
		}
		from = start
	}
	return max(end-from, 0)
}

// clusterState is what one poll read: the connectors of the config topic,
// and each sink connector's partitions with their offsets.
type clusterState struct {
	connectors int // connectors with a config
	tasks      int // their tasks
	sinks      []sinkState
}

// sinkState is one sink connector's partitions.
type sinkState struct {
	name string
	// running is target state STARTED: only then can more workers drain
	// its lag.
	running    bool
	earliest   bool // see runtime.SinkSubscription
	partitions []partitionOffsets
}

// partitionOffsets are a partition's offsets as read from Kafka.
type partitionOffsets struct {
	topic     string
	partition int
	committed int64 // the group's, -1 when none
	start     int64 // log start offset
	end       int64 // log end offset (high watermark)
}

// lagReport is one lag poll's result.
type lagReport struct {
	scaling    Scaling
	partitions []partitionLag   // every sink partition, sorted
	maxLag     map[string]int64 // the largest partition lag of each sink connector
}

// partitionLag is a sink connector's lag on one partition.
type partitionLag struct {
	connector string
	topic     string
	partition int
	lag       int64
}

// newLagReport computes the lag and the scaling signal from what a poll
// read.
func newLagReport(s clusterState, lagPerWorker int64) lagReport {
	r := lagReport{maxLag: map[string]int64{}}
	var total int64
	for _, sink := range s.sinks {
		r.maxLag[sink.name] = 0
		for _, p := range sink.partitions {
			lag := lagOf(p.committed, p.start, p.end, sink.earliest)
			r.partitions = append(r.partitions, partitionLag{connector: sink.name, topic: p.topic, partition: p.partition, lag: lag})
			r.maxLag[sink.name] = max(r.maxLag[sink.name], lag)
			if sink.running {
				total += lag
			}
		}
	}
	slices.SortFunc(r.partitions, func(a, b partitionLag) int {
		return cmp.Or(strings.Compare(a.connector, b.connector), strings.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
	})
	r.scaling = Scaling{
		DesiredWorkers: DesiredWorkers(s.connectors, s.tasks, total, lagPerWorker),
		Lag:            total,
		Tasks:          s.tasks,
		LagPerWorker:   lagPerWorker,
	}
	return r
}
