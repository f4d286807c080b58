//go:build fault

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// The fault suite (build tag fault) runs a datagen → topic → HTTP sink →
// app pipeline over Go worker processes, injects one fault per test, and
// checks what users would see: no record lost, no task running on two
// workers at once, and REST answers that are 2xx or Connect's 4xx, never
// 5xx. scripts/test.sh runs it alone, after the integration tests, since
// one test stops the shared broker.
//
// The sink is the HTTP sink because its app is the test itself: each
// worker delivers to its own path (SIDECAR_APP_URL), so the test knows
// which worker delivered each record and when it arrived, to the
// millisecond, with no file to poll. The topic stamps records with the
// broker's append time (LogAppendTime), so a record a zombie sends late
// shows up at the time it really landed.

const faultSession = 6 * time.Second

// flow is what a pipeline moves: the data topic's partitions, the
// datagen and HTTP sink tasks, and the records/s the datagen tasks make
// together. With
// sinkFirst the sink connector's name sorts before the source's: a worker
// above its share gives up the work it reports first, connectors in name
// order, so a newcomer then takes sink tasks.
type flow struct {
	partitions, genTasks, sinkTasks, rate int
	sinkFirst                             bool
}

var faultFlow = flow{partitions: 6, genTasks: 6, sinkTasks: 3, rate: 300}

// mode is how a pipeline's workers reach each other: over HTTP, or in
// peerless mode (SIDECAR_PEERLESS) only through Kafka, each advertising a
// port nothing listens on, as Cloud Run instances and ECS tasks do; and
// whether the source is exactly-once (KIP-618), its records then checked
// by a read_committed reader for duplicates too.
type mode struct {
	name        string
	peerless    bool
	exactlyOnce bool
}

var (
	modes           = []mode{{name: "http"}, {name: "peerless", peerless: true}, exactlyOnceMode}
	exactlyOnceMode = mode{name: "exactly-once", exactlyOnce: true}
)

// inEachMode runs test once per mode, as a subtest with its own pipeline.
func inEachMode(t *testing.T, sh flow, test func(t *testing.T, p *pipeline)) {
	inModes(t, modes, sh, test)
}

func inModes(t *testing.T, ms []mode, sh flow, test func(t *testing.T, p *pipeline)) {
	for _, m := range ms {
		t.Run(m.name, func(t *testing.T) {
			p := newFlowPipeline(t, sh)
			p.peerless, p.exactlyOnce = m.peerless, m.exactlyOnce
			test(t, p)
		})
	}
}

// pipeline is one test's group of workers, its connectors and what they
// produced and delivered.
type pipeline struct {
	t           *testing.T
	peerless    bool
	exactlyOnce bool
	b           *kafkatest.Broker
	group       string
	topic       string
	flow        flow
	gen         string // datagen connector
	sink        string // HTTP sink connector
	app         *app
	rest        *restWatch
	workers     []*worker
	thaws       map[string]time.Time // SIGCONT times, by worker name and pid
	stopped     map[string]bool      // workers the test stopped on purpose
}

// thawGrace is how soon after SIGCONT a thawed worker's writes count as
// in flight at the freeze. SIGSTOP can land between a task's last lease
// check and its write (a produce request, an HTTP batch), and that write
// lands as soon as the process runs again, before it can notice that its
// work moved; only fencing by the broker (exactly-once, KIP-618) rules
// that out. Such writes are reported; any later one means the zombie went
// on working, and fails the test.
const thawGrace = 500 * time.Millisecond

// worker is one worker process of the pipeline.
type worker struct {
	name       string
	advertised string // host:port, its worker_id in statuses
	*kafkatest.Process
}

func (w *worker) id() string { return w.advertised }

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	return newFlowPipeline(t, faultFlow)
}

func newFlowPipeline(t *testing.T, sh flow) *pipeline {
	t.Helper()
	b := kafkatest.Start(t)
	kafkatest.RequireReal(t, b, "broker append times, consumer groups under faults")
	p := &pipeline{
		t: t, b: b, flow: sh,
		group: kafkatest.Name(t, "g"), topic: kafkatest.Name(t, "data"),
		gen: kafkatest.Name(t, "gen"), sink: kafkatest.Name(t, "sink"),
		app: startApp(t), rest: startRESTWatch(t), thaws: map[string]time.Time{}, stopped: map[string]bool{},
	}
	if sh.sinkFirst {
		p.sink = kafkatest.Name(t, "deliver")
	}
	b.CreateTopic(t, p.topic, sh.partitions, "message.timestamp.type", "LogAppendTime")
	return p
}

