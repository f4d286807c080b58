package assign

import (
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"testing/quick"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
)

// quickConfig fixes the seed so that a failure reproduces.
func quickConfig() *quick.Config {
	return &quick.Config{MaxCount: 300, Rand: rand.New(rand.NewSource(415))}
}

// shape is a random group: workers, connectors with random task counts,
// and a random index for picking a worker.
type shape struct {
	Workers int
	Tasks   []int
	Pick    int
}

func (shape) Generate(r *rand.Rand, _ int) reflect.Value {
	s := shape{Workers: 1 + r.Intn(7), Pick: r.Intn(1 << 10)}
	for range r.Intn(10) {
		s.Tasks = append(s.Tasks, r.Intn(9))
	}
	return reflect.ValueOf(s)
}

func (s shape) config() map[string]int {
	tasks := make(map[string]int, len(s.Tasks))
	for i, n := range s.Tasks {
		tasks[fmt.Sprintf("c%d", i)] = n
	}
	return tasks
}

// start joins every worker at once and settles the group.
func (s shape) start(maxDelay time.Duration) (*cluster, error) {
	c := newCluster()
	c.maxDelay = maxDelay
	c.setConfig(1, s.config())
	for i := range s.Workers {
		if err := c.join(fmt.Sprintf("w%d", i)); err != nil {
			return nil, err
		}
	}
	err := c.settle(4)
	return c, err
}

// check turns a property's error into a quick failure with the reason.
func check(t *testing.T, property func(shape) error) {
	t.Helper()
	var failure error
	err := quick.Check(func(s shape) bool {
		failure = property(s)
		return failure == nil
	}, quickConfig())
	if err != nil {
		t.Fatalf("%v: %v", err, failure)
	}
}

// Once stable, every connector and task runs exactly once and loads differ
// by at most one per kind.
func TestQuickStableAssignmentIsExactAndBalanced(t *testing.T) {
	check(t, func(s shape) error {
		c, err := s.start(300 * time.Second)
		if err != nil {
			return err
		}
		return c.checkBalanced()
	})
}

// A round with nothing changed assigns, revokes and delays nothing, and
// leaves the leader's memory as it was.
func TestQuickSecondRunChangesNothing(t *testing.T) {
	check(t, func(s shape) error {
		c, err := s.start(300 * time.Second)
		if err != nil {
			return err
		}
		before := c.state
		_, out, err := c.rebalance()
		if err != nil {
			return err
		}
		if !quiet(out) {
			return fmt.Errorf("second run changed something: %v", out.Assignments)
		}
		after := out.State
		after.Generation = before.Generation
		if !reflect.DeepEqual(before, after) {
			return fmt.Errorf("state changed:\n%+v\n%+v", before, after)
		}
		return nil
	})
}

// The same Input gives the same Output, and Assign leaves its Input alone.
func TestQuickDeterministic(t *testing.T) {
	check(t, func(s shape) error {
		c, err := s.start(300 * time.Second)
		if err != nil {
			return err
		}
		if err := c.join("late"); err != nil {
			return err
		}
		in := c.input()
		kept := c.input()
		first, err := Cooperative(in)
		if err != nil {
			return err
		}
		second, err := Cooperative(in)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(first, second) {
			return fmt.Errorf("two runs differ")
		}
		if !reflect.DeepEqual(in, kept) {
			return fmt.Errorf("input modified")
		}
		return nil
	})
}

// After one worker joins, a revocation round and an assignment round are
// enough.
func TestQuickJoinConvergesWithinTwoRebalances(t *testing.T) {
	check(t, func(s shape) error {
		c, err := s.start(300 * time.Second)
		if err != nil {
			return err
		}
		if err := c.join("new"); err != nil {
			return err
		}
		return convergedWithin(c, 2)
	})
}

// After one worker leaves with max delay 0, two rounds are enough (one,
// in fact: its work is levelled onto the others at once).
func TestQuickLeaveConvergesWithinTwoRebalances(t *testing.T) {
	check(t, func(s shape) error {
		if s.Workers < 2 {
			return nil
		}
		c, err := s.start(0)
		if err != nil {
			return err
		}
		if _, err := c.leave(c.members[s.Pick%len(c.members)].id); err != nil {
			return err
		}
		return convergedWithin(c, 2)
	})
}

// convergedWithin checks that at most rounds rebalances change something
// before one changes nothing, and that the result is balanced.
func convergedWithin(c *cluster, rounds int) error {
	if err := c.settle(rounds); err != nil {
		return err
	}
	return c.checkBalanced()
}

