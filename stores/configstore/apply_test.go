package configstore

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The scenario files drive TestApplyMatchesJava. apply-scenarios.txt lists
// record sequences:
//
//	scenario <name>
//	live                         (records from here on are read after catch-up)
//	rec <key hex> <x+value hex | - for a tombstone>
//	end
//
// apply-expected.txt is what Java's KafkaConfigBackingStore, fed the same
// records through its consumer callback, ends up holding (../testdata/javagen/
// ApplyHarness.java, Kafka 4.1.1). -write-scenarios regenerates the scenarios;
// the harness must then be rerun.
var writeScenarios = flag.Bool("write-scenarios", false, "rewrite testdata/apply-scenarios.txt")

func TestApplyMatchesJava(t *testing.T) {
	if *writeScenarios {
		if err := os.WriteFile("testdata/apply-scenarios.txt", []byte(scenarios()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("scenarios rewritten; rerun ApplyHarness for apply-expected.txt")
	}
	want, err := os.ReadFile("testdata/apply-expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := runScenarios(t, "testdata/apply-scenarios.txt")
	wantBlocks, gotBlocks := splitBlocks(string(want)), splitBlocks(got)
	if len(wantBlocks) != len(gotBlocks) {
		t.Fatalf("%d scenarios run, Java ran %d", len(gotBlocks), len(wantBlocks))
	}
	for i := range wantBlocks {
		if gotBlocks[i] != wantBlocks[i] {
			t.Errorf("Go:\n%s\nJava:\n%s", gotBlocks[i], wantBlocks[i])
		}
	}
}

func splitBlocks(s string) []string {
	var blocks []string
	for _, b := range strings.Split(strings.TrimSpace(s), "\nend") {
		if b = strings.TrimSpace(b); b != "" {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

func runScenarios(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	var s Snapshot
	var offset int64
	live := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch fields[0] {
		case "scenario":
			s, offset, live = Snapshot{}, 0, false
			out.WriteString(sc.Text() + "\n")
		case "live":
			live = true
		case "rec":
			key, _ := hex.DecodeString(fields[1])
			var value []byte
			if fields[2] != "-" {
				value, _ = hex.DecodeString(fields[2][1:])
				value = append([]byte{}, value...) // non-nil even when empty
			}
			rec, _ := Decode(string(key), value)
			s = s.Apply(rec, offset, live)
			offset++
		case "end":
			out.WriteString(dump(s) + "end\n")
		}
	}
	return out.String()
}

// dump prints a Snapshot in ApplyHarness's format.
func dump(s Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "offset %d\n", s.Offset())
	if k, ok := s.SessionKey(); ok {
		fmt.Fprintf(&b, "session %s %d %s\n", k.Algorithm, k.CreationTimestamp, base64.StdEncoding.EncodeToString(k.Key))
	} else {
		b.WriteString("session none\n")
	}
	names := slices.Sorted(maps.Keys(maps.Collect(s.connectors.All())))
	for _, name := range names {
		c, _ := s.connectors.Get(name)
		if c.config == nil && c.target == 0 && !c.hasCount && !c.hasGeneration && !c.hasTaskCountRecord && !c.pendingFencing && !c.inconsistent {
			continue // only staged tasks, which ClusterConfigState does not show
		}
		fmt.Fprintf(&b, "connector %s\n  config %s\n  applied %s\n", name, props(c.config), props(c.applied))
		fmt.Fprintf(&b, "  target %s\n", orNone(c.target != 0, c.target.String()))
		fmt.Fprintf(&b, "  count %s\n", orNone(c.hasCount, strconv.Itoa(int(c.taskCount))))
		for _, id := range s.Tasks(name) {
			p, _ := s.TaskConfig(id)
			fmt.Fprintf(&b, "  task %d %s\n", id.Task, props(p))
		}
		fmt.Fprintf(&b, "  generation %s\n", orNone(c.hasGeneration, strconv.Itoa(int(c.generation))))
		fmt.Fprintf(&b, "  taskCountRecord %s\n", orNone(c.hasTaskCountRecord, strconv.Itoa(int(c.taskCountRecord))))
		fmt.Fprintf(&b, "  pendingFencing %v\n  inconsistent %v\n", c.pendingFencing, c.inconsistent)
	}
	restarts := s.RestartRequests()
	for _, name := range slices.Sorted(maps.Keys(restarts)) {
		r := restarts[name].Request
		fmt.Fprintf(&b, "restart %s onlyFailed=%v includeTasks=%v\n", name, r.OnlyFailed, r.IncludeTasks)
	}
	levels := s.LoggerLevels()
	for _, ns := range slices.Sorted(maps.Keys(levels)) {
		fmt.Fprintf(&b, "logger %s %s\n", ns, levels[ns].Level)
	}
	return b.String()
}

func props(p Props) string {
	if p == nil {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		v := "<null>"
		if p[k] != nil {
			v = *p[k]
		}
		parts = append(parts, k+"="+v)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func orNone(ok bool, s string) string {
	if !ok {
		return "none"
	}
	return s
}

// scenarios builds the handwritten cases for each rule of connect-spec §3,
// then random sequences over a few connectors with hyphenated names.
func scenarios() string {
	var b strings.Builder
	type kv = [2]string
	write := func(name string, recs ...kv) {
		fmt.Fprintf(&b, "scenario %s\n", name)
		for _, r := range recs {
			if r[0] == "live" {
				b.WriteString("live\n")
				continue
			}
			v := "-"
			if r[1] != "<tombstone>" {
				v = "x" + hex.EncodeToString([]byte(r[1]))
			}
			fmt.Fprintf(&b, "rec %s %s\n", hex.EncodeToString([]byte(r[0])), v)
		}
		b.WriteString("end\n")
	}
	const tomb = "<tombstone>"
	cfg := `{"properties":{"k":"v","n":null}}`
	write("deferred-tasks", kv{"connector-a", cfg}, kv{"task-a-0", cfg}, kv{"task-a-1", cfg})
	write("commit", kv{"connector-a", cfg}, kv{"task-a-0", cfg}, kv{"task-a-1", cfg}, kv{"commit-a", `{"tasks":2}`})
	write("orphan-commit", kv{"task-a-0", cfg}, kv{"commit-a", `{"tasks":1}`}, kv{"connector-a", cfg}, kv{"commit-a", `{"tasks":1}`})
	write("orphan-bad-commit", kv{"task-a-0", cfg}, kv{"commit-a", `"x"`}, kv{"connector-a", cfg}, kv{"commit-a", `{"tasks":1}`})
	write("incomplete", kv{"connector-a", cfg}, kv{"task-a-0", cfg}, kv{"task-a-2", cfg}, kv{"commit-a", `{"tasks":3}`})
	write("extra-tasks", kv{"connector-a", cfg}, kv{"task-a-0", cfg}, kv{"task-a-1", cfg}, kv{"commit-a", `{"tasks":1}`})
	write("generation", kv{"connector-a", cfg}, kv{"commit-a", `{"tasks":0}`}, kv{"task-a-0", cfg}, kv{"commit-a", `{"tasks":1}`}, kv{"commit-a", `{"tasks":0}`})
	write("tombstone", kv{"connector-a", cfg}, kv{"target-state-a", `{"state":"PAUSED","state.v2":"PAUSED"}`}, kv{"task-a-0", cfg},
		kv{"commit-a", `{"tasks":1}`}, kv{"tasks-fencing-a", `{"task-count":1}`}, kv{"task-a-0", cfg}, kv{"connector-a", tomb})
	write("target-before-connector", kv{"target-state-a", `{"state":"PAUSED","state.v2":"STOPPED"}`}, kv{"connector-a", cfg})
	write("target-tombstone", kv{"connector-a", cfg}, kv{"target-state-a", `{"state":"PAUSED"}`}, kv{"target-state-a", tomb},
		kv{"target-state-b", `{"state":"PAUSED"}`}, kv{"target-state-b", tomb})
	write("offset-counting", kv{"connector-a", cfg}, kv{"bogus", `{"a":1}`}, kv{"connector-a", `{"properties":`}, kv{"task-a-0", tomb}, kv{"commit-a", `{"tasks":"x"}`})
	write("empty-and-null-values", kv{"connector-a", cfg}, kv{"connector-b", cfg}, kv{"connector-a", ""}, kv{"connector-b", "null"})
	write("restarts", kv{"restart-connector-a", `{"include-tasks":true,"only-failed":false}`}, kv{"live", ""},
		kv{"restart-connector-b", `{"include-tasks":true,"only-failed":true}`}, kv{"restart-connector-b", `{"include-tasks":false,"only-failed":true}`},
		kv{"restart-connector-c", `{}`}, kv{"restart-connector-c", `{"include-tasks":true,"only-failed":false}`})
	write("loggers", kv{"logger-cluster-org.a", `{"level":"TRACE"}`}, kv{"live", ""}, kv{"logger-cluster-org.b", `{"level":"INFO"}`},
		kv{"logger-cluster-org.b", `{"level":"DEBUG"}`})
	write("session-key", kv{"session-key", `{"key":"AQID","algorithm":"HmacSHA256","creation-timestamp":5}`},
		kv{"session-key", `{"key":"!!","algorithm":"HmacSHA256","creation-timestamp":6}`})
	write("fencing", kv{"connector-a", cfg}, kv{"task-a-0", cfg}, kv{"commit-a", `{"tasks":1}`}, kv{"tasks-fencing-a", `{"task-count":1}`},
		kv{"tasks-fencing-b", `{"task-count":3}`}, kv{"commit-b", `{"tasks":0}`})
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "%s", randomScenario(i))
	}
	return b.String()
}

func randomScenario(seed int) string {
	r := rand.New(rand.NewPCG(uint64(seed), 42))
	names := []string{"a", "b-c", "d-e-f"}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "scenario random-%d\n", seed)
	n := 20 + r.IntN(60)
	liveAt := r.IntN(n + 1)
	for i := 0; i < n; i++ {
		if i == liveAt {
			b.WriteString("live\n")
		}
		c := names[r.IntN(len(names))]
		task := strconv.Itoa(r.IntN(4))
		var key, value string
		switch r.IntN(12) {
		case 0, 1:
			key, value = "connector-"+c, pick(`{"properties":{"v":"`+strconv.Itoa(i)+`"}}`, `{"properties":{"x":null}}`, "<tombstone>", `{"props":{}}`)
		case 2, 3, 4:
			key, value = "task-"+c+"-"+task, pick(`{"properties":{"t":"`+strconv.Itoa(i)+`"}}`, `{"properties":{}}`, "<tombstone>", `[]`)
		case 5, 6:
			key, value = "commit-"+c, pick(`{"tasks":`+task+`}`, `{"tasks":`+task+`}`, `{"tasks":"1"}`, "<tombstone>", `7`)
		case 7:
			key, value = "target-state-"+c, pick(`{"state":"PAUSED","state.v2":"STOPPED"}`, `{"state":"STARTED"}`, `{"state.v2":"PAUSED"}`,
				`{"state":"PAUSED","state.v2":5}`, `{"state":"RUNNING"}`, "<tombstone>")
		case 8:
			key, value = "tasks-fencing-"+c, pick(`{"task-count":`+task+`}`, `{"task-count":1.5}`, "<tombstone>")
		case 9:
			key, value = "restart-connector-"+c, pick(`{"include-tasks":true,"only-failed":false}`, `{"only-failed":true}`, `{}`, `{"include-tasks":true,"only-failed":true}`)
		case 10:
			key, value = pick("logger-cluster-"+c, "session-key", "bogus-"+c), pick(`{"level":"WARN"}`,
				`{"key":"AQID","algorithm":"HmacSHA256","creation-timestamp":`+strconv.Itoa(i)+`}`, `{}`)
		default:
			key, value = pick("connector-"+c, "task-"+c+"-"+task, "commit-"+c), pick(`{"properties":`, ``, `null`, `{"properties":{}} trailing`, "\xff")
		}
		v := "-"
		if value != "<tombstone>" {
			v = "x" + hex.EncodeToString([]byte(value))
		}
		fmt.Fprintf(&b, "rec %s %s\n", hex.EncodeToString([]byte(key)), v)
	}
	b.WriteString("end\n")
	return b.String()
}
