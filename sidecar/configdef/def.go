package configdef

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// Key is one setting: what plugin.ConfigKey shows, plus what parsing needs
// that plugin.ConfigKey cannot say.
type Key struct {
	plugin.ConfigKey
	// NullDefault: Java's default is null, so an unset key reads as nil.
	NullDefault bool
	// Check is Java's validator; it sees the parsed value, or nil for null.
	Check func(key string, v any) error
	// Distinct: Java drops repeated entries of lists checked by a
	// ValidList before validating them (ConfigDef.parseValue).
	Distinct bool
}

// Required is a key with no default, in the shape of ConfigDef.define.
func Required(name string, t plugin.ConfigType, imp plugin.Importance, doc string) Key {
	return Key{ConfigKey: plugin.ConfigKey{Name: name, Type: t, Importance: imp, Documentation: doc,
		Width: "NONE", DisplayName: name, OrderInGroup: -1}}
}

// Optional is a key whose default is the given text.
func Optional(name string, t plugin.ConfigType, def string, imp plugin.Importance, doc string) Key {
	k := Required(name, t, imp, doc)
	k.Default, k.HasDefault = def, true
	return k
}

// Nullable is a key whose Java default is null.
func Nullable(name string, t plugin.ConfigType, imp plugin.Importance, doc string) Key {
	k := Optional(name, t, "", imp, doc)
	k.NullDefault = true
	return k
}

// Checked returns k validated by check.
func (k Key) Checked(check func(key string, v any) error) Key {
	k.Check = check
	return k
}

// Read parses k's value in props as ConfigDef.parse does: the default
// when unset, a Missing error when there is none, then typed and checked.
func (k Key) Read(props map[string]string) (any, error) {
	raw, set := props[k.Name]
	switch {
	case !set && !k.HasDefault:
		return nil, Missing(k.Name)
	case !set && k.NullDefault:
		return nil, k.validate(nil)
	case !set:
		raw = k.Default
	}
	return k.parse(raw)
}

func (k Key) parse(raw string) (any, error) {
	v, err := ParseType(k.Name, raw, k.Type, nil)
	if err != nil {
		return nil, err
	}
	if l, ok := v.([]string); ok && k.Distinct {
		v = Distinct(l)
	}
	return v, k.validate(v)
}

func (k Key) validate(v any) error {
	if k.Check == nil {
		return nil
	}
	return k.Check(k.Name, v)
}

// Def is a plugin's list of settings, in definition order.
type Def []Key

// PluginKey is k as a plugin's Config() shows it; Validate parses and
// checks one value as Parse would.
func (k Key) PluginKey() plugin.ConfigKey {
	pk := k.ConfigKey
	pk.Validate = func(v string) error {
		_, err := k.parse(v)
		return err
	}
	return pk
}

// ConfigDef is what the plugin's Config() returns.
func (d Def) ConfigDef() plugin.ConfigDef {
	out := make(plugin.ConfigDef, len(d))
	for i, k := range d {
		out[i] = k.PluginKey()
	}
	return out
}

// Parse reads props in definition order; the first error wins. Keys the
// Def does not name are ignored, as Java ignores them.
func (d Def) Parse(props map[string]string) (Values, error) {
	out := make(Values, len(d))
	for _, k := range d {
		v, err := k.Read(props)
		if err != nil {
			return nil, err
		}
		out[k.Name] = v
	}
	return out, nil
}

// Values are parsed settings by name; a getter of the wrong type, or of
// a null value, gives the zero value.
type Values map[string]any

// String is a STRING setting.
func (v Values) String(name string) string { s, _ := v[name].(string); return s }

// Password is a PASSWORD setting's value.
func (v Values) Password(name string) string { p, _ := v[name].(Password); return p.Value }

// Int is an INT setting.
func (v Values) Int(name string) int32 { i, _ := v[name].(int32); return i }

// Long is a LONG setting.
func (v Values) Long(name string) int64 { i, _ := v[name].(int64); return i }

// Double is a DOUBLE setting.
func (v Values) Double(name string) float64 { f, _ := v[name].(float64); return f }

// Bool is a BOOLEAN setting.
func (v Values) Bool(name string) bool { b, _ := v[name].(bool); return b }

// List is a LIST setting.
func (v Values) List(name string) []string { l, _ := v[name].([]string); return l }

// IsNull reports whether the setting is Java's null.
func (v Values) IsNull(name string) bool { return v[name] == nil }
