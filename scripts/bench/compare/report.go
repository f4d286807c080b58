package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// kind is what a cell measures, which decides how it prints and which way
// is better.
type kind int

const (
	duration   kind = iota // seconds, lower is better
	memory                 // bytes, lower is better
	throughput             // records/s, higher is better
)

// cell is one measured figure.
type cell struct {
	set   bool
	kind  kind
	v     float64 // seconds, bytes or records/s
	mbps  float64 // throughput: payload MB/s
	p99   float64 // HTTP sink: ms
	bound bool    // v is a lower bound: the wait timed out
	err   string
	extra string
	// samples are the figures a median was taken of, in the order
	// measured; nil for a single measurement.
	samples []cell
	spread  string // "lowest–highest" of the samples
}

func secs(d time.Duration) cell { return cell{set: true, kind: duration, v: d.Seconds()} }
func timedOut(limit time.Duration) cell {
	return cell{set: true, kind: duration, v: limit.Seconds(), bound: true}
}
func bytesCell(n int64) cell { return cell{set: true, kind: memory, v: float64(n)} }
func failed(err error) cell  { return cell{set: true, err: err.Error()} }

// rate is n records of size payload bytes in d.
func rate(n, size int, d time.Duration) cell {
	s := d.Seconds()
	return cell{set: true, kind: throughput, v: float64(n) / s, mbps: float64(n) * float64(size) / 1e6 / s}
}

func (c cell) ok() bool { return c.set && c.err == "" }

func (c cell) String() string {
	switch {
	case !c.set:
		return "not run"
	case c.err != "":
		return "failed"
	}
	var s string
	switch c.kind {
	case duration:
		s = fmt.Sprintf("%.2f s", c.v)
		if c.v >= 10 {
			s = fmt.Sprintf("%.1f s", c.v)
		}
		if c.bound {
			s = "> " + fmt.Sprintf("%.0f s", c.v) + " (timeout)"
		}
	case memory:
		s = fmt.Sprintf("%.1f MB", c.v/1e6)
	case throughput:
		s = fmt.Sprintf("%s rec/s, %.1f MB/s", thousands(c.v), c.mbps)
	}
	if c.spread != "" {
		s += " (" + c.spread + ")"
	}
	if c.extra != "" {
		s += "; " + c.extra
	}
	return s
}

// series are the samples of one figure, each run measuring it once.
type series []cell

// median sums the samples up as their median with their spread; failed
// samples are left out and counted, and a median that fell on a timed-out
// sample is a lower bound.
func (s series) median() cell {
	switch len(s) {
	case 0:
		return cell{}
	case 1:
		return s[0]
	}
	var ok []cell
	var errs []string
	for _, c := range s {
		if c.ok() {
			ok = append(ok, c)
		} else if c.set {
			errs = append(errs, c.err)
		}
	}
	if len(ok) == 0 {
		return failed(fmt.Errorf("all %d samples failed: %s", len(s), firstLine(errs[0])))
	}
	sorted := slices.Clone(ok)
	slices.SortStableFunc(sorted, func(a, b cell) int { return cmp.Compare(a.v, b.v) })
	m := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		lo, hi := sorted[len(sorted)/2-1], sorted[len(sorted)/2]
		m.v, m.bound = (lo.v+hi.v)/2, lo.bound || hi.bound
	}
	m.samples = slices.Clone([]cell(s)) // m.extra stays: the median sample's detail
	lo, hi := sorted[0], sorted[len(sorted)-1]
	lo.extra, hi.extra = "", ""
	m.spread = fmt.Sprintf("%s–%s, %d samples", strings.TrimSuffix(lo.String(), " s"), strings.TrimSuffix(hi.String(), " (timeout)"), len(s))
	if len(errs) > 0 {
		m.extra = strings.TrimPrefix(m.extra+"; ", "; ") + fmt.Sprintf("%d failed: %s", len(errs), firstLine(errs[0]))
	}
	return m
}

