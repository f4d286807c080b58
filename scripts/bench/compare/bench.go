package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// bench is one run: its settings, the processes and names it made, and
// what it measured.
type bench struct {
	opts    options
	root    string // module root
	dir     string // temporary files: the Go binary, input files, logs
	id      string // prefix of every group, topic, connector and worker name
	bin     string // the Go worker, built like the Dockerfile builds it
	script  string // scripts/kafka.sh
	state   string // kafka.sh's KAFKA_STATE
	kafka   *broker
	cluster string // the broker's cluster id when the run began
	procs   procs
	seq     int
	sample  int // which run of a repeated step this is, in its names

	topics     []string        // created here, deleted at the end
	groups     map[string]bool // Connect groups: their internal topics go too
	sinkGroups []string        // sink connectors' consumer groups

	inputs map[int]string // FileStream source input file per line size
	load   *loadSampler
	began  time.Time
	res    results
}

// stepNames are the steps -only can pick, in the order they run.
var stepNames = []string{"membership", "zero-delay", "sink-gap", "sink-follows", "throughput", "config", "serverless", "ordering", "exactly-once"}

// sizes of records: "100 B" and "1 KiB" rows.
var sizes = [2]int{100, 1024}

func newBench(ctx context.Context, o options) (*bench, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	b := &bench{
		opts: o, root: root, script: filepath.Join(root, "scripts", "kafka.sh"),
		id:     "bench-" + strconv.FormatInt(time.Now().Unix()%(36*36*36*36*36), 36),
		kafka:  newBroker(o.bootstrap),
		groups: map[string]bool{}, inputs: map[int]string{},
		state: os.Getenv("KAFKA_STATE"), began: time.Now(),
	}
	if b.state == "" {
		b.state = "/tmp/connect-sidecar-kafka"
	}
	if b.dir, err = os.MkdirTemp("", "connect-bench-"); err != nil {
		return nil, err
	}
	if o.java {
		out, err := exec.CommandContext(ctx, b.script, "status").CombinedOutput()
		if err != nil {
			return b, fmt.Errorf("the Java rows need the broker scripts/kafka.sh started (scripts/bench/run.sh starts it; -java=false skips Java): %s", strings.TrimSpace(string(out)))
		}
	}
	if b.cluster, err = b.kafka.clusterID(ctx); err != nil {
		return b, fmt.Errorf("no broker at %s: %w", o.bootstrap, err)
	}
	return b, nil
}

// moduleRoot is the directory of the module's go.mod, as the go command
// finds it.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run this inside the connect-sidecar module (the go command finds no go.mod)")
	}
	return filepath.Dir(gomod), nil
}

func (b *bench) impls() []impl {
	if b.opts.java {
		return []impl{goWorker, javaWorker}
	}
	return []impl{goWorker}
}

func (b *bench) name(parts ...any) string {
	s := b.id
	for _, p := range parts {
		s += "-" + fmt.Sprint(p)
	}
	return s
}

func (b *bench) topic(ctx context.Context, name string, partitions int) (string, error) {
	b.topics = append(b.topics, name)
	return name, b.kafka.createTopic(ctx, name, partitions)
}