// history is a random run of a group's life: members come and go, crash
// and return under new ids, connectors are created, deleted and resized,
// time passes, syncs fail or are missed, the leader falls behind the
// config, a zombie runs another member's work. Every round keeps the invariants of checkRound, and once events
// stop the group settles balanced.
type history struct {
	Start    shape
	MaxDelay time.Duration
	Events   []event
}

type event struct {
	Kind int
	A, B int
}

const (
	joinEvent = iota
	leaveEvent
	bounceEvent
	createEvent
	deleteEvent
	resizeEvent
	tickEvent
	missedEvent
	failedSyncEvent
	behindEvent
	zombieEvent
	eventKinds
)

func (history) Generate(r *rand.Rand, size int) reflect.Value {
	h := history{Start: shape{}.Generate(r, size).Interface().(shape)}
	h.MaxDelay = []time.Duration{0, 10 * time.Second}[r.Intn(2)]
	for range r.Intn(16) {
		h.Events = append(h.Events, event{Kind: r.Intn(eventKinds), A: r.Intn(1 << 10), B: r.Intn(9)})
	}
	return reflect.ValueOf(h)
}

func TestQuickRandomHistoryKeepsInvariants(t *testing.T) {
	var failure error
	err := quick.Check(func(h history) bool {
		failure = h.run()
		return failure == nil
	}, quickConfig())
	if err != nil {
		t.Fatalf("%v: %v", err, failure)
	}
}

func (h history) run() error {
	c, err := h.Start.start(h.MaxDelay)
	if err != nil {
		return err
	}
	for i, e := range h.Events {
		if err := c.play(e, i); err != nil {
			return fmt.Errorf("event %d %+v: %w", i, e, err)
		}
	}
	// Let any delay run out, then settle.
	c.now = c.now.Add(h.MaxDelay)
	if err := c.settle(12); err != nil {
		return err
	}
	return c.checkBalanced()
}

// play applies one event and runs the rebalance it triggers.
func (c *cluster) play(e event, seq int) error {
	pick := c.members[e.A%len(c.members)].id
	var missed []string
	switch e.Kind {
	case joinEvent:
		if err := c.join(fmt.Sprintf("j%d", seq)); err != nil {
			return err
		}
	case leaveEvent, bounceEvent:
		if len(c.members) == 1 && e.Kind == leaveEvent {
			return nil
		}
		if _, err := c.leave(pick); err != nil {
			return err
		}
		if e.Kind == bounceEvent {
			if err := c.join(pick + "b"); err != nil {
				return err
			}
		}
	case createEvent, deleteEvent, resizeEvent:
		c.changeConfig(e)
	case tickEvent:
		c.now = c.now.Add(time.Duration(e.B) * 2 * time.Second)
	case missedEvent:
		missed = []string{pick}
	case failedSyncEvent:
		_, _, err := c.rebalance()
		return err
	case zombieEvent:
		c.runAlsoOn(pick, e.B)
	case behindEvent:
		c.member(pick).offset = c.config.Offset + 1
		defer func() { c.member(pick).offset = c.config.Offset }()
	}
	_, out, err := c.rebalance()
	if err != nil {
		return err
	}
	c.apply(out, missed...)
	return nil
}

// runAlsoOn makes id report one more item that another member runs.
func (c *cluster) runAlsoOn(id string, n int) {
	var others []item
	for _, m := range c.members {
		if m.id != id {
			others = append(others, m.running...)
		}
	}
	if len(others) > 0 {
		m := c.member(id)
		m.running = sortItems(append(m.running, others[n%len(others)]))
	}
}

// changeConfig creates, deletes or resizes a connector, at a new offset.
func (c *cluster) changeConfig(e event) {
	tasks := maps.Clone(c.config.Tasks)
	names := slices.Sorted(maps.Keys(tasks))
	switch {
	case e.Kind == createEvent || len(names) == 0:
		tasks[fmt.Sprintf("n%d", e.A)] = e.B
	case e.Kind == deleteEvent:
		delete(tasks, names[e.A%len(names)])
	default:
		tasks[names[e.A%len(names)]] = e.B
	}
	c.setConfig(c.config.Offset+1, tasks)
}

// sortItems, which ranks names first, orders like a plain sort on
// (connector in Java order, task).
func TestQuickSortItemsIsJavaOrder(t *testing.T) {
	sorted := func(names []string, tasks []int8) bool {
		var items []item
		for i, task := range tasks {
			if len(names) > 0 {
				items = append(items, item{connector: names[i%len(names)], task: int32(task)})
			}
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(a, b item) int {
			if c := javaorder.Compare(a.connector, b.connector); c != 0 {
				return c
			}
			return int(a.task) - int(b.task)
		})
		return slices.Equal(sortItems(items), want)
	}
	if err := quick.Check(sorted, quickConfig()); err != nil {
		t.Fatal(err)
	}
}
