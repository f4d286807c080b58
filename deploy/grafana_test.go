package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/datagen"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/metrics"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// dashboardFile is our Grafana dashboard.
const dashboardFile = "grafana/connect-sidecar.json"

// strimziSeries are the Connect and client series Strimzi's Kafka Connect
// dashboard queries, with the labels its PromQL uses on each (matchers,
// by, on, group_left), the Kubernetes target labels aside. Read from
// strimzi/strimzi-kafka-operator's
// packaging/examples/metrics/grafana-dashboards/strimzi-kafka-connect.json
// at commit b01e08e0d80ad79dce2b67f2008f17f99caa1a40 (June 2026); its
// JVM series (jvm_memory_used_bytes, jvm_gc_collection_seconds_sum,
// jvm_threads_current) and cAdvisor's container_cpu_usage_seconds_total
// are left out: a Go worker has go_* and process_* instead. The client
// series carry clientid as Strimzi's JMX exporter rules name it
// (packaging/examples/metrics/kafka-connect-metrics.yaml at commit
// 17a687258f01f5bf0aee1ac8d71ee872d67f633a: clientId, lower-cased by
// lowercaseOutputLabelNames).
var strimziSeries = map[string][]string{
	"kafka_connect_worker_connector_count":                 nil,
	"kafka_connect_worker_task_count":                      nil,
	"kafka_connect_worker_rebalance_rebalancing":           nil,
	"kafka_connect_coordinator_assigned_connectors":        nil,
	"kafka_connect_coordinator_assigned_tasks":             nil,
	"kafka_consumer_connection_count":                      {"clientid"},
	"kafka_producer_connection_count":                      {"clientid"},
	"kafka_admin_client_connection_count":                  {"clientid"},
	"kafka_consumer_incoming_byte_total":                   {"clientid"},
	"kafka_producer_outgoing_byte_total":                   {"clientid"},
	"kafka_connect_worker_connector_running_task_count":    {"connector"},
	"kafka_connect_worker_connector_paused_task_count":     {"connector"},
	"kafka_connect_worker_connector_failed_task_count":     {"connector"},
	"kafka_connect_worker_connector_unassigned_task_count": {"connector"},
	"kafka_connect_worker_connector_destroyed_task_count":  {"connector"},
	"kafka_connect_connector_status":                       {"connector", "status"},
	"kafka_connect_connector_connector_class":              {"connector", "connector_class"},
	"kafka_connect_connector_connector_version":            {"connector", "connector_version"},
	"kafka_connect_connector_connector_type":               {"connector", "connector_type"},
	"kafka_connect_connector_task_status":                  {"connector", "task", "status"},
	"kafka_connect_task_error_total_record_failures":       {"connector", "task"},
}

// targetLabels are added by Prometheus (job, instance) or by the scrape
// configuration's relabelling (Kubernetes and Strimzi names), not by the
// worker.
var targetLabels = map[string]bool{
	"job": true, "instance": true, "namespace": true, "pod": true, "container": true,
	"kubernetes_pod_name": true, "strimzi_io_kind": true, "strimzi_io_cluster": true, "strimzi_io_name": true,
}

// TestDashboards checks the dashboards against the series a worker
// running real tasks exports: every series Strimzi's Kafka Connect
// dashboard queries, and every series our own dashboard queries, with the
// labels each reads.
func TestDashboards(t *testing.T) {
	exported := liveSeries(t)
	t.Run("Strimzi", func(t *testing.T) { checkStrimzi(t, exported) })
	t.Run("ours", func(t *testing.T) { checkDashboard(t, exported) })
}

// checkStrimzi checks that every Connect and client series Strimzi's
// dashboard queries is exported under its name, with the labels the
// dashboard reads.
func checkStrimzi(t *testing.T, exported map[string]map[string]bool) {
	for _, name := range sortedKeys(strimziSeries) {
		labels, ok := exported[name]
		if !ok {
			t.Errorf("Strimzi's dashboard queries %s; the worker does not export it", name)
			continue
		}
		for _, l := range strimziSeries[name] {
			if !labels[l] {
				t.Errorf("Strimzi's dashboard reads label %s of %s; the worker's has %v", l, name, sortedKeys(labels))
			}
		}
	}
}