// run measures everything, in an order that keeps one measurement's load
// out of the next: inputs first, then scenario by scenario, Go then Java.
func (b *bench) run(ctx context.Context) error {
	logf("run %s: temporary files in %s", b.id, b.dir)
	b.load = startLoadSampler()
	if err := b.build(ctx); err != nil {
		return err
	}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if err := b.sameBroker(ctx); err != nil {
		return err
	}
	steps := []struct {
		name, what string
		f          func(context.Context, impl) error
		sampled    bool // run -samples times (Java: -java-samples, unless javaFull)
		javaFull   bool // Java's runs are short enough to sample as often as Go's
		goOnly     bool
	}{
		{"membership", "join, idle RSS, handoff and failover at the default delay", b.membershipDefaults, true, false, false},
		{"zero-delay", "handoff and failover with scheduled.rebalance.max.delay.ms=0", b.membershipZero, true, false, false},
		{"sink-gap", "sink partitions stopping while a worker joins and leaves", b.sinkGap, true, true, false},
		{"sink-follows", "HTTP sink partitions following a newcomer and a SIGTERM", func(ctx context.Context, _ impl) error { return b.sinkFollows(ctx) }, true, false, true},
		{"throughput", "FileStream throughput", b.throughput, false, false, false},
		{"config", "config topic of 1,000 connectors", b.configLoad, false, false, false},
		{"serverless", "datagen and HTTP sink", func(ctx context.Context, _ impl) error { return b.goOnly(ctx) }, false, false, true},
		{"ordering", "HTTP sink orderings at one record per request", func(ctx context.Context, _ impl) error { return b.orderings(ctx) }, false, false, true},
		{"exactly-once", "exactly-once FileStreamSource and datagen", b.exactlyOnce, false, false, false},
	}
	for _, s := range steps {
		if !b.runs(s.name) {
			continue
		}
		for _, im := range b.impls() {
			if s.goOnly && im != goWorker {
				continue
			}
			runs := 1
			if s.sampled {
				runs = b.opts.samples
				if im == javaWorker && !s.javaFull {
					runs = b.opts.javaSamples
				}
			}
			for b.sample = 1; b.sample <= runs; b.sample++ {
				logf("== %s: %s (%d of %d)", im, s.what, b.sample, runs)
				if err := s.f(ctx, im); err != nil && ctx.Err() == nil {
					logf("%s: %s failed: %s", im, s.what, short(err))
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				b.stopAll()
				if err := b.sameBroker(ctx); err != nil {
					return err
				}
			}
		}
	}
	b.stopAll()
	b.load.finish()
	return b.report()
}

// sameBroker fails the run when the broker was replaced under it (another
// scripts/kafka.sh start wipes its data): the figures since would be noise.
func (b *bench) sameBroker(ctx context.Context) error {
	id, err := b.kafka.clusterID(ctx)
	if err != nil {
		return fmt.Errorf("the broker stopped answering: %w", err)
	}
	if id != b.cluster {
		return fmt.Errorf("the broker was restarted during the run (cluster %s, now %s), which wiped its topics: run again", b.cluster, id)
	}
	return nil
}

func (b *bench) runs(step string) bool { return len(b.opts.only) == 0 || b.opts.only[step] }

// build compiles the worker as the Dockerfile does (static, stripped), so
// its start-up and memory are the shipped binary's.
func (b *bench) build(ctx context.Context) error {
	if b.opts.goBinary != "" {
		b.bin = b.opts.goBinary
		return nil
	}
	b.bin = filepath.Join(b.dir, "connect-sidecar")
	logf("building %s", b.bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", b.bin, "./cmd/connect-sidecar")
	cmd.Dir, cmd.Env = b.root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// prepare writes every input before any worker runs: the FileStream source
// files, and the topics the sinks read (shared by Go and Java, each
// reading them with its own consumer group).
func (b *bench) prepare(ctx context.Context) error {
	t0 := time.Now()
	for i, size := range sizes {
		if !b.runs("throughput") && !b.runs("exactly-once") {
			break
		}
		n := b.opts.linesFor(i)
		path := filepath.Join(b.dir, fmt.Sprintf("lines-%d.txt", size))
		if err := writeLines(path, n, size); err != nil {
			return err
		}
		b.inputs[size] = path
		if !b.runs("throughput") {
			continue
		}
		topic, err := b.topic(ctx, b.name("sink-in", size), 1)
		if err != nil {
			return err
		}
		if err := b.kafka.fill(ctx, topic, n, size, 0); err != nil {
			return err
		}
	}
	for _, batch := range httpBatches {
		if !b.runs("serverless") {
			break
		}
		topic, err := b.topic(ctx, b.name("http-in", batch), httpPartitions)
		if err != nil {
			return err
		}
		if err := b.kafka.fill(ctx, topic, b.opts.httpRecordsFor(batch), 100, 0); err != nil {
			return err
		}
	}
	for i, in := range orderInputs {
		if !b.runs("ordering") {
			break
		}
		topic, err := b.topic(ctx, b.name("order-in", i), in.partitions)
		if err != nil {
			return err
		}
		if err := b.kafka.fill(ctx, topic, b.opts.orderRecords(in), 100, in.keys); err != nil {
			return err
		}
	}
	logf("inputs written in %v", time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// linesFor is the record count of the 100 B (i=0) or 1 KiB (i=1) runs.
func (o options) linesFor(i int) int {
	if i == 0 {
		return o.lines
	}
	return max(1, o.lines/5)
}

func writeLines(path string, n, size int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<20)
	for i := range n {
		buf = append(buf, payload(i, size)...)
		buf = append(buf, '\n')
		if len(buf) > 1<<20-size-1 {
			if _, err := f.Write(buf); err != nil {
				f.Close()
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// stopAll stops every worker still running; scenarios stop their own, this
// catches what a failed one left.
func (b *bench) stopAll() {
	for _, w := range b.procs.all() {
		if w.alive() || (w.impl == javaWorker && !w.stopped) {
			b.stop(w)
		}
	}
}

// cleanup stops the workers, deletes the topics and consumer groups this run
// made, and the temporary files unless the run failed (their logs help).
func (b *bench) cleanup(ok bool) {
	b.stopAll()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics := slices.Clone(b.topics)
	for g := range b.groups {
		topics = append(topics, g+"-configs", g+"-offsets", g+"-status")
	}
	if err := b.kafka.deleteTopics(ctx, topics); err != nil {
		logf("deleting topics: %v", err)
	}
	if err := b.kafka.deleteGroups(ctx, b.sinkGroups); err != nil {
		logf("deleting consumer groups: %v", err)
	}
	if !ok {
		logf("kept %s (Go worker logs) and %s/logs/%s-* (Java worker logs)", b.dir, b.state, b.id)
		return
	}
	_ = os.RemoveAll(b.dir)
	for _, w := range b.procs.all() {
		if w.impl == javaWorker {
			_ = os.Remove(filepath.Join(b.state, "logs", w.name+".log"))
			_ = os.Remove(filepath.Join(b.state, "config", w.name+".properties"))
		}
	}
}
