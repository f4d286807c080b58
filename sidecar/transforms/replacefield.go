package transforms

import (
	"maps"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const replaceFieldPurpose = "field replacement"

var replaceFieldSettings = configdef.Def{
	listOfNames(configdef.Optional("exclude", plugin.TypeList, "", plugin.Medium,
		"Fields to drop. Wins over include."), true),
	listOfNames(configdef.Optional("include", plugin.TypeList, "", plugin.Medium,
		"Fields to keep; when set, all others are dropped."), true),
	configdef.Optional("renames", plugin.TypeList, "", plugin.Medium,
		"Renames as old:new pairs, e.g. foo:bar,abc:xyz.").
		Checked(func(k string, v any) error {
			_, err := parseRenames(v.([]string))
			return err
		}),
	replaceNullWithDefault(),
}

// replaceFieldAliases are the names Kafka before 4.0 also accepted
// (KIP-629); the new name wins when both are set. Kafka 4 ignores the old
// names, but configs written for older workers still use them.
var replaceFieldAliases = map[string]string{"blacklist": "exclude", "whitelist": "include"}

// parseRenames reads old:new pairs as Java splits them (String.split
// drops trailing empty parts, so "a:" is invalid and ":a" renames "").
func parseRenames(mappings []string) ([][2]string, error) {
	out := make([][2]string, 0, len(mappings))
	for _, m := range mappings {
		parts := javaSplit(m, ":")
		if len(parts) != 2 {
			return nil, configdef.Invalid("renames", mappings, "Invalid rename mapping: "+m)
		}
		out = append(out, [2]string{parts[0], parts[1]})
	}
	return out, nil
}

// javaSplit is String.split with a literal separator: trailing empty
// parts are dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if s == "" {
		return []string{""}
	}
	return parts
}

// ReplaceField drops, keeps or renames fields of a struct or map key or
// value (org.apache.kafka.connect.transforms.ReplaceField$Key and $Value).
type ReplaceField struct {
	side                   side
	exclude, include       map[string]bool
	renames, reverse       map[string]string
	replaceNullWithDefault bool
}

func (t *ReplaceField) Config() plugin.ConfigDef { return replaceFieldSettings.ConfigDef() }

func (t *ReplaceField) Configure(props map[string]string) error {
	v, err := replaceFieldSettings.Parse(withAliases(props, replaceFieldAliases))
	if err != nil {
		return err
	}
	t.exclude, t.include = setOf(v.List("exclude")), setOf(v.List("include"))
	pairs, _ := parseRenames(v.List("renames")) // checked by parse
	t.renames, t.reverse = make(map[string]string, len(pairs)), make(map[string]string, len(pairs))
	for _, p := range pairs {
		t.renames[p[0]], t.reverse[p[1]] = p[1], p[0]
	}
	t.replaceNullWithDefault = v.Bool("replace.null.with.default")
	return nil
}

// withAliases returns props with each old name's value under its new
// name, unless the new name is set.
func withAliases(props map[string]string, aliases map[string]string) map[string]string {
	out := maps.Clone(props)
	for old, name := range aliases {
		if v, ok := props[old]; ok {
			if _, set := props[name]; !set {
				out[name] = v
			}
		}
	}
	return out
}

func setOf(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}

func (t *ReplaceField) keep(name string) bool {
	return !t.exclude[name] && (len(t.include) == 0 || t.include[name])
}

func (t *ReplaceField) renamed(name string) string {
	if to, ok := t.renames[name]; ok {
		return to
	}
	return name
}

func (t *ReplaceField) original(name string) string {
	if from, ok := t.reverse[name]; ok {
		return from
	}
	return name
}

func (t *ReplaceField) Apply(r plugin.Record) (plugin.Record, bool, error) {
	switch {
	case t.side.value(r) == nil:
		return r, true, nil
	case t.side.schema(r) == nil:
		return t.applySchemaless(r)
	}
	return t.applyWithSchema(r)
}

func (t *ReplaceField) applySchemaless(r plugin.Record) (plugin.Record, bool, error) {
	m, err := requireMap(t.side.value(r), replaceFieldPurpose)
	if err != nil {
		return r, false, err
	}
	out := &plugin.MapValue{Entries: make([]plugin.MapEntry, 0, len(m.Entries))}
	for _, e := range m.Entries {
		name, err := stringKey(e.Key)
		if err != nil {
			return r, false, err
		}
		if t.keep(name) {
			out.Put(t.renamed(name), e.Value)
		}
	}
	return t.side.with(r, nil, out), true, nil
}

func (t *ReplaceField) applyWithSchema(r plugin.Record) (plugin.Record, bool, error) {
	st, err := requireStruct(t.side.value(r), replaceFieldPurpose)
	if err != nil {
		return r, false, err
	}
	schema := structLike(st.Schema, len(st.Schema.Fields))
	for _, f := range st.Schema.Fields {
		if !t.keep(f.Name) {
			continue
		}
		if err := addField(schema, t.renamed(f.Name), f.Schema); err != nil {
			return r, false, err
		}
	}
	out := plugin.NewStruct(schema)
	for i := range schema.Fields {
		from, err := lookupField(st.Schema, t.original(schema.Fields[i].Name))
		if err != nil {
			return r, false, err
		}
		if err := put(out, &schema.Fields[i], fieldValue(st, from, t.replaceNullWithDefault)); err != nil {
			return r, false, err
		}
	}
	return t.side.with(r, schema, out), true, nil
}
