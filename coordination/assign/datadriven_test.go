package assign

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output in testdata/*.txt")

// TestData runs the scenario scripts in testdata/*.txt, named after the
// situations of KIP-415. Each case is a command, optional input lines,
// "----" and the expected output; blank lines and # comments sit between
// cases. Commands (see runCommand):
//
//	set [version=N] [max-delay=D] [now=D]   protocol version, max delay, time since epoch
//	config offset=N                         replace the config: input lines "connector tasks"
//	join ID...                              members join with nothing running
//	leave ID...                             members leave (the next one leads if the leader leaves)
//	new-leader ID                           ID leads with no memory
//	offset ID=N                             ID reports config offset N
//	report ID                               ID reports the input lines' items as running
//	rebalance [incomplete] [missed=ID,...]  one round; incomplete = the sync fails for all
//
// Items are written c1 (the connector) and c1/0 (its task 0).
func TestData(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScript(t, file)
		})
	}
}

func runScript(t *testing.T, file string) {
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseScript(string(text))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c := newCluster()
	for i := range s.cases {
		tc := &s.cases[i]
		got, err := runCommand(c, tc)
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", file, tc.line, tc.command, err)
		}
		if *rewrite {
			tc.expected = got
		} else if got != tc.expected {
			t.Errorf("%s:%d: %s\nwant:\n%s\ngot:\n%s", file, tc.line, tc.command, tc.expected, got)
		}
	}
	if *rewrite {
		if err := os.WriteFile(file, []byte(s.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type script struct {
	cases    []testCase
	trailing []string // comments and blank lines after the last case
}

type testCase struct {
	leading  []string // comments and blank lines before the case
	line     int
	command  string
	input    []string
	expected string
}

func parseScript(text string) (script, error) {
	var s script
	var pending []string
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i := 0; i < len(lines); {
		if line := lines[i]; strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			pending = append(pending, line)
			i++
			continue
		}
		tc := testCase{leading: pending, line: i + 1, command: lines[i]}
		pending = nil
		for i++; i < len(lines) && lines[i] != "----"; i++ {
			tc.input = append(tc.input, lines[i])
		}
		if i == len(lines) {
			return s, fmt.Errorf("line %d: no ---- after the command", tc.line)
		}
		var out []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			out = append(out, lines[i])
		}
		tc.expected = strings.Join(out, "\n")
		s.cases = append(s.cases, tc)
	}
	s.trailing = pending
	return s, nil
}

func (s script) String() string {
	var lines []string
	for _, tc := range s.cases {
		lines = append(lines, tc.leading...)
		lines = append(lines, tc.command)
		lines = append(lines, tc.input...)
		lines = append(lines, "----", tc.expected)
	}
	lines = append(lines, s.trailing...)
	return strings.Join(lines, "\n") + "\n"
}

func runCommand(c *cluster, tc *testCase) (string, error) {
	fields := strings.Fields(tc.command)
	args := fields[1:]
	switch fields[0] {
	case "set":
		return "ok", set(c, args)
	case "config":
		return "ok", config(c, args, tc.input)
	case "join":
		return "ok", c.join(args...)
	case "leave":
		return leave(c, args)
	case "new-leader":
		if len(args) != 1 {
			return "", errors.New("want one member id")
		}
		return "ok", c.elect(args[0])
	case "offset":
		return "ok", offset(c, args)
	case "report":
		return "ok", report(c, args, tc.input)
	case "rebalance":
		return rebalance(c, args)
	}
	return "", fmt.Errorf("unknown command %q", fields[0])
}

func set(c *cluster, args []string) error {
	for _, arg := range args {
		key, value, _ := strings.Cut(arg, "=")
		var err error
		switch key {
		case "version":
			var v int
			v, err = strconv.Atoi(value)
			c.version = int16(v)
		case "max-delay":
			c.maxDelay, err = time.ParseDuration(value)
		case "now":
			var d time.Duration
			d, err = time.ParseDuration(value)
			c.now = epoch.Add(d)
		default:
			err = fmt.Errorf("unknown setting %q", key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func config(c *cluster, args, input []string) error {
	if len(args) != 1 || !strings.HasPrefix(args[0], "offset=") {
		return errors.New("want offset=N")
	}
	off, err := strconv.ParseInt(strings.TrimPrefix(args[0], "offset="), 10, 64)
	if err != nil {
		return err
	}
	tasks := make(map[string]int)
	for _, line := range input {
		var name string
		var n int
		if _, err := fmt.Sscan(line, &name, &n); err != nil {
			return fmt.Errorf("config line %q: %w", line, err)
		}
		tasks[name] = n
	}
	c.setConfig(off, tasks)
	return nil
}

func leave(c *cluster, ids []string) (string, error) {
	out := "ok"
	for _, id := range ids {
		newLeader, err := c.leave(id)
		if err != nil {
			return "", err
		}
		if newLeader && c.leader() != "" {
			out = c.leader() + " leads, with no memory"
		}
	}
	return out, nil
}

func offset(c *cluster, args []string) error {
	for _, arg := range args {
		id, value, _ := strings.Cut(arg, "=")
		m := c.member(id)
		if m == nil {
			return fmt.Errorf("%s is not a member", id)
		}
		off, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return err
		}
		m.offset = off
	}
	return nil
}

func report(c *cluster, args, input []string) error {
	if len(args) != 1 || c.member(args[0]) == nil {
		return fmt.Errorf("want one member id, got %v", args)
	}
	items, err := parseItems(strings.Fields(strings.Join(input, " ")))
	if err != nil {
		return err
	}
	c.member(args[0]).running = sortItems(items)
	return nil
}

func rebalance(c *cluster, args []string) (string, error) {
	incomplete := false
	var missed []string
	for _, arg := range args {
		switch {
		case arg == "incomplete":
			incomplete = true
		case strings.HasPrefix(arg, "missed="):
			missed = strings.Split(strings.TrimPrefix(arg, "missed="), ",")
		default:
			return "", fmt.Errorf("unknown argument %q", arg)
		}
	}
	in, out, err := c.rebalance()
	if err != nil {
		return "", err
	}
	if !incomplete {
		c.apply(out, missed...)
	}
	return describeRound(c, in, out, incomplete, missed), nil
}

func describeRound(c *cluster, in Input, out Output, incomplete bool, missed []string) string {
	leader := out.Assignments[in.LeaderID]
	lines := []string{fmt.Sprintf("generation %d, leader %s, config offset %d, delay %v",
		in.Generation, in.LeaderID, leader.ConfigOffset, time.Duration(leader.DelayMs)*time.Millisecond)}
	for _, m := range c.members {
		a := out.Assignments[m.id]
		line := fmt.Sprintf("%s: assigned %s revoked %s running %s", m.id,
			formatItems(itemsOf(a.Assigned)), formatItems(itemsOf(a.Revoked)), formatItems(m.running))
		switch {
		case a.Error == wire.ConfigMismatch:
			line = fmt.Sprintf("%s: config mismatch, read up to offset %d", m.id, a.ConfigOffset)
		case slices.Contains(missed, m.id):
			line += " (missed the assignment)"
		}
		lines = append(lines, line)
	}
	if incomplete {
		lines = append(lines, "sync failed: nobody applied the assignments")
	}
	lines = append(lines, "unassigned: "+formatItems(c.unassigned()))
	if in.Version != wire.V0 {
		lines = append(lines, describeState(out.State))
	}
	return strings.Join(lines, "\n")
}
