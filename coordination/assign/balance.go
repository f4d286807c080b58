package assign

import (
	"cmp"
	"slices"

	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
)

// workerLoad is what one member will hold after this round, kept apart by
// kind because connectors and tasks are balanced separately.
type workerLoad struct {
	member   string
	reported itemSet // what the member runs now
	held     [kinds][]item
}

func (w *workerLoad) add(it item) {
	k := it.kind()
	w.held[k] = append(w.held[k], it)
}

func (w *workerLoad) count(k kind) int { return len(w.held[k]) }

func (w *workerLoad) empty() bool {
	return w.count(connectorKind) == 0 && w.count(taskKind) == 0
}

func (w *workerLoad) all() []item {
	return append(slices.Clone(w.held[connectorKind]), w.held[taskKind]...)
}

func (w *workerLoad) remove(gone itemSet) {
	for k := range kinds {
		w.held[k] = without(w.held[k], gone)
	}
}

func ofKind(items []item, k kind) []item {
	var of []item
	for _, it := range items {
		if it.kind() == k {
			of = append(of, it)
		}
	}
	return of
}

// balance is §2.2 step 10: revoke work from workers above their fair share
// so that the next round can give it to those below. It runs only while no
// delay is pending, and when it would revoke in two rounds in a row it
// schedules the revocation after a growing backoff instead, so that
// workers joining one after another do not cause a storm of rebalances.
func (m *memory) balance(next []*workerLoad, revoked map[string][]item, configured [kinds]int) {
	if m.delayMs != 0 {
		m.revokedInPrevious = false
		return
	}
	excess := balancingRevocations(next, configured)
	switch {
	case len(excess) > 0 && m.revokedInPrevious:
		m.successive++
		m.delayMs = revokingBackoff(m.successive, m.maxDelayMs)
		if m.delayMs != 0 {
			m.scheduledMs = m.nowMs + m.delayMs
			return
		}
		revoke(next, revoked, excess)
	case len(excess) > 0:
		revoke(next, revoked, excess)
		m.revokedInPrevious = true
	case m.revokedInPrevious:
		// Balanced again: the next imbalance may revoke at once.
		m.revokedInPrevious = false
		m.successive = 0
	}
}

// revokingBackoff is Java's ExponentialBackoff(1 ms, ×40, maxDelay, no
// jitter): 40 ms, 1.6 s, 64 s, then maxDelay; 0 when maxDelay is 0.
func revokingBackoff(attempts int, maxDelayMs int64) int64 {
	if maxDelayMs <= 1 {
		return maxDelayMs
	}
	d := int64(1)
	for range attempts {
		if d >= maxDelayMs {
			break
		}
		d *= 40
	}
	return min(d, maxDelayMs)
}

// balancingRevocations returns, per member, the work above its fair share.
func balancingRevocations(workers []*workerLoad, configured [kinds]int) map[string][]item {
	if configured == [kinds]int{} || allEmpty(workers) {
		return nil
	}
	excess := make(map[string][]item)
	for k := range kinds {
		excessOfKind(workers, k, configured[k], excess)
	}
	return excess
}

func allEmpty(workers []*workerLoad) bool {
	for _, w := range workers {
		if !w.empty() {
			return false
		}
	}
	return true
}

// excessOfKind caps every worker at floor, except that the first workers
// above floor (in member order) may keep floor+1 until total%n of them do.
// A worker gives up the first items it reported.
func excessOfKind(workers []*workerLoad, k kind, total int, excess map[string][]item) {
	floor, extra := total/len(workers), total%len(workers)
	if fairlyShared(workers, k, floor, extra) {
		return
	}
	granted := 0
	for _, w := range workers {
		held := w.count(k)
		if held <= floor {
			continue
		}
		limit := floor
		if granted < extra {
			granted++
			if held == floor+1 {
				continue
			}
			limit = floor + 1
		}
		excess[w.member] = append(excess[w.member], w.held[k][:held-limit]...)
	}
}

// fairlyShared reports whether exactly extra workers hold floor+1 and all
// the others floor.
func fairlyShared(workers []*workerLoad, k kind, floor, extra int) bool {
	atFloor, above := 0, 0
	for _, w := range workers {
		switch w.count(k) {
		case floor:
			atFloor++
		case floor + 1:
			above++
		}
	}
	return above == extra && atFloor+above == len(workers)
}

// revoke takes each worker's excess away. Only what the worker runs is
// sent as revoked: lost work placed on a candidate earlier in this round
// and taken back here is simply not placed (Java also tells the worker to
// stop it, though it never started it).
func revoke(workers []*workerLoad, revoked map[string][]item, excess map[string][]item) {
	for _, w := range workers {
		gone := excess[w.member]
		if len(gone) == 0 {
			continue
		}
		w.remove(setOf(gone))
		for _, it := range gone {
			if w.reported.has(it) {
				revoked[w.member] = append(revoked[w.member], it)
			}
		}
	}
}

// level is §2.2 step 11 for one kind: give one item to each of the least
// loaded workers, then to the next level up, and so on, so new work lands
// where load is lowest. Ties go to the lower member id.
func level(workers []*workerLoad, k kind, work []item) {
	if len(work) == 0 {
		return
	}
	order := slices.Clone(workers)
	slices.SortFunc(order, func(a, b *workerLoad) int {
		if c := cmp.Compare(a.count(k), b.count(k)); c != 0 {
			return c
		}
		return javaorder.Compare(a.member, b.member)
	})
	for len(work) > 0 {
		floor := order[0].count(k)
		for _, w := range order {
			if len(work) == 0 || w.count(k) > floor {
				break
			}
			w.add(work[0])
			work = work[1:]
		}
	}
}