// checkDashboard parses every PromQL expression and variable query of our
// dashboard and checks each series it names is exported, with the labels
// the expression matches or groups by.
func checkDashboard(t *testing.T, exported map[string]map[string]bool) {
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	exprs, err := dashboardQueries(raw)
	if err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if len(exprs) < 20 {
		t.Fatalf("%s: found %d queries; the reader must have missed panels", dashboardFile, len(exprs))
	}
	for _, q := range exprs {
		refs, err := parsePromQL(q.expr)
		if err != nil {
			t.Errorf("%s: panel %q: %v in %s", dashboardFile, q.panel, err, q.expr)
			continue
		}
		if len(refs.series) == 0 {
			t.Errorf("%s: panel %q queries no series: %s", dashboardFile, q.panel, q.expr)
		}
		have := map[string]bool{}
		for _, s := range refs.series {
			labels, ok := exported[s.name]
			if !ok {
				t.Errorf("%s: panel %q queries %s; the worker does not export it", dashboardFile, q.panel, s.name)
				continue
			}
			for l := range labels {
				have[l] = true
			}
			for _, l := range s.labels {
				if !labels[l] && !targetLabels[l] {
					t.Errorf("%s: panel %q matches label %s of %s, which has %v", dashboardFile, q.panel, l, s.name, sortedKeys(labels))
				}
			}
		}
		for _, l := range refs.grouping {
			if !have[l] && !targetLabels[l] {
				t.Errorf("%s: panel %q groups by %s, which none of its series has", dashboardFile, q.panel, l)
			}
		}
	}
}

