package herder

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// A write that needs the leader, arriving while a rebalance is under way,
// waits for it to end and then goes ahead, where Java answers 409 at once
// and the client has to retry; a rebalance that outlasts the wait still
// gets Connect's 409.
func TestWritesWaitForTheRebalanceUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Deps{Log: kafkatest.Quiet()})
		a := &API{h: h, settleWait: settleWait}
		lead := func(gen int32) coordination.Assignment {
			return coordination.Assignment{Generation: gen, MemberID: "m1", LeaderID: "m1", LeaderURL: "http://w1:8083/"}
		}

		got := make(chan error, 1)
		go func() { got <- a.leader(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("a worker with no assignment yet answered at once: %v", err)
		default:
		}
		h.Assigned(lead(1))
		if err := <-got; err != nil {
			t.Fatalf("after the first assignment: %v", err)
		}

		h.RebalanceStarted("a worker joined")
		go func() { got <- a.leader(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-got:
			t.Fatalf("answered during the rebalance: %v", err)
		default:
		}
		h.Assigned(lead(2))
		if err := <-got; err != nil {
			t.Fatalf("after the rebalance ended: %v", err)
		}

		h.RebalanceStarted("a worker left")
		start := time.Now()
		err := a.leader(context.Background())
		if !errors.Is(err, rest.ErrRebalanceInProgress) {
			t.Fatalf("a rebalance that outlasts the wait: %v, want the 409 error", err)
		}
		if waited := time.Since(start); waited != settleWait {
			t.Errorf("answered after %v, want %v", waited, settleWait)
		}
	})
}
