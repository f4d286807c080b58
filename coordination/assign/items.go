package assign

import (
	"cmp"
	"maps"
	"slices"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
)

// item is one unit of work: the Connector instance itself when task is
// wire.ConnectorTask, else one of its tasks. Folding both into one type lets
// the set algebra of §2.2 run once; balancing still counts the two kinds
// apart, as Java does.
type item struct {
	connector string
	task      int32
}

// kind separates connectors from tasks wherever load is counted.
type kind int

const (
	connectorKind kind = iota
	taskKind
	kinds // number of kinds, for arrays indexed by kind
)

func connectorItem(name string) item { return item{connector: name, task: wire.ConnectorTask} }

func taskItem(t wire.TaskID) item { return item{connector: t.Connector, task: t.Task} }

func (it item) taskID() wire.TaskID { return wire.TaskID{Connector: it.connector, Task: it.task} }

func (it item) kind() kind {
	if it.task == wire.ConnectorTask {
		return connectorKind
	}
	return taskKind
}

// sortItems sorts items in place in Java's order: connector names by
// String.compareTo, then task numbers as ConnectorTaskId.compareTo does,
// with the connector itself (task -1) just before its tasks, as on the wire
// (§1.4). Many items share a connector, so it ranks the distinct names once
// and sorts by rank, sparing most string comparisons.
func sortItems(items []item) []item {
	rank := make(map[string]int)
	for _, it := range items {
		rank[it.connector] = 0
	}
	for i, name := range slices.SortedFunc(maps.Keys(rank), javaorder.Compare) {
		rank[name] = i
	}
	ranked := make([]rankedItem, len(items))
	for i, it := range items {
		ranked[i] = rankedItem{rank: rank[it.connector], item: it}
	}
	slices.SortFunc(ranked, func(a, b rankedItem) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.item.task, b.item.task)
	})
	for i, r := range ranked {
		items[i] = r.item
	}
	return items
}

type rankedItem struct {
	rank int
	item item
}

// itemsOf flattens w, connectors first, keeping the order within each list.
// Balancing revokes the first items a member reports (§2.2 step 10), so the
// reported order matters.
func itemsOf(w wire.Work) []item {
	items := make([]item, 0, len(w.Connectors)+len(w.Tasks))
	for _, c := range w.Connectors {
		items = append(items, connectorItem(c))
	}
	for _, t := range w.Tasks {
		items = append(items, taskItem(t))
	}
	return items
}

// workOf is the inverse of itemsOf, sorted so output does not depend on
// how the items were gathered.
func workOf(items []item) wire.Work {
	var w wire.Work
	for _, it := range sortItems(slices.Clone(items)) {
		if it.kind() == connectorKind {
			w.Connectors = append(w.Connectors, it.connector)
		} else {
			w.Tasks = append(w.Tasks, it.taskID())
		}
	}
	return w
}

// itemSet answers membership only; anything that must be ordered stays in
// a slice next to it.
type itemSet map[item]struct{}

func setOf(items []item) itemSet {
	s := make(itemSet, len(items))
	for _, it := range items {
		s[it] = struct{}{}
	}
	return s
}

func (s itemSet) has(it item) bool {
	_, ok := s[it]
	return ok
}

// without keeps the items of list that none of the sets has, in order.
func without(list []item, sets ...itemSet) []item {
	var kept []item
next:
	for _, it := range list {
		for _, s := range sets {
			if s.has(it) {
				continue next
			}
		}
		kept = append(kept, it)
	}
	return kept
}

// dedupe drops repeats of an item within one member's report (a member
// running something twice still holds it once), and returns the set too.
func dedupe(items []item) ([]item, itemSet) {
	seen := make(itemSet, len(items))
	kept := items[:0:0]
	for _, it := range items {
		if !seen.has(it) {
			seen[it] = struct{}{}
			kept = append(kept, it)
		}
	}
	return kept, seen
}
