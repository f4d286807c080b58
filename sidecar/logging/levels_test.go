package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// tree is a Levels whose loggers write JSON lines into out.
type tree struct {
	levels *Levels
	root   *slog.Logger
	out    *bytes.Buffer
}

func newTree(t *testing.T, root slog.Level) *tree {
	t.Helper()
	out := &bytes.Buffer{}
	log := New(out, config.Sidecar{LogLevel: root, LogFormat: "json"})
	l := LevelsOf(log)
	if l == nil {
		t.Fatal("LevelsOf(New(...)) = nil")
	}
	return &tree{levels: l, root: log, out: out}
}

// logged reports which of the levels log writes a record at.
func (tr *tree) logged(log *slog.Logger, levels ...slog.Level) []string {
	tr.out.Reset()
	for _, l := range levels {
		log.Log(context.Background(), l, LevelName(l))
	}
	var got []string
	for line := range strings.Lines(tr.out.String()) {
		var rec struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			panic(err)
		}
		got = append(got, rec.Msg)
	}
	return got
}

var everyLevel = []slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, LevelFatal}

func TestLevelNamesFollowLog4jsOrder(t *testing.T) {
	var prev slog.Level
	for i, name := range []string{"ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"} {
		l, ok := ParseLevel(strings.ToLower(name))
		if !ok {
			t.Fatalf("ParseLevel(%q) failed", strings.ToLower(name))
		}
		if i > 0 && l <= prev {
			t.Errorf("%s = %v is not above the level before it (%v)", name, l, prev)
		}
		if got := LevelName(l); got != name {
			t.Errorf("LevelName(%v) = %q, want %q", l, got, name)
		}
		prev = l
	}
	if _, ok := ParseLevel("LOUD"); ok {
		t.Error("ParseLevel(LOUD) succeeded")
	}
	if got := LevelName(slog.LevelInfo + 2); got != "INFO+2" {
		t.Errorf("LevelName(INFO+2) = %q", got)
	}
}

