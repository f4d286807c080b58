// Package settings reads connector settings the way Kafka's ConfigDef does
// (values trimmed, typed, then validated; the first broken rule wins) and
// words its errors as Java's ConfigException does, so a bad connector
// config reads the same on a Go worker as on a Java one.
package settings

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Error is a setting that was missing or rejected. Its text is Java's
// ConfigException text.
type Error struct {
	Key     string
	Value   string // the value as Java prints it
	Message string
	whole   bool // Message is the whole text (no "Invalid value" prefix)
}

func (e *Error) Error() string {
	if e.whole {
		return e.Message
	}
	return "Invalid value " + e.Value + " for configuration " + e.Key + ": " + e.Message
}

// Invalid is ConfigException(name, value, message).
func Invalid(key, value, msg string) *Error { return &Error{Key: key, Value: value, Message: msg} }

func missing(key string) *Error {
	return &Error{Key: key, whole: true,
		Message: fmt.Sprintf("Missing required configuration %q which has no default value.", key)}
}

// Key is one setting: what plugin.ConfigKey shows, plus what parsing needs.
type Key struct {
	plugin.ConfigKey
	// NullDefault: Java's default is null, so an unset key reads as nil.
	NullDefault bool
	// Check is Java's validator; it sees the parsed value (nil, string,
	// bool, int32, int64 or float64).
	Check func(key string, v any) error
}

// Required is a key with no default.
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

// Def is a plugin's list of settings.
type Def []Key

// ConfigDef is what the plugin's Config() returns; each key's Validate
// parses and checks one value as Parse would.
func (d Def) ConfigDef() plugin.ConfigDef {
	out := make(plugin.ConfigDef, len(d))
	for i, k := range d {
		out[i] = k.ConfigKey
		out[i].Validate = func(v string) error {
			_, err := k.parse(v)
			return err
		}
	}
	return out
}

// Values are parsed settings by name.
type Values map[string]any

// String is a STRING setting; "" when it is null.
func (v Values) String(name string) string { s, _ := v[name].(string); return s }

// Int is an INT setting.
func (v Values) Int(name string) int32 { i, _ := v[name].(int32); return i }

// Long is a LONG setting.
func (v Values) Long(name string) int64 { i, _ := v[name].(int64); return i }

// Double is a DOUBLE setting.
func (v Values) Double(name string) float64 { f, _ := v[name].(float64); return f }

// Bool is a BOOLEAN setting.
func (v Values) Bool(name string) bool { b, _ := v[name].(bool); return b }

// Parse reads props in definition order. Keys the Def does not name are
// ignored, as Java ignores them.
func (d Def) Parse(props map[string]string) (Values, error) {
	out := make(Values, len(d))
	for _, k := range d {
		raw, set := props[k.Name]
		switch {
		case !set && !k.HasDefault:
			return nil, missing(k.Name)
		case !set && k.NullDefault:
			if k.Check != nil {
				if err := k.Check(k.Name, nil); err != nil {
					return nil, err
				}
			}
			out[k.Name] = nil
			continue
		case !set:
			raw = k.Default
		}
		v, err := k.parse(raw)
		if err != nil {
			return nil, err
		}
		out[k.Name] = v
	}
	return out, nil
}

func (k Key) parse(raw string) (any, error) {
	v, err := parseType(k.Name, raw, k.Type)
	if err != nil || k.Check == nil {
		return v, err
	}
	return v, k.Check(k.Name, v)
}

// parseType is ConfigDef.parseType for the types connectors here use.
func parseType(name, raw string, t plugin.ConfigType) (any, error) {
	s := javatext.Trim(raw)
	notNumber := func() error { return Invalid(name, raw, "Not a number of type "+string(t)) }
	switch t {
	case plugin.TypeBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, nil
		case strings.EqualFold(s, "false"):
			return false, nil
		}
		return nil, Invalid(name, raw, "Expected value to be either true or false")
	case plugin.TypeInt:
		i, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, notNumber()
		}
		return int32(i), nil
	case plugin.TypeLong:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, notNumber()
		}
		return i, nil
	case plugin.TypeDouble:
		f, ok := javatext.ParseDouble(s, 64)
		if !ok {
			return nil, notNumber()
		}
		return f, nil
	default:
		return s, nil
	}
}

// Validators, named after Java's.

// NonEmptyString is ConfigDef.NonEmptyString; null passes.
func NonEmptyString(key string, v any) error {
	if s, ok := v.(string); ok && s == "" {
		return Invalid(key, "", "String must be non-empty")
	}
	return nil
}

// AtLeast is ConfigDef.Range.atLeast for INT and LONG settings.
func AtLeast(min int64) func(string, any) error {
	return func(key string, v any) error {
		n, ok := asInt64(v)
		if !ok {
			return Invalid(key, "null", "Value must be non-null")
		}
		if n < min {
			return Invalid(key, strconv.FormatInt(n, 10), "Value must be at least "+strconv.FormatInt(min, 10))
		}
		return nil
	}
}

// Between is ConfigDef.Range.between for INT and LONG settings.
func Between(min, max int64) func(string, any) error {
	atLeast := AtLeast(min)
	return func(key string, v any) error {
		if err := atLeast(key, v); err != nil {
			return err
		}
		if n, _ := asInt64(v); n > max {
			return Invalid(key, strconv.FormatInt(n, 10), "Value must be no more than "+strconv.FormatInt(max, 10))
		}
		return nil
	}
}

// FiniteAtLeast is ConfigDef.Range.atLeast for DOUBLE settings, which also
// refuses NaN and infinities (Java's Range lets NaN through; a rate of NaN
// means nothing).
func FiniteAtLeast(min float64) func(string, any) error {
	return func(key string, v any) error {
		f, ok := v.(float64)
		if !ok {
			return Invalid(key, "null", "Value must be non-null")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Invalid(key, javatext.FormatDouble(f), "Value must be a finite number")
		}
		if f < min {
			return Invalid(key, javatext.FormatDouble(f), "Value must be at least "+javatext.FormatDouble(min))
		}
		return nil
	}
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}
