// Package assign decides which group member runs which connector and task
// (connect-spec §2). The assignors are pure functions, like raft's Step: the
// leader's previous-round memory and the clock come in with [Input] and the
// memory for the next round goes out with [Output], so nothing here reads a
// clock, keeps fields or does I/O.
//
// The leader of a Connect group calls [Assign] once per rebalance:
//
//	out, err := assign.Assign(assign.Input{
//		Version:       selected,      // wire.V0, V1 or V2, as the broker chose
//		LeaderID:      myMemberID,
//		Members:       members,       // decoded JoinGroup metadata
//		Config:        snapshot,      // the leader's config-topic view
//		Generation:    generation,
//		LastCompleted: lastCompleted,
//		Now:           time.Now(),
//		MaxDelay:      maxDelay,      // scheduled.rebalance.max.delay.ms
//		State:         previous,      // zero value when newly elected
//	})
//
// It then encodes out.Assignments[id] for every member, keeps out.State for
// its next round while it stays leader, and uses out.Owners to forward
// restart requests to the worker that runs the connector or task.
//
// [Eager] implements the "default" sub-protocol (V0, §2.1) and [Cooperative]
// the incremental cooperative one of KIP-415 (V1/V2, §2.2). Where Java relies
// on HashMap iteration order, this package sorts instead, so the same Input
// always gives the same Output; names are sorted the way Java's
// String.compareTo sorts them.
package assign
