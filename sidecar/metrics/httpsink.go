package metrics

import (
	"strconv"
	"time"
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
