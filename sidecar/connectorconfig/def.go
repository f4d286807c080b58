package connectorconfig

import (
	"sort"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// key is one setting with everything Java's ConfigDef.ConfigKey carries,
// which plugin.ConfigKey cannot all express (null defaults, validators
// that see parsed or null values, recommenders).
type key struct {
	name       string
	typ        plugin.ConfigType
	required   bool // Java's NO_DEFAULT_VALUE
	dflt       any  // the parsed default; nil is Java's null
	importance plugin.Importance
	doc        string
	group      string // "" is Java's null group
	order      int
	width      string
	display    string
	dependents []string

	// check is a Java validator: it sees the parsed value, or nil when the
	// value is null, missing or did not parse, and is always called.
	check func(name string, v any) error
	// pluginCheck is a plugin.ConfigKey's Validate: it sees the value as
	// written, only when one was set and it parsed.
	pluginCheck func(raw string) error
	// distinct: Java's ConfigDef.parse drops repeated list entries first
	// (keys checked by a ValidList); validation does not.
	distinct bool
	// recommend is a Java Recommender: recommended values and visibility,
	// given every key's parsed value.
	recommend func(parsed map[string]any) (values []any, visible bool)
}

// def is a ConfigDef: keys in definition order, and the groups in the
// order their first key was defined.
type def struct {
	keys   []*key
	byName map[string]*key
	groups []string
}

func newDef() *def { return &def{byName: map[string]*key{}} }

func (d *def) clone() *def {
	c := &def{keys: append([]*key(nil), d.keys...), byName: make(map[string]*key, len(d.keys)),
		groups: append([]string(nil), d.groups...)}
	for k, v := range d.byName {
		c.byName[k] = v
	}
	return c
}

// define adds k, as ConfigDef.define does; a name defined twice is an
// error in Java, and is ignored here.
func (d *def) define(k *key) *def {
	if _, dup := d.byName[k.name]; dup {
		return d
	}
	if k.group != "" && !contains(d.groups, k.group) {
		d.groups = append(d.groups, k.group)
	}
	if k.dependents == nil {
		k.dependents = []string{}
	}
	d.keys = append(d.keys, k)
	d.byName[k.name] = k
	return d
}

// put replaces a key of the same name where it stands, or appends it, as
// LinkedHashMap.put does with configKeys (groups are left alone).
func (d *def) put(k *key) {
	if _, ok := d.byName[k.name]; ok {
		for i, old := range d.keys {
			if old.name == k.name {
				d.keys[i] = k
			}
		}
	} else {
		d.keys = append(d.keys, k)
	}
	d.byName[k.name] = k
}

// sorted is ConfigDef.sortedConfigs: by group (in group order, no group
// first), order in group, required first, importance, then name.
func (d *def) sorted() []*key {
	groupOrd := map[string]int{}
	for i, g := range d.groups {
		groupOrd[g] = i
	}
	imp := map[plugin.Importance]int{plugin.High: 0, plugin.Medium: 1, plugin.Low: 2}
	out := append([]*key(nil), d.keys...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.group == "") != (b.group == "") {
			return a.group == ""
		}
		if a.group != b.group {
			return groupOrd[a.group] < groupOrd[b.group]
		}
		if a.order != b.order {
			return a.order < b.order
		}
		if a.required != b.required {
			return a.required
		}
		if imp[a.importance] != imp[b.importance] {
			return imp[a.importance] < imp[b.importance]
		}
		return a.name < b.name
	})
	return out
}

// embed is ConfigDef.embed: child's keys, sorted, under prefix, in group
// groupPrefix (or "groupPrefix: group"), numbered from start. Validators
// of embedded keys see the name without the prefix, as in Java.
func (d *def) embed(prefix, groupPrefix string, start int, child *def) {
	order := start
	for _, k := range child.sorted() {
		e := *k
		e.name = prefix + k.name
		e.group = groupPrefix
		if k.group != "" {
			e.group += ": " + k.group
		}
		e.order = order
		order++
		e.dependents = make([]string, len(k.dependents))
		for i, dep := range k.dependents {
			e.dependents[i] = prefix + dep
		}
		if check := k.check; check != nil {
			e.check = func(name string, v any) error { return check(name[len(prefix):], v) }
		}
		if rec := k.recommend; rec != nil {
			e.recommend = func(parsed map[string]any) ([]any, bool) {
				unprefixed := map[string]any{}
				for n, v := range parsed {
					if len(n) > len(prefix) && n[:len(prefix)] == prefix {
						unprefixed[n[len(prefix):]] = v
					}
				}
				return rec(unprefixed)
			}
		}
		d.define(&e)
	}
}

// fromPlugin turns a plugin's ConfigDef into a def. The zero values of
// plugin.ConfigKey read as Java's short ConfigDef.define does: no group
// and order 0 is order -1, width NONE, display name = name. An empty
// default of any type but LIST reads as Java's null default, the common
// case (plugin.ConfigKey cannot tell "" from null).
func fromPlugin(pd plugin.ConfigDef, lookupClass func(string) (string, bool)) *def {
	d := newDef()
	for _, pk := range pd {
		d.define(fromPluginKey(pk, lookupClass))
	}
	return d
}

func fromPluginKey(pk plugin.ConfigKey, lookupClass func(string) (string, bool)) *key {
	k := &key{name: pk.Name, typ: pk.Type, importance: pk.Importance, doc: pk.Documentation,
		group: pk.Group, order: pk.OrderInGroup, width: pk.Width, display: pk.DisplayName,
		dependents: append([]string{}, pk.Dependents...), pluginCheck: pk.Validate}
	if k.width == "" {
		k.width = "NONE"
	}
	if k.display == "" {
		k.display = k.name
	}
	if k.group == "" && k.order == 0 {
		k.order = -1
	}
	switch {
	case !pk.HasDefault:
		k.required = true
	case pk.Default == "" && pk.Type != plugin.TypeList:
		k.dflt = nil
	default:
		v, err := configdef.ParseType(pk.Name, pk.Default, pk.Type, lookupClass)
		if err == nil {
			k.dflt = v
		} else if pk.Type == plugin.TypeClass {
			k.dflt = configdef.Class{Name: javatext.Trim(pk.Default)}
		}
	}
	return k
}

// pluginKey is k as a plugin.ConfigKey; Validate parses the value as Java
// would and applies k's validator.
func (k *key) pluginKey() plugin.ConfigKey {
	dflt, _ := configdef.ConvertToString(k.dflt)
	pk := plugin.ConfigKey{Name: k.name, Type: k.typ, Default: dflt, HasDefault: !k.required,
		Importance: k.importance, Documentation: k.doc, Group: k.group, OrderInGroup: k.order,
		Width: k.width, DisplayName: k.display, Dependents: append([]string(nil), k.dependents...)}
	kk := k
	pk.Validate = func(value string) error {
		v, err := configdef.ParseType(kk.name, value, kk.typ, func(s string) (string, bool) { return s, s != "" })
		if err != nil {
			return err
		}
		if kk.distinct {
			v = configdef.Distinct(v.([]string))
		}
		if kk.check != nil {
			return kk.check(kk.name, v)
		}
		return nil
	}
	return pk
}

func toPlugin(d *def) plugin.ConfigDef {
	out := make(plugin.ConfigDef, len(d.keys))
	for i, k := range d.keys {
		out[i] = k.pluginKey()
	}
	return out
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
