package coordination

import (
	"slices"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// workString lists work as Java logs it: connectors, then connector-n tasks.
func workString(w wire.Work) string {
	items := slices.Clone(w.Connectors)
	for _, t := range w.Tasks {
		items = append(items, t.Connector+"-"+strconv.Itoa(int(t.Task)))
	}
	slices.Sort(items)
	return "[" + strings.Join(items, ", ") + "]"
}
