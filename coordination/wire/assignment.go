package wire

import (
	"fmt"
	"maps"
	"slices"
)

// EncodeAssignment returns the SyncGroup assignment bytes for a:
//
//	all versions: version int16, error int16, leader STRING, leaderUrl STRING,
//	              configOffset int64, assignment ARRAY<entry>
//	V1, V2:       then revoked ARRAY<entry>, delay int32
//	entry:        connector STRING, tasks ARRAY<int32> (-1 = the connector itself)
//
// Arrays are always written with a count, never as null, as Java does. Work
// is treated as a set: entries are sorted by connector name, each lists -1
// first and then its task numbers ascending, and duplicates are dropped, so
// the same Work always gives the same bytes. (Java writes entries in
// hash-set and insertion order; readers give entry order no meaning.) Task
// numbers must not be negative (-1 would read back as the connector), and a
// V0 assignment cannot carry revocations or a delay.
func EncodeAssignment(a Assignment) ([]byte, error) {
	w := &writer{message: "assignment"}
	writeAssignment(w, a)
	return w.bytes()
}

func writeAssignment(w *writer, a Assignment) {
	w.version(a.Version)
	w.int16(a.Error)
	w.str("leader", a.Leader)
	w.str("leaderUrl", a.LeaderURL)
	w.int64(a.ConfigOffset)
	writeWork(w, "assignment", a.Assigned)
	if a.Version == V0 {
		if len(a.Revoked.Connectors)+len(a.Revoked.Tasks) > 0 {
			w.fail("revoked", "V0 assignment has no revoked field")
		}
		if a.DelayMs != 0 {
			w.fail("delay", "V0 assignment has no delay field")
		}
		return
	}
	writeWork(w, "revoked", a.Revoked)
	w.int32(a.DelayMs)
}

// connectorEntry is one element of the wire's connector-assignment array.
type connectorEntry struct {
	connector string
	tasks     []int32
}

func writeWork(w *writer, field string, work Work) {
	for _, t := range work.Tasks {
		if t.Task < 0 {
			w.fail(field, "task %d of connector %q is negative (-1 stands for the connector itself)", t.Task, t.Connector)
		}
	}
	entries := groupByConnector(work)
	w.int32(int32(len(entries)))
	for i, e := range entries {
		w.str(fmt.Sprintf("%s[%d].connector", field, i), e.connector)
		w.int32(int32(len(e.tasks)))
		for _, task := range e.tasks {
			w.int32(task)
		}
	}
}

// groupByConnector builds the canonical entries for work. Sorting puts
// ConnectorTask first because task numbers are never negative.
func groupByConnector(work Work) []connectorEntry {
	tasksOf := make(map[string][]int32)
	for _, c := range work.Connectors {
		tasksOf[c] = append(tasksOf[c], ConnectorTask)
	}
	for _, t := range work.Tasks {
		tasksOf[t.Connector] = append(tasksOf[t.Connector], t.Task)
	}
	entries := make([]connectorEntry, 0, len(tasksOf))
	for _, c := range slices.Sorted(maps.Keys(tasksOf)) {
		tasks := tasksOf[c]
		slices.Sort(tasks)
		entries = append(entries, connectorEntry{connector: c, tasks: slices.Compact(tasks)})
	}
	return entries
}

// DecodeAssignment reads SyncGroup assignment bytes of any version with
// Java's tolerant V1 reader, which Java uses whatever protocol was chosen:
// version >= 0, then error, leader, leaderUrl and configOffset, which must be
// present. assignment, revoked and delay may be missing at the end of the
// buffer (a V0 assignment ends after assignment) and then read as empty or 0,
// as does a null (negative count) array. Bytes after delay are ignored.
//
// Entries become Work in wire order: task -1 adds the connector to
// Connectors, any other number a TaskID to Tasks. Empty lists are nil. The
// result shares no memory with b. Any failure is a *DecodeError.
func DecodeAssignment(b []byte) (Assignment, error) {
	r := &reader{buf: b, message: "assignment"}
	a := readAssignment(r)
	if r.err != nil {
		return Assignment{}, r.err
	}
	return a, nil
}

func readAssignment(r *reader) Assignment {
	a := Assignment{Version: r.version()}
	a.Error = r.int16("error")
	a.Leader = r.str("leader")
	a.LeaderURL = r.str("leaderUrl")
	a.ConfigOffset = r.int64("configOffset")
	if r.more() {
		a.Assigned = readWork(r, "assignment")
	}
	if r.more() {
		a.Revoked = readWork(r, "revoked")
	}
	if r.more() {
		a.DelayMs = r.int32("delay")
	}
	return a
}

// Smallest encodings, used to bound array counts by the bytes left.
const (
	minEntrySize = 2 + 4 // empty connector name, empty task array
	taskSize     = 4
)

func readWork(r *reader, field string) Work {
	var work Work
	n := r.arrayLen(field, minEntrySize, true)
	for i := 0; i < n && r.err == nil; i++ {
		entry := fmt.Sprintf("%s[%d]", field, i)
		connector := r.str(entry + ".connector")
		tasksField := entry + ".tasks"
		// Java's entry schema has a non-nullable task array.
		for range r.arrayLen(tasksField, taskSize, false) {
			if task := r.int32(tasksField); task == ConnectorTask {
				work.Connectors = append(work.Connectors, connector)
			} else {
				work.Tasks = append(work.Tasks, TaskID{Connector: connector, Task: task})
			}
		}
	}
	return work
}
