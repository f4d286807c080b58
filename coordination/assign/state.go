package assign

import (
	"slices"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// State is the cooperative leader's memory between rounds (§2.2, the fields
// IncrementalCooperativeAssignor keeps). It only means something to the
// leader that produced it: a newly elected leader starts from the zero
// value. Treat it as immutable; Assign never modifies the one it is given.
type State struct {
	// Generation is the generation the state was computed for
	// (previousGenerationId). In the zero State it is 0 rather than Java's
	// -1, which makes no difference: there is no Assigned to forget.
	Generation int32
	// Members are the member ids of that round (previousMembers), sorted.
	Members []string
	// Assigned is the work the leader believes assigned after that round
	// (previousAssignment), including lost work whose delay still runs.
	Assigned wire.Work
	// Revoked is what that round revoked (previousRevocation). If a member
	// still reports any of it, the revocation did not take effect.
	Revoked wire.Work
	// RevokedInPrevious is set after a round revoked work for load
	// balancing; revoking again in the next round backs off.
	RevokedInPrevious bool
	// SuccessiveRevokingRebalances counts rounds that wanted to revoke for
	// balance right after a revoking round. It picks the backoff (40 ms,
	// 1.6 s, 64 s, then MaxDelay) and resets once a round needs none.
	SuccessiveRevokingRebalances int
	// ScheduledRebalance is when held-back lost work, or a held-back
	// load-balancing revocation, is due; zero when nothing is scheduled.
	ScheduledRebalance time.Time
	// Delay is the rejoin delay sent to every member in that round.
	Delay time.Duration
	// Candidates are workers that were empty while lost work was held back
	// (new or returning workers), in the order they were seen; they get the
	// lost work when the delay expires.
	Candidates []string
}

func (s State) clone() State {
	s.Members = slices.Clone(s.Members)
	s.Assigned = cloneWork(s.Assigned)
	s.Revoked = cloneWork(s.Revoked)
	s.Candidates = slices.Clone(s.Candidates)
	return s
}

func cloneWork(w wire.Work) wire.Work {
	return wire.Work{Connectors: slices.Clone(w.Connectors), Tasks: slices.Clone(w.Tasks)}
}

// memory is the delay and revocation part of State in Java's units
// (milliseconds since the epoch, 0 = none), changed as steps 9 and 10 run.
type memory struct {
	nowMs, maxDelayMs int64
	scheduledMs       int64
	delayMs           int64
	candidates        []string
	revokedInPrevious bool
	successive        int
	previousMembers   []string
}

func recall(in Input) memory {
	m := memory{
		nowMs:             in.Now.UnixMilli(),
		maxDelayMs:        in.MaxDelay.Milliseconds(),
		delayMs:           in.State.Delay.Milliseconds(),
		candidates:        slices.Clone(in.State.Candidates),
		revokedInPrevious: in.State.RevokedInPrevious,
		successive:        in.State.SuccessiveRevokingRebalances,
		previousMembers:   in.State.Members,
	}
	if !in.State.ScheduledRebalance.IsZero() {
		m.scheduledMs = in.State.ScheduledRebalance.UnixMilli()
	}
	return m
}

// resetDelay forgets a scheduled rebalance and its candidates.
func (m *memory) resetDelay() {
	m.candidates = nil
	m.scheduledMs = 0
	m.delayMs = 0
}

func (m *memory) state() State {
	s := State{
		RevokedInPrevious:            m.revokedInPrevious,
		SuccessiveRevokingRebalances: m.successive,
		Delay:                        time.Duration(m.delayMs) * time.Millisecond,
		Candidates:                   m.candidates,
	}
	if m.scheduledMs != 0 {
		s.ScheduledRebalance = time.UnixMilli(m.scheduledMs).UTC()
	}
	return s
}
