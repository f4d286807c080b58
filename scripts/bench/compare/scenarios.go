package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/datagen"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
)

const (
	// setupTimeout bounds steps that are not measured: a Java worker can
	// take a minute to start on two busy cores.
	setupTimeout = 3 * time.Minute
	// rebalanceTasks is the task count of the connector whose placement
	// the membership rows watch: two workers hold two each.
	rebalanceTasks = 4
	// httpPartitions is the HTTP sink input topics' partition count: a
	// partition has one batch in flight, a task up to max.in.flight (8).
	httpPartitions = 8

	stringConverter = "org.apache.kafka.connect.storage.StringConverter"
	fileSource      = "org.apache.kafka.connect.file.FileStreamSourceConnector"
	fileSink        = "org.apache.kafka.connect.file.FileStreamSinkConnector"
)

var httpBatches = [3]int{1, 100, 1000}

// httpRecordsFor is the HTTP sink run's record count: a batch of one is
// sent per request, so it gets a tenth to keep the run short.
func (o options) httpRecordsFor(batch int) int {
	if batch == 1 {
		return max(10, o.httpRecords/10)
	}
	return o.httpRecords
}

// sinkConnector is a FileStreamSink over topic with tasks tasks; its
// consumer group is remembered for deletion.
func (b *bench) sinkConnector(name, topic, file string, tasks int) map[string]string {
	b.sinkGroups = append(b.sinkGroups, "connect-"+name)
	return map[string]string{
		"connector.class": fileSink, "tasks.max": strconv.Itoa(tasks), "topics": topic, "file": file,
		"key.converter": stringConverter, "value.converter": stringConverter,
	}
}

// twoWorkers starts a worker, gives it a connector of rebalanceTasks sink
// tasks on an empty topic, then starts a second worker and waits until each
// runs half the tasks. The first stays the group's leader, so the second
// can be stopped or killed without a leader change, which would reset
// Java's assignor state and hide the delay under test.
func (b *bench) twoWorkers(ctx context.Context, im impl, s spec, conn string) (first, second *worker, err error) {
	topic, err := b.topic(ctx, conn, rebalanceTasks)
	if err != nil {
		return nil, nil, err
	}
	if first, err = b.startWorker(ctx, im, s); err != nil {
		return nil, nil, err
	}
	if _, err = first.waitReady(ctx, setupTimeout); err != nil {
		return nil, nil, err
	}
	if err = createConnector(ctx, first, conn, b.sinkConnector(conn, topic, filepath.Join(b.dir, conn+".txt"), rebalanceTasks)); err != nil {
		return nil, nil, err
	}
	if _, err = waitSpread(ctx, setupTimeout, conn, rebalanceTasks, first); err != nil {
		return nil, nil, fmt.Errorf("%s's tasks did not run on %s: %w", conn, first.name, err)
	}
	if second, err = b.startWorker(ctx, im, s); err != nil {
		return nil, nil, err
	}
	if _, err = second.waitReady(ctx, setupTimeout); err != nil {
		return nil, nil, err
	}
	if _, err = waitSpread(ctx, setupTimeout, conn, rebalanceTasks, first, second); err != nil {
		return nil, nil, fmt.Errorf("%s's tasks were not spread over two workers: %w", conn, err)
	}
	return first, second, nil
}

// randomPhase waits between one and two heartbeat intervals. A worker
// hears of a rebalance at its next heartbeat, and its heartbeat timer
// restarts when a rebalance completes: acting right after one would always
// land on the worst phase. After this wait each sample is a fair draw.
func (b *bench) randomPhase(ctx context.Context, im impl) error {
	hb := 3 * time.Second // heartbeat.interval.ms: Java's default
	if im == goWorker {
		hb = 500 * time.Millisecond
	}
	if ms, err := strconv.Atoi(b.opts.props["heartbeat.interval.ms"]); err == nil && ms > 0 {
		hb = time.Duration(ms) * time.Millisecond
	}
	return sleep(ctx, hb+rand.N(hb))
}

