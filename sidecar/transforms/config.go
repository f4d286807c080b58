package transforms

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// ConfigError is a setting a transform or predicate rejects. Its text is
// Java's ConfigException text, so messages read the same as on a Java
// worker; the Chain adds which transform and prefixes Key.
type ConfigError struct {
	Key      string // the setting, "" when the problem is not one setting's
	Value    string // the value as Java prints it; used when Key is set
	Message  string
	absolute bool // Message is the whole text (Java's one-argument form)
}

func (e *ConfigError) Error() string {
	if e.absolute || e.Key == "" {
		return e.Message
	}
	s := "Invalid value " + e.Value + " for configuration " + e.Key
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// invalid is Java's ConfigException(name, value, message).
func invalid(key, value, msg string) *ConfigError {
	return &ConfigError{Key: key, Value: value, Message: msg}
}

// configErr is Java's ConfigException(message); key, when known, only
// tells the Chain which setting it was about.
func configErr(key, msg string) *ConfigError {
	return &ConfigError{Key: key, Message: msg, absolute: true}
}

// missing is Java's error for a required setting that is not set.
func missing(key string) *ConfigError {
	return configErr(key, `Missing required configuration "`+key+`" which has no default value.`)
}

// setting is one entry of a transform's ConfigDef plus what parsing needs
// that plugin.ConfigKey cannot say.
type setting struct {
	plugin.ConfigKey
	// nullDefault: Java's default is null, so an unset key stays nil.
	nullDefault bool
	// check is Java's validator; it sees the parsed value (string,
	// []string, bool or int32, or nil).
	check func(key string, v any) error
	// distinct: Java drops repeated entries of lists checked by a
	// ValidList before validating them (ConfigDef.parseValue).
	distinct bool
}

type settings []setting

// def is the ConfigDef a transform returns from Config().
func (s settings) def() plugin.ConfigDef {
	out := make(plugin.ConfigDef, len(s))
	for i, st := range s {
		out[i] = st.ConfigKey
		out[i].Validate = func(v string) error {
			_, err := st.parse(v)
			return err
		}
	}
	return out
}

// values holds parsed settings by name.
type values map[string]any

func (v values) str(name string) string    { s, _ := v[name].(string); return s }
func (v values) list(name string) []string { l, _ := v[name].([]string); return l }
func (v values) boolean(name string) bool  { b, _ := v[name].(bool); return b }
func (v values) isNull(name string) bool   { return v[name] == nil }
func (v values) int32(name string) (int32, bool) {
	i, ok := v[name].(int32)
	return i, ok
}

// parse reads props as Java's ConfigDef.parse does: keys in definition
// order, each trimmed and typed, then validated; the first error wins and
// keys the ConfigDef does not define are ignored.
func (s settings) parse(props map[string]string) (values, error) {
	out := make(values, len(s))
	for _, st := range s {
		raw, set := props[st.Name]
		if !set && !st.HasDefault {
			return nil, missing(st.Name)
		}
		if !set && st.nullDefault {
			if err := st.validate(nil); err != nil {
				return nil, err
			}
			out[st.Name] = nil
			continue
		}
		if !set {
			raw = st.Default
		}
		v, err := st.parse(raw)
		if err != nil {
			return nil, err
		}
		out[st.Name] = v
	}
	return out, nil
}

func (st setting) parse(raw string) (any, error) {
	v, err := parseType(st.Name, raw, st.Type)
	if err != nil {
		return nil, err
	}
	if l, ok := v.([]string); ok && st.distinct {
		v = distinct(l)
	}
	return v, st.validate(v)
}

func (st setting) validate(v any) error {
	if st.check == nil {
		return nil
	}
	return st.check(st.Name, v)
}

// commaWithSpace splits lists as Java's \s*,\s* does (Java's \s has \v).
var commaWithSpace = regexp.MustCompile(`[ \t\n\v\f\r]*,[ \t\n\v\f\r]*`)

// parseType is ConfigDef.parseType for the types transforms use.
func parseType(name, raw string, t plugin.ConfigType) (any, error) {
	trimmed := javatext.Trim(raw)
	switch t {
	case plugin.TypeBoolean:
		switch {
		case strings.EqualFold(trimmed, "true"):
			return true, nil
		case strings.EqualFold(trimmed, "false"):
			return false, nil
		}
		return nil, invalid(name, raw, "Expected value to be either true or false")
	case plugin.TypeInt:
		i, err := strconv.ParseInt(trimmed, 10, 32)
		if err != nil {
			return nil, invalid(name, raw, "Not a number of type INT")
		}
		return int32(i), nil
	case plugin.TypeList:
		return splitList(raw), nil
	default:
		return trimmed, nil
	}
}

// splitList reads a LIST setting: trimmed, split at commas and the
// blanks around them, with empty items kept ("a,,b" has three).
func splitList(raw string) []string {
	trimmed := javatext.Trim(raw)
	if trimmed == "" {
		return []string{}
	}
	return commaWithSpace.Split(trimmed, -1)
}

func distinct(l []string) []string {
	seen := make(map[string]bool, len(l))
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// javaList prints a list as Java's List.toString does.
func javaList(l []string) string { return "[" + strings.Join(l, ", ") + "]" }

// Key constructors, in the shape of ConfigDef.define.

// required is a key with no default.
func required(name string, t plugin.ConfigType, imp plugin.Importance, doc string) setting {
	return setting{ConfigKey: plugin.ConfigKey{Name: name, Type: t, Importance: imp, Documentation: doc, Width: "NONE"}}
}

// optional is a key whose default is the given text.
func optional(name string, t plugin.ConfigType, def string, imp plugin.Importance, doc string) setting {
	s := required(name, t, imp, doc)
	s.Default, s.HasDefault = def, true
	return s
}

// nullable is a key whose Java default is null.
func nullable(name string, t plugin.ConfigType, imp plugin.Importance, doc string) setting {
	s := optional(name, t, "", imp, doc)
	s.nullDefault = true
	return s
}

func (st setting) validatedBy(check func(key string, v any) error) setting {
	st.check = check
	return st
}

// replaceNullWithDefault is the setting most of Java's transforms share.
func replaceNullWithDefault() setting {
	return optional("replace.null.with.default", plugin.TypeBoolean, "true", plugin.Medium,
		"Whether a null field that has a default value is read as that default (true) or stays null (false).")
}

// Java's validators.

// oneOf is ConfigDef.ValidString.in.
func oneOf(allowed ...string) func(string, any) error {
	return func(k string, v any) error {
		s, _ := v.(string)
		for _, a := range allowed {
			if s == a {
				return nil
			}
		}
		return invalid(k, javaString(v), "String must be one of: "+strings.Join(allowed, ", "))
	}
}

// oneOfIgnoringCase is ConfigDef.CaseInsensitiveValidString.in.
func oneOfIgnoringCase(allowed ...string) func(string, any) error {
	return func(k string, v any) error {
		s, _ := v.(string)
		for _, a := range allowed {
			if v != nil && strings.EqualFold(s, a) {
				return nil
			}
		}
		return invalid(k, javaString(v), "String must be one of (case insensitive): "+strings.Join(allowed, ", "))
	}
}

// nonEmptyString is ConfigDef.NonEmptyString (null passes).
func nonEmptyString(k string, v any) error {
	if s, ok := v.(string); ok && s == "" {
		return invalid(k, "", "String must be non-empty")
	}
	return nil
}

// nonEmptyList is connect-transforms' NonEmptyListValidator.
func nonEmptyList(k string, v any) error {
	if l, _ := v.([]string); len(l) == 0 {
		return invalid(k, javaList(l), "Empty list")
	}
	return nil
}

// listOfNames is ConfigDef.ValidList.anyNonDuplicateValues(emptyOK, false);
// the key also gets Java's removal of repeated entries.
func listOfNames(st setting, emptyOK bool) setting {
	st.distinct = true
	st.check = func(k string, v any) error {
		if v == nil {
			return configErr(k, "Configuration '"+k+"' values must not be null.")
		}
		l := v.([]string)
		if !emptyOK && len(l) == 0 {
			return configErr(k, "Configuration '"+k+"' must not be empty. Valid values include: any non-empty value")
		}
		for _, s := range l {
			if s == "" {
				return configErr(k, "Configuration '"+k+"' values must not be empty.")
			}
		}
		return nil
	}
	return st
}

// javaString prints a parsed value as Java's string concatenation does.
func javaString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case []string:
		return javaList(v)
	default:
		return fmt.Sprint(v)
	}
}
