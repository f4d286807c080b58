package sidecar

import (
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// The bound /live allows a loop, as the README states it.
func TestStallBoundFollowsTheTimeouts(t *testing.T) {
	tests := []struct {
		env  []string
		want time.Duration
	}{
		{nil, 3*time.Minute + 20*time.Second},
		{[]string{"CONNECT_REBALANCE_TIMEOUT_MS=30000", "CONNECT_SESSION_TIMEOUT_MS=6000", "CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS=10000"},
			2*time.Minute + 56*time.Second},
	}
	for _, tt := range tests {
		l, err := config.Load(append([]string{"CONNECT_BOOTSTRAP_SERVERS=k:9092", "CONNECT_GROUP_ID=g"}, tt.env...), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := stallBound(l.Worker); got != tt.want {
			t.Errorf("%v: bound %v, want %v", tt.env, got, tt.want)
		}
	}
}
