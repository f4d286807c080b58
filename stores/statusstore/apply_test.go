package statusstore

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestApplyMatchesJava replays testdata/apply-scenarios.txt (same format as
// configstore's: scenario, rec <key hex> <x+value hex | ->, end) and compares
// the result with testdata/apply-expected.txt, which is what Java's
// KafkaStatusBackingStore serves after reading the same records
// (../testdata/javagen/StatusHarness.java, Kafka 4.1.1).
var writeScenarios = flag.Bool("write-scenarios", false, "rewrite testdata/apply-scenarios.txt")

var harnessConnectors = []string{"a", "b-c"}

func TestApplyMatchesJava(t *testing.T) {
	if *writeScenarios {
		var b strings.Builder
		for i := 0; i < 80; i++ {
			b.WriteString(randomScenario(i))
		}
		if err := os.WriteFile("testdata/apply-scenarios.txt", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("scenarios rewritten; rerun StatusHarness for apply-expected.txt")
	}
	want, err := os.ReadFile("testdata/apply-expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := runScenarios(t, "testdata/apply-scenarios.txt")
	wantBlocks, gotBlocks := strings.Split(string(want), "end\n"), strings.Split(got, "end\n")
	if len(wantBlocks) != len(gotBlocks) {
		t.Fatalf("%d scenarios run, Java ran %d", len(gotBlocks), len(wantBlocks))
	}
	for i := range wantBlocks {
		if gotBlocks[i] != wantBlocks[i] {
			t.Errorf("Go:\n%s\nJava:\n%s", gotBlocks[i], wantBlocks[i])
		}
	}
}

func runScenarios(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	var s Snapshot
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch fields[0] {
		case "scenario":
			s = Snapshot{}
			out.WriteString(sc.Text() + "\n")
		case "rec":
			key, _ := hex.DecodeString(fields[1])
			var value []byte
			if fields[2] != "-" {
				value, _ = hex.DecodeString(fields[2][1:])
				value = append([]byte{}, value...)
			}
			rec, _ := Decode(string(key), value)
			s = s.Apply(rec)
		case "end":
			out.WriteString(dump(s) + "end\n")
		}
	}
	return out.String()
}

func dump(s Snapshot) string {
	var b strings.Builder
	for _, c := range harnessConnectors {
		st, ok := s.Connector(c)
		fmt.Fprintf(&b, "connector %s %s\n", c, statusLine(st, ok))
		for _, ts := range s.Tasks(c) {
			fmt.Fprintf(&b, "  task %d %s\n", ts.ID.Task, statusLine(ts.Status, true))
		}
		for _, tp := range s.Topics(c) {
			fmt.Fprintf(&b, "  topic %s %s %d %d\n", tp.Topic, tp.Connector, tp.Task, tp.DiscoverTimestamp)
		}
	}
	return b.String()
}

func statusLine(s Status, ok bool) string {
	if !ok {
		return "none"
	}
	null := func(v string) string {
		if v == "" {
			return "null"
		}
		return v
	}
	return fmt.Sprintf("%s trace=%s worker=%s gen=%d version=%s", s.State, null(s.Trace), null(s.WorkerID), s.Generation, null(s.Version))
}

func randomScenario(seed int) string {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "scenario random-%d\n", seed)
	for i, n := 0, 10+r.IntN(40); i < n; i++ {
		c := pick(harnessConnectors...)
		status := fmt.Sprintf(`{"state":"%s","trace":%s,"worker_id":"%s","generation":%d,"version":%s}`,
			pick("RUNNING", "RUNNING", "UNASSIGNED", "UNASSIGNED", "FAILED", "PAUSED", "RESTARTING", "STOPPED"),
			pick("null", `"boom"`), pick("w1:8083", "w2:8083"), r.IntN(4), pick("null", `"1.0"`))
		var key, value string
		switch r.IntN(6) {
		case 0:
			key, value = "status-connector-"+c, pick(status, status, "<tombstone>", `{"state":"RUNNING"}`, `[]`)
		case 1, 2, 3:
			key, value = "status-task-"+c+"-"+strconv.Itoa(r.IntN(3)), pick(status, status, status, "<tombstone>",
				`{"state":"UNASSIGNED","generation":1}`, `{"state":"RUNNING","generation":2.0}`)
		case 4:
			topic := pick("t1", "t2")
			key = "status-topic-" + topic + ":connector-" + c
			value = pick(fmt.Sprintf(`{"topic":{"name":"%s","connector":"%s","task":%d,"discoverTimestamp":%d}}`, topic, c, r.IntN(3), i),
				"<tombstone>", `{"topic":null}`)
		default:
			key, value = pick("status-connector-", "status-task-"+c, "status-other-"+c), status
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
