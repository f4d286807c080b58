package connectorconfig

import (
	"errors"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Parsed values are held as the Java types ConfigDef.parseType produces:
//
//	BOOLEAN bool, STRING string, INT int32, SHORT int16, LONG int64,
//	DOUBLE float64, LIST []string, CLASS classRef, PASSWORD password,
//
// and nil for Java's null.

// classRef is a java.lang.Class: a class name that resolved to a plugin.
type classRef struct {
	name string // full class name
}

// password is a org.apache.kafka.common.config.types.Password.
type password struct{ value string }

// configError is a ConfigException: its text is exactly Java's.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

// invalidValue is ConfigException(name, value, message).
func invalidValue(name string, value any, msg string) *configError {
	s := "Invalid value " + javaString(value) + " for configuration " + name
	if msg != "" {
		s += ": " + msg
	}
	return &configError{s}
}

// plainError is ConfigException(message).
func plainError(msg string) *configError { return &configError{msg} }

// javaTrim is String.trim: it strips every char up to ' ' at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// isBlank is Utils.isBlank for a value that may be absent.
func isBlank(s string, set bool) bool { return !set || javaTrim(s) == "" }

var commaWithWhitespace = regexp.MustCompile(`\s*,\s*`)

// parseType is ConfigDef.parseType for a string value: the value is
// trimmed, then read as t. Errors carry Java's texts. lookupClass resolves
// CLASS values (by full name or alias) to a full class name.
func parseType(name, raw string, t plugin.ConfigType, lookupClass func(string) (string, bool)) (any, error) {
	trimmed := javaTrim(raw)
	notNumber := func() error { return invalidValue(name, raw, "Not a number of type "+string(t)) }
	switch t {
	case plugin.TypeBoolean:
		switch {
		case strings.EqualFold(trimmed, "true"):
			return true, nil
		case strings.EqualFold(trimmed, "false"):
			return false, nil
		}
		return nil, invalidValue(name, raw, "Expected value to be either true or false")
	case plugin.TypePassword:
		return password{trimmed}, nil
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
		f, ok := parseJavaDouble(trimmed)
		if !ok {
			return nil, notNumber()
		}
		return f, nil
	case plugin.TypeList:
		if trimmed == "" {
			return []string{}, nil
		}
		return commaWithWhitespace.Split(trimmed, -1), nil
	case plugin.TypeClass:
		if lookupClass != nil {
			if full, ok := lookupClass(trimmed); ok {
				return classRef{full}, nil
			}
		}
		return nil, invalidValue(name, raw, "Class "+raw+" could not be found.")
	}
	return nil, plainError("Unknown type " + string(t) + " for configuration " + name)
}

var javaDecimal = regexp.MustCompile(`^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?|0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)$`)

// parseJavaDouble is Double.parseDouble on an already trimmed string.
func parseJavaDouble(s string) (float64, bool) {
	if !javaDecimal.MatchString(s) {
		return 0, false
	}
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimLeft(s, "+-")
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	// A trailing f, F, d or D is a type suffix: hex floats end in their
	// exponent's decimal digits, so it cannot be a hex digit.
	if strings.ContainsRune("fFdD", rune(s[len(s)-1])) {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// javaDouble is Double.toString.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+10, 1E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// javaString is String.valueOf(value) for a parsed value, as Java prints
// values into messages.
func javaString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	case classRef:
		return "class " + v.name
	case password:
		return "[hidden]"
	case float64:
		return javaDouble(v)
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

// convertToString is ConfigDef.convertToString: how values and defaults
// appear in REST answers. ok is false for null.
func convertToString(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case []string:
		return strings.Join(v, ","), true
	case classRef:
		return v.name, true
	}
	return javaString(v), true
}

// javaStringHash is String.hashCode.
func javaStringHash(s string) int32 {
	var h int32
	for _, c := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(c)
	}
	return h
}

// javaHashOrder returns keys in the order a java.util.HashMap (or HashSet)
// that had them put in the given order iterates them: by bucket of the
// final table, then by insertion. Java's tree bins (8+ keys in one bucket)
// are not modelled.
func javaHashOrder(keys []string) []string {
	capacity := 16
	for float64(len(keys)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	return javaHashOrderIn(keys, capacity)
}

// javaCopyCapacity is the table size of new HashMap(m) for a map of n
// entries.
func javaCopyCapacity(n int) int {
	want := int(float32(n)/0.75 + 1)
	capacity := 1
	for capacity < want {
		capacity *= 2
	}
	return capacity
}

// javaHashOrderIn orders keys by bucket in a table of capacity slots,
// then by insertion.
func javaHashOrderIn(keys []string, capacity int) []string {
	bucket := func(s string) int {
		h := uint32(javaStringHash(s))
		return int((h ^ h>>16) & uint32(capacity-1))
	}
	out := append([]string(nil), keys...)
	sort.SliceStable(out, func(i, j int) bool { return bucket(out[i]) < bucket(out[j]) })
	return out
}
