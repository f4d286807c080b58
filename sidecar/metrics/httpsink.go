package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The HTTP sink's observer methods. *Metrics satisfies the sink's Observer
// interface by their shape, so neither package imports the other.

// OnDelivery records one delivery attempt of a batch of records to the app:
// status is the HTTP status code, 0 when no answer came (connection
// refused, timeout).
func (m *Metrics) OnDelivery(connector string, records int, status int, took time.Duration) {
	m.deliverySeconds.WithLabelValues(connector).Observe(took.Seconds())
	m.requests.WithLabelValues(connector, strconv.Itoa(status)).Inc()
	if status >= 200 && status < 300 {
		m.delivered.WithLabelValues(connector).Add(float64(records))
	}
}

// OnRetry records records about to be sent again after a failed delivery.
func (m *Metrics) OnRetry(connector string, records int) {
	m.retries.WithLabelValues(connector).Add(float64(records))
}

// OnDeadLetter records records given up on and sent to the dead letter
// queue.
func (m *Metrics) OnDeadLetter(connector string, records int) {
	m.deadLetters.WithLabelValues(connector).Add(float64(records))
}

// OnAppHealth records whether the app's health endpoint answers.
func (m *Metrics) OnAppHealth(connector string, healthy bool) {
	v := 0.0
	if healthy {
		v = 1
	}
	m.appHealthy.WithLabelValues(connector).Set(v)
}

// OnPartition records what an HTTP sink task holds of a partition: requests
// in flight, records waiting for an attempt, and the age of the first
// record whose offset it cannot commit yet.
func (m *Metrics) OnPartition(connector, topic string, partition int32, inFlight, waiting int, oldest time.Duration) {
	p := strconv.Itoa(int(partition))
	m.inFlight.WithLabelValues(connector, topic, p).Set(float64(inFlight))
	m.waiting.WithLabelValues(connector, topic, p).Set(float64(waiting))
	m.oldestAge.WithLabelValues(connector, topic, p).Set(oldest.Seconds())
}

// OnPartitionClosed drops the series of a partition an HTTP sink task no
// longer delivers.
func (m *Metrics) OnPartitionClosed(connector, topic string, partition int32) {
	l := prometheus.Labels{"connector": connector, "topic": topic, "partition": strconv.Itoa(int(partition))}
	for _, v := range []*prometheus.GaugeVec{m.inFlight, m.waiting, m.oldestAge} {
		v.Delete(l)
	}
}