// startWorker starts a worker that reaches Kafka at bootstrap and waits
// until it is healthy; the REST watcher then polls it. env entries
// (CONNECT_X=v) override the pipeline's settings.
func (p *pipeline) startWorker(bootstrap string, env ...string) *worker {
	p.t.Helper()
	name := "w" + strconv.Itoa(len(p.workers)+1)
	advertisedPort := ""
	if p.peerless {
		advertisedPort = strconv.Itoa(freeTCPPort(p.t))
		env = append([]string{"SIDECAR_PEERLESS=true", "CONNECT_REST_ADVERTISED_PORT=" + advertisedPort}, env...)
	}
	if p.exactlyOnce {
		env = append([]string{"CONNECT_EXACTLY_ONCE_SOURCE_SUPPORT=enabled"}, env...)
	}
	w := &worker{name: name, Process: kafkatest.StartWorker(p.t, p.b, append([]string{
		"CONNECT_BOOTSTRAP_SERVERS=" + bootstrap,
		"CONNECT_GROUP_ID=" + p.group,
		"CONNECT_SESSION_TIMEOUT_MS=" + ms(faultSession),
		"CONNECT_HEARTBEAT_INTERVAL_MS=1000",
		"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
		"CONNECT_OFFSET_FLUSH_INTERVAL_MS=500",
		// The sink tasks' consumer group expires a lost member as fast as
		// the Connect group does.
		"CONNECT_CONSUMER_SESSION_TIMEOUT_MS=" + ms(faultSession),
		"CONNECT_CONSUMER_HEARTBEAT_INTERVAL_MS=1000",
		"SIDECAR_APP_URL=" + p.app.srv.URL + "/w/" + name,
	}, env...)...)}
	w.advertised = strings.TrimPrefix(w.URL, "http://")
	if advertisedPort != "" {
		w.advertised = "127.0.0.1:" + advertisedPort
	}
	p.workers = append(p.workers, w)
	w.WaitHealthy(p.t, time.Minute)
	p.rest.add(w)
	return w
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// stop takes w out of service and stops it with SIGTERM, as a platform
// scales down: it must exit cleanly.
func (p *pipeline) stop(w *worker) {
	p.t.Helper()
	p.sigterm(w)
	p.awaitExit(w)
}

// sigterm takes w out of service and sends it SIGTERM.
func (p *pipeline) sigterm(w *worker) {
	p.t.Helper()
	p.rest.retire(w)
	p.stopped[w.name] = true
	w.Signal(p.t, syscall.SIGTERM)
}

// awaitExit waits for a worker sent SIGTERM to exit cleanly.
func (p *pipeline) awaitExit(w *worker) {
	p.t.Helper()
	if code := w.Wait(p.t, 30*time.Second); code != 0 {
		p.t.Errorf("%s exited %d after SIGTERM", w.name, code)
	}
}

// checkWorkers fails the test if a worker died that the test did not
// stop, or the race detector or a panic spoke in a worker's log.
func (p *pipeline) checkWorkers() {
	p.t.Helper()
	for _, w := range p.workers {
		if w.Exited() && !p.stopped[w.name] {
			p.t.Errorf("%s exited on its own", w.name)
		}
		for _, sign := range []string{"WARNING: DATA RACE", "panic:"} {
			if strings.Contains(w.Log(), sign) {
				p.t.Errorf("%s logged %q (its log follows the test)", w.name, sign)
			}
		}
	}
}

// thaw resumes a worker frozen with SIGSTOP and notes when.
func (p *pipeline) thaw(w *worker) {
	p.t.Helper()
	at := time.Now()
	p.thaws[w.name], p.thaws[strconv.Itoa(w.Pid())] = at, at
	w.Signal(p.t, syscall.SIGCONT)
}

// inFlightAtFreeze returns the one of two overlapping runs that is a
// thawed worker's write in flight at the freeze (see thawGrace), if any.
func (p *pipeline) inFlightAtFreeze(o [2]incarnation) (incarnation, bool) {
	for _, r := range o {
		if at, ok := p.thaws[r.pid]; ok && !r.first.Before(at) && r.last.Sub(at) <= thawGrace {
			return r, true
		}
	}
	return incarnation{}, false
}

// startConnectors creates the datagen source and the HTTP sink through w;
// the REST watcher polls their status from then on.
func (p *pipeline) startConnectors(w *worker) {
	p.t.Helper()
	sink := map[string]string{
		"connector.class": "io.connectsidecar.http.HttpSinkConnector",
		"tasks.max":       strconv.Itoa(p.flow.sinkTasks), "topics": p.topic,
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}
	if p.exactlyOnce {
		sink["consumer.override.isolation.level"] = "read_committed"
	}
	p.putConfig(w, p.gen, p.genConfig())
	p.putConfig(w, p.sink, sink)
	p.rest.watch("/connectors/"+p.gen+"/status", "/connectors/"+p.sink+"/status")
}

// genConfig is the datagen connector's config, with extra settings
// (key, value, ...) on top.
func (p *pipeline) genConfig(extra ...string) map[string]string {
	c := map[string]string{
		"connector.class": "io.connectsidecar.connect.datagen.DatagenConnector",
		"tasks.max":       strconv.Itoa(p.flow.genTasks), "topic": p.topic,
		"rate": strconv.Itoa(p.flow.rate), "record.size": "10", "schemas": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}
	if p.exactlyOnce {
		c["exactly.once.support"] = "required"
	}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i]] = extra[i+1]
	}
	return c
}

