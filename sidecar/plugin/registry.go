package plugin

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind is what a plugin is, as GET /connector-plugins names it.
type Kind string

// Plugin kinds.
const (
	KindSource          Kind = "source"
	KindSink            Kind = "sink"
	KindConverter       Kind = "converter"
	KindHeaderConverter Kind = "header_converter"
	KindTransformation  Kind = "transformation"
	KindPredicate       Kind = "predicate"
)

// Plugin describes one plugin: its Java class name, so existing configs
// work unchanged, and how to make an instance.
type Plugin struct {
	Class   string // full class name, e.g. org.apache.kafka.connect.file.FileStreamSourceConnector
	Kind    Kind
	Version string
	// New returns a fresh instance: a SourceConnector, SinkConnector,
	// Converter, HeaderConverter, Transformation or Predicate by Kind.
	New func() any
}

// TaskClass is the task class name a connector's task configs carry as
// task.class, as Java's do: the connector's class with its Connector
// suffix replaced by Task (FileStreamSourceConnector runs
// FileStreamSourceTask). Java workers read it when they run the task.
func (p Plugin) TaskClass() string {
	return strings.TrimSuffix(p.Class, "Connector") + "Task"
}

// Registry resolves class names, as Java's plugin loader does: by full
// name, by simple name, and by the simple name without its kind's suffix
// ("FileStreamSource" for FileStreamSourceConnector), the short forms only
// while they are unambiguous. A class may be registered once per kind
// (Java lists JsonConverter as both converter and header converter).
type Registry struct {
	byName  map[string][]Plugin
	plugins []Plugin
	refused map[string]error // connector class -> why it may not run here
}

// NewRegistry indexes plugins; a class registered twice for one kind is an
// error.
func NewRegistry(plugins ...Plugin) (*Registry, error) {
	r := &Registry{byName: map[string][]Plugin{}}
	aliases := map[string][]Plugin{}
	for _, p := range plugins {
		for _, q := range r.byName[p.Class] {
			if q.Kind == p.Kind {
				return nil, fmt.Errorf("plugin %s registered twice as %s", p.Class, p.Kind)
			}
		}
		r.byName[p.Class] = append(r.byName[p.Class], p)
		r.plugins = append(r.plugins, p)
		for _, a := range aliasesOf(p) {
			aliases[a] = append(aliases[a], p)
		}
	}
	for a, ps := range aliases {
		if _, full := r.byName[a]; !full && sameClass(ps) {
			r.byName[a] = ps
		}
	}
	sort.SliceStable(r.plugins, func(i, j int) bool { return r.plugins[i].Class < r.plugins[j].Class })
	return r, nil
}

// sameClass reports whether an alias points at one class only.
func sameClass(ps []Plugin) bool {
	for _, p := range ps[1:] {
		if p.Class != ps[0].Class {
			return false
		}
	}
	return true
}

func aliasesOf(p Plugin) []string {
	simple := p.Class[strings.LastIndexByte(p.Class, '.')+1:]
	out := []string{simple}
	suffix := map[Kind]string{
		KindSource: "Connector", KindSink: "Connector", KindConverter: "Converter",
		KindHeaderConverter: "Converter", KindTransformation: "Transformation", KindPredicate: "Predicate",
	}[p.Kind]
	if pruned, ok := strings.CutSuffix(simple, suffix); ok && pruned != "" {
		out = append(out, pruned)
	}
	return out
}

// Lookup returns the plugin a class name or alias refers to, of one of the
// given kinds (any kind when none are given).
func (r *Registry) Lookup(name string, kinds ...Kind) (Plugin, bool) {
	for _, p := range r.byName[strings.TrimSpace(name)] {
		if len(kinds) == 0 || slices.Contains(kinds, p.Kind) {
			return p, true
		}
	}
	return Plugin{}, false
}

// All returns every plugin, sorted by class name.
func (r *Registry) All() []Plugin { return r.plugins }

// EnableConnectors lets only the connectors names lists (full class names
// or aliases) be created and run; setting is the worker setting that holds
// the list, for messages. The others stay registered, so their names still
// resolve and Refused can say how to enable them. Call it before the
// registry is shared.
func (r *Registry) EnableConnectors(names []string, setting string) error {
	enabled := map[string]bool{}
	for _, n := range names {
		p, ok := r.Lookup(n, KindSource, KindSink)
		if !ok {
			var known []string
			for _, p := range r.plugins {
				if p.Kind == KindSource || p.Kind == KindSink {
					known = append(known, p.Class)
				}
			}
			return fmt.Errorf("%s names %q, which is not a connector of this worker (it has %s)", setting, n, strings.Join(known, ", "))
		}
		enabled[p.Class] = true
	}
	r.refused = map[string]error{}
	for _, p := range r.plugins {
		if (p.Kind == KindSource || p.Kind == KindSink) && !enabled[p.Class] {
			r.refused[p.Class] = &RefusedError{Class: p.Class, Setting: setting}
		}
	}
	return nil
}

// Refused says why the connector p may not be created or run on this
// worker, or nil when it may.
func (r *Registry) Refused(p Plugin) error { return r.refused[p.Class] }

// RefusedError is a connector class the worker's settings do not enable.
type RefusedError struct {
	Class   string
	Setting string
}

func (e *RefusedError) Error() string {
	return "Connector " + e.Class + " is not enabled on this worker: add it to " + e.Setting + " to allow it"
}
