package main

import (
	"sort"
	"testing"
	"time"
)

// produced is one record as the two-workers-at-once check needs it: who
// wrote it (the process of a source task, the worker of a sink delivery),
// its place in its stream (a source task's sequence number, a partition's
// offset) and when it got there (the broker's append time, the app's
// arrival time).
type produced struct {
	pid  string
	seq  int64
	time time.Time
}

// incarnation is one uninterrupted run of a task in one worker process.
type incarnation struct {
	pid         string
	first, last time.Time
	count       int
}

// A run of a task ends when its process stops producing for this long, or
// starts again from an earlier sequence number (it resumed from committed
// offsets). At the fault pipelines' rates a running task produces at
// least every ~20 ms.
const runGap = 500 * time.Millisecond

// incarnations splits a task's records into the runs of each process.
func incarnations(recs []produced) []incarnation {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].time.Before(recs[j].time) })
	var runs []incarnation
	open := map[string]int{} // pid -> index in runs of its current run
	lastSeq := map[string]int64{}
	for _, r := range recs {
		i, ok := open[r.pid]
		if !ok || r.time.Sub(runs[i].last) > runGap || r.seq < lastSeq[r.pid] {
			runs = append(runs, incarnation{pid: r.pid, first: r.time})
			i = len(runs) - 1
			open[r.pid] = i
		}
		runs[i].last = r.time
		runs[i].count++
		lastSeq[r.pid] = r.seq
	}
	return runs
}

// overlaps returns the pairs of runs of one task, in different processes,
// whose time spans overlap: the task ran in two places at once. A task
// that moves leaves runs one after the other; duplicates after a failover
// come from a run that has already ended.
func overlaps(recs []produced) [][2]incarnation {
	runs := incarnations(recs)
	var out [][2]incarnation
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if a.pid != b.pid && a.first.Before(b.last) && b.first.Before(a.last) {
				out = append(out, [2]incarnation{a, b})
			}
		}
	}
	return out
}

// The check above must tell a task that moved (and came back) from one
// that ran in two processes at once, including a zombie that writes once
// more after its task moved.
func TestIncarnationsSeparateMovesFromConcurrentRuns(t *testing.T) {
	at := func(ms int) time.Time { return time.UnixMilli(int64(ms)) }
	var moved, concurrent, zombie []produced
	for i := range 50 { // A runs, then B after a rebalance, then A again
		moved = append(moved, produced{"A", int64(i), at(i * 20)})
		moved = append(moved, produced{"B", int64(40 + i), at(2000 + i*20)})
		moved = append(moved, produced{"A", int64(80 + i), at(4000 + i*20)})
	}
	for i := range 50 { // A and B both run from the same offset
		concurrent = append(concurrent, produced{"A", int64(i), at(i * 20)}, produced{"B", int64(i), at(5 + i*20)})
	}
	for i := range 50 { // A froze at 1 s; B took over; A wrote one late batch
		zombie = append(zombie, produced{"A", int64(i), at(i * 20)}, produced{"B", int64(40 + i), at(2000 + i*20)})
	}
	zombie = append(zombie, produced{"A", 50, at(2500)})
	if len(overlaps(moved)) != 0 {
		t.Error("a task that moved away and back was reported as running twice")
	}
	if len(overlaps(concurrent)) == 0 {
		t.Error("a task running in two processes at once was not reported")
	}
	if len(overlaps(zombie)) == 0 {
		t.Error("a zombie's late write was not reported")
	}
}
