package plugin

import (
	"fmt"
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

// Registry resolves class names, as Java's plugin loader does: by full
// name, by simple name, and by the simple name without its kind's suffix
// ("FileStreamSource" for FileStreamSourceConnector), the short forms only
// while they are unambiguous.
type Registry struct {
	byName  map[string]Plugin
	plugins []Plugin
}

// NewRegistry indexes plugins; two plugins with the same class are an error.
func NewRegistry(plugins ...Plugin) (*Registry, error) {
	r := &Registry{byName: map[string]Plugin{}}
	aliases := map[string][]Plugin{}
	for _, p := range plugins {
		if _, dup := r.byName[p.Class]; dup {
			return nil, fmt.Errorf("plugin %s registered twice", p.Class)
		}
		r.byName[p.Class] = p
		r.plugins = append(r.plugins, p)
		for _, a := range aliasesOf(p) {
			aliases[a] = append(aliases[a], p)
		}
	}
	for a, ps := range aliases {
		if _, full := r.byName[a]; !full && len(ps) == 1 {
			r.byName[a] = ps[0]
		}
	}
	sort.Slice(r.plugins, func(i, j int) bool { return r.plugins[i].Class < r.plugins[j].Class })
	return r, nil
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

// Lookup returns the plugin a class name or alias refers to.
func (r *Registry) Lookup(name string) (Plugin, bool) {
	p, ok := r.byName[strings.TrimSpace(name)]
	return p, ok
}

// All returns every plugin, sorted by class name.
func (r *Registry) All() []Plugin { return r.plugins }
