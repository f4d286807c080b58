package configdef

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Class is a java.lang.Class: a class name that resolved to a plugin.
type Class struct{ Name string }

// Password is an org.apache.kafka.common.config.types.Password.
type Password struct{ Value string }

// ParseType is ConfigDef.parseType: the value is trimmed, then read as t.
// lookupClass resolves CLASS values (by full name or alias) to a full
// class name; with none, no class resolves.
func ParseType(name, raw string, t plugin.ConfigType, lookupClass func(string) (string, bool)) (any, error) {
	trimmed := javatext.Trim(raw)
	notNumber := func() error { return Invalid(name, raw, "Not a number of type "+string(t)) }
	switch t {
	case plugin.TypeBoolean:
		switch {
		case strings.EqualFold(trimmed, "true"):
			return true, nil
		case strings.EqualFold(trimmed, "false"):
			return false, nil
		}
		return nil, Invalid(name, raw, "Expected value to be either true or false")
	case plugin.TypePassword:
		return Password{Value: trimmed}, nil
	case plugin.TypeString:
		return trimmed, nil
	case plugin.TypeInt:
		i, err := strconv.ParseInt(trimmed, 10, 32)
		if err != nil {
			return nil, notNumber()
		}
		return int32(i), nil
	case plugin.TypeShort:
		i, err := strconv.ParseInt(trimmed, 10, 16)
		if err != nil {
			return nil, notNumber()
		}
		return int16(i), nil
	case plugin.TypeLong:
		i, err := strconv.ParseInt(trimmed, 10, 64)
		if err != nil {
			return nil, notNumber()
		}
		return i, nil
	case plugin.TypeDouble:
		f, ok := javatext.ParseDouble(trimmed, 64)
		if !ok {
			return nil, notNumber()
		}
		return f, nil
	case plugin.TypeList:
		return SplitList(raw), nil
	case plugin.TypeClass:
		if lookupClass != nil {
			if full, ok := lookupClass(trimmed); ok {
				return Class{Name: full}, nil
			}
		}
		return nil, Invalid(name, raw, "Class "+raw+" could not be found.")
	}
	return nil, Exception(name, "Unknown type "+string(t)+" for configuration "+name)
}

// commaWithSpace is Java's \s*,\s* (Java's \s has \v, Go's has not).
var commaWithSpace = regexp.MustCompile(`[ \t\n\v\f\r]*,[ \t\n\v\f\r]*`)

// SplitList reads a LIST value: trimmed, split at commas and the blanks
// around them, with empty items kept ("a,,b" has three).
func SplitList(raw string) []string {
	trimmed := javatext.Trim(raw)
	if trimmed == "" {
		return []string{}
	}
	return commaWithSpace.Split(trimmed, -1)
}

// Distinct drops repeated entries, keeping the first of each.
func Distinct(l []string) []string {
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

// JavaString is String.valueOf(value) for a parsed value, as Java prints
// values into messages.
func JavaString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	case Class:
		return "class " + v.Name
	case Password:
		return "[hidden]"
	case float64:
		return javatext.FormatDouble(v)
	case bool:
		return strconv.FormatBool(v)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// ConvertToString is ConfigDef.convertToString: how values and defaults
// appear in REST answers. ok is false for null.
func ConvertToString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case []string:
		return strings.Join(v, ","), true
	case Class:
		return v.Name, true
	}
	return JavaString(v), true
}