// putConfig writes a connector config, retrying while the group
// rebalances (409), as Connect's clients must.
func (p *pipeline) putConfig(w *worker, name string, config map[string]string) {
	p.t.Helper()
	body, err := json.Marshal(config)
	if err != nil {
		p.t.Fatal(err)
	}
	p.retry(w, http.MethodPut, "/connectors/"+name+"/config", string(body))
}

// retry sends a write until it succeeds, retrying on 409.
func (p *pipeline) retry(w *worker, method, path, body string) {
	p.t.Helper()
	kafkatest.Eventually(p.t, time.Minute, func() error {
		code, resp, err := p.rest.call(w, method, path, body)
		switch {
		case err != nil:
			return err
		case code == http.StatusConflict:
			return fmt.Errorf("%s %s: %d %s", method, path, code, resp)
		case code >= 300:
			p.t.Fatalf("%s %s: %d %s", method, path, code, resp)
		}
		return nil
	})
}

// awaitRunning waits until every task of both connectors runs on one of
// on, with each of on running at least one, and returns how long that
// took. It asks the first of on.
func (p *pipeline) awaitRunning(timeout time.Duration, on ...*worker) time.Duration {
	p.t.Helper()
	return p.awaitTasks(timeout, true, on)
}

// awaitTasks is awaitRunning; with everyBusy false the tasks may leave
// some of on idle (other connectors keep them busy).
func (p *pipeline) awaitTasks(timeout time.Duration, everyBusy bool, on []*worker) time.Duration {
	p.t.Helper()
	start := time.Now()
	want := map[string]bool{}
	for _, w := range on {
		want[w.id()] = true
	}
	kafkatest.Eventually(p.t, timeout, func() error {
		busy := map[string]bool{}
		for _, c := range []struct {
			name  string
			tasks int
		}{{p.gen, p.flow.genTasks}, {p.sink, p.flow.sinkTasks}} {
			st, err := kafkatest.Status(on[0].URL, c.name)
			if err != nil {
				return err
			}
			if len(st.Tasks) != c.tasks {
				return fmt.Errorf("%s has %d tasks, want %d", c.name, len(st.Tasks), c.tasks)
			}
			for _, task := range st.Tasks {
				if task.State != "RUNNING" || !want[task.WorkerID] {
					return fmt.Errorf("%s task %d is %s on %s", c.name, task.ID, task.State, task.WorkerID)
				}
				busy[task.WorkerID] = true
			}
		}
		if everyBusy && len(busy) != len(on) {
			return fmt.Errorf("tasks run on %v, want each of %v busy", slices.Sorted(maps.Keys(busy)), slices.Sorted(maps.Keys(want)))
		}
		return nil
	})
	return time.Since(start)
}