// handoff signals w, after a random phase, and measures until all tasks
// run on the remaining worker; a wait longer than limit is reported as
// "more than limit".
func (b *bench) handoff(ctx context.Context, w *worker, sig syscall.Signal, remaining *worker, conn string, limit time.Duration) cell {
	if err := b.randomPhase(ctx, w.impl); err != nil {
		return failed(err)
	}
	t0 := time.Now()
	if err := w.signal(sig); err != nil {
		return failed(err)
	}
	at, err := waitSpread(ctx, limit, conn, rebalanceTasks, remaining)
	switch {
	case errors.Is(err, errTimeout):
		return timedOut(limit)
	case err != nil:
		return failed(err)
	}
	return secs(at.Sub(t0))
}

// membershipDefaults measures, with each worker's default settings:
// start-up joining a group that has a connector, the join rebalance, idle
// RSS, then at the same moment a graceful leave in that group and a
// SIGKILL in a second group (both wait out the default delay).
func (b *bench) membershipDefaults(ctx context.Context, im impl) error {
	r := &b.res
	j := spec{group: b.name(im, "join", b.sample)}
	conn := j.group
	topic, err := b.topic(ctx, conn, rebalanceTasks)
	if err != nil {
		return err
	}
	a, err := b.startWorker(ctx, im, j)
	if err != nil {
		return err
	}
	if _, err := a.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	if err := createConnector(ctx, a, conn, b.sinkConnector(conn, topic, filepath.Join(b.dir, conn+".txt"), rebalanceTasks)); err != nil {
		return err
	}
	if _, err := waitSpread(ctx, setupTimeout, conn, rebalanceTasks, a); err != nil {
		return fmt.Errorf("%s's tasks did not run: %w", conn, err)
	}
	if _, err := waitFor(ctx, setupTimeout, 20*time.Millisecond, func() bool {
		st, err := b.kafka.groupState(ctx, j.group)
		return err == nil && st == "Stable"
	}); err != nil {
		return fmt.Errorf("group %s not stable: %w", j.group, err)
	}

	// The join rebalance starts when the coordinator takes the group out of
	// Stable for the newcomer; it ends when the tasks run two and two.
	if err := b.randomPhase(ctx, im); err != nil {
		return err
	}
	watch := b.watchGroup(ctx, j.group)
	joiner, err := b.startWorker(ctx, im, j)
	if err != nil {
		watch.finish()
		return err
	}
	ready, err := joiner.waitReady(ctx, setupTimeout)
	if err != nil {
		watch.finish()
		r.ready[im] = append(r.ready[im], failed(err))
		return err
	}
	r.ready[im] = append(r.ready[im], secs(ready))
	logf("%s: ready %v after start", im, ready.Round(time.Millisecond))
	placed, err := waitSpread(ctx, setupTimeout, conn, rebalanceTasks, a, joiner)
	began := watch.finish()
	var join cell
	switch {
	case err != nil:
		join = failed(err)
	case began.IsZero():
		join = failed(errors.New("never saw the group leave Stable"))
	default:
		join = secs(placed.Sub(began))
	}
	r.join[im] = append(r.join[im], join)

	if err := sleep(ctx, b.opts.idle); err != nil {
		return err
	}
	var idle cell
	if v, err := joiner.rss(); err != nil {
		idle = failed(err)
	} else {
		idle = bytesCell(v)
	}
	r.idleRSS[im] = append(r.idleRSS[im], idle)
	logf("%s: join %s, idle RSS %s", im, join.detail(), idle.detail())

	k := spec{group: b.name(im, "kill", b.sample)}
	kconn := k.group
	ka, kb, err := b.twoWorkers(ctx, im, k, kconn)
	if err != nil {
		return err
	}
	// Both waits are timers (the delay, the session timeout), so they can
	// share the wall clock: Java's 300 s delay is sat out once, bounded.
	var leave, kill cell
	var wg sync.WaitGroup
	wg.Go(func() { leave = b.handoff(ctx, joiner, syscall.SIGTERM, a, conn, b.opts.failoverTimeout) })
	wg.Go(func() { kill = b.handoff(ctx, kb, syscall.SIGKILL, ka, kconn, b.opts.failoverTimeout) })
	wg.Wait()
	r.leaveDefault[im] = append(r.leaveDefault[im], leave)
	r.killDefault[im] = append(r.killDefault[im], kill)
	logf("%s: default delay: graceful handoff %s, failover %s", im, leave.detail(), kill.detail())
	return nil
}