// The most specific namespace set at or above a logger decides; root
// decides for loggers outside every namespace set.
func TestMostSpecificNamespaceWins(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	worker := Named(tr.root, "org.apache.kafka.connect.runtime.Worker")
	configs := Named(tr.root, "org.apache.kafka.connect.storage.KafkaConfigBackingStore")
	client := Named(tr.root, "org.apache.kafka.clients.NetworkClient")
	tr.levels.Set("org.apache.kafka.connect", slog.LevelDebug)
	tr.levels.Set("org.apache.kafka.connect.runtime", slog.LevelWarn)

	tests := []struct {
		log  *slog.Logger
		want []string
	}{
		{worker, []string{"WARN", "ERROR", "FATAL"}},
		{configs, []string{"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}},
		{client, []string{"INFO", "WARN", "ERROR", "FATAL"}},
		{tr.root, []string{"INFO", "WARN", "ERROR", "FATAL"}},
		// Made after the levels were set: inherits too.
		{Named(tr.root, "org.apache.kafka.connect.runtime.WorkerSinkTask"), []string{"WARN", "ERROR", "FATAL"}},
		// A longer name is not below a namespace unless a dot follows it.
		{Named(tr.root, "org.apache.kafka.connectx.Foo"), []string{"INFO", "WARN", "ERROR", "FATAL"}},
	}
	for _, tt := range tests {
		if got := tr.logged(tt.log, everyLevel...); !slices.Equal(got, tt.want) {
			t.Errorf("logged %v, want %v", got, tt.want)
		}
	}
}

// Setting a namespace replaces levels set below it and returns, sorted,
// the known loggers whose level changed.
func TestSetCoversDescendantsAndReportsChanges(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	for _, n := range []string{"a.b.c", "a.b", "a.bc", "x"} {
		Named(tr.root, n)
	}
	tests := []struct {
		namespace string
		level     string
		changed   []string
	}{
		{"a.b.c", "WARN", []string{"a.b.c"}},
		{"a", "DEBUG", []string{"a", "a.b", "a.b.c", "a.bc"}}, // a is new, so it changed
		{"a.b", "DEBUG", nil},                                 // already DEBUG
		{"a.b", "error", []string{"a.b", "a.b.c"}},
		{"a", "INFO", []string{"a", "a.b", "a.b.c", "a.bc"}},
		{"ROOT", "INFO", nil},
		{"root", "OFF", []string{"a", "a.b", "a.b.c", "a.bc", "root", "x"}},
	}
	for _, tt := range tests {
		lv, _ := ParseLevel(tt.level)
		if got := tr.levels.Set(tt.namespace, lv); !slices.Equal(got, tt.changed) {
			t.Errorf("Set(%s, %s) = %v, want %v", tt.namespace, tt.level, got, tt.changed)
		}
	}
}

func TestOffAndAll(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	log := Named(tr.root, "a.b")
	off, _ := ParseLevel("OFF")
	all, _ := ParseLevel("ALL")
	tr.levels.Set("a", off)
	if got := tr.logged(log, everyLevel...); len(got) != 0 {
		t.Errorf("OFF logged %v", got)
	}
	tr.levels.Set("a.b", all)
	if got := tr.logged(log, everyLevel...); len(got) != len(everyLevel) {
		t.Errorf("ALL logged %v, want every level", got)
	}
	tr.levels.Set("root", off)
	if got := tr.logged(log, everyLevel...); len(got) != 0 {
		t.Errorf("root OFF left a.b logging %v", got)
	}
}

// Loggers take Java names from the attributes the code logs with.
func TestLoggerNames(t *testing.T) {
	root := New(&bytes.Buffer{}, config.Sidecar{LogLevel: slog.LevelInfo})
	herder := root.With("component", "herder")
	tests := []struct {
		log  *slog.Logger
		want string
	}{
		{root, "root"},
		{root.With("component", "herder", "group", "g"), "org.apache.kafka.connect.runtime.distributed.DistributedHerder"},
		{root.With("component", "configstore"), "org.apache.kafka.connect.storage.KafkaConfigBackingStore"},
		{root.With("component", "fx"), "connect-sidecar.fx"},
		{root.With("connector", "c", "task", 0), "org.apache.kafka.connect.runtime.WorkerTask"},
		{root.With("connector", "c"), "org.apache.kafka.connect.runtime.WorkerConnector"},
		{root.With("connector", "c").With("task", 1), "org.apache.kafka.connect.runtime.WorkerConnector"},
		{herder.With("connector", "c"), "org.apache.kafka.connect.runtime.distributed.DistributedHerder"},
		{Named(herder, "my.Thing"), "my.Thing"},
		{Named(root, "ROOT"), "root"},
		{root.With(slog.String(LoggerKey, "x.Y"), slog.String("component", "rest")), "x.Y"},
		{root.WithGroup("g").With("component", "rest"), "root"},
		{herder.WithGroup("g").With("connector", "c"), "org.apache.kafka.connect.runtime.distributed.DistributedHerder"},
	}
	for _, tt := range tests {
		if got := tt.log.Handler().(*handler).name; got != tt.want {
			t.Errorf("logger name %q, want %q", got, tt.want)
		}
	}
}

// Attributes given with a single record do not rename its logger.
func TestRecordAttributesKeepTheLogger(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	tr.levels.Set("org.apache.kafka.connect", slog.LevelError)
	tr.out.Reset()
	tr.root.Info("x", "component", "rest")
	if tr.out.Len() == 0 {
		t.Error("a root record with a component attribute was leveled as that component")
	}
	if _, ok := tr.levels.Level("org.apache.kafka.connect.runtime.rest.RestServer"); ok {
		t.Error("a record's attribute made a logger")
	}
}

func TestListingAndLastModified(t *testing.T) {
	tr := newTree(t, slog.LevelWarn)
	at := time.UnixMilli(1718000000000)
	tr.levels.now = func() time.Time { return at }
	tr.root.With("component", "worker")
	tr.levels.Set("org.apache.kafka.connect", slog.LevelDebug)
	tr.levels.Set("org.apache.kafka.connect.runtime", slog.LevelDebug) // no change: not stamped
	want := map[string]LoggerLevel{
		"root":                                    {Level: "WARN"},
		"org.apache.kafka.connect":                {Level: "DEBUG", Modified: at},
		"org.apache.kafka.connect.runtime":        {Level: "DEBUG", Modified: at},
		"org.apache.kafka.connect.runtime.Worker": {Level: "DEBUG", Modified: at},
	}
	tr.levels.now = func() time.Time { return at.Add(time.Hour) }
	tr.levels.Set("org.apache.kafka.connect.runtime", slog.LevelDebug)
	got := tr.levels.All()
	if len(got) != len(want) {
		t.Errorf("All() = %v, want %v", got, want)
	}
	for name, w := range want {
		if g := got[name]; g.Level != w.Level || !g.Modified.Equal(w.Modified) {
			t.Errorf("%s = %+v, want %+v", name, g, w)
		}
	}
	if l, ok := tr.levels.Level("Root"); !ok || l.Level != "WARN" {
		t.Errorf("Level(Root) = %+v, %v", l, ok)
	}
	if _, ok := tr.levels.Level("org.apache"); ok {
		t.Error("Level(org.apache) found a logger nobody made")
	}
}

// Logging stays on the cheap path: no allocation for a disabled record,
// whatever was set elsewhere in the tree.
func TestDisabledRecordsCostNothing(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	log := tr.root.With("component", "herder")
	for i := range 50 {
		tr.levels.Set("org.example.n"+string(rune('a'+i%26)), slog.LevelDebug)
	}
	if n := testing.AllocsPerRun(100, func() { log.Debug("x", "k", 1) }); n != 0 {
		t.Errorf("a disabled record allocates %v times", n)
	}
}

// Levels change while other goroutines log (run with -race).
func TestSetWhileLogging(t *testing.T) {
	tr := newTree(t, slog.LevelInfo)
	log := Named(tr.root, "a.b")
	quiet := slog.New(tr.levels.handler(slog.DiscardHandler))
	deep := Named(quiet, "a.b.c")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					log.Enabled(context.Background(), slog.LevelDebug)
					deep.Debug("x")
					Named(quiet, "a.b.d").Debug("x") // makes or finds a logger while Set runs
				}
			}
		})
	}
	for i := range 200 {
		tr.levels.Set("a", []slog.Level{slog.LevelDebug, slog.LevelInfo}[i%2])
	}
	close(stop)
	wg.Wait()
	if l, _ := tr.levels.Level("a.b.c"); l.Level != "INFO" {
		t.Errorf("a.b.c = %s, want INFO", l.Level)
	}
}