// TestPromQLReader checks the dashboard test's PromQL reader on the forms
// our dashboard and Strimzi's use, so that a series it failed to see
// cannot pass unchecked.
func TestPromQLReader(t *testing.T) {
	for _, c := range []struct {
		expr             string
		series, grouping string
	}{
		{`sum(rate(a_total{job=~"$job",result="failure"}[$__rate_interval])) by (kubernetes_pod_name)`, `a_total{job,result}`, "kubernetes_pod_name"},
		{`histogram_quantile(0.95, sum by (connector, le) (rate(b_bucket{x="}"}[5m])))`, `b_bucket{x}`, "connector le"},
		{`sum(c * on(connector) group_left(connector_class) d{}) by (connector, status)`, "c d", "connector connector_class connector status"},
		{`time() - max(e) or vector(0) > 0`, "e", ""},
		{`label_values(f, job)`, "f", "job"},
		{`count by (status) (max by (connector, status) (g{job=~"$job"})) offset 5m`, "g{job}", "status connector status"},
	} {
		refs, err := parsePromQL(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		var series []string
		for _, s := range refs.series {
			if len(s.labels) > 0 {
				series = append(series, s.name+"{"+strings.Join(s.labels, ",")+"}")
			} else {
				series = append(series, s.name)
			}
		}
		if got := strings.Join(series, " "); got != c.series {
			t.Errorf("%s: series %q, want %q", c.expr, got, c.series)
		}
		if got := strings.Join(refs.grouping, " "); got != c.grouping {
			t.Errorf("%s: grouping %q, want %q", c.expr, got, c.grouping)
		}
	}
	for _, bad := range []string{`sum(a{b="c"`, `a{b="c}`, `rate(a[5m)`} {
		if _, err := parsePromQL(bad); err == nil {
			t.Errorf("%s: read without an error", bad)
		}
	}
}

// liveSeries runs a source task and an HTTP sink task on a runtime with the
// worker's metrics as its hooks, with the lag poller and the rebalance
// hooks wired as the worker wires them, waits until every kind of series
// has data, and returns the series Prometheus would scrape, by name, with
// their label names. Histograms are under their _bucket, _sum and _count
// names.
func liveSeries(t *testing.T) map[string]map[string]bool {
	t.Helper()
	if testing.Short() {
		t.Skip("runs tasks against a Kafka broker")
	}
	b := kafkatest.Start(t)
	topic := kafkatest.Name(t, "orders")
	b.CreateTopic(t, topic, 2)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "cluster"), "CONNECT_OFFSET_FLUSH_INTERVAL_MS=100")
	clients := kafkatest.Clients(t, w)
	m := metrics.New()
	m.ObserveSharedClient(clients)

	// The app refuses the first request for now (503: retried) and the
	// second for good (400: dead-lettered), then takes everything.
	var requests atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			return
		}
		switch requests.Add(1) {
		case 1:
			rw.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			rw.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(app.Close)
	policy, err := egress.New(nil, app.URL, app.URL+"/health")
	if err != nil {
		t.Fatal(err)
	}
	plugins, err := plugin.NewRegistry(slices.Concat(datagen.Plugins(),
		httpsink.Plugins(httpsink.Defaults{Observer: m, Egress: policy}), converters.Plugins())...)
	if err != nil {
		t.Fatal(err)
	}
	offsets := kafkatest.Started(t, offsetstore.NewStore(clients, w, kafkatest.Quiet()))
	statuses := kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet()))
	rt := runtime.New(runtime.Deps{Worker: w, Clients: clients, Plugins: plugins, Offsets: offsets,
		Statuses: statuses, Log: kafkatest.Quiet(), Hooks: []runtime.Hook{m}})

	connectors := map[string]map[string]string{
		"orders-gen": {"connector.class": datagen.Class, "topic": topic, "rate": "0", "max.records": "200", "batch.size": "20"},
		"orders-app": {"connector.class": httpsink.Class, "topics": topic, "http.url": app.URL, "http.health.url": app.URL + "/health",
			"batch.max.records": "10", "retry.backoff.ms": "10", "errors.tolerance": "all",
			"errors.deadletterqueue.topic.name": topic + "-dlq", "errors.deadletterqueue.topic.replication.factor": "1"},
	}
	var snap configstore.Snapshot
	var offset int64
	apply := func(rec configstore.Record) {
		snap = snap.Apply(rec, offset, false)
		offset++
	}
	var work wire.Work
	var tasks []runtime.TaskID
	for _, name := range sortedKeys(connectors) {
		conf := connectors[name]
		conf["name"] = name
		if err := rt.StartConnector(runtime.ConnectorSpec{Name: name, Config: conf, Target: configstore.Started}); err != nil {
			t.Fatal(err)
		}
		configs, err := rt.TaskConfigs(name, 1)
		if err != nil {
			t.Fatal(err)
		}
		apply(configstore.ConnectorConfig{Connector: name, Properties: configstore.PropsOf(conf)})
		work.Connectors = append(work.Connectors, name)
		for i, tc := range configs {
			id := runtime.TaskID{Connector: name, Task: int32(i)}
			if err := rt.StartTask(runtime.TaskSpec{ID: id, ConnectorConfig: conf, TaskConfig: tc, Target: configstore.Started}); err != nil {
				t.Fatal(err)
			}
			apply(configstore.TaskConfig{ID: id, Properties: configstore.PropsOf(tc)})
			work.Tasks = append(work.Tasks, wire.TaskID(id))
			tasks = append(tasks, id)
		}
		apply(configstore.Commit{Connector: name, Tasks: int32(len(configs))})
	}
	t.Cleanup(func() {
		rt.StopTasks(tasks)
		rt.StopConnectors(work.Connectors)
		statuses.Flush()
	})
	m.RebalanceHooks(coordination.Hooks{}).RebalanceCompleted(coordination.Assignment{Work: work}, 50*time.Millisecond)

	poller := metrics.NewPoller(m, metrics.PollerConfig{Worker: w, WorkerID: w.WorkerID(), LagPerWorker: 100, Interval: 50 * time.Millisecond},
		metrics.Sources{Configs: func() configstore.Snapshot { return snap }, Statuses: statuses.Snapshot},
		plugins, clients, kafkatest.Quiet())
	if err := poller.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = poller.Stop(t.Context()) })

	// Kafka accepts what these tasks send, so no send fails here; record
	// one the hook's way, as a refused send would.
	m.OnSourceSendFailure(runtime.TaskID{Connector: "orders-gen"}, topic, 1)

	var families []*dto.MetricFamily
	kafkatest.Eventually(t, time.Minute, func() error {
		var err error
		if families, err = m.Registry().Gather(); err != nil {
			return err
		}
		for _, c := range []struct{ name, connector string }{
			{"kafka_producer_outgoing_byte_total", ""},
			{"kafka_consumer_incoming_byte_total", ""},
			{"kafka_admin_client_connection_count", ""},
			{"kafka_connect_source_task_source_record_write_total", ""},
			{"kafka_connect_worker_connector_running_task_count", "orders-app"},
			{"kafka_connect_worker_connector_running_task_count", "orders-gen"},
			{"connect_sidecar_offset_commit_duration_seconds", "orders-gen"},
			{"connect_sidecar_offset_commit_duration_seconds", "orders-app"},
			{"connect_sidecar_http_records_delivered_total", ""},
			{"connect_sidecar_http_retries_total", ""},
			{"connect_sidecar_http_dead_letters_total", ""},
			{"connect_sidecar_desired_workers", ""},
		} {
			if v := sum(families, c.name, c.connector); v <= 0 {
				return fmt.Errorf("%s (connector %q) is %v; waiting for the tasks", c.name, c.connector, v)
			}
		}
		if v := sum(families, "kafka_connect_connector_connector_class", ""); v != 2 {
			return fmt.Errorf("kafka_connect_connector_connector_class: %v series, want one per connector", v)
		}
		return nil
	})

	out := map[string]map[string]bool{}
	for _, f := range families {
		names := []string{f.GetName()}
		if f.GetType() == dto.MetricType_HISTOGRAM {
			names = []string{f.GetName() + "_bucket", f.GetName() + "_sum", f.GetName() + "_count"}
		}
		for _, n := range names {
			labels := map[string]bool{}
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					labels[l.GetName()] = true
				}
			}
			if strings.HasSuffix(n, "_bucket") {
				labels["le"] = true
			}
			out[n] = labels
		}
	}
	return out
}