// membershipZero measures a graceful leave, then a SIGKILL, in a group
// whose workers reassign lost work at once (scheduled.rebalance.max.delay.ms=0).
func (b *bench) membershipZero(ctx context.Context, im impl) error {
	r := &b.res
	z := spec{group: b.name(im, "zero", b.sample), props: map[string]string{"scheduled.rebalance.max.delay.ms": "0"}}
	conn := z.group
	a, second, err := b.twoWorkers(ctx, im, z, conn)
	if err != nil {
		return err
	}
	leave := b.handoff(ctx, second, syscall.SIGTERM, a, conn, b.opts.failoverTimeout)
	r.leaveZero[im] = append(r.leaveZero[im], leave)
	if !second.waitExit(time.Minute) {
		return fmt.Errorf("%s did not exit after SIGTERM", second.name)
	}
	third, err := b.startWorker(ctx, im, z)
	if err != nil {
		return err
	}
	if _, err := third.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	if _, err := waitSpread(ctx, setupTimeout, conn, rebalanceTasks, a, third); err != nil {
		return fmt.Errorf("%s's tasks were not spread again: %w", conn, err)
	}
	kill := b.handoff(ctx, third, syscall.SIGKILL, a, conn, b.opts.failoverTimeout)
	r.killZero[im] = append(r.killZero[im], kill)
	logf("%s: delay 0: graceful handoff %s, failover %s", im, leave.detail(), kill.detail())
	return nil
}

// groupWatch notes when a group first leaves the Stable state.
type groupWatch struct {
	began time.Time
	stop  chan struct{}
	done  chan struct{}
}