// awaitDeliveries waits until the app has n more records than now.
func (p *pipeline) awaitDeliveries(n int, timeout time.Duration) {
	p.t.Helper()
	want := p.app.count() + n
	kafkatest.Eventually(p.t, timeout, func() error {
		if got := p.app.count(); got < want {
			return fmt.Errorf("the app got %d records, waiting for %d", got, want)
		}
		return nil
	})
}

// awaitLog waits until w has logged one of texts more often than since,
// a count logCount returned before.
func awaitLog(t *testing.T, w *worker, since int, timeout time.Duration, texts ...string) {
	t.Helper()
	kafkatest.Eventually(t, timeout, func() error {
		if logCount(w, texts...) <= since {
			return fmt.Errorf("%s has not logged %q yet", w.name, texts)
		}
		return nil
	})
}

// logCount counts the lines of w's log with one of texts.
func logCount(w *worker, texts ...string) int {
	n := 0
	for _, line := range strings.Split(w.Log(), "\n") {
		if slices.ContainsFunc(texts, func(text string) bool { return strings.Contains(line, text) }) {
			n++
		}
	}
	return n
}

// sourceRecord is a record of the data topic.
type sourceRecord struct {
	partition int
	offset    int64
	task, seq int64
	pid       string
	at        time.Time // the broker's append time
}