// sum adds up the values of a family's series, of one connector's when
// connector is not empty; -1 when it has none.
func sum(families []*dto.MetricFamily, name, connector string) float64 {
	total, found := 0.0, false
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if connector != "" && !slices.ContainsFunc(s.GetLabel(), func(l *dto.LabelPair) bool {
				return l.GetName() == "connector" && l.GetValue() == connector
			}) {
				continue
			}
			found = true
			switch {
			case s.Counter != nil:
				total += s.Counter.GetValue()
			case s.Gauge != nil:
				total += s.Gauge.GetValue()
			case s.Histogram != nil:
				total += float64(s.Histogram.GetSampleCount())
			}
		}
	}
	if !found {
		return -1
	}
	return total
}

// query is one PromQL expression of a dashboard and the panel it is in.
type query struct{ panel, expr string }

// dashboardQueries lists the expressions of every panel's targets, rows'
// panels included, and the queries of the dashboard's query variables.
func dashboardQueries(raw []byte) ([]query, error) {
	type panel struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	var out []query
	var walk func([]json.RawMessage) error
	walk = func(ps []json.RawMessage) error {
		for _, r := range ps {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				return err
			}
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					return fmt.Errorf("panel %q has a target without a PromQL expr", p.Title)
				}
				out = append(out, query{p.Title, tg.Expr})
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Panels); err != nil {
		return nil, err
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		// Grafana stores a variable's query as a string or as an object.
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q.Query); err != nil {
			if err := json.Unmarshal(v.Query, &q); err != nil {
				return nil, fmt.Errorf("variable %s: %w", v.Name, err)
			}
		}
		out = append(out, query{"variable " + v.Name, q.Query})
	}
	return out, nil
}

// promqlRefs are what a PromQL expression reads: its series with the
// labels their selectors match, and the labels it groups or matches by.
type promqlRefs struct {
	series   []seriesRef
	grouping []string
}

type seriesRef struct {
	name   string
	labels []string
}

// groupingWords take a list of label names in parentheses.
var groupingWords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// promqlWords are PromQL's keywords and aggregations, which are not series
// names even where no parenthesis follows (sum by (x) (...)).
var promqlWords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true, "inf": true, "nan": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true, "count": true,
	"count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
}

