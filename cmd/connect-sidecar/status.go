package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// The command is "status", not "ls": it shows the state of connectors
// and tasks, as Connect's /status endpoints and `kubectl`/`systemctl
// status` do, and "ls" promises names only.

const statusUsage = `connect-sidecar status [CONNECTOR...] [flags]: list connectors with their
state, type, task states, the workers they run on and their sink lag.
With --watch, redraw every --interval until interrupted.
`

// runStatus prints the status table once, or with --watch until ctx ends.
func runStatus(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf restFlags
	rf.register(fs)
	watch := fs.Bool("watch", false, "redraw every --interval until interrupted; a worker that stops answering is shown, not fatal")
	interval := fs.Duration("interval", 2*time.Second, "time between redraws with --watch")
	output := fs.String("output", "table", "table, or json (with --watch, one JSON array per line)")
	fs.Usage = func() {
		fmt.Fprint(stderr, statusUsage)
		fs.PrintDefaults()
	}
	names, err := parseFlags(fs, args)
	if err != nil {
		return flagError(err)
	}
	if *output != "table" && *output != "json" {
		fmt.Fprintf(stderr, "connect-sidecar status: --output %q is not table or json\n", *output)
		return exitConfig
	}
	if *interval <= 0 {
		fmt.Fprintf(stderr, "connect-sidecar status: --interval %s is not a positive duration, e.g. 2s\n", *interval)
		return exitConfig
	}
	c, err := newWorkerClient(rf, environ)
	if err != nil {
		fmt.Fprintf(stderr, "connect-sidecar status: %v\n", err)
		return exitConfig
	}
	render := renderTable
	if *output == "json" {
		render = func(w io.Writer, s snapshot) {
			_ = json.NewEncoder(w).Encode(s.rows)
			if s.lagErr != nil {
				// Not in the JSON, which stays one array: lag is null.
				fmt.Fprintf(stderr, "connect-sidecar status: lag unknown: %v\n", s.lagErr)
			}
		}
	}
	if *watch {
		return watchStatus(ctx, c, names, *interval, *output == "json", render, stdout, stderr)
	}
	s, err := c.snapshot(ctx, names)
	if err != nil {
		fmt.Fprintf(stderr, "connect-sidecar status: %v\n", err)
		return exitFailed
	}
	render(stdout, s)
	if len(s.missing) > 0 {
		fmt.Fprintf(stderr, "connect-sidecar status: no connector named %s on %s\n", strings.Join(s.missing, ", "), c.base)
		return exitFailed
	}
	return exitOK
}