// finish stops the source, lets the sink deliver everything, and checks
// and reports the run: lost, duplicated, time without tasks, tasks on two
// workers at once, REST answers. fault names the fault in the report.
func (p *pipeline) finish(fault string, via *worker) {
	p.t.Helper()
	p.retry(via, http.MethodPut, "/connectors/"+p.gen+"/stop", "")
	kafkatest.Eventually(p.t, time.Minute, func() error {
		st, err := kafkatest.Status(via.URL, p.gen)
		if err != nil {
			return err
		}
		if st.Connector.State != "STOPPED" || len(st.Tasks) != 0 {
			return fmt.Errorf("%s is %s with %d tasks, waiting for STOPPED", p.gen, st.Connector.State, len(st.Tasks))
		}
		return nil
	})
	// Offsets first: a stopped task's last records can still be on their
	// way when the status says STOPPED, and what is committed was
	// acknowledged, so a topic read after the offsets holds all of it.
	committed := p.committedSeqs(via)
	recs, ends := p.readTopic()

	// Every record of the topic reaches the app; what has not after a
	// generous wait is lost.
	deliveredBy := func() map[[2]int64]int {
		got := map[[2]int64]int{}
		for _, d := range p.app.all() {
			got[[2]int64{int64(d.partition), d.offset}]++
		}
		return got
	}
	undelivered := func() int {
		got, n := deliveredBy(), 0
		if p.exactlyOnce {
			// Transaction markers and aborted records fill offsets too:
			// what must arrive is what a read_committed reader sees.
			for _, r := range recs {
				if got[[2]int64{int64(r.partition), r.offset}] == 0 {
					n++
				}
			}
			return n
		}
		for part, end := range ends {
			for off := int64(0); off < end; off++ {
				if got[[2]int64{int64(part), off}] == 0 {
					n++
				}
			}
		}
		return n
	}
	for deadline := time.Now().Add(90 * time.Second); undelivered() > 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond) // the app's tally is polled, as Eventually would, without failing
	}
	deliveries := p.app.all()

	// Source: every sequence number of every task up to what it committed
	// is in the topic, since a commit covers only what Kafka acknowledged.
	// Past its commit a task may have had records unacknowledged when it
	// stopped (a partition whose leader it could not reach, while later
	// records went to other partitions): those were never committed, and
	// a resumed connector produces them again (at least once), so they
	// are counted apart, not as lost.
	seen := map[[2]int64]int{}
	top := map[int64]int64{}
	for _, r := range recs {
		seen[[2]int64{r.task, r.seq}]++
		top[r.task] = max(top[r.task], r.seq)
	}
	var gaps, unacked []string
	sourceLost := 0
	for task := range int64(p.flow.genTasks) {
		last := max(top[task], committed[task]-1)
		missing, pending := 0, 0
		for seq := int64(0); seq <= last; seq++ {
			switch {
			case seen[[2]int64{task, seq}] > 0:
			case seq < committed[task]:
				missing++
			default:
				pending++
			}
		}
		if missing > 0 {
			gaps = append(gaps, fmt.Sprintf("task %d misses %d of seq 0..%d (committed %d)", task, missing, committed[task]-1, committed[task]))
		}
		if pending > 0 {
			unacked = append(unacked, fmt.Sprintf("task %d: %d of seq %d..%d", task, pending, committed[task], last))
		}
		sourceLost += missing
	}
	if len(unacked) > 0 {
		p.t.Logf("records past the tasks' commits not in the topic when it was read (unacknowledged when the task stopped: they may still land, and a resume produces them again): %s", strings.Join(unacked, "; "))
	}
	notDelivered := undelivered()
	lost := sourceLost + notDelivered
	sourceDup := len(recs) - len(seen)
	// From the same snapshot as deliveries: records a stopped task sent
	// late may still arrive meanwhile.
	distinct := map[[2]int64]bool{}
	for _, d := range deliveries {
		distinct[[2]int64{int64(d.partition), d.offset}] = true
	}
	sinkDup := len(deliveries) - len(distinct)

	// Downtime: the longest a source task produced nothing, and the
	// longest a partition got nothing to the app, while the pipeline ran.
	// Per task and partition: a task that cannot write to one partition
	// (its leader out of reach) is stalled there while it writes elsewhere.
	const perPartition = 1 << 20
	srcDown, srcKey := longestGap(recs, func(r sourceRecord) (int64, time.Time) { return r.task*perPartition + int64(r.partition), r.at })
	srcTask, srcPart := srcKey/perPartition, srcKey%perPartition
	sinkDown, sinkPart := longestGap(deliveries, func(d delivery) (int64, time.Time) { return int64(d.partition), d.at })

	// No task on two workers at once: source tasks by producing process,
	// sink partitions by delivering worker.
	byTask := map[int64][]produced{}
	for _, r := range recs {
		byTask[r.task] = append(byTask[r.task], produced{pid: r.pid, seq: r.seq, time: r.at})
	}
	var late []string
	for task, rs := range byTask {
		for _, o := range overlaps(rs) {
			if z, ok := p.inFlightAtFreeze(o); ok {
				late = append(late, fmt.Sprintf("source task %d: %d records by pid %s at %s", task, z.count, z.pid, clock(z.first)))
				continue
			}
			p.t.Errorf("source task %d ran on two workers at once: pid %s produced %d records %s..%s while pid %s produced %d records %s..%s",
				task, o[0].pid, o[0].count, clock(o[0].first), clock(o[0].last), o[1].pid, o[1].count, clock(o[1].first), clock(o[1].last))
		}
	}
	byPartition := map[int][]produced{}
	for _, d := range deliveries {
		byPartition[d.partition] = append(byPartition[d.partition], produced{pid: d.worker, seq: d.offset, time: d.at})
	}
	for part, ds := range byPartition {
		for _, o := range overlaps(ds) {
			if z, ok := p.inFlightAtFreeze(o); ok {
				late = append(late, fmt.Sprintf("partition %d: %d records by %s at %s", part, z.count, z.pid, clock(z.first)))
				continue
			}
			p.t.Errorf("partition %d was delivered by two workers at once: %s delivered %d records %s..%s while %s delivered %d records %s..%s",
				part, o[0].pid, o[0].count, clock(o[0].first), clock(o[0].last), o[1].pid, o[1].count, clock(o[1].first), clock(o[1].last))
		}
	}

	p.rest.stop()
	if len(late) > 0 {
		p.t.Logf("writes in flight at the freeze that landed after SIGCONT, while the work ran elsewhere: %s", strings.Join(late, "; "))
	}
	p.t.Logf("%s: produced %d, delivered %d, duplicated %d (source %d, sink %d), lost %d; tasks not running at most: source %v (task %d, partition %d), sink %v (partition %d); REST %s",
		fault, len(recs), len(deliveries), sourceDup+sinkDup, sourceDup, sinkDup, lost,
		srcDown.Round(time.Millisecond), srcTask, srcPart, sinkDown.Round(time.Millisecond), sinkPart, p.rest.summary())
	if lost > 0 {
		p.t.Errorf("lost %d records: %d never reached the app; %s", lost, notDelivered, strings.Join(gaps, "; "))
	}
	if p.exactlyOnce && sourceDup > 0 {
		var where []string
		for _, r := range recs {
			if seen[[2]int64{r.task, r.seq}] > 1 {
				where = append(where, fmt.Sprintf("task %d seq %d at %d@%d by pid %s %s", r.task, r.seq, r.partition, r.offset, r.pid, clock(r.at)))
			}
		}
		p.t.Errorf("exactly-once source: %d records are in the topic more than once: %s", sourceDup, strings.Join(where[:min(len(where), 20)], "; "))
	}
	if bad := p.app.badRequests(); len(bad) > 0 {
		p.t.Errorf("the app could not read %d requests: %v", len(bad), bad)
	}
	p.rest.check(p.t)
	p.checkWorkers()
}

