package connectorconfig

import (
	"sort"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// catalog answers the questions validation asks about plugins, as Java's
// Plugins and class loading (with Connect's aliases) answer them. A nil
// catalog knows no plugins and recommends nothing.
type catalog struct {
	plugins []plugin.Plugin
	refused func(plugin.Plugin) error // nil: every connector is enabled
}

func newCatalog(reg *plugin.Registry) *catalog {
	if reg == nil {
		return &catalog{}
	}
	return &catalog{plugins: reg.All(), refused: reg.Refused}
}

func (c *catalog) refusal(p plugin.Plugin) error {
	if c == nil || c.refused == nil {
		return nil
	}
	return c.refused(p)
}

func (c *catalog) all() []plugin.Plugin {
	if c == nil {
		return nil
	}
	return c.plugins
}

// javaInterface names the Java interface a kind of plugin implements.
var javaInterface = map[plugin.Kind]string{
	plugin.KindSource: "Connector", plugin.KindSink: "Connector",
	plugin.KindConverter: "Converter", plugin.KindHeaderConverter: "HeaderConverter",
	plugin.KindTransformation: "Transformation", plugin.KindPredicate: "Predicate",
}

var kindSuffix = map[plugin.Kind]string{
	plugin.KindSource: "Connector", plugin.KindSink: "Connector",
	plugin.KindConverter: "Converter", plugin.KindHeaderConverter: "HeaderConverter",
	plugin.KindTransformation: "Transformation", plugin.KindPredicate: "Predicate",
}

// javaSimpleName is Class.getSimpleName: nested classes (Cast$Key) have
// the name after the '$'.
func javaSimpleName(class string) string {
	s := class[strings.LastIndexByte(class, '.')+1:]
	return s[strings.LastIndexByte(s, '$')+1:]
}

// isAlias says whether name is one of the plugin's aliases before Java
// drops those that name several classes (PluginUtils.computeAliases): its
// simple name, and that name cut before the last occurrence of its kind's
// name (FileStreamSink for FileStreamSinkConnector).
func isAlias(p plugin.Plugin, name string) bool {
	simple := javaSimpleName(p.Class)
	if simple == name {
		return true
	}
	pos := strings.LastIndex(simple, kindSuffix[p.Kind])
	return pos > 0 && simple[:pos] == name
}

// lookupClass resolves a class name or alias to a full class name, as
// Class.forName through Connect's class loader does: the registry's own
// alias rules are not used, so that names resolve as in Java.
func (c *catalog) lookupClass(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	all := c.all()
	for _, p := range all {
		if p.Class == name {
			return name, true
		}
	}
	// A nested class's simple name is the part after '$', so
	// "HoistField$Key" is no alias (isAlias never matches it).
	var found []string
	for _, p := range all {
		if isAlias(p, name) && !contains(found, p.Class) {
			found = append(found, p.Class)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	// An abstract class holding the plugins (transforms.Cast for Cast$Key
	// and Cast$Value) loads in Java; it exists here when they do.
	if strings.Contains(name, ".") {
		for _, p := range all {
			if strings.HasPrefix(p.Class, name+"$") {
				return name, true
			}
		}
	}
	return "", false
}

// plugin returns the plugin of a full class name that is of one of kinds.
func (c *catalog) plugin(class string, kinds ...plugin.Kind) (plugin.Plugin, bool) {
	for _, p := range c.all() {
		if p.Class == class {
			for _, k := range kinds {
				if p.Kind == k {
					return p, true
				}
			}
		}
	}
	return plugin.Plugin{}, false
}

// resolve finds the plugin of one of kinds a class name or alias names.
func (c *catalog) resolve(name string, kinds ...plugin.Kind) (plugin.Plugin, bool) {
	class, ok := c.lookupClass(javatext.Trim(name))
	if !ok {
		return plugin.Plugin{}, false
	}
	return c.plugin(class, kinds...)
}

// classes lists the classes of a kind, sorted and distinct.
func (c *catalog) classes(kind plugin.Kind) []string {
	var out []string
	for _, p := range c.all() {
		if p.Kind == kind && !contains(out, p.Class) {
			out = append(out, p.Class)
		}
	}
	sort.Strings(out)
	return out
}

// ensureKind is Utils.ensureConcreteSubclass for a class of the catalog.
func (c *catalog) ensureKind(cls configdef.Class, kind plugin.Kind) error {
	if c == nil {
		return nil
	}
	if _, ok := c.plugin(cls.Name, kind); ok {
		return nil
	}
	var nested []string
	for _, p := range c.all() {
		if p.Kind == kind && strings.HasPrefix(p.Class, cls.Name+"$") && !contains(nested, p.Class) {
			nested = append(nested, p.Class)
		}
	}
	if len(nested) > 0 {
		sort.Strings(nested)
		return configdef.Exception("", "This class is abstract and cannot be created. Did you mean "+strings.Join(nested, ", ")+"?")
	}
	return configdef.Exception("", "Class class "+cls.Name+" does not implement the "+javaInterface[kind]+" interface")
}

// isKind is ConcreteSubClassValidator (null passes: the class was not
// found, which parsing reported).
func (c *catalog) isKind(kind plugin.Kind) func(string, any) error {
	return func(_ string, v any) error {
		cls, ok := v.(configdef.Class)
		if !ok {
			return nil
		}
		if _, known := c.lookupClass(cls.Name); !known {
			return nil // a worker default this catalog does not hold
		}
		return c.ensureKind(cls, kind)
	}
}

// version returns the version of the plugin of one of kinds named by
// nameOrAlias, or nil (Plugins.pluginVersion).
func (c *catalog) version(nameOrAlias string, set bool, kinds ...plugin.Kind) any {
	if !set {
		return nil
	}
	if p, ok := c.resolve(nameOrAlias, kinds...); ok {
		return p.Version
	}
	return nil
}

// versionsAnyKind lists the version of every plugin of a class, one per
// kind it is registered as: what Java's "available versions" lists.
func (c *catalog) versionsAnyKind(class string) []string {
	var out []string
	for _, p := range c.all() {
		if p.Class == class {
			out = append(out, p.Version)
		}
	}
	return out
}

// Recommenders (Java's PluginsRecommenders).

// classesOf recommends every class of a kind.
func (c *catalog) classesOf(kind plugin.Kind) func(map[string]any) ([]any, bool) {
	return func(map[string]any) ([]any, bool) {
		var out []any
		for _, cl := range c.classes(kind) {
			out = append(out, configdef.Class{Name: cl})
		}
		return out, true
	}
}

func (c *catalog) versionsOfClass(class string, kinds ...plugin.Kind) []any {
	var out []any
	for _, p := range c.all() {
		if p.Class == class && contains(kindNames(kinds), string(p.Kind)) && !containsAny(out, p.Version) {
			out = append(out, p.Version)
		}
	}
	return out
}

// versionsOf recommends the versions of the class set in classKey, shown
// only when one is.
func (c *catalog) versionsOf(classKey string, kind plugin.Kind) func(map[string]any) ([]any, bool) {
	return func(parsed map[string]any) ([]any, bool) {
		cls, ok := parsed[classKey].(configdef.Class)
		if !ok {
			return nil, parsed[classKey] != nil
		}
		return c.versionsOfClass(cls.Name, kind), true
	}
}

// smtVersions recommends the versions of a transformation's or
// predicate's class; the setting is always shown.
func (c *catalog) smtVersions(typeKey string, kind plugin.Kind) func(map[string]any) ([]any, bool) {
	return func(parsed map[string]any) ([]any, bool) {
		cls, ok := parsed[typeKey].(configdef.Class)
		if !ok {
			return nil, true
		}
		return c.versionsOfClass(cls.Name, kind), true
	}
}

// connectorVersions recommends the connector's versions.
func (c *catalog) connectorVersions(parsed map[string]any) ([]any, bool) {
	name, ok := parsed[ConnectorClassConfig].(string)
	if !ok {
		return nil, false
	}
	class, found := c.lookupClass(name)
	if !found {
		return nil, true
	}
	if v := c.versionsOfClass(class, plugin.KindSource); len(v) > 0 {
		return v, true
	}
	return c.versionsOfClass(class, plugin.KindSink), true
}

func kindNames(kinds []plugin.Kind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

func containsAny(l []any, v any) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// connector finds the connector plugin connector.class names, or fails
// with Java's message (Plugins.connectorClass) and the closest names.
func (c *catalog) connector(name string) (plugin.Plugin, error) {
	if class, ok := c.lookupClass(name); ok {
		if p, ok := c.plugin(class, plugin.KindSource, plugin.KindSink); ok {
			if err := c.refusal(p); err != nil {
				return plugin.Plugin{}, &RequestError{Message: err.Error()}
			}
			return p, nil
		}
	}
	var connectors, matches []plugin.Plugin
	for _, p := range c.all() {
		if p.Kind != plugin.KindSource && p.Kind != plugin.KindSink {
			continue
		}
		connectors = append(connectors, p)
		if simple := javaSimpleName(p.Class); simple == name || simple == name+"Connector" {
			matches = append(matches, p)
		}
	}
	sort.SliceStable(connectors, func(i, j int) bool { return connectors[i].Class < connectors[j].Class })
	descs := make([]string, len(connectors))
	for i, p := range connectors {
		descs[i] = pluginDesc(p)
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		e := &RequestError{Message: "Failed to find any class that implements Connector and which name matches " +
			name + ", available connectors are: " + strings.Join(descs, ", ")}
		e.Suggestions = closest(name, connectors)
		if len(e.Suggestions) > 0 {
			e.Message += ". Did you mean " + strings.Join(e.Suggestions, " or ") + "?"
		}
		return plugin.Plugin{}, e
	}
	return plugin.Plugin{}, &RequestError{Message: "More than one connector matches alias " + name +
		". Please use full package and class name instead. Classes found: " + strings.Join(descs, ", ")}
}

// pluginDesc is Java's PluginDesc.toString for a plugin on the classpath.
func pluginDesc(p plugin.Plugin) string {
	return "PluginDesc{klass=class " + p.Class + ", name='" + p.Class + "', version='" + p.Version +
		"', encodedVersion=" + p.Version + ", type=" + string(p.Kind) + ", typeName='" + string(p.Kind) +
		"', location='classpath'}"
}

// closest lists the connector classes whose names are near name: equal
// ignoring case, containing it, or a few edits away.
func closest(name string, connectors []plugin.Plugin) []string {
	want := strings.ToLower(javaSimpleName(name))
	if want == "" {
		return nil
	}
	type scored struct {
		class string
		dist  int
	}
	var found []scored
	for _, p := range connectors {
		best := -1
		simple := javaSimpleName(p.Class)
		for _, cand := range []string{simple, strings.TrimSuffix(simple, "Connector")} {
			cand = strings.ToLower(cand)
			d := editDistance(want, cand)
			if strings.Contains(cand, want) || strings.Contains(want, cand) {
				d = min(d, 1)
			}
			if best < 0 || d < best {
				best = d
			}
		}
		if best <= max(2, len(want)/3) {
			found = append(found, scored{p.Class, best})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].dist < found[j].dist })
	var out []string
	for i, f := range found {
		if i == 3 {
			break
		}
		out = append(out, f.class)
	}
	return out
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
