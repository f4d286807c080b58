package assign

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// epoch is time zero of every simulated cluster.
var epoch = time.Date(2024, 10, 25, 0, 0, 0, 0, time.UTC)

// cluster is an in-memory Connect group: followers apply assignments the way
// Java workers do (§1.6), and the leader keeps its State between rounds
// while it stays leader. The first member in join order is the leader, as
// the broker keeps the first joiner.
type cluster struct {
	version       int16
	maxDelay      time.Duration
	now           time.Time
	config        Config
	members       []*simMember
	state         State
	generation    int32
	lastCompleted int32
}

type simMember struct {
	id      string
	offset  int64
	running []item
}

func newCluster() *cluster {
	return &cluster{
		version:       wire.V2,
		now:           epoch,
		lastCompleted: -1,
		config:        Config{Offset: -1, Tasks: map[string]int{}},
	}
}

func (c *cluster) leader() string {
	if len(c.members) == 0 {
		return ""
	}
	return c.members[0].id
}

func (c *cluster) member(id string) *simMember {
	for _, m := range c.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

// setConfig replaces the config; every member reads it at once.
func (c *cluster) setConfig(offset int64, tasks map[string]int) {
	c.config = Config{Offset: offset, Tasks: tasks}
	for _, m := range c.members {
		m.offset = offset
	}
}

func (c *cluster) join(ids ...string) error {
	for _, id := range ids {
		if c.member(id) != nil {
			return fmt.Errorf("%s is already a member", id)
		}
		c.members = append(c.members, &simMember{id: id, offset: c.config.Offset})
	}
	return nil
}

// leave removes a member; when it was the leader, the next member leads
// with a fresh assignor, as a newly elected Java leader does.
func (c *cluster) leave(id string) (newLeader bool, err error) {
	i := slices.IndexFunc(c.members, func(m *simMember) bool { return m.id == id })
	if i < 0 {
		return false, fmt.Errorf("%s is not a member", id)
	}
	c.members = slices.Delete(c.members, i, i+1)
	if i == 0 {
		c.state = State{}
		return true, nil
	}
	return false, nil
}

// elect makes id the leader with no memory.
func (c *cluster) elect(id string) error {
	i := slices.IndexFunc(c.members, func(m *simMember) bool { return m.id == id })
	if i < 0 {
		return fmt.Errorf("%s is not a member", id)
	}
	m := c.members[i]
	c.members = slices.Insert(slices.Delete(c.members, i, i+1), 0, m)
	c.state = State{}
	return nil
}

func (c *cluster) input() Input {
	in := Input{
		Version:       c.version,
		LeaderID:      c.leader(),
		Config:        c.config,
		Generation:    c.generation + 1,
		LastCompleted: c.lastCompleted,
		Now:           c.now,
		MaxDelay:      c.maxDelay,
		State:         c.state,
	}
	for _, m := range c.members {
		in.Members = append(in.Members, Member{
			ID:           m.id,
			URL:          "http://" + m.id + ":8083/",
			ConfigOffset: m.offset,
			Allocation:   workOf(m.running),
		})
	}
	return in
}

// rebalance runs the leader's assignor and checks the round's invariants.
// Nobody applies the result yet.
func (c *cluster) rebalance() (Input, Output, error) {
	in := c.input()
	c.generation = in.Generation
	out, err := Assign(in)
	if err != nil {
		return in, out, err
	}
	if err := checkRound(in, out); err != nil {
		return in, out, fmt.Errorf("generation %d: %w", in.Generation, err)
	}
	c.state = out.State
	return in, out, nil
}

// apply completes the sync: every member but the missed ones applies its
// assignment as a follower does.
func (c *cluster) apply(out Output, missed ...string) {
	for _, m := range c.members {
		if !slices.Contains(missed, m.id) {
			m.running = applied(c.version, m.running, out.Assignments[m.id])
		}
	}
	c.lastCompleted = c.generation
}

// applied is what a member runs after an assignment: the full set in V0,
// previous − revoked + assigned in V1/V2, unchanged after an error.
func applied(version int16, running []item, a wire.Assignment) []item {
	if a.Error != wire.NoError {
		return running
	}
	if version == wire.V0 {
		return sortItems(itemsOf(a.Assigned))
	}
	kept := without(running, setOf(itemsOf(a.Revoked)))
	return sortItems(append(kept, itemsOf(a.Assigned)...))
}

// settle rebalances (and lets delays pass) until a round changes nothing
// and all work runs, failing if more than maxRounds rounds change
// something first.
func (c *cluster) settle(maxRounds int) error {
	for range maxRounds + 1 {
		_, out, err := c.rebalance()
		if err != nil {
			return err
		}
		c.apply(out)
		if quiet(out) && len(c.unassigned()) == 0 {
			return nil
		}
		if d := out.Assignments[c.leader()].DelayMs; d > 0 {
			c.now = c.now.Add(time.Duration(d) * time.Millisecond)
		}
	}
	return fmt.Errorf("still changing after %d rounds", maxRounds)
}

// quiet reports whether a round assigned, revoked and delayed nothing.
func quiet(out Output) bool {
	for _, a := range out.Assignments {
		if a.Error != wire.NoError || a.DelayMs != 0 ||
			len(itemsOf(a.Assigned)) > 0 || len(itemsOf(a.Revoked)) > 0 {
			return false
		}
	}
	return true
}

// unassigned is the configured work nobody runs.
func (c *cluster) unassigned() []item {
	running := make(itemSet)
	for _, m := range c.members {
		for _, it := range m.running {
			running[it] = struct{}{}
		}
	}
	return without(configuredItems(c.config), running)
}

// checkBalanced is the steady-state promise: all configured work runs
// exactly once and, per kind, loads differ by at most one.
func (c *cluster) checkBalanced() error {
	owners := make(map[item]string)
	for _, m := range c.members {
		for _, it := range m.running {
			if other, ok := owners[it]; ok {
				return fmt.Errorf("%v runs on %s and %s", it, other, m.id)
			}
			owners[it] = m.id
		}
	}
	configured := configuredItems(c.config)
	if len(owners) != len(configured) {
		return fmt.Errorf("%d items run, %d configured", len(owners), len(configured))
	}
	for _, it := range configured {
		if _, ok := owners[it]; !ok {
			return fmt.Errorf("%v runs nowhere", it)
		}
	}
	for k := range kinds {
		var counts []int
		for _, m := range c.members {
			counts = append(counts, len(ofKind(m.running, k)))
		}
		if slices.Max(counts)-slices.Min(counts) > 1 {
			return fmt.Errorf("kind %d unbalanced: %v", k, counts)
		}
	}
	return nil
}

// checkRound checks what every round must keep whatever the scenario: one
// assignment per member, the same delay for all, and (§2.2 "required for
// interoperability") no item handed to a member while any member reports
// it, revocations only of what a member reports, and owners that match
// what members will run.
func checkRound(in Input, out Output) error {
	if len(out.Assignments) != len(in.Members) {
		return fmt.Errorf("%d assignments for %d members", len(out.Assignments), len(in.Members))
	}
	reportedBy := make(map[item][]string)
	for _, m := range in.Members {
		for _, it := range itemsOf(m.Allocation) {
			reportedBy[it] = append(reportedBy[it], m.ID)
		}
	}
	first := out.Assignments[in.Members[0].ID]
	after := make(map[item]string)
	for _, m := range in.Members {
		a, ok := out.Assignments[m.ID]
		if !ok {
			return fmt.Errorf("no assignment for %s", m.ID)
		}
		if a.Leader != in.LeaderID || a.Error != first.Error || a.DelayMs != first.DelayMs {
			return fmt.Errorf("%s: leader, error or delay differ from %s's", m.ID, in.Members[0].ID)
		}
		if a.Error != wire.NoError {
			continue
		}
		if in.Version != wire.V0 {
			for _, it := range itemsOf(a.Assigned) {
				if holders := reportedBy[it]; len(holders) > 0 {
					return fmt.Errorf("%v assigned to %s while %v report it", it, m.ID, holders)
				}
			}
			for _, it := range itemsOf(a.Revoked) {
				if !slices.Contains(reportedBy[it], m.ID) {
					return fmt.Errorf("%v revoked from %s, which does not report it", it, m.ID)
				}
			}
		}
		for _, it := range applied(in.Version, itemsOf(m.Allocation), a) {
			if other, ok := after[it]; ok {
				return fmt.Errorf("%v would run on %s and %s", it, other, m.ID)
			}
			after[it] = m.ID
		}
	}
	if first.Error != wire.NoError {
		if out.Owners != nil {
			return fmt.Errorf("owners set after an error round")
		}
		return nil
	}
	return checkOwners(out.Owners, after)
}

func checkOwners(o *Owners, after map[item]string) error {
	if o == nil || len(o.Connectors)+len(o.Tasks) != len(after) {
		return fmt.Errorf("owners do not match what members run")
	}
	for it, id := range after {
		owner := o.Tasks[it.taskID()]
		if it.kind() == connectorKind {
			owner = o.Connectors[it.connector]
		}
		if owner != id {
			return fmt.Errorf("owners say %v runs on %q, members say %s", it, owner, id)
		}
	}
	return nil
}

func formatItems(items []item) string {
	names := make([]string, 0, len(items))
	for _, it := range sortItems(slices.Clone(items)) {
		if it.kind() == connectorKind {
			names = append(names, it.connector)
		} else {
			names = append(names, fmt.Sprintf("%s/%d", it.connector, it.task))
		}
	}
	return "[" + strings.Join(names, " ") + "]"
}

func parseItems(fields []string) ([]item, error) {
	var items []item
	for _, f := range fields {
		name, task, isTask := strings.Cut(f, "/")
		if !isTask {
			items = append(items, connectorItem(name))
			continue
		}
		var t int32
		if _, err := fmt.Sscan(task, &t); err != nil {
			return nil, fmt.Errorf("task %q: %w", f, err)
		}
		items = append(items, item{connector: name, task: t})
	}
	return items, nil
}

// describeState prints the leader memory that explains the next round.
func describeState(s State) string {
	scheduled := "none"
	if !s.ScheduledRebalance.IsZero() {
		scheduled = "+" + s.ScheduledRebalance.Sub(epoch).String()
	}
	return fmt.Sprintf("state: scheduled %s, delay %v, candidates %v, revoked-in-previous %t, successive %d",
		scheduled, s.Delay, s.Candidates, s.RevokedInPrevious, s.SuccessiveRevokingRebalances)
}
