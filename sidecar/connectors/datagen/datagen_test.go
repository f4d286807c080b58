package datagen

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// fakeOffsets holds offsets by task number.
type fakeOffsets map[int64]map[string]any

func (f fakeOffsets) Offset(_ context.Context, partition map[string]any) (map[string]any, error) {
	return f[partition[TaskField].(int64)], nil
}

// clock is a fake time source; sleeping advances it.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func (c *clock) Sleep(ctx context.Context, _ <-chan struct{}, d time.Duration) { c.now = c.now.Add(d) }

// startTasks starts the tasks the connector makes for props, on one fake
// clock.
func startTasks(t *testing.T, props map[string]string, maxTasks int, offsets fakeOffsets) ([]*task, *clock) {
	t.Helper()
	c := &Connector{}
	if err := c.Start(context.Background(), props); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(maxTasks)
	if err != nil || len(configs) != maxTasks {
		t.Fatalf("TaskConfigs(%d) = %d, %v", maxTasks, len(configs), err)
	}
	clk := &clock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var tasks []*task
	for _, cfg := range configs {
		tk := c.NewTask().(*task)
		tk.now, tk.sleep = clk.Now, clk.Sleep
		if err := tk.Start(context.Background(), cfg, offsets); err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, tk)
	}
	return tasks, clk
}

func props(kv ...string) map[string]string {
	p := map[string]string{TopicConfig: "demo", RateConfig: "0"}
	for i := 0; i < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return p
}

func pollN(t *testing.T, tk *task, n int) []plugin.Record {
	t.Helper()
	var out []plugin.Record
	for len(out) < n {
		recs, err := tk.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if recs == nil {
			t.Fatalf("Poll returned nothing after %d records", len(out))
		}
		out = append(out, recs...)
	}
	return out
}

func field(t *testing.T, r plugin.Record, name string) any {
	t.Helper()
	switch v := r.Value.(type) {
	case *plugin.StructValue:
		x, err := v.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return x
	case *plugin.MapValue:
		x, _ := v.Get(name)
		return x
	}
	t.Fatalf("value %T", r.Value)
	return nil
}

func TestRecordsWithSchema(t *testing.T) {
	tasks, _ := startTasks(t, props(RecordSizeConfig, "37", KeyCardinalityConfig, "5"), 2, nil)
	recs := pollN(t, tasks[1], 3)
	for i, r := range recs[:3] {
		seq := int64(i)
		id := seq*2 + 1
		if r.Topic != "demo" || r.Partition != plugin.NoPartition || r.ValueSchema != valueSchema ||
			r.KeySchema == nil || r.KeySchema.Type != plugin.String || r.Key != "key-"+strconv.FormatInt(id%5, 10) {
			t.Errorf("record %d: %#v", i, r)
		}
		if !reflect.DeepEqual(r.SourcePartition, map[string]any{TaskField: int64(1)}) ||
			!reflect.DeepEqual(r.SourceOffset, map[string]any{SeqField: seq + 1}) {
			t.Errorf("record %d: partition %v offset %v", i, r.SourcePartition, r.SourceOffset)
		}
		st := r.Value.(*plugin.StructValue)
		if st.Schema != valueSchema || field(t, r, "id") != id || field(t, r, "task") != int32(1) || field(t, r, "seq") != seq {
			t.Errorf("record %d: %v", i, st.Values)
		}
		if p := field(t, r, "payload").(string); len(p) != 37 || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Errorf("record %d: payload %q", i, p)
		}
	}
	if field(t, recs[0], "payload") == field(t, recs[1], "payload") {
		t.Error("payloads repeat")
	}
}

func TestRecordsWithoutSchema(t *testing.T) {
	tasks, _ := startTasks(t, props(SchemasConfig, "false", RecordSizeConfig, "0", KeyCardinalityConfig, "2"), 1, nil)
	r := pollN(t, tasks[0], 1)[0]
	m, ok := r.Value.(*plugin.MapValue)
	if !ok || r.ValueSchema != nil || r.KeySchema != nil || r.Key != "key-0" {
		t.Fatalf("%#v", r)
	}
	want := []plugin.MapEntry{{Key: "id", Value: int64(0)}, {Key: "task", Value: int64(0)},
		{Key: "seq", Value: int64(0)}, {Key: "payload", Value: ""}}
	if !reflect.DeepEqual(m.Entries, want) {
		t.Errorf("got %v", m.Entries)
	}
}