func (b *bench) watchGroup(ctx context.Context, group string) *groupWatch {
	w := &groupWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			st, err := b.kafka.groupState(ctx, group)
			if err == nil && st != "Stable" && st != "" {
				w.began = time.Now()
				return
			}
			select {
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *groupWatch) finish() time.Time {
	close(w.stop)
	<-w.done
	return w.began
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// throughput runs FileStreamSource (file → topic) and FileStreamSink
// (topic → file) at both record sizes on one worker, and keeps its peak
// RSS meanwhile.
func (b *bench) throughput(ctx context.Context, im impl) error {
	r := &b.res
	s := spec{group: b.name(im, "tput")}
	if im == javaWorker {
		s.jvmOpts = b.opts.javaOpts
	}
	w, err := b.startWorker(ctx, im, s)
	if err != nil {
		return err
	}
	if _, err := w.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	rss := sampleRSS(w)
	defer func() { r.loadedRSS[im] = bytesCell(rss.finish()) }()
	for i, size := range sizes {
		r.source[i][im] = b.sourceRun(ctx, w, i, size)
		logf("%s: FileStreamSource %d B: %s", im, size, r.source[i][im].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for i, size := range sizes {
		r.sink[i][im] = b.sinkRun(ctx, w, i, size)
		logf("%s: FileStreamSink %d B: %s", im, size, r.sink[i][im].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func (b *bench) sourceRun(ctx context.Context, w *worker, i, size int) cell {
	n := b.opts.linesFor(i)
	conn := b.name(w.impl, "source", size)
	out, err := b.topic(ctx, conn, 1)
	if err != nil {
		return failed(err)
	}
	config := map[string]string{
		"connector.class": fileSource, "tasks.max": "1", "file": b.inputs[size], "topic": out,
		"key.converter": stringConverter, "value.converter": stringConverter,
	}
	return b.timedRun(ctx, w, conn, config, n, size, func() bool {
		got, err := b.kafka.endOffset(ctx, out, 1)
		return err == nil && got >= int64(n)
	})
}

func (b *bench) sinkRun(ctx context.Context, w *worker, i, size int) cell {
	n := b.opts.linesFor(i)
	conn := b.name(w.impl, "sink", size)
	path := filepath.Join(b.dir, conn+".txt")
	defer os.Remove(path)
	want := int64(n) * int64(size+1)
	return b.timedRun(ctx, w, conn, b.sinkConnector(conn, b.name("sink-in", size), path, 1), n, size, func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() >= want
	})
}

// timedRun creates a connector and times it until done holds, polled
// every 20 ms; the connector is deleted afterwards.
func (b *bench) timedRun(ctx context.Context, w *worker, conn string, config map[string]string, n, size int, done func() bool) cell {
	rss := sampleRSS(w)
	defer func() { logf("%s: peak RSS %.1f MB", conn, float64(rss.finish())/1e6) }()
	t0 := time.Now()
	if err := createConnector(ctx, w, conn, config); err != nil {
		return failed(err)
	}
	at, err := waitFor(ctx, b.opts.runTimeout, 20*time.Millisecond, done)
	if derr := deleteConnector(ctx, w, conn); derr != nil && err == nil {
		logf("%v", derr)
	}
	if err != nil {
		return failed(fmt.Errorf("%s: %w after %v", conn, err, b.opts.runTimeout))
	}
	return rate(n, size, at.Sub(t0))
}

// configLoad times a fresh worker over a config topic that already holds
// 1,000 stopped connectors, written in Java's format.
func (b *bench) configLoad(ctx context.Context, im impl) error {
	r := &b.res
	s := spec{group: b.name(im, "cfg")}
	b.groups[s.group] = true
	if err := b.kafka.writeStoppedConnectors(ctx, s.group+"-configs", configConnectors); err != nil {
		return err
	}
	w, err := b.startWorker(ctx, im, s)
	if err != nil {
		return err
	}
	ready, err := w.waitReady(ctx, setupTimeout)
	if err != nil {
		r.cfgReady[im] = failed(err)
		return err
	}
	r.cfgReady[im] = secs(ready)
	at, err := waitFor(ctx, setupTimeout, 20*time.Millisecond, func() bool {
		n, err := listConnectors(ctx, w)
		return err == nil && n == configConnectors
	})
	if err != nil {
		r.cfgListed[im] = failed(fmt.Errorf("GET /connectors never listed %d: %w", configConnectors, err))
	} else {
		r.cfgListed[im] = secs(at.Sub(w.started))
	}
	logf("%s: 1,000 connectors: ready %s, listed %s", im, r.cfgReady[im].detail(), r.cfgListed[im].detail())
	return nil
}

const configConnectors = 1000

// goOnly measures the serverless sidecar's own connectors on one Go
// worker: datagen into Kafka, and the HTTP sink into a no-op app.
func (b *bench) goOnly(ctx context.Context) error {
	r := &b.res
	a, err := startApp()
	if err != nil {
		return err
	}
	defer a.close()
	s := spec{group: b.name("go", "serverless"), goEnv: []string{"SIDECAR_APP_URL=" + a.url}}
	w, err := b.startWorker(ctx, goWorker, s)
	if err != nil {
		return err
	}
	if _, err := w.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	if err := sleep(ctx, b.opts.idle); err != nil {
		return err
	}
	if v, err := w.rss(); err == nil {
		r.goIdleRSS = bytesCell(v)
	} else {
		r.goIdleRSS = failed(err)
	}
	rss := sampleRSS(w)
	defer func() { r.goLoadedRSS = bytesCell(rss.finish()) }()

	for i, size := range sizes {
		n := b.opts.linesFor(i)
		conn := b.name("go", "datagen", size)
		out, err := b.topic(ctx, conn, 1)
		if err != nil {
			return err
		}
		config := map[string]string{
			"connector.class": datagen.Class, "tasks.max": "1", datagen.TopicConfig: out,
			datagen.RateConfig: "0", datagen.RecordSizeConfig: strconv.Itoa(size),
			datagen.MaxRecordsConfig: strconv.Itoa(n), datagen.SchemasConfig: "false",
			"key.converter": stringConverter, "value.converter": "org.apache.kafka.connect.json.JsonConverter",
			"value.converter.schemas.enable": "false",
		}
		r.datagen[i] = b.timedRun(ctx, w, conn, config, n, size, func() bool {
			got, err := b.kafka.endOffset(ctx, out, 1)
			return err == nil && got >= int64(n)
		})
		logf("go: datagen %d B: %s", size, r.datagen[i].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for i, batch := range httpBatches {
		r.httpSink[i] = b.httpRun(ctx, w, a, batch)
		logf("go: HTTP sink batch %d: %s", batch, r.httpSink[i].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// drainHTTPSink resets the app's counters, creates the HTTP sink
// connector conn over topic, with settings besides the defaults, and
// waits until the app has counted n records. stop, never nil, deletes the
// connector and logs the worker's peak RSS meanwhile.
func (b *bench) drainHTTPSink(ctx context.Context, w *worker, a *app, conn, topic string, n int, settings map[string]string) (stop func(), done time.Time, err error) {
	config := b.sinkConnector(conn, topic, "", 1)
	delete(config, "file")
	config["connector.class"] = httpsink.Class
	maps.Copy(config, settings)
	a.reset()
	rss := sampleRSS(w)
	created := false
	stop = func() {
		if created {
			if err := deleteConnector(ctx, w, conn); err != nil {
				logf("%v", err)
			}
		}
		logf("%s: peak RSS %.1f MB", conn, float64(rss.finish())/1e6)
	}
	if err := createConnector(ctx, w, conn, config); err != nil {
		return stop, done, err
	}
	created = true
	done, err = waitFor(ctx, b.opts.runTimeout, 10*time.Millisecond, func() bool { return a.count() >= n })
	if err != nil {
		return stop, done, fmt.Errorf("%s: %d of %d records: %w", conn, a.count(), n, err)
	}
	return stop, done, nil
}

// httpRun drains a pre-filled topic through the HTTP sink for its
// throughput, then produces at a steady rate below it for the latency the
// sidecar adds between Kafka and the app.
func (b *bench) httpRun(ctx context.Context, w *worker, a *app, batch int) cell {
	n, topic := b.opts.httpRecordsFor(batch), b.name("http-in", batch)
	t0 := time.Now()
	stop, at, err := b.drainHTTPSink(ctx, w, a, b.name("go", "http", batch), topic, n,
		map[string]string{httpsink.BatchMaxRecordsConfig: strconv.Itoa(batch)})
	defer stop()
	if err != nil {
		return failed(err)
	}
	c := rate(n, 100, at.Sub(t0))
	// Well below capacity, so the figure is the latency added per record,
	// not a queue building up.
	live := max(1, min(b.opts.latencyRate, int(c.v/4)))
	a.timeFrom(time.Now())
	sent, err := b.kafka.produceAtRate(ctx, topic, live, b.opts.latencyFor, 100)
	if err != nil {
		c.extra = "latency: " + err.Error()
		return c
	}
	if _, err := waitFor(ctx, 30*time.Second, 10*time.Millisecond, func() bool { got, _, _ := a.timed(); return got >= sent }); err != nil {
		got, _, _ := a.timed()
		c.extra = fmt.Sprintf("latency: %d of %d live records arrived", got, sent)
		return c
	}
	_, p50, p99 := a.timed()
	c.extra = fmt.Sprintf("p99 %d ms (p50 %d) at %s rec/s", p99, p50, thousands(float64(live)))
	c.p99 = float64(p99)
	return c
}
