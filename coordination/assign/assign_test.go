package assign

import (
	"math"
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