// sampleText lists the samples of a median, for the notes.
func (c cell) sampleText() string {
	parts := make([]string, len(c.samples))
	for i, s := range c.samples {
		s.extra = ""
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// detail is String with the error, for progress logs.
func (c cell) detail() string {
	if c.set && c.err != "" {
		return "failed: " + firstLine(c.err)
	}
	return c.String()
}

// thousands prints v rounded, with comma separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// results are the run's figures, indexed by impl where both run. The
// membership figures are series: each sample is one more run of its step.
type results struct {
	ready, idleRSS                [2]series
	join, leaveZero, leaveDefault [2]series
	killZero, killDefault         [2]series
	sinkJoin, sinkLeave           series
	gapJoin, gapLeave             [2]series
	loadedRSS                     [2]cell
	source, sink                  [2][2]cell // [size][impl]
	cfgReady, cfgListed           [2]cell
	datagen                       [2]cell
	httpSink                      [3]cell
	goIdleRSS, goLoadedRSS        cell
	ordering                      [2][3]cell // [orderInputs][orderings]
	eosSource                     [2][2]cell // [size][impl]
	eosDatagen                    [2]cell
}

// target is a goal the Go figure is held to.
type target struct {
	text  string // as the brief states it
	check func(goV, javaV cell) string
}

func below(limit float64, k kind, text string) *target {
	return &target{text: text, check: func(g, _ cell) string {
		if !g.ok() {
			return "unknown"
		}
		if g.v < limit && !g.bound {
			return "met"
		}
		by := cell{set: true, kind: k, v: g.v - limit}.String()
		if g.bound {
			by = "more than " + by
		}
		return "missed by " + by
	}}
}

var atLeastJava = &target{text: "≥ Java", check: func(g, j cell) string {
	if !g.ok() || !j.ok() {
		return "unknown"
	}
	if g.v >= j.v {
		return fmt.Sprintf("met (%.2f×)", g.v/j.v)
	}
	return fmt.Sprintf("missed by %.0f%%", 100*(1-g.v/j.v))
}}

func atLeast(v float64, text string) *target {
	return &target{text: text, check: func(g, _ cell) string {
		if !g.ok() {
			return "unknown"
		}
		if g.v >= v {
			return "met"
		}
		return fmt.Sprintf("missed by %.0f%%", 100*(1-g.v/v))
	}}
}

// row is one line of the table.
type row struct {
	name       string
	goV, javaV cell
	goOnly     bool
	target     *target
	note       string
}

// ratio is Go ÷ Java; for a Java wait that timed out it is an upper bound.
func (r row) ratio() string {
	g, j := r.goV, r.javaV
	switch {
	case r.goOnly || !g.ok() || !j.ok() || j.v == 0:
		return "—"
	case g.bound && j.bound:
		return "—"
	case j.bound:
		return fmt.Sprintf("< %.2f×", g.v/j.v)
	case g.bound:
		return fmt.Sprintf("> %.2f×", g.v/j.v)
	}
	return fmt.Sprintf("%.2f×", g.v/j.v)
}

func (r row) verdict() string {
	if r.target == nil {
		return ""
	}
	return r.target.text + ": " + r.target.check(r.goV, r.javaV)
}

func (r row) javaText() string {
	if r.goOnly {
		return "n/a"
	}
	return r.javaV.String()
}

// rows turns results into the table, with a note on how each is measured.
func (res *results) rows(o options) []row {
	g, j := int(goWorker), int(javaWorker)
	pair := func(c [2]cell) (cell, cell) { return c[g], c[j] }
	var rows []row
	add := func(name string, c [2]cell, t *target, note string) {
		gv, jv := pair(c)
		rows = append(rows, row{name: name, goV: gv, javaV: jv, target: t, note: note})
	}
	addSeries := func(name string, s [2]series, t *target, note string) {
		add(name, [2]cell{s[0].median(), s[1].median()}, t, note)
	}
	addSeries("Start to ready, joining a group with a connector", res.ready, below(1, duration, "< 1 s"),
		"From the process's start (Go: fork by the harness; Java: the JVM's start time in /proc/<pid>/stat, after kafka.sh's own checks) "+
			"to the first 200 from GET /health, polled every 10 ms. The group already has its internal topics and a FileStreamSink "+
			"with 4 tasks running on the first worker; the newcomer's start includes joining that group, which waits for the first "+
			"worker to hear of it at its next heartbeat (heartbeat.interval.ms: Go 0.5 s, Java 3 s, each one's default). The newcomer "+
			"starts 1 to 2 of its heartbeat intervals (at random) after the last rebalance, so that wait is a fair draw.")
	addSeries("Idle RSS", res.idleRSS, below(30e6, memory, "< 30 MB"),
		fmt.Sprintf("VmRSS of the worker above, %s after its tasks run (2 FileStreamSink tasks on an empty topic). Java: the JVM kafka.sh started "+
			"(-Xms64m -Xmx512m, C1 only, serial GC: kafka.sh's flags, chosen for a small, fast-starting JVM).", human(o.idle)))
	add("RSS under load", res.loadedRSS, nil,
		"Peak VmRSS, sampled every 100 ms, of the worker running the FileStream throughput rows below.")
	addSeries("Rebalance when a worker joins", res.join, below(1.5, duration, "< 1.5 s"),
		"From the coordinator taking the group out of Stable for the newcomer (DescribeGroups polled every 10 ms) until the status "+
			"endpoint shows the 4 tasks RUNNING two and two: the existing worker hears of the join at its next heartbeat, revokes two "+
			"tasks (incremental cooperative protocol) and rejoins at once; the newcomer hears of that second round at its next heartbeat "+
			"(Go: 50 ms after the first round, its heartbeats back off from there to the interval; Java: 3 s later) and receives them.")
	addSeries("Graceful handoff (SIGTERM), delay 0", res.leaveZero, below(1, duration, "< 1 s"),
		"scheduled.rebalance.max.delay.ms=0 on both. From SIGTERM to the leaving worker (sent 1 to 2 heartbeat intervals after the last "+
			"rebalance, at random) until the remaining worker's status shows all 4 tasks RUNNING on it. Both stop their tasks and leave "+
			"the group on SIGTERM; the remaining worker rejoins at its next heartbeat. (A sink task then still joins its consumer "+
			"group before records flow: the sink rows below count that.)")
	addSeries("Graceful handoff (SIGTERM), default delay", res.leaveDefault, below(1, duration, "< 1 s"),
		fmt.Sprintf("As above with each worker's default scheduled.rebalance.max.delay.ms (Go 10 s, Java 300 s). Java's assignor cannot tell a "+
			"graceful leave from a crash, so the leaver's tasks wait out the delay; Go's leader reads the leaver's final status records "+
			"and hands its work out at once. Bounded at %s.", human(o.failoverTimeout)))
	addSeries("Failover after SIGKILL, delay 0", res.killZero, nil,
		"scheduled.rebalance.max.delay.ms=0. From SIGKILL (sent 1 to 2 heartbeat intervals after the last rebalance, at random) to "+
			"all 4 tasks RUNNING on the survivor: the coordinator's session timeout (session.timeout.ms 10 s for both), counted from "+
			"the killed worker's last heartbeat, so up to one interval of it may have passed before the kill; then the survivor's next "+
			"heartbeat and the rebalance.")
	addSeries("Failover after SIGKILL, default delay", res.killDefault, nil,
		fmt.Sprintf("As above with the default delay (Go 10 s, Java 300 s), in a second group, at the same time as the graceful "+
			"handoff at the default delay: a crashed worker may come back, so its work waits for the delay. Bounded at %s: Java's "+
			"default would take about 10 s + 300 s.", human(o.failoverTimeout)))
	gapNote := fmt.Sprintf("A FileStreamSink of %d tasks over %d partitions, %d records/s spread evenly, all tasks on one worker. "+
		"The harness reads the sink's file every 5 ms and notes when each partition's lines arrive; the cell is the longest "+
		"any partition went without a new line in the %s after the event, and how many partitions stopped for more than %s. Java's "+
		"sink consumers use its default assignors (range first: eager, every partition stops at each rebalance); Go's use "+
		"cooperative-sticky (only the partitions that change hands stop). After a SIGTERM Java's tasks wait out its lost-worker "+
		"delay (300 s), while their partitions go to the tasks left in the consumer group.", gapTasks, gapPartitions, gapRate, human(gapWindow), stopped)
	addSeries("Sink partitions stopped when a worker joins", res.gapJoin, nil,
		"A second worker starts (1 to 2 heartbeat intervals after the last rebalance) and takes two of the tasks. "+gapNote)
	addSeries("Sink partitions stopped when a worker leaves (SIGTERM)", res.gapLeave, nil,
		"The second worker is sent SIGTERM and its two tasks return to the first. "+gapNote)
	rows = append(rows,
		row{name: "Go only: sink partitions follow a newcomer", goV: res.sinkJoin.median(), goOnly: true,
			note: fmt.Sprintf("An HttpSink of 4 tasks over %d partitions, records produced at %d/s, one worker delivering them all; a second "+
				"worker starts (1 to 2 heartbeat intervals after the last rebalance) with its own app URL. From its process start until it has "+
				"delivered records of %d partitions, its share: its start, the Connect rebalance, its tasks' start and their sink consumer "+
				"group's rebalance. Java has no HTTP sink to compare with.", httpPartitions, sinkFollowRate, httpPartitions/2)},
		row{name: "Go only: sink partitions follow a SIGTERM", goV: res.sinkLeave.median(), goOnly: true,
			note: "The same two workers, 1 to 2 heartbeat intervals later: from SIGTERM to the second until the first has delivered, for every " +
				"partition the second was delivering, a record it received after the SIGTERM: the leaver's stop, the Connect rebalance, " +
				"the moved tasks' start and the consumer group's rebalance. Each sample starts and stops its own second worker."},
	)
	for i, size := range sizes {
		rows = append(rows, row{name: fmt.Sprintf("FileStreamSource, %s lines", sizeName(size)), goV: res.source[i][g], javaV: res.source[i][j],
			target: atLeastJava, note: fmt.Sprintf("A file of %s lines of %d bytes (+ newline) into a 1-partition topic, tasks.max=1, StringConverter, "+
				"batch.size 2000 (default). From POST /connectors to the topic's end offset reaching the count (polled every 20 ms). "+
				"MB/s counts line bytes.", thousands(float64(o.linesFor(i))), size)})
	}
	for i, size := range sizes {
		rows = append(rows, row{name: fmt.Sprintf("FileStreamSink, %s records", sizeName(size)), goV: res.sink[i][g], javaV: res.sink[i][j],
			target: atLeastJava, note: fmt.Sprintf("A 1-partition topic pre-filled with %s records of %d bytes into a file, tasks.max=1, StringConverter. "+
				"From POST /connectors (consumer group join included) until the file holds every line (size polled every 20 ms). Java's "+
				"sink buffers in a PrintStream until the next offset commit (offset.flush.interval.ms=1000 for both), which can add up to 1 s.",
				thousands(float64(o.linesFor(i))), size)})
	}
	add("Config topic of 1,000 connectors: start to ready", res.cfgReady, nil,
		"A fresh worker over a config topic pre-written in Java's format (stores/configstore) with 1,000 STOPPED FileStreamSink "+
			"connectors (target state, config, empty task set: 3,000 records). From process start to GET /health 200.")
	add("Config topic of 1,000 connectors: start to listing", res.cfgListed, nil,
		"Same worker: from process start until GET /connectors lists all 1,000 (polled every 20 ms).")
	for i, size := range sizes {
		rows = append(rows, row{name: fmt.Sprintf("Go only: datagen, %s", sizeName(size)), goV: res.datagen[i], goOnly: true,
			note: fmt.Sprintf("%s records, rate 0 (as fast as the worker takes them), record.size %d, schemaless JSON values, tasks.max=1, "+
				"into a 1-partition topic; timed as FileStreamSource. MB/s counts the payload field only.", thousands(float64(o.linesFor(i))), size)})
	}
	for i, batch := range httpBatches {
		var t *target
		if batch == 1000 {
			t = atLeast(50000, "≥ 50,000 rec/s")
		}
		rows = append(rows, row{name: fmt.Sprintf("Go only: HTTP sink, batch %s", thousands(float64(batch))), goV: res.httpSink[i], goOnly: true, target: t,
			note: fmt.Sprintf("HttpSink (batch.max.records=%d, other settings default: linger 5 ms, max.in.flight 8), tasks.max=1, "+
				"StringConverter, to a no-op app in the harness process. Throughput: %s pre-filled 100-byte records on %d partitions, from "+
				"POST /connectors until the app has counted them all. Latency: then records are produced at a quarter of that rate (at most %s/s) "+
				"for %s; per record, the app's receive time minus the record's timestamp (set by the producer when it made the record): "+
				"Kafka's produce and fetch, batching and the HTTP request.",
				batch, thousands(float64(o.httpRecordsFor(batch))), httpPartitions, thousands(float64(o.latencyRate)), human(o.latencyFor))})
	}
	rows = append(rows,
		row{name: "Go only: idle RSS, no connectors", goV: res.goIdleRSS, goOnly: true, target: below(30e6, memory, "< 30 MB"),
			note: fmt.Sprintf("VmRSS of the worker used for the Go-only rows, %s after it became ready, before any connector.", human(o.idle))},
		row{name: "Go only: RSS under load", goV: res.goLoadedRSS, goOnly: true,
			note: "Peak VmRSS of that worker, sampled every 100 ms, during the datagen and HTTP sink rows."})
	rows = append(rows, orderingRows(res, o)...)
	return append(rows, exactlyOnceRows(res, o)...)
}

// human prints a duration of whole seconds as "60 s".
func human(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s" }

func sizeName(size int) string {
	if size == 1024 {
		return "1 KiB"
	}
	return strconv.Itoa(size) + " B"
}

// writeText prints the table aligned for a terminal.
func writeText(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Measurement\tGo\tJava\tGo/Java\tTarget")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.name, r.goV, r.javaText(), r.ratio(), r.verdict())
	}
	return tw.Flush()
}

// writeMarkdown prints the table as GitHub markdown.
func writeMarkdown(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| # | Measurement | Go | Java | Go/Java | Target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for i, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s |\n", i+1, r.name, r.goV, r.javaText(), r.ratio(), r.verdict())
	}
}

// failures lists the cells that failed, for the report's readers.
func failures(rows []row) []string {
	var out []string
	for _, r := range rows {
		if r.goV.set && r.goV.err != "" {
			out = append(out, fmt.Sprintf("%s (Go): %s", r.name, firstLine(r.goV.err)))
		}
		if !r.goOnly && r.javaV.set && r.javaV.err != "" {
			out = append(out, fmt.Sprintf("%s (Java): %s", r.name, firstLine(r.javaV.err)))
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	return line
}

// report prints the table and writes the markdown document.
func (b *bench) report() error {
	rows := b.res.rows(b.opts)
	fmt.Println()
	if err := writeText(os.Stdout, rows); err != nil {
		return err
	}
	for _, f := range failures(rows) {
		fmt.Println("failed:", f)
	}
	fmt.Printf("\nload average (1 min) during the run: %s\n", b.load)
	if b.opts.out == "" {
		return nil
	}
	path := b.opts.out
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.root, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	b.writeDoc(w, rows)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	logf("wrote %s", path)
	return f.Close()
}

func (b *bench) writeDoc(w io.Writer, rows []row) {
	o := b.opts
	fmt.Fprintln(w, "# Benchmarks: connect-sidecar (Go) and Apache Kafka Connect (Java)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated by `scripts/bench/compare` (see its doc comment); run it again to refresh this page. Both workers run on one")
	fmt.Fprintln(w, "machine against the same single-node Apache Kafka broker started by `scripts/kafka.sh`, one after the other, each")
	fmt.Fprintln(w, "measurement in its own Connect group and on its own topics.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- Command: `%s`", o.command)
	if o.quick {
		fmt.Fprint(w, " (quick mode: small sizes, numbers only prove the harness)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- Date: %s to %s UTC\n", b.began.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"))
	for _, line := range machine(b.root, b.script, b.bin) {
		fmt.Fprintf(w, "- %s\n", line)
	}
	fmt.Fprintf(w, "- Load average (1 min) during the run: %s. The machine was shared with other work, so figures carry that noise;\n", b.load)
	if o.samples > 1 {
		fmt.Fprintf(w, "  rows with a spread are the median of %d samples (`-samples`; Java's membership rows: %d, `-java-samples`), the rest single samples.\n", o.samples, o.javaSamples)
	} else {
		fmt.Fprintln(w, "  each is a single sample.")
	}
	fmt.Fprintf(w, "- Java throughput worker JVM flags: `%s` (kafka.sh's heap, -Xms64m -Xmx512m); every other Java worker runs with kafka.sh's\n", orDefault(o.javaOpts, "kafka.sh's own"))
	fmt.Fprintln(w, "  flags (C1 only, serial GC, class-data sharing), its fastest-starting and smallest configuration.")
	if o.goBinary != "" {
		fmt.Fprintf(w, "- Go worker: the binary `%s`, given with -go-binary; default GOGC and GOMAXPROCS.\n", o.goBinary)
	} else {
		fmt.Fprintln(w, "- Go worker: built as the Dockerfile builds it (`CGO_ENABLED=0 go build -trimpath -ldflags='-s -w'`), default GOGC and GOMAXPROCS.")
	}
	if len(o.props) > 0 {
		keys := slices.Sorted(maps.Keys(o.props))
		for i, k := range keys {
			keys[i] = k + "=" + o.props[k]
		}
		fmt.Fprintf(w, "- Extra worker properties, for every Go and Java worker: `%s`.\n", strings.Join(keys, "`, `"))
	}
	fmt.Fprintln(w, "- Shared worker settings: replication factor 1, offset and status topics of 5 partitions, offset.flush.interval.ms=1000")
	fmt.Fprintln(w, "  (kafka.sh's worker properties, given to Go as CONNECT_* variables); everything else at each worker's default.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Go/Java is the Go figure divided by the Java figure: below 1 is better for times and memory, above 1 for throughput.")
	fmt.Fprintln(w)
	writeMarkdown(w, rows)
	if f := failures(rows); len(f) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Failed in this run:")
		fmt.Fprintln(w)
		for _, s := range f {
			fmt.Fprintf(w, "- %s\n", s)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## How each row is measured")
	fmt.Fprintln(w)
	for i, r := range rows {
		fmt.Fprintf(w, "%d. **%s.** %s", i+1, r.name, r.note)
		if len(r.goV.samples) > 1 {
			fmt.Fprintf(w, " Go samples: %s.", r.goV.sampleText())
		}
		if !r.goOnly && len(r.javaV.samples) > 1 {
			fmt.Fprintf(w, " Java samples: %s.", r.javaV.sampleText())
		}
		fmt.Fprintln(w)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// machine describes the hardware and the versions compared.
func machine(root, script, bin string) []string {
	var out []string
	cpu, cores, mhz := "", 0, ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "processor":
				cores++
			case "model name":
				cpu = strings.TrimSpace(v)
			case "cpu MHz":
				mhz = strings.TrimSpace(v)
			}
		}
		f.Close()
	}
	out = append(out, fmt.Sprintf("CPU: %d × %s (%s MHz), /proc/cpuinfo", cores, orDefault(cpu, "unknown"), orDefault(mhz, "?")))
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				out = append(out, fmt.Sprintf("Memory: %.1f GiB, /proc/meminfo", kb/(1<<20)))
			}
		}
	}
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		out = append(out, "Linux "+strings.TrimSpace(string(raw)))
	}
	size := ""
	if fi, err := os.Stat(bin); err == nil {
		size = fmt.Sprintf(", worker binary %.1f MB", float64(fi.Size())/1e6)
	}
	out = append(out, fmt.Sprintf("Go: %s %s/%s%s", runtime.Version(), runtime.GOOS, runtime.GOARCH, size))
	java := "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
	}
	if raw, err := exec.Command(java, "-version").CombinedOutput(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		out = append(out, "Java: "+strings.TrimSpace(lines[len(lines)-1])+"; "+strings.TrimSpace(lines[0]))
	}
	if raw, err := exec.Command(script, "status").Output(); err == nil {
		out = append(out, "Kafka: Apache Kafka "+strings.TrimPrefix(strings.TrimSpace(string(raw)), "running ")+
			" (broker and Connect runtime from Maven Central via scripts/kafka.sh)")
	}
	if raw, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
		out = append(out, "connect-sidecar: "+strings.TrimSpace(string(raw)))
	}
	return out
}

// loadSampler reads the 1-minute load average every 5 s during the run.
type loadSampler struct {
	mu      sync.Mutex
	samples []float64
	stop    chan struct{}
	done    chan struct{}
}

func startLoadSampler() *loadSampler {
	l := &loadSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			if raw, err := os.ReadFile("/proc/loadavg"); err == nil {
				if v, err := strconv.ParseFloat(strings.Fields(string(raw))[0], 64); err == nil {
					l.mu.Lock()
					l.samples = append(l.samples, v)
					l.mu.Unlock()
				}
			}
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return l
}

func (l *loadSampler) finish() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
}

func (l *loadSampler) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return "unknown"
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range l.samples {
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	return fmt.Sprintf("mean %.2f, min %.2f, max %.2f over %d samples (%d cores)", sum/float64(len(l.samples)), lo, hi, len(l.samples), runtime.NumCPU())
}
