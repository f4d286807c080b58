package coordination

import (
	"slices"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// merge returns a with b's items added, each once, in order of first
// appearance.
func merge(a, b wire.Work) wire.Work {
	return keep(a, b, wire.Work{}, true)
}

// subtract returns a without b's items.
func subtract(a, b wire.Work) wire.Work {
	return keep(a, wire.Work{}, b, false)
}

// keep lists a's then add's items, skipping those in drop and duplicates
// when dedupe is set.
func keep(a, add, drop wire.Work, dedupe bool) wire.Work {
	seenC := map[string]bool{}
	seenT := map[wire.TaskID]bool{}
	for _, c := range drop.Connectors {
		seenC[c] = true
	}
	for _, t := range drop.Tasks {
		seenT[t] = true
	}
	var out wire.Work
	for _, list := range [][]string{a.Connectors, add.Connectors} {
		for _, c := range list {
			if !seenC[c] {
				out.Connectors = append(out.Connectors, c)
				seenC[c] = dedupe
			}
		}
	}
	for _, list := range [][]wire.TaskID{a.Tasks, add.Tasks} {
		for _, t := range list {
			if !seenT[t] {
				out.Tasks = append(out.Tasks, t)
				seenT[t] = dedupe
			}
		}
	}
	return out
}

// workString lists work as Java logs it: connectors, then connector-n tasks.
func workString(w wire.Work) string {
	items := slices.Clone(w.Connectors)
	for _, t := range w.Tasks {
		items = append(items, t.Connector+"-"+strconv.Itoa(int(t.Task)))
	}
	slices.Sort(items)
	return "[" + strings.Join(items, ", ") + "]"
}
