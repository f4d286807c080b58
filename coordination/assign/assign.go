package assign

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
)

// Member is one group member as the leader sees it after JoinGroup.
type Member struct {
	ID           string // group member id
	URL          string // advertised REST URL
	ConfigOffset int64  // offset of the member's config snapshot
	// Allocation is what the member reports running (V1/V2 metadata). A
	// member with no snapshot at all (null on the wire) counts as running
	// nothing, as in Java.
	Allocation wire.Work
}

// Config is the leader's snapshot of the config topic.
type Config struct {
	// Offset is the snapshot's config offset (§3.3).
	Offset int64
	// Tasks maps every configured connector to its committed task count:
	// 0 for a connector whose task configs are inconsistent or not written
	// yet, which then runs no tasks.
	Tasks map[string]int
}

// Input is everything one round of assignment depends on.
type Input struct {
	// Version is the sub-protocol the broker selected: wire.V0 for eager,
	// wire.V1 or wire.V2 for cooperative. It is the version of every
	// assignment written.
	Version int16
	// LeaderID is this worker's member id. Its URL, taken from Members, is
	// published as the leader URL.
	LeaderID string
	// Members are all members of the generation, in any order.
	Members []Member
	// Config is the leader's config snapshot. Its offset goes into every
	// assignment; when it is behind some member's, nothing is assigned and
	// every member is told to catch up (§1.7). The caller may then refresh
	// the snapshot and call again, as Java's leader does.
	Config Config
	// Generation is the generation being assigned.
	Generation int32
	// LastCompleted is the last generation whose SyncGroup this leader
	// completed, -1 if none. When it differs from State.Generation the
	// leader's memory of assigned work is stale and is dropped (§2.2 step 2).
	LastCompleted int32
	// Now is the current time; only its milliseconds count, as in Java.
	Now time.Time
	// MaxDelay is scheduled.rebalance.max.delay.ms: how long work of a
	// departed worker waits for it to come back. 0 reassigns it at once.
	MaxDelay time.Duration
	// State is the Output.State of this leader's previous round; the zero
	// value for a newly elected leader.
	State State
	// Released reports work that its worker stopped on purpose and gave up
	// before it left the group (a graceful shutdown, a scale-in). Such
	// work, when lost, is handed out at once instead of waiting MaxDelay
	// for its worker to come back. Java has no such notion: it treats a
	// graceful leave as a crash. Nil releases nothing. task is
	// wire.ConnectorTask for the connector itself.
	Released func(connector string, task int32) bool
}

// Output is one round's result.
type Output struct {
	// Assignments holds one assignment per member id, for every member.
	Assignments map[string]wire.Assignment
	// State is what the leader passes as Input.State next round.
	State State
	// Owners says who runs what once members apply this round (Java's
	// LeaderState). It is nil after a config mismatch, when nothing was
	// assigned; keep the previous one then.
	Owners *Owners
}

// Owners is the placement the leader uses to forward restart requests
// (§7.4) to the worker that runs a connector or task.
type Owners struct {
	Connectors map[string]string      // connector -> member id
	Tasks      map[wire.TaskID]string // task -> member id
	URLs       map[string]string      // member id -> advertised REST URL
}

// Assignor is one assignment strategy. Implementations are pure: the same
// Input always gives the same Output, and neither is modified later.
type Assignor interface {
	Assign(in Input) (Output, error)
}

// AssignorFunc lets a plain function be an Assignor.
type AssignorFunc func(in Input) (Output, error)

// Assign calls f(in).
func (f AssignorFunc) Assign(in Input) (Output, error) { return f(in) }

var _ Assignor = AssignorFunc(Assign)

// ForVersion returns the assignor Java uses for a selected sub-protocol:
// eager for "default" (V0), incremental cooperative otherwise.
func ForVersion(version int16) (Assignor, error) {
	switch version {
	case wire.V0:
		return AssignorFunc(Eager), nil
	case wire.V1, wire.V2:
		return AssignorFunc(Cooperative), nil
	}
	return nil, fmt.Errorf("assign: unknown protocol version %d", version)
}

// Assign runs the assignor that in.Version selects.
func Assign(in Input) (Output, error) {
	a, err := ForVersion(in.Version)
	if err != nil {
		return Output{}, err
	}
	return a.Assign(in)
}