// Keys cycle over key.cardinality values by id, across tasks; 0 means no
// key. Keys past the precomputed ones (reached here by resuming at a high
// seq) work the same.
func TestKeyCardinality(t *testing.T) {
	for _, c := range []struct {
		cardinality, tasks, records int
		start                       int64
		distinct                    int
	}{
		{0, 1, 10, 0, 0},
		{1, 2, 10, 0, 1},
		{7, 3, 100, 0, 7},
		{precomputedKeys + 10, 1, 1000, precomputedKeys, 1000}, // ids 65536..66535 wrap after 65545
	} {
		p := props(KeyCardinalityConfig, strconv.Itoa(c.cardinality))
		tasks, _ := startTasks(t, p, c.tasks, fakeOffsets{0: {SeqField: c.start}})
		keys := map[any]int{}
		for _, tk := range tasks {
			for _, r := range pollN(t, tk, c.records/c.tasks) {
				id := r.Value.(*plugin.StructValue).Values[0].(int64)
				if c.cardinality == 0 {
					if r.Key != nil || r.KeySchema != nil {
						t.Fatalf("key %v with cardinality 0", r.Key)
					}
					continue
				}
				if want := "key-" + strconv.FormatInt(id%int64(c.cardinality), 10); r.Key != want {
					t.Fatalf("id %d: key %v, want %s", id, r.Key, want)
				}
				keys[r.Key]++
			}
		}
		if len(keys) != c.distinct {
			t.Errorf("cardinality %d: %d distinct keys, want %d", c.cardinality, len(keys), c.distinct)
		}
	}
}

// Ids are unique across tasks and cover 0..N-1.
func TestIDsAcrossTasks(t *testing.T) {
	tasks, _ := startTasks(t, props(), 3, nil)
	seen := map[int64]bool{}
	for _, tk := range tasks {
		for _, r := range pollN(t, tk, 100) {
			id := field(t, r, "id").(int64)
			if seen[id] {
				t.Fatalf("id %d twice", id)
			}
			seen[id] = true
		}
	}
	for id := range int64(300) {
		if !seen[id] {
			t.Fatalf("id %d missing", id)
		}
	}
}

// The same settings give the same records; a task restarted from
// {"seq": N} goes on with record N.
func TestDeterministicAndResumes(t *testing.T) {
	p := props(KeyCardinalityConfig, "10", BatchSizeConfig, "30")
	a, _ := startTasks(t, p, 2, nil)
	b, _ := startTasks(t, p, 2, nil)
	first := pollN(t, a[1], 100)[:100]
	if !reflect.DeepEqual(first, pollN(t, b[1], 100)[:100]) {
		t.Fatal("two runs differ")
	}
	for _, off := range []any{int64(50), 50, json.Number("50")} {
		resumed, _ := startTasks(t, p, 2, fakeOffsets{1: {SeqField: off}})
		if got := pollN(t, resumed[1], 50); !reflect.DeepEqual(got[:50], first[50:]) {
			t.Errorf("resumed from %T: first record %v, want %v", off, got[0].Value, first[50].Value)
		}
	}
}

func TestBadOffset(t *testing.T) {
	c := &Connector{}
	c.Start(context.Background(), props())
	cfgs, _ := c.TaskConfigs(1)
	for _, off := range []any{"7", 1.5, int64(-1)} {
		err := newTask().Start(context.Background(), cfgs[0], fakeOffsets{0: {SeqField: off}})
		if err == nil {
			t.Errorf("offset %#v accepted", off)
		}
	}
}