// watchStatus draws a frame every interval until ctx ends. Only a first
// look that fails ends it (exit 1: likely the wrong URL); later failures
// are drawn, so a rolling restart can be watched through.
func watchStatus(ctx context.Context, c *workerClient, names []string, every time.Duration, jsonLines bool, render func(io.Writer, snapshot), stdout, stderr io.Writer) int {
	redraw := !jsonLines && isTerminal(stdout)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for first := true; ; first = false {
		s, err := c.snapshot(ctx, names)
		if ctx.Err() != nil {
			return exitOK
		}
		if err != nil && first {
			fmt.Fprintf(stderr, "connect-sidecar status: %v\n", err)
			return exitFailed
		}
		var frame bytes.Buffer
		switch {
		case jsonLines && err != nil:
			fmt.Fprintf(stderr, "connect-sidecar status: %v\n", err)
		case jsonLines:
			render(&frame, s)
		default:
			if redraw {
				frame.WriteString("\x1b[H\x1b[2J") // home, clear screen
			} else if !first {
				frame.WriteString("\n")
			}
			fmt.Fprintf(&frame, "Every %s: connect-sidecar status on %s at %s\n\n", every, c.base, time.Now().Format(time.TimeOnly))
			if err != nil {
				fmt.Fprintf(&frame, "%v\n", err)
			} else {
				render(&frame, s)
			}
			if len(s.missing) > 0 {
				fmt.Fprintf(&frame, "\nno connector named %s (yet)\n", strings.Join(s.missing, ", "))
			}
		}
		// One write per frame, so a terminal never shows half a table.
		_, _ = stdout.Write(frame.Bytes())
		select {
		case <-ctx.Done():
			return exitOK
		case <-tick.C:
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// snapshot is one look at the cluster.
type snapshot struct {
	rows    []connectorRow
	lagErr  error    // why sink lag is unknown; nil when it was read
	missing []string // connectors asked for by name that do not exist
}

// connectorRow is one connector as status shows it; --output json writes
// these.
type connectorRow struct {
	Name     string           `json:"name"`
	Type     string           `json:"type"`
	Class    string           `json:"class,omitempty"`
	State    string           `json:"state"`
	WorkerID string           `json:"worker_id"`
	Trace    string           `json:"trace,omitempty"`
	Tasks    []rest.TaskState `json:"tasks"`
	// Lag is the sink's records not yet consumed, summed over its
	// partitions; null for a source, or while the worker has no figure.
	Lag *int64 `json:"lag"`
}

// snapshot reads the connectors with Connect's expand form, one request
// for all, and the sink lag from the worker's /metrics. Names, when
// given, keep only those connectors.
func (c *workerClient) snapshot(ctx context.Context, names []string) (snapshot, error) {
	body, err := c.do(ctx, http.MethodGet, "/connectors?expand=status&expand=info", http.StatusOK)
	if err != nil {
		return snapshot{}, err
	}
	var all map[string]rest.ConnectorExpansion
	if err := json.Unmarshal(body, &all); err != nil {
		return snapshot{}, fmt.Errorf("GET %s/connectors?expand=status&expand=info: %w", c.base, err)
	}
	var s snapshot
	if len(names) > 0 {
		picked := map[string]rest.ConnectorExpansion{}
		for _, n := range names {
			if x, ok := all[n]; ok {
				picked[n] = x
			} else {
				s.missing = append(s.missing, n)
			}
		}
		all = picked
	}
	var lag map[string]int64
	for _, x := range all {
		if connectorType(x) == string(rest.TypeSink) {
			lag, s.lagErr = c.sinkLag(ctx)
			break
		}
	}
	s.rows = statusRows(all, lag)
	return s, nil
}

// connectorType prefers the status's type: Connect fills it from the
// running connector, the info's from the plugin class.
func connectorType(x rest.ConnectorExpansion) string {
	var t rest.ConnectorType
	if x.Status != nil {
		t = x.Status.Type
	}
	if x.Info != nil && (t == "" || t == rest.TypeUnknown) {
		t = cmp.Or(x.Info.Type, t)
	}
	return string(t)
}

// statusRows turns the expand answer and the lag into rows sorted by name,
// tasks by id.
func statusRows(all map[string]rest.ConnectorExpansion, lag map[string]int64) []connectorRow {
	rows := make([]connectorRow, 0, len(all))
	for _, name := range slices.Sorted(maps.Keys(all)) {
		x := all[name]
		r := connectorRow{Name: name, Type: connectorType(x), Tasks: []rest.TaskState{}}
		if x.Info != nil {
			r.Class = x.Info.Config["connector.class"]
		}
		if x.Status != nil {
			r.State, r.WorkerID, r.Trace = x.Status.Connector.State, x.Status.Connector.WorkerID, x.Status.Connector.Trace
			r.Tasks = append(r.Tasks, x.Status.Tasks...)
			slices.SortFunc(r.Tasks, func(a, b rest.TaskState) int { return cmp.Compare(a.ID, b.ID) })
		}
		if l, ok := lag[name]; ok {
			r.Lag = &l
		}
		rows = append(rows, r)
	}
	return rows
}

// renderTable writes the table, then one line per FAILED connector or
// task with what its trace says, then why lag is unknown.
func renderTable(w io.Writer, s snapshot) {
	if len(s.rows) == 0 {
		fmt.Fprintln(w, "no connectors")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tTYPE\tSTATE\tTASKS\tWORKERS\tLAG")
	for _, r := range s.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, cmp.Or(r.Type, "-"), cmp.Or(r.State, "-"),
			taskSummary(r.Tasks), workerSummary(r), lagText(r))
	}
	_ = tw.Flush()
	var failures []string
	for _, r := range s.rows {
		if r.State == rest.StateFailed {
			failures = append(failures, fmt.Sprintf("%s FAILED on %s: %s", r.Name, r.WorkerID, traceSummary(r.Trace)))
		}
		for _, t := range r.Tasks {
			if t.State == rest.StateFailed {
				failures = append(failures, fmt.Sprintf("%s task %d FAILED on %s: %s", r.Name, t.ID, t.WorkerID, traceSummary(t.Trace)))
			}
		}
	}
	if len(failures) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(failures, "\n"))
	}
	if s.lagErr != nil {
		fmt.Fprintf(w, "\nlag unknown: %v\n", s.lagErr)
	}
}

// taskOrder puts RUNNING first, so a healthy connector reads "3/3
// RUNNING" and a sick one "2/3 RUNNING, 1/3 FAILED".
var taskOrder = []string{rest.StateRunning, rest.StateFailed, rest.StateRestarting, rest.StateUnassigned, rest.StatePaused, rest.StateStopped}