// validate checks what both assignors need; Java would throw on each of
// these, failing the whole rebalance.
func validate(in Input) error {
	if len(in.Members) == 0 {
		return errors.New("assign: no members")
	}
	seen := make(map[string]bool, len(in.Members))
	for _, m := range in.Members {
		if seen[m.ID] {
			return fmt.Errorf("assign: member %q listed twice", m.ID)
		}
		seen[m.ID] = true
	}
	if !seen[in.LeaderID] {
		return fmt.Errorf("assign: leader %q is not a member", in.LeaderID)
	}
	for _, c := range connectorNames(in.Config) {
		if n := in.Config.Tasks[c]; n < 0 || n > math.MaxInt32 {
			return fmt.Errorf("assign: connector %q has task count %d", c, n)
		}
	}
	return nil
}

// configMismatch is the check of §1.7: a leader whose snapshot is behind
// some member cannot assign, and tells everyone so with the offset to reach.
func configMismatch(in Input, version int16) (map[string]wire.Assignment, bool) {
	maxOffset := in.Members[0].ConfigOffset
	for _, m := range in.Members[1:] {
		maxOffset = max(maxOffset, m.ConfigOffset)
	}
	if in.Config.Offset >= maxOffset {
		return nil, false
	}
	assignments := make(map[string]wire.Assignment, len(in.Members))
	for _, m := range in.Members {
		a := newAssignment(in, version)
		a.Error = wire.ConfigMismatch
		a.ConfigOffset = maxOffset
		assignments[m.ID] = a
	}
	return assignments, true
}

// newAssignment fills the fields every member's assignment shares. The
// config offset is the leader's own, which is at least every member's.
func newAssignment(in Input, version int16) wire.Assignment {
	return wire.Assignment{
		Version:      version,
		Error:        wire.NoError,
		Leader:       in.LeaderID,
		LeaderURL:    leaderURL(in),
		ConfigOffset: in.Config.Offset,
	}
}

// leaderURL relies on validate having found the leader among the members.
func leaderURL(in Input) string {
	i := slices.IndexFunc(in.Members, func(m Member) bool { return m.ID == in.LeaderID })
	return in.Members[i].URL
}

// memberIDs returns the member ids in Java order.
func memberIDs(members []Member) []string {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	return slices.SortedFunc(slices.Values(ids), javaorder.Compare)
}

// connectorNames returns the configured connectors in Java order.
func connectorNames(c Config) []string {
	return slices.SortedFunc(maps.Keys(c.Tasks), javaorder.Compare)
}

// configuredItems lists every configured connector and task, sorted: each
// connector followed by its tasks 0..n-1.
func configuredItems(c Config) []item {
	total := len(c.Tasks)
	for _, n := range c.Tasks {
		total += n
	}
	items := make([]item, 0, total)
	for _, name := range connectorNames(c) {
		items = append(items, connectorItem(name))
		for t := range c.Tasks[name] {
			items = append(items, item{connector: name, task: int32(t)})
		}
	}
	return items
}

// configures reports whether c has it: a configured connector, or a task
// below its connector's task count.
func (c Config) configures(it item) bool {
	n, ok := c.Tasks[it.connector]
	return ok && (it.kind() == connectorKind || it.task >= 0 && int(it.task) < n)
}

// newOwners starts an empty placement with every member's URL, sized for
// the configured work.
func newOwners(members []Member, configured [kinds]int) *Owners {
	o := &Owners{
		Connectors: make(map[string]string, configured[connectorKind]),
		Tasks:      make(map[wire.TaskID]string, configured[taskKind]),
		URLs:       make(map[string]string, len(members)),
	}
	for _, m := range members {
		o.URLs[m.ID] = m.URL
	}
	return o
}

func (o *Owners) place(it item, member string) {
	if it.kind() == connectorKind {
		o.Connectors[it.connector] = member
	} else {
		o.Tasks[it.taskID()] = member
	}
}

func (o *Owners) has(it item) bool {
	if it.kind() == connectorKind {
		_, ok := o.Connectors[it.connector]
		return ok
	}
	_, ok := o.Tasks[it.taskID()]
	return ok
}