// max.records is shared among tasks and counted across restarts; a task
// that is done returns nothing.
func TestMaxRecords(t *testing.T) {
	tasks, clk := startTasks(t, props(MaxRecordsConfig, "10", BatchSizeConfig, "100"), 3, nil)
	for i, want := range []int{4, 3, 3} {
		recs, _ := tasks[i].Poll(context.Background())
		if len(recs) != want {
			t.Errorf("task %d: %d records, want %d", i, len(recs), want)
		}
		before := clk.now
		if recs, _ := tasks[i].Poll(context.Background()); recs != nil {
			t.Errorf("task %d: %d records past max.records", i, len(recs))
		}
		if clk.now.Sub(before) != idleWait {
			t.Errorf("task %d: idle Poll waited %v", i, clk.now.Sub(before))
		}
	}
	resumed, _ := startTasks(t, props(MaxRecordsConfig, "10"), 3, fakeOffsets{0: {SeqField: int64(2)}})
	if recs, _ := resumed[0].Poll(context.Background()); len(recs) != 2 {
		t.Errorf("resumed at 2 of 4: %d records", len(recs))
	}
}

// With a rate, records come out at that rate (shared among tasks), in
// simulated time.
func TestRate(t *testing.T) {
	for _, c := range []struct {
		rate  string
		tasks int
		secs  int
		want  int // per task
	}{
		{"100", 1, 10, 1000},
		{"100", 2, 10, 500},
		{"0.5", 1, 20, 10},
		{"25000", 1, 2, 50000},
	} {
		tasks, clk := startTasks(t, props(RateConfig, c.rate), c.tasks, nil)
		start := clk.now
		end := start.Add(time.Duration(c.secs) * time.Second)
		for i, tk := range tasks {
			clk.now = start
			n := 0
			for clk.now.Before(end) {
				recs, _ := tk.Poll(context.Background())
				n += len(recs)
			}
			// The first record goes out at once, so one extra may fit.
			if n < c.want || n > c.want+1 {
				t.Errorf("rate %s, task %d: %d records in %ds, want %d", c.rate, i, n, c.secs, c.want)
			}
		}
	}
}

// After a stall the task catches up by at most a second's worth (or a
// batch), not by everything it missed.
func TestRateBurstIsBounded(t *testing.T) {
	tasks, clk := startTasks(t, props(RateConfig, "100", BatchSizeConfig, "10"), 1, nil)
	tk := tasks[0]
	tk.Poll(context.Background())
	clk.now = clk.now.Add(time.Minute)
	// The bucket holds 100 (a second at 100/s): ten full batches, then
	// Polls wait for each next record.
	for i, want := range []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1} {
		if recs, _ := tk.Poll(context.Background()); len(recs) != want {
			t.Fatalf("Poll %d: %d records, want %d", i, len(recs), want)
		}
	}
}

// An unlimited rate returns full batches.
func TestNoRateLimit(t *testing.T) {
	tasks, clk := startTasks(t, props(BatchSizeConfig, "500"), 1, nil)
	before := clk.now
	for range 3 {
		if recs, _ := tasks[0].Poll(context.Background()); len(recs) != 500 {
			t.Fatalf("%d records", len(recs))
		}
	}
	if clk.now != before {
		t.Error("unlimited rate waited")
	}
}

