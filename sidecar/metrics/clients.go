package metrics

import (
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
)

var (
	_ runtime.ClientHook       = (*Metrics)(nil)
	_ kgo.HookBrokerConnect    = (*clientStats)(nil)
	_ kgo.HookBrokerDisconnect = (*clientStats)(nil)
	_ kgo.HookBrokerRead       = (*clientStats)(nil)
	_ kgo.HookBrokerWrite      = (*clientStats)(nil)
	_ kafkaclient.ConnObserver = (*clientStats)(nil)
)

// ConsumerHooks implements runtime.ClientHook.
func (m *Metrics) ConsumerHooks(_ runtime.TaskID, clientID string) []kgo.Hook {
	return []kgo.Hook{m.consumers.stats(clientID)}
}

// ProducerObserver implements runtime.ClientHook.
func (m *Metrics) ProducerObserver(_ runtime.TaskID, clientID string) kafkaclient.ConnObserver {
	return m.producers.stats(clientID)
}

// The client.id Java gives a task's consumer and producer, and the runtime
// too; the series of a task's clients go when the task leaves the worker.
func consumerID(id runtime.TaskID) string { return "connector-consumer-" + taskName(id) }
func producerID(id runtime.TaskID) string { return "connector-producer-" + taskName(id) }
func taskName(id runtime.TaskID) string   { return id.Connector + "-" + strconv.Itoa(int(id.Task)) }

// clientVecs are the series of one kind of Kafka client (consumer,
// producer), named as Strimzi's JMX exporter rules name Java's
// <kind>-metrics attributes. Their one label is the client.id: the rules
// write it clientId but also lower-case label names, so the series
// Prometheus stores from a Java worker have clientid.
type clientVecs struct {
	conns         *prometheus.GaugeVec
	read, written *prometheus.CounterVec
}

func newClientVecs(f factory, kind, what string) clientVecs {
	l := []string{"clientid"}
	return clientVecs{
		conns: f.gaugeVec("kafka_"+kind+"_connection_count",
			"Connections to Kafka brokers the "+what+" have open now.", l),
		read: f.counterVec("kafka_"+kind+"_incoming_byte_total",
			"Bytes the "+what+" received from Kafka brokers, responses of every kind (TLS included for producers).", l),
		written: f.counterVec("kafka_"+kind+"_outgoing_byte_total",
			"Bytes the "+what+" sent to Kafka brokers, requests of every kind (TLS included for producers).", l),
	}
}

func (v clientVecs) delete(clientID string) {
	l := prometheus.Labels{"clientid": clientID}
	v.conns.Delete(l)
	v.read.Delete(l)
	v.written.Delete(l)
}

func (v clientVecs) stats(clientID string) *clientStats {
	return &clientStats{
		conns:   v.conns.WithLabelValues(clientID),
		read:    v.read.WithLabelValues(clientID),
		written: v.written.WithLabelValues(clientID),
		open:    map[net.Conn]bool{},
	}
}

// clientStats counts one client's connections and bytes. It is both kgo
// hooks (sink tasks consume with franz-go) and a kafkaclient.ConnObserver
// (source tasks produce with kafka-go). A task restarted on this worker
// gets a new client under the same client.id; the series then add up both,
// and the connection gauge stays right because each client takes back
// only what it added.
type clientStats struct {
	conns         prometheus.Gauge
	read, written prometheus.Counter

	mu   sync.Mutex
	open map[net.Conn]bool // kgo's connections, counted once each
}

// OnBrokerConnect implements kgo.HookBrokerConnect. kgo reports every
// attempt; only those that gave a connection count.
func (s *clientStats) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, conn net.Conn, err error) {
	if err != nil || conn == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.open[conn] {
		s.open[conn] = true
		s.conns.Inc()
	}
}

// OnBrokerDisconnect implements kgo.HookBrokerDisconnect.
func (s *clientStats) OnBrokerDisconnect(_ kgo.BrokerMetadata, conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[conn] {
		delete(s.open, conn)
		s.conns.Dec()
	}
}

// OnBrokerRead implements kgo.HookBrokerRead.
func (s *clientStats) OnBrokerRead(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	s.BytesRead(n)
}

// OnBrokerWrite implements kgo.HookBrokerWrite.
func (s *clientStats) OnBrokerWrite(_ kgo.BrokerMetadata, _ int16, n int, _, _ time.Duration, _ error) {
	s.BytesWritten(n)
}

// ConnOpened implements kafkaclient.ConnObserver.
func (s *clientStats) ConnOpened() { s.conns.Inc() }

// ConnClosed implements kafkaclient.ConnObserver.
func (s *clientStats) ConnClosed() { s.conns.Dec() }

// BytesRead implements kafkaclient.ConnObserver.
func (s *clientStats) BytesRead(n int) { s.read.Add(float64(max(n, 0))) }

// BytesWritten implements kafkaclient.ConnObserver.
func (s *clientStats) BytesWritten(n int) { s.written.Add(float64(max(n, 0))) }

// ObserveSharedClient exports how many connections the worker's shared
// Kafka transport has open, under the name Java's admin client's count
// has: that transport carries what Java's admin client does (topics,
// offsets, metadata), and the internal topics' writes and the group
// membership besides. Call it once.
func (m *Metrics) ObserveSharedClient(c *kafkaclient.Clients) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "kafka_admin_client_connection_count",
		Help:        "Connections to Kafka brokers the worker's shared client has open now: admin requests, internal topic writes, group membership.",
		ConstLabels: prometheus.Labels{"clientid": c.Transport.ClientID},
	}, func() float64 { return float64(c.SharedConnections()) }))
}
