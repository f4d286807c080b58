package converters

import (
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// settings reads converter properties as Java's ConfigDef parses them:
// values are trimmed, booleans are true or false in any case, and unknown
// names are ignored.
type settings map[string]string

func (p settings) str(name, dflt string) string {
	v, ok := p[name]
	if !ok {
		return dflt
	}
	return strings.TrimSpace(v)
}

func (p settings) boolean(name string, dflt bool) (bool, error) {
	v, ok := p[name]
	if !ok {
		return dflt, nil
	}
	switch t := strings.TrimSpace(v); {
	case strings.EqualFold(t, "true"):
		return true, nil
	case strings.EqualFold(t, "false"):
		return false, nil
	}
	return false, &ConfigError{Name: name, Value: v, Reason: "Expected value to be either true or false"}
}

func (p settings) integer(name string) error {
	v, ok := p[name]
	if !ok {
		return nil
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32); err != nil {
		return &ConfigError{Name: name, Value: v, Reason: "Not a number of type INT"}
	}
	return nil
}

// oneOf returns the setting upper-cased if it is one of the choices, in
// any case.
func (p settings) oneOf(name, dflt string, choices ...string) (string, error) {
	v := p.str(name, dflt)
	for _, c := range choices {
		if strings.EqualFold(v, c) {
			return c, nil
		}
	}
	return "", &ConfigError{Name: name, Value: v,
		Reason: "String must be one of (case insensitive): " + strings.Join(choices, ", ")}
}

// converterType is the converter.type setting Java's ConverterConfig
// defines for every converter; the worker sets it, so it has no default.
var converterType = plugin.ConfigKey{
	Name:          "converter.type",
	Type:          plugin.TypeString,
	Importance:    plugin.Low,
	Documentation: "How this converter will be used.",
	OrderInGroup:  -1,
	Width:         "NONE",
	DisplayName:   "converter.type",
	Validate: func(v string) error {
		if v == "key" || v == "value" || v == "header" {
			return nil
		}
		return &ConfigError{Name: "converter.type", Value: v, Reason: "String must be one of: key, value, header"}
	},
}

// validChoiceFold accepts one of the choices in any case.
func validChoiceFold(name string, choices ...string) func(string) error {
	return func(v string) error {
		_, err := settings{name: v}.oneOf(name, "", choices...)
		return err
	}
}
