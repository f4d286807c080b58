package assign

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// Cooperative is the incremental cooperative assignor of KIP-415 (§2.2),
// used for the "compatible" (V1) and "sessioned" (V2) sub-protocols.
// Members keep running what they have: Assigned holds only new work,
// Revoked what to stop, and an item is never given to one member while
// another still reports it. Work of a departed worker waits up to
// in.MaxDelay for it to come back; every member gets the same DelayMs so
// they rejoin together when it expires.
func Cooperative(in Input) (Output, error) {
	if err := validateCooperative(in); err != nil {
		return Output{}, err
	}
	if mismatch, ok := configMismatch(in, in.Version); ok {
		return Output{Assignments: mismatch, State: in.State.clone()}, nil
	}
	r := newRound(in)
	mem := recall(in)
	revoked := r.revokeDeletedAndDuplicated()
	next := r.nextLoads(revoked)
	reassign := mem.handleLost(r.lost, next)
	mem.balance(next, revoked, r.configured)
	toAssign := slices.Concat(r.created, r.released, reassign)
	for k := range kinds {
		level(next, k, ofKind(toAssign, k))
	}
	return r.output(next, revoked, &mem), nil
}

func validateCooperative(in Input) error {
	if err := validate(in); err != nil {
		return err
	}
	if in.Version != wire.V1 && in.Version != wire.V2 {
		return fmt.Errorf("assign: cooperative protocol version %d, want 1 or 2", in.Version)
	}
	// Java holds the delay in an int of milliseconds.
	if in.MaxDelay < 0 || in.MaxDelay.Milliseconds() > math.MaxInt32 {
		return fmt.Errorf("assign: max delay %v out of range", in.MaxDelay)
	}
	// 0 ms stands for "nothing scheduled", as in Java.
	if in.Now.UnixMilli() <= 0 {
		return fmt.Errorf("assign: now %v is not after the Unix epoch", in.Now.Format(time.RFC3339))
	}
	return nil
}

// round holds the sets one cooperative assignment derives from its input
// (§2.2 steps 2–6). Sets answer membership; the lists that decide who gets
// what are sorted in Java order.
type round struct {
	in         Input
	members    []string           // member ids in Java order
	reported   map[string][]item  // each member's allocation, without repeats
	reportSets map[string]itemSet // the same as sets
	active     itemSet            // everything reported
	configured [kinds]int         // how many connectors and tasks are configured
	deleted    itemSet            // previously assigned, no longer configured
	duplicated itemSet            // reported by more than one member
	lost       []item             // previously assigned, reported by nobody, not deleted, not released
	released   []item             // lost, but given up on purpose by its worker (Input.Released)
	created    []item             // configured, neither previously assigned nor reported
}

func newRound(in Input) round {
	r := round{
		in:         in,
		members:    memberIDs(in.Members),
		reported:   make(map[string][]item, len(in.Members)),
		reportSets: make(map[string]itemSet, len(in.Members)),
	}
	for _, m := range in.Members {
		r.reported[m.ID], r.reportSets[m.ID] = dedupe(itemsOf(m.Allocation))
	}
	configured := configuredItems(in.Config)
	for _, it := range configured {
		r.configured[it.kind()]++
	}
	r.active, r.duplicated = r.activeAndDuplicated()
	previous := r.previousAssignment()
	r.deleted = setOf(r.unconfigured(previous))
	r.lost = sortItems(without(previous, r.active, r.deleted))
	if in.Released != nil {
		r.lost = slices.DeleteFunc(r.lost, func(it item) bool {
			if in.Released(it.connector, it.task) {
				r.released = append(r.released, it)
				return true
			}
			return false
		})
	}
	r.created = without(configured, setOf(previous), r.active)
	return r
}

// activeAndDuplicated returns everything reported and what more than one
// member reports.
func (r *round) activeAndDuplicated() (active, duplicated itemSet) {
	total := 0
	for _, items := range r.reported {
		total += len(items)
	}
	active = make(itemSet, total)
	duplicated = make(itemSet)
	for _, id := range r.members {
		for _, it := range r.reported[id] {
			if active.has(it) {
				duplicated[it] = struct{}{}
			}
			active[it] = struct{}{}
		}
	}
	return active, duplicated
}

func (r *round) unconfigured(items []item) []item {
	var gone []item
	for _, it := range items {
		if !r.in.Config.configures(it) {
			gone = append(gone, it)
		}
	}
	return gone
}

// previousAssignment is what the leader believes it assigned last round,
// in no particular order. It is forgotten when that round's sync did not
// complete (step 2), and replaced by what members report when one of them
// ignored a revocation (step 5), so that the revocation is worked out again.
func (r *round) previousAssignment() []item {
	st := r.in.State
	for _, it := range itemsOf(st.Revoked) {
		if r.active.has(it) {
			return slices.Collect(maps.Keys(r.active))
		}
	}
	if st.Generation != r.in.LastCompleted {
		return nil
	}
	return itemsOf(st.Assigned)
}

// revokeDeletedAndDuplicated is step 7: deleted work is stopped, and
// duplicated work is stopped everywhere, to be handed out afresh next round.
func (r *round) revokeDeletedAndDuplicated() map[string][]item {
	revoked := make(map[string][]item)
	for _, id := range r.members {
		for _, it := range r.reported[id] {
			if r.deleted.has(it) || r.duplicated.has(it) {
				revoked[id] = append(revoked[id], it)
			}
		}
	}
	return revoked
}

// nextLoads is step 8: each member keeps what it reports minus what it
// must stop, in its reported order.
func (r *round) nextLoads(revoked map[string][]item) []*workerLoad {
	loads := make([]*workerLoad, 0, len(r.members))
	for _, id := range r.members {
		w := &workerLoad{member: id, reported: r.reportSets[id]}
		gone := setOf(revoked[id])
		for _, it := range r.reported[id] {
			if !gone.has(it) {
				w.add(it)
			}
		}
		loads = append(loads, w)
	}
	return loads
}

// output is steps 12 and 13: deltas per member, and the memory for the
// next round.
func (r *round) output(next []*workerLoad, revoked map[string][]item, mem *memory) Output {
	out := Output{
		Assignments: make(map[string]wire.Assignment, len(next)),
		Owners:      newOwners(r.in.Members, r.configured),
	}
	placed := make([]item, 0, len(r.active)+len(r.created)+len(r.lost))
	var allRevoked []item
	for _, w := range next {
		var added []item
		held := w.all()
		for _, it := range held {
			if !w.reported.has(it) {
				added = append(added, it)
			}
			out.Owners.place(it, w.member)
		}
		placed = append(placed, held...)
		allRevoked = append(allRevoked, revoked[w.member]...)

		a := newAssignment(r.in, r.in.Version)
		a.Assigned = workOf(added)
		a.Revoked = workOf(revoked[w.member])
		a.DelayMs = int32(mem.delayMs)
		out.Assignments[w.member] = a
	}
	out.State = mem.state()
	out.State.Generation = r.in.Generation
	out.State.Members = r.members
	// next never holds revoked work, so nothing needs subtracting; lost work
	// counts as assigned while its delay runs.
	for _, it := range r.lost {
		if !out.Owners.has(it) {
			placed = append(placed, it)
		}
	}
	out.State.Assigned = workOf(placed)
	out.State.Revoked = workOf(allRevoked)
	return out
}