func clock(t time.Time) string { return t.Format("15:04:05.000") }

// longestGap returns the longest time between consecutive items of one
// key, and that key.
func longestGap[T any](items []T, of func(T) (int64, time.Time)) (time.Duration, int64) {
	byKey := map[int64][]time.Time{}
	for _, it := range items {
		k, at := of(it)
		byKey[k] = append(byKey[k], at)
	}
	var longest time.Duration
	var which int64
	for k, ts := range byKey {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for i := 1; i < len(ts); i++ {
			if d := ts[i].Sub(ts[i-1]); d > longest {
				longest, which = d, k
			}
		}
	}
	return longest, which
}

// readTopic reads the data topic to its end, with the broker's append
// times (franz-go reports LogAppendTime; kafka-go's reader does not), and
// returns the records and each partition's end offset.
func (p *pipeline) readTopic() ([]sourceRecord, map[int]int64) {
	p.t.Helper()
	if p.exactlyOnce {
		return p.readCommitted()
	}
	ends := map[int]int64{}
	total := int64(0)
	for part := range p.flow.partitions {
		end, err := kafkatest.LastOffset(p.b, p.topic, part)
		if err != nil {
			p.t.Fatal(err)
		}
		ends[part] = end
		total += end
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.b.Addr), kgo.ConsumeTopics(p.topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		p.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []sourceRecord
	for int64(len(out)) < total {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			p.t.Fatalf("read %d of %d records of %s: %v", len(out), total, p.topic, err)
		}
		fs.EachError(func(topic string, part int32, err error) { p.t.Logf("fetch %s[%d]: %v", topic, part, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= ends[int(r.Partition)] {
				return
			}
			out = append(out, p.sourceRecord(r))
		})
	}
	return out, ends
}

func (p *pipeline) sourceRecord(r *kgo.Record) sourceRecord {
	var v struct{ Task, Seq int64 }
	if err := json.Unmarshal(r.Value, &v); err != nil {
		p.t.Fatalf("record %s[%d]@%d: %v", p.topic, r.Partition, r.Offset, err)
	}
	rec := sourceRecord{partition: int(r.Partition), offset: r.Offset, task: v.Task, seq: v.Seq, at: r.Timestamp}
	for _, h := range r.Headers {
		if h.Key == "datagen.pid" {
			rec.pid = string(h.Value)
		}
	}
	return rec
}

// endMarkTask is the task number of the records readCommitted writes.
const endMarkTask = -1

// readCommitted reads the data topic as a read_committed consumer sees it.
// Its end is not an offset (markers and aborted records take offsets), so
// it first writes a mark, outside any transaction, at the end of every
// partition, and reads up to the marks; each partition's end is then its
// mark's offset. The sink delivers the marks too, which is harmless.
func (p *pipeline) readCommitted() ([]sourceRecord, map[int]int64) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	producer, err := kgo.NewClient(kgo.SeedBrokers(p.b.Addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		p.t.Fatal(err)
	}
	defer producer.Close()
	ends := map[int]int64{}
	for part := range p.flow.partitions {
		mark := &kgo.Record{Topic: p.topic, Partition: int32(part), Value: []byte(fmt.Sprintf(`{"task":%d,"seq":%d}`, endMarkTask, part))}
		if err := producer.ProduceSync(ctx, mark).FirstErr(); err != nil {
			p.t.Fatalf("end mark on %s[%d]: %v", p.topic, part, err)
		}
		ends[part] = mark.Offset
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.b.Addr), kgo.ConsumeTopics(p.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		p.t.Fatal(err)
	}
	defer cl.Close()
	var out []sourceRecord
	next, gaps := map[int32]int64{}, 0
	for marks := 0; marks < p.flow.partitions; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			p.t.Fatalf("read %s up to its end marks: %d of %d marks after %d records: %v", p.topic, marks, p.flow.partitions, len(out), err)
		}
		fs.EachError(func(topic string, part int32, err error) { p.t.Logf("fetch %s[%d]: %v", topic, part, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset != next[r.Partition] {
				gaps++
			}
			next[r.Partition] = r.Offset + 1
			switch {
			case r.Offset > ends[int(r.Partition)]:
			case r.Offset == ends[int(r.Partition)]:
				marks++
			default:
				out = append(out, p.sourceRecord(r))
			}
		})
	}
	if gaps == 0 {
		p.t.Errorf("%s holds no transaction markers: the exactly-once source did not write in transactions", p.topic)
	}
	return out, ends
}