// parsePromQL reads the series and labels of an expression. It is a
// lexer, not a parser: enough to tell series names from functions,
// keywords, label lists, strings and durations, which is what a dashboard
// check needs; Grafana's label_values(series, label) is read as well.
func parsePromQL(expr string) (promqlRefs, error) {
	var r promqlRefs
	s := expr
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
	}
	ident := func() string {
		start := i
		for i < len(s) && (s[i] == '_' || s[i] == ':' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > start && s[i] >= '0' && s[i] <= '9') {
			i++
		}
		return s[start:i]
	}
	str := func() error {
		q := s[i]
		for i++; i < len(s); i++ {
			switch {
			case s[i] == '\\' && q != '`':
				i++
			case s[i] == q:
				i++
				return nil
			}
		}
		return errors.New("unterminated string")
	}
	// labelList reads "(a, b)" after a grouping word or label_values.
	labelList := func() ([]string, error) {
		var out []string
		i++ // (
		for {
			skipSpace()
			if i >= len(s) {
				return nil, errors.New("unterminated label list")
			}
			if s[i] == ')' {
				i++
				return out, nil
			}
			if s[i] == ',' {
				i++
				continue
			}
			l := ident()
			if l == "" {
				return nil, fmt.Errorf("unexpected %q in a label list", s[i])
			}
			out = append(out, l)
		}
	}
	if strings.HasPrefix(strings.TrimSpace(expr), "label_values(") {
		args := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(expr), "label_values("), ")")
		sel, label, ok := strings.Cut(args, ",")
		if !ok {
			return r, errors.New("label_values needs a series and a label")
		}
		inner, err := parsePromQL(sel)
		if err != nil {
			return r, err
		}
		inner.grouping = append(inner.grouping, strings.TrimSpace(label))
		return inner, nil
	}
	depth := 0
	afterSeries := false // the token before is a series name
	for {
		skipSpace()
		if i >= len(s) {
			break
		}
		c := s[i]
		prevSeries := afterSeries
		afterSeries = false
		switch {
		case c == '"' || c == '\'' || c == '`':
			if err := str(); err != nil {
				return r, err
			}
		case c == '{':
			// Matchers: of the series just read, or of a bare {...}.
			var labels []string
			for i++; ; {
				skipSpace()
				if i >= len(s) {
					return r, errors.New("unterminated selector")
				}
				if s[i] == '}' {
					i++
					break
				}
				switch {
				case s[i] == ',':
					i++
				case s[i] == '"' || s[i] == '\'' || s[i] == '`':
					if err := str(); err != nil {
						return r, err
					}
				case strings.ContainsRune("=!~", rune(s[i])):
					i++
				default:
					l := ident()
					if l == "" {
						return r, fmt.Errorf("unexpected %q in a selector", s[i])
					}
					labels = append(labels, l)
				}
			}
			if prevSeries {
				r.series[len(r.series)-1].labels = labels
			}
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return r, errors.New("unterminated range")
			}
			i += end + 1
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
			if depth < 0 {
				return r, errors.New("unbalanced parentheses")
			}
		case c >= '0' && c <= '9' || c == '.':
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == 'e' || s[i] >= 'a' && s[i] <= 'z') {
				i++ // numbers, and durations after offset
			}
		case c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			word := ident()
			skipSpace()
			next := byte(0)
			if i < len(s) {
				next = s[i]
			}
			switch {
			case groupingWords[word] && next == '(':
				labels, err := labelList()
				if err != nil {
					return r, err
				}
				r.grouping = append(r.grouping, labels...)
			case groupingWords[word] || promqlWords[word]:
			case next == '(':
				// A function or an aggregation; its parenthesis is read next.
			default:
				r.series = append(r.series, seriesRef{name: word})
				afterSeries = true
			}
		case strings.ContainsRune("+-*/%^<>=!,", rune(c)):
			i++
		default:
			return r, fmt.Errorf("unexpected %q", c)
		}
	}
	if depth != 0 {
		return r, errors.New("unbalanced parentheses")
	}
	return r, nil
}
