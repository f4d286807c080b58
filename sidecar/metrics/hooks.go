package metrics

import (
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
)

var posInf = math.Inf(1)

// The runtime's metric hooks.
var (
	_ runtime.SourcePollHook        = (*Metrics)(nil)
	_ runtime.SourceWriteHook       = (*Metrics)(nil)
	_ runtime.SourceSendFailureHook = (*Metrics)(nil)
	_ runtime.TransactionHook       = (*Metrics)(nil)
	_ runtime.SinkPutHook           = (*Metrics)(nil)
	_ runtime.OffsetCommitHook      = (*Metrics)(nil)
	_ runtime.RecordErrorHook       = (*Metrics)(nil)
	_ runtime.RecordFailureHook     = (*Metrics)(nil)
)

func taskLabels(id runtime.TaskID) []string {
	return []string{id.Connector, strconv.Itoa(int(id.Task))}
}

// OnSourcePoll implements runtime.SourcePollHook.
func (m *Metrics) OnSourcePoll(id runtime.TaskID, records int) {
	m.polled.WithLabelValues(taskLabels(id)...).Add(float64(records))
}

// OnSourceWrite implements runtime.SourceWriteHook.
func (m *Metrics) OnSourceWrite(id runtime.TaskID, records, _ int) {
	m.written.WithLabelValues(taskLabels(id)...).Add(float64(records))
}

// OnSourceSendFailure implements runtime.SourceSendFailureHook.
func (m *Metrics) OnSourceSendFailure(id runtime.TaskID, topic string, records int) {
	m.sendFailures.WithLabelValues(id.Connector, strconv.Itoa(int(id.Task)), topic).Add(float64(records))
}

// OnTransaction implements runtime.TransactionHook.
func (m *Metrics) OnTransaction(id runtime.TaskID, records int, committed bool) {
	result := "committed"
	if !committed {
		result = "aborted"
	}
	l := []string{id.Connector, strconv.Itoa(int(id.Task)), result}
	m.transactions.WithLabelValues(l...).Inc()
	m.transactionRecords.WithLabelValues(l...).Add(float64(records))
}

// OnSinkPut implements runtime.SinkPutHook.
func (m *Metrics) OnSinkPut(id runtime.TaskID, records int, took time.Duration) {
	l := taskLabels(id)
	m.sent.WithLabelValues(l...).Add(float64(records))
	m.putSeconds.WithLabelValues(l...).Observe(took.Seconds())
}

// OnOffsetCommit implements runtime.OffsetCommitHook.
func (m *Metrics) OnOffsetCommit(id runtime.TaskID, took time.Duration, err error) {
	result := "success"
	if err != nil {
		result = "failure"
	}
	m.commitSeconds.WithLabelValues(id.Connector, strconv.Itoa(int(id.Task)), result).Observe(took.Seconds())
}

// OnRecordError implements runtime.RecordErrorHook.
func (m *Metrics) OnRecordError(id runtime.TaskID, stage runtime.Stage, tolerated bool) {
	l := taskLabels(id)
	m.recordErrors.WithLabelValues(l...).Inc()
	m.recordErrorsByStage.WithLabelValues(id.Connector, l[1], string(stage)).Inc()
	if tolerated {
		m.skipped.WithLabelValues(l...).Inc()
	}
}

// OnRecordFailure implements runtime.RecordFailureHook.
func (m *Metrics) OnRecordFailure(id runtime.TaskID, _ runtime.Stage) {
	m.recordFailures.WithLabelValues(taskLabels(id)...).Inc()
}

// RebalanceHooks returns hooks for coordination.New that record each
// rebalance, then call next's (any of which may be nil).
func (m *Metrics) RebalanceHooks(next coordination.Hooks) coordination.Hooks {
	return coordination.Hooks{
		RebalanceStarted: func(reason string) {
			m.rebalanceStarted()
			if next.RebalanceStarted != nil {
				next.RebalanceStarted(reason)
			}
		},
		RebalanceCompleted: func(a coordination.Assignment, took time.Duration) {
			m.rebalanceCompleted(a, took)
			if next.RebalanceCompleted != nil {
				next.RebalanceCompleted(a, took)
			}
		},
	}
}

func (m *Metrics) rebalanceStarted() { m.rebalancing.Set(1) }

// rebalanceCompleted records the rebalance and the new assignment, and
// drops the series of tasks and connectors this worker no longer runs, as
// Java removes a task's metric group when the task stops.
func (m *Metrics) rebalanceCompleted(a coordination.Assignment, took time.Duration) {
	m.rebalancing.Set(0)
	m.rebalances.Inc()
	m.rebalanceSeconds.Observe(took.Seconds())
	m.connectorCount.Set(float64(len(a.Work.Connectors)))
	m.taskCount.Set(float64(len(a.Work.Tasks)))
	m.assignedConnectors.Set(float64(len(a.Work.Connectors)))
	m.assignedTasks.Set(float64(len(a.Work.Tasks)))

	tasks := map[runtime.TaskID]bool{}
	connectors, instances := map[string]bool{}, map[string]bool{}
	for _, c := range a.Work.Connectors {
		connectors[c], instances[c] = true, true
	}
	for _, t := range a.Work.Tasks {
		tasks[runtime.TaskID(t)] = true
		connectors[t.Connector] = true
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastRebalance = m.now()
	m.rebalanceCount++
	m.rebalanceSum += took
	m.rebalanceAvg.Set(float64(m.rebalanceSum) / float64(time.Millisecond) / float64(m.rebalanceCount))
	for id := range m.tasks {
		if !tasks[id] {
			for _, v := range m.taskVecs {
				v.DeletePartialMatch(prometheus.Labels{"connector": id.Connector, "task": strconv.Itoa(int(id.Task))})
			}
			m.consumers.delete(consumerID(id))
			m.producers.delete(producerID(id))
		}
	}
	// Java's task-error-metrics exist, at 0, from the task's start, and
	// dashboards join on them to list every task.
	for id := range tasks {
		l := taskLabels(id)
		m.recordErrors.WithLabelValues(l...)
		m.skipped.WithLabelValues(l...)
		m.recordFailures.WithLabelValues(l...)
	}
	for c := range m.connectors {
		if !connectors[c] {
			for _, v := range m.connectorVecs {
				v.DeletePartialMatch(prometheus.Labels{"connector": c})
			}
		}
	}
	m.tasks, m.connectors, m.instances = tasks, connectors, instances
}