// taskSummary counts tasks by state.
func taskSummary(tasks []rest.TaskState) string {
	if len(tasks) == 0 {
		return "-"
	}
	counts := map[string]int{}
	for _, t := range tasks {
		counts[t.State]++
	}
	rank := func(s string) int {
		if i := slices.Index(taskOrder, s); i >= 0 {
			return i
		}
		return len(taskOrder)
	}
	states := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	parts := make([]string, len(states))
	for i, s := range states {
		parts[i] = fmt.Sprintf("%d/%d %s", counts[s], len(tasks), s)
	}
	return strings.Join(parts, ", ")
}

// maxWorkersShown keeps the column narrow in large clusters; --output
// json has them all.
const maxWorkersShown = 3

// workerSummary lists the workers running the connector or its tasks.
func workerSummary(r connectorRow) string {
	set := map[string]bool{}
	if r.WorkerID != "" {
		set[r.WorkerID] = true
	}
	for _, t := range r.Tasks {
		if t.WorkerID != "" {
			set[t.WorkerID] = true
		}
	}
	ws := slices.Sorted(maps.Keys(set))
	switch {
	case len(ws) == 0:
		return "-"
	case len(ws) > maxWorkersShown:
		return strings.Join(ws[:maxWorkersShown], ",") + fmt.Sprintf(" +%d", len(ws)-maxWorkersShown)
	}
	return strings.Join(ws, ",")
}

// lagText is "-" where lag means nothing (a source) and "?" where the
// worker gave no figure.
func lagText(r connectorRow) string {
	switch {
	case r.Lag != nil:
		return strconv.FormatInt(*r.Lag, 10)
	case r.Type == string(rest.TypeSink):
		return "?"
	}
	return "-"
}

// traceSummary is a trace's first line and its root cause, the last
// "Caused by:" line, as Java and this worker write traces: the first names
// what failed, the cause why. The rest is for GET .../status.
func traceSummary(trace string) string {
	lines := strings.Split(strings.TrimSpace(trace), "\n")
	summary := strings.TrimSpace(lines[0])
	for _, l := range slices.Backward(lines[1:]) {
		if cause, ok := strings.CutPrefix(strings.TrimSpace(l), "Caused by: "); ok {
			summary += "; caused by " + cause
			break
		}
	}
	const maxRunes = 300
	if r := []rune(summary); len(r) > maxRunes {
		summary = string(r[:maxRunes]) + "…"
	}
	return cmp.Or(summary, "(no trace)")
}

// The series the lag is read from (sidecar/metrics/cluster.go). The
// largest-partition series exists for every sink connector once the worker
// has polled, even one without partitions: it tells a lag of 0 from no
// figure yet.
const (
	lagSeries    = "connect_sidecar_sink_lag"
	lagMaxSeries = "kafka_connect_sink_task_sink_record_lag_max"
)

// sinkLag reads GET /metrics and sums the lag of each sink connector's
// partitions. The series are cluster-wide, so one worker's answer covers
// every connector.
func (c *workerClient) sinkLag(ctx context.Context) (map[string]int64, error) {
	body, err := c.do(ctx, http.MethodGet, "/metrics", http.StatusOK)
	if err != nil {
		return nil, err
	}
	return parseSinkLag(string(body)), nil
}

// parseSinkLag reads the lag series from Prometheus' text format.
func parseSinkLag(text string) map[string]int64 {
	lag := map[string]int64{}
	for line := range strings.Lines(text) {
		if !strings.HasPrefix(line, lagSeries+"{") && !strings.HasPrefix(line, lagMaxSeries+"{") {
			continue
		}
		name, labels, value, ok := parseSample(strings.TrimSpace(line))
		connector, known := labels["connector"]
		if !ok || !known {
			continue
		}
		switch name {
		case lagSeries:
			lag[connector] += int64(value)
		case lagMaxSeries:
			if _, seen := lag[connector]; !seen {
				lag[connector] = 0 // known, even without partitions
			}
		}
	}
	return lag
}

// parseSample reads `name{label="value",...} value [timestamp]`, with the
// text format's escapes (\\, \", \n) in label values.
func parseSample(line string) (name string, labels map[string]string, value float64, ok bool) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return "", nil, 0, false
	}
	name, rest := line[:i], line[i:]
	labels = map[string]string{}
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, " ,")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return "", nil, 0, false
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			j := 0
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' && j+1 < len(rest) {
					j++
					if rest[j] == 'n' {
						v.WriteByte('\n')
						continue
					}
				}
				v.WriteByte(rest[j])
			}
			if j == len(rest) {
				return "", nil, 0, false
			}
			labels[key] = v.String()
			rest = rest[j+1:]
		}
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return "", nil, 0, false
	}
	value, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "", nil, 0, false
	}
	return name, labels, value, true
}
