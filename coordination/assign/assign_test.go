package assign

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

func validInput() Input {
	return Input{
		Version:       wire.V2,
		LeaderID:      "w1",
		Members:       []Member{{ID: "w1", URL: "http://w1:8083/"}, {ID: "w2", URL: "http://w2:8083/"}},
		Config:        Config{Offset: 1, Tasks: map[string]int{"c1": 2}},
		LastCompleted: -1,
		Now:           epoch,
	}
}

func TestAssignRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		want   string
	}{
		{"no members", func(in *Input) { in.Members = nil }, "no members"},
		{"eager, no members", func(in *Input) { in.Version, in.Members = wire.V0, nil }, "no members"},
		{"member twice", func(in *Input) { in.Members[1].ID = "w1" }, `member "w1" listed twice`},
		{"leader absent", func(in *Input) { in.LeaderID = "w9" }, `leader "w9" is not a member`},
		{"negative tasks", func(in *Input) { in.Config.Tasks["c1"] = -1 }, `connector "c1" has task count -1`},
		{"unknown version", func(in *Input) { in.Version = 3 }, "unknown protocol version 3"},
		{"negative delay", func(in *Input) { in.MaxDelay = -time.Second }, "max delay -1s out of range"},
		{"huge delay", func(in *Input) { in.MaxDelay = (math.MaxInt32 + 1) * time.Millisecond }, "out of range"},
		{"no clock", func(in *Input) { in.Now = time.Time{} }, "not after the Unix epoch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			_, err := Assign(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCooperativeRejectsEagerVersion(t *testing.T) {
	in := validInput()
	in.Version = wire.V0
	if _, err := Cooperative(in); err == nil {
		t.Fatal("Cooperative accepted V0")
	}
}

// Java picks the assignor from the selected protocol (§2): eager writes V0
// full sets, cooperative writes the selected version.
func TestAssignPicksByVersion(t *testing.T) {
	for _, version := range []int16{wire.V0, wire.V1, wire.V2} {
		in := validInput()
		in.Version = version
		out, err := Assign(in)
		if err != nil {
			t.Fatal(err)
		}
		for id, a := range out.Assignments {
			if a.Version != version || a.Leader != "w1" || a.LeaderURL != "http://w1:8083/" || a.ConfigOffset != 1 {
				t.Errorf("V%d: %s got %+v", version, id, a)
			}
		}
	}
}

// Java's ExponentialBackoff(1, 40, maxDelay, 0), in whole milliseconds.
func TestRevokingBackoff(t *testing.T) {
	tests := []struct {
		attempts   int
		maxDelayMs int64
		want       int64
	}{
		{1, 300_000, 40},
		{2, 300_000, 1_600},
		{3, 300_000, 64_000},
		{4, 300_000, 300_000},
		{40, 300_000, 300_000}, // no overflow however long it goes on
		{1, 30, 30},
		{5, 1, 1},
		{1, 0, 0}, // max delay 0: revoke at once
	}
	for _, tt := range tests {
		if got := revokingBackoff(tt.attempts, tt.maxDelayMs); got != tt.want {
			t.Errorf("revokingBackoff(%d, %d) = %d, want %d", tt.attempts, tt.maxDelayMs, got, tt.want)
		}
	}
}

// Work a departed worker released on purpose is handed out in the same
// round; without the release it waits for the delay, as Java's does.
func TestReleasedWorkIsNotHeldBack(t *testing.T) {
	config := Config{Offset: 1, Tasks: map[string]int{"c": 6}}
	first, err := Cooperative(Input{
		Version: wire.V2, LeaderID: "a", Members: []Member{{ID: "a"}, {ID: "b"}, {ID: "c"}},
		Config: config, Generation: 1, LastCompleted: -1, Now: epoch, MaxDelay: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	leaver := first.Assignments["b"].Assigned
	if len(leaver.Tasks) == 0 {
		t.Fatalf("b got nothing to release: %+v", first.Assignments)
	}
	second := func(released func(string, int32) bool) Output {
		out, err := Cooperative(Input{
			Version: wire.V2, LeaderID: "a",
			Members: []Member{
				{ID: "a", Allocation: first.Assignments["a"].Assigned},
				{ID: "c", Allocation: first.Assignments["c"].Assigned},
			},
			Config: config, Generation: 2, LastCompleted: 1, Now: epoch.Add(time.Second), MaxDelay: 10 * time.Second,
			State: first.State, Released: released,
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	byB := func(connector string, task int32) bool {
		return slices.Contains(leaver.Connectors, connector) && task == wire.ConnectorTask ||
			slices.Contains(leaver.Tasks, wire.TaskID{Connector: connector, Task: task})
	}

	held := second(nil)
	if got := len(held.Assignments["a"].Assigned.Tasks) + len(held.Assignments["c"].Assigned.Tasks); got != 0 || held.Assignments["a"].DelayMs == 0 {
		t.Errorf("without a release: %d tasks handed out, delay %d ms; want none, and a delay", got, held.Assignments["a"].DelayMs)
	}
	moved := second(byB)
	a, c := moved.Assignments["a"], moved.Assignments["c"]
	got := append(slices.Clone(a.Assigned.Tasks), c.Assigned.Tasks...)
	slices.SortFunc(got, func(x, y wire.TaskID) int { return int(x.Task - y.Task) })
	if !slices.Equal(got, leaver.Tasks) || a.DelayMs != 0 || c.DelayMs != 0 {
		t.Errorf("with the release: handed out %v with delays %d/%d ms; want %v at once", got, a.DelayMs, c.DelayMs, leaver.Tasks)
	}
	if len(a.Assigned.Tasks) == 0 || len(c.Assigned.Tasks) == 0 {
		t.Errorf("released work not spread: a got %v, c got %v", a.Assigned.Tasks, c.Assigned.Tasks)
	}
}
