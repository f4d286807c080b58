package assign

import "github.com/connect-sidecar/connect-sidecar/coordination/wire"

// Eager is the round-robin assignor of the "default" sub-protocol (§2.1).
// Members stop everything before joining, so each gets the full set it
// should run, in a V0 assignment. Eager keeps no memory of its own; it
// passes Input.State through so a cooperative leader that falls back to V0
// for a while loses nothing.
func Eager(in Input) (Output, error) {
	if err := validate(in); err != nil {
		return Output{}, err
	}
	out := Output{State: in.State.clone()}
	if mismatch, ok := configMismatch(in, wire.V0); ok {
		out.Assignments = mismatch
		return out, nil
	}
	held := roundRobin(memberIDs(in.Members), in.Config)
	out.Owners = newOwners(in.Members, [kinds]int{})
	out.Assignments = make(map[string]wire.Assignment, len(in.Members))
	for _, m := range in.Members {
		a := newAssignment(in, wire.V0)
		a.Assigned = workOf(held[m.ID])
		out.Assignments[m.ID] = a
		for _, it := range held[m.ID] {
			out.Owners.place(it, m.ID)
		}
	}
	return out, nil
}

// roundRobin deals connectors, then tasks, to the members in turn; the
// tasks continue the cycle where the connectors left it.
func roundRobin(members []string, c Config) map[string][]item {
	held := make(map[string][]item, len(members))
	next := 0
	deal := func(it item) {
		m := members[next%len(members)]
		held[m] = append(held[m], it)
		next++
	}
	names := connectorNames(c)
	for _, name := range names {
		deal(connectorItem(name))
	}
	for _, name := range names {
		for t := range c.Tasks[name] {
			deal(item{connector: name, task: int32(t)})
		}
	}
	return held
}