// committedSeqs reads the datagen connector's committed offsets: per task,
// how many records it made.
func (p *pipeline) committedSeqs(via *worker) map[int64]int64 {
	p.t.Helper()
	code, body, err := p.rest.call(via, http.MethodGet, "/connectors/"+p.gen+"/offsets", "")
	if err != nil || code != http.StatusOK {
		p.t.Fatalf("offsets of %s: %d %s %v", p.gen, code, body, err)
	}
	var offs struct {
		Offsets []struct {
			Partition map[string]int64 `json:"partition"`
			Offset    map[string]int64 `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal([]byte(body), &offs); err != nil {
		p.t.Fatalf("offsets of %s: %v in %s", p.gen, err, body)
	}
	out := map[int64]int64{}
	for _, o := range offs.Offsets {
		out[o.Partition["task"]] = o.Offset["seq"]
	}
	return out
}

// app is the local app of every worker: it takes the HTTP sink's batches
// and notes who delivered what, when.
type app struct {
	srv *httptest.Server

	mu  sync.Mutex
	got []delivery
	bad []string
}

type delivery struct {
	worker    string
	at        time.Time
	partition int
	offset    int64
}

func startApp(t *testing.T) *app {
	a := &app{}
	a.srv = httptest.NewServer(a)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the worker gave up on the request: nothing was delivered
	}
	var batch struct {
		Records []struct {
			Partition int   `json:"partition"`
			Offset    int64 `json:"offset"`
		} `json:"records"`
	}
	err = json.Unmarshal(body, &batch)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.bad = append(a.bad, r.URL.Path+": "+err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	worker := strings.TrimPrefix(r.URL.Path, "/w/")
	for _, rec := range batch.Records {
		a.got = append(a.got, delivery{worker: worker, at: at, partition: rec.Partition, offset: rec.Offset})
	}
}

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

func (a *app) all() []delivery {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.got)
}

func (a *app) badRequests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.bad)
}

// restWatch asks every worker in service for the connectors and their
// status a few times a second, as dashboards do, and keeps every answer
// any REST call of the test got.
type restWatch struct {
	mu       sync.Mutex
	workers  map[string]*served
	paths    []string
	codes    map[int]int
	failures []string

	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// served is a worker in service; calls hold gate's read lock, so retire
// can wait for them.
type served struct {
	*worker
	gate sync.RWMutex
}

// errRetired is a call to a worker taken out of service; it was not sent.
var errRetired = errors.New("the worker is out of service")

func startRESTWatch(t *testing.T) *restWatch {
	r := &restWatch{workers: map[string]*served{}, codes: map[int]int{}, quit: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	t.Cleanup(r.stop)
	return r
}

// watch adds paths to the polled ones.
func (r *restWatch) watch(paths ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, paths...)
}

// add puts w in service: it is polled and takes calls from now on.
func (r *restWatch) add(w *worker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.workers[w.name] = &served{worker: w}
}

// retire takes w out of service, as a load balancer does before the
// worker stops, and waits for the calls in flight to it.
func (r *restWatch) retire(w *worker) {
	r.mu.Lock()
	s := r.workers[w.name]
	delete(r.workers, w.name)
	r.mu.Unlock()
	if s != nil {
		s.gate.Lock()
		defer s.gate.Unlock()
	}
}

func (r *restWatch) inService() []*worker {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*worker
	for _, name := range slices.Sorted(maps.Keys(r.workers)) {
		out = append(out, r.workers[name].worker)
	}
	return out
}

func (r *restWatch) run() {
	defer close(r.done)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.quit:
			return
		case <-tick.C:
		}
		r.mu.Lock()
		paths := append([]string{"/connectors"}, r.paths...)
		r.mu.Unlock()
		for _, w := range r.inService() {
			for _, path := range paths {
				_, _, _ = r.call(w, http.MethodGet, path, "")
			}
		}
	}
}

func (r *restWatch) stop() {
	r.once.Do(func() { close(r.quit) })
	<-r.done
}

// call sends a request to w and keeps the answer: anything but 2xx, or a
// 4xx with Connect's error body, is a failure.
func (r *restWatch) call(w *worker, method, path, body string) (int, string, error) {
	r.mu.Lock()
	s := r.workers[w.name]
	if s == nil {
		r.mu.Unlock()
		return 0, "", errRetired
	}
	s.gate.RLock() // under mu, so a retire that follows waits for this call
	r.mu.Unlock()
	code, resp, err := w.Do(method, path, body)
	s.gate.RUnlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	what := fmt.Sprintf("%s %s %s", w.name, method, path)
	switch {
	case err != nil:
		r.failures = append(r.failures, fmt.Sprintf("%s: no answer: %v", what, err))
		return code, resp, err
	case code >= 200 && code < 300:
	case code >= 400 && code < 500:
		var e struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if json.Unmarshal([]byte(resp), &e) != nil || e.ErrorCode != code || e.Message == "" {
			r.failures = append(r.failures, fmt.Sprintf("%s: %d without Connect's error body: %s", what, code, resp))
		}
	default:
		r.failures = append(r.failures, fmt.Sprintf("%s: %d %s", what, code, resp))
	}
	r.codes[code]++
	return code, resp, nil
}

func (r *restWatch) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(r.codes)) {
		total += r.codes[code]
		parts = append(parts, fmt.Sprintf("%d×%d", r.codes[code], code))
	}
	return fmt.Sprintf("%d answers (%s), %d failures", total, strings.Join(parts, " "), len(r.failures))
}

func (r *restWatch) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.failures {
		if i == 20 {
			t.Errorf("... and %d more REST failures", len(r.failures)-i)
			break
		}
		t.Errorf("REST: %s", f)
	}
}

// sinkOwners waits until the sink's consumer group is stable with each of
// its tasks holding partitions and returns the member that holds each
// partition of the data topic.
func (p *pipeline) sinkOwners(timeout time.Duration) map[int]string {
	p.t.Helper()
	var owners map[int]string
	kafkatest.Eventually(p.t, timeout, func() error {
		members, err := p.b.StableGroup("connect-"+p.sink, p.flow.sinkTasks)
		if err != nil {
			return err
		}
		owners = map[int]string{}
		for _, m := range members {
			held := 0
			for _, part := range m.Partitions[p.topic] {
				owners[int(part)] = m.ID
				held++
			}
			if held == 0 {
				return fmt.Errorf("member %s (%s) holds no partition", m.ID, m.ClientID)
			}
		}
		if len(owners) != p.flow.partitions {
			return fmt.Errorf("%d of %d partitions assigned", len(owners), p.flow.partitions)
		}
		return nil
	})
	return owners
}

// deliveryGaps is, per partition, the longest time between two deliveries
// of its records during [from, to], counting from its last delivery
// before from.
func (p *pipeline) deliveryGaps(from, to time.Time) map[int]time.Duration {
	last := map[int]time.Time{}
	gaps := map[int]time.Duration{}
	all := p.app.all()
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	for _, d := range all {
		if d.at.After(to) {
			break
		}
		if prev, ok := last[d.partition]; ok && !d.at.Before(from) {
			gaps[d.partition] = max(gaps[d.partition], d.at.Sub(prev))
		}
		last[d.partition] = d.at
	}
	for part, at := range last {
		gaps[part] = max(gaps[part], to.Sub(at))
	}
	return gaps
}