// A waiting Poll returns when its context ends or the task stops.
func TestPollReturnsOnCancel(t *testing.T) {
	for _, p := range []map[string]string{props(RateConfig, "0.001"), props(MaxRecordsConfig, "1")} {
		c := &Connector{}
		c.Start(context.Background(), p)
		cfgs, _ := c.TaskConfigs(1)
		tk := newTask()
		tk.idle = time.Hour
		if err := tk.Start(context.Background(), cfgs[0], fakeOffsets{}); err != nil {
			t.Fatal(err)
		}
		tk.Poll(context.Background()) // the first record is due at once
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		if recs, err := tk.Poll(ctx); recs != nil || err != nil {
			t.Fatalf("got %v, %v", recs, err)
		}
		cancel()
		go func() {
			time.Sleep(20 * time.Millisecond)
			tk.Stop()
		}()
		if recs, err := tk.Poll(context.Background()); recs != nil || err != nil {
			t.Fatalf("got %v, %v", recs, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{}, `Missing required configuration "topic" which has no default value.`},
		{map[string]string{TopicConfig: " "}, "Invalid value  for configuration topic: String must be non-empty"},
		{props(RateConfig, "fast"), "Invalid value fast for configuration rate: Not a number of type DOUBLE"},
		{props(RateConfig, "-1"), "Invalid value -1.0 for configuration rate: Value must be at least 0.0"},
		{props(RateConfig, "NaN"), "Invalid value NaN for configuration rate: Value must be a finite number"},
		{props(RecordSizeConfig, "1k"), "Invalid value 1k for configuration record.size: Not a number of type INT"},
		{props(RecordSizeConfig, "-1"), "Invalid value -1 for configuration record.size: Value must be at least 0"},
		{props(RecordSizeConfig, "100000000"), "Invalid value 100000000 for configuration record.size: Value must be no more than 67108864"},
		{props(KeyCardinalityConfig, "many"), "Invalid value many for configuration key.cardinality: Not a number of type LONG"},
		{props(KeyCardinalityConfig, "-3"), "Invalid value -3 for configuration key.cardinality: Value must be at least 0"},
		{props(SchemasConfig, "yes"), "Invalid value yes for configuration schemas: Expected value to be either true or false"},
		{props(MaxRecordsConfig, "-1"), "Invalid value -1 for configuration max.records: Value must be at least 0"},
		{props(BatchSizeConfig, "0"), "Invalid value 0 for configuration batch.size: Value must be at least 1"},
		{props(RateConfig, " 2.5 ", SchemasConfig, "FALSE", RecordSizeConfig, "0"), ""},
	}
	for _, c := range cases {
		var got string
		if err := (&Connector{}).Start(context.Background(), c.props); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%v: got %q, want %q", c.props, got, c.want)
		}
	}
}

func TestConfigDef(t *testing.T) {
	def := (&Connector{}).Config()
	var names []string
	for _, k := range def {
		names = append(names, k.Name+" "+string(k.Type)+" "+k.Default)
		if k.Documentation == "" || k.Importance == "" {
			t.Errorf("%s lacks documentation or importance", k.Name)
		}
		if k.HasDefault {
			if err := k.Validate(k.Default); err != nil {
				t.Errorf("%s: default %q invalid: %v", k.Name, k.Default, err)
			}
		}
	}
	want := []string{"topic STRING ", "rate DOUBLE 10", "record.size INT 100", "key.cardinality LONG 0",
		"schemas BOOLEAN true", "max.records LONG 0", "batch.size INT 1000"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got %q", names)
	}
}

func TestTaskConfigs(t *testing.T) {
	c := &Connector{}
	p := props("name", "gen")
	c.Start(context.Background(), p)
	cfgs, _ := c.TaskConfigs(3)
	for i, cfg := range cfgs {
		want := maps.Clone(p)
		want[taskIndexConfig], want[taskCountConfig] = strconv.Itoa(i), "3"
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("task %d: %v", i, cfg)
		}
	}
	for _, bad := range []map[string]string{
		props(taskIndexConfig, "3", taskCountConfig, "3"),
		props(taskIndexConfig, "x"),
		props(taskCountConfig, "0"),
	} {
		if err := newTask().Start(context.Background(), bad, fakeOffsets{}); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestPluginResolves(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Class, "DatagenConnector", "Datagen"} {
		p, ok := reg.Lookup(name)
		if !ok || p.Kind != plugin.KindSource {
			t.Errorf("%s: %+v", name, p)
		}
		if _, ok := p.New().(plugin.SourceConnector); !ok {
			t.Errorf("%s is no SourceConnector", name)
		}
	}
}

func TestRecordsNameTheWorkerProcess(t *testing.T) {
	g := newGenerator(config{topic: "t"}, 0, 1)
	for _, r := range g.records(0, 3) {
		if len(r.Headers) != 1 || r.Headers[0].Key != PIDHeader || r.Headers[0].Value != int32(os.Getpid()) {
			t.Fatalf("headers %+v", r.Headers)
		}
	}
}
