package configdef

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// Java's validators, with their messages. Each sees the parsed value, or
// nil for null.

// AtLeast is ConfigDef.Range.atLeast for SHORT, INT and LONG settings.
func AtLeast(min int64) func(string, any) error {
	return func(key string, v any) error {
		n, ok := asInt64(v)
		if !ok {
			return Invalid(key, nil, "Value must be non-null")
		}
		if n < min {
			return Invalid(key, v, "Value must be at least "+strconv.FormatInt(min, 10))
		}
		return nil
	}
}

// Between is ConfigDef.Range.between for SHORT, INT and LONG settings.
func Between(min, max int64) func(string, any) error {
	atLeast := AtLeast(min)
	return func(key string, v any) error {
		if err := atLeast(key, v); err != nil {
			return err
		}
		if n, _ := asInt64(v); n > max {
			return Invalid(key, v, "Value must be no more than "+strconv.FormatInt(max, 10))
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
			return Invalid(key, nil, "Value must be non-null")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Invalid(key, f, "Value must be a finite number")
		}
		if f < min {
			return Invalid(key, f, "Value must be at least "+javatext.FormatDouble(min))
		}
		return nil
	}
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

// NullOr lets null through, then applies check.
func NullOr(check func(string, any) error) func(string, any) error {
	return func(key string, v any) error {
		if v == nil {
			return nil
		}
		return check(key, v)
	}
}

// In is ConfigDef.ValidString.in.
func In(allowed ...string) func(string, any) error {
	return func(key string, v any) error {
		if s, ok := v.(string); !ok || !slices.Contains(allowed, s) {
			return Invalid(key, v, "String must be one of: "+strings.Join(allowed, ", "))
		}
		return nil
	}
}

// InIgnoringCase is ConfigDef.CaseInsensitiveValidString.in; its message
// lists the choices upper-cased, in the order of Java's HashSet of them.
func InIgnoringCase(allowed ...string) func(string, any) error {
	upper := make([]string, len(allowed))
	for i, a := range allowed {
		upper[i] = strings.ToUpper(a)
	}
	listed := make([]string, 0, len(upper))
	for _, i := range javaorder.HashMap(upper) {
		listed = append(listed, upper[i])
	}
	msg := "String must be one of (case insensitive): " + strings.Join(listed, ", ")
	return func(key string, v any) error {
		if s, ok := v.(string); !ok || !slices.Contains(upper, strings.ToUpper(s)) {
			return Invalid(key, v, msg)
		}
		return nil
	}
}

// NonEmptyString is ConfigDef.NonEmptyString (null passes).
func NonEmptyString(key string, v any) error {
	if s, ok := v.(string); ok && s == "" {
		return Invalid(key, v, "String must be non-empty")
	}
	return nil
}

// ValidList is ConfigDef.ValidList.anyNonDuplicateValues(emptyOK, false).
// Parse drops repeated entries before it for keys marked Distinct.
func ValidList(emptyOK bool) func(string, any) error {
	return func(key string, v any) error {
		l, ok := v.([]string)
		switch {
		case !ok:
			return Exception(key, "Configuration '"+key+"' values must not be null.")
		case !emptyOK && len(l) == 0:
			return Exception(key, "Configuration '"+key+"' must not be empty. Valid values include: any non-empty value")
		case len(Distinct(l)) != len(l):
			return Exception(key, "Configuration '"+key+"' values must not be duplicated.")
		case slices.Contains(l, ""):
			return Exception(key, "Configuration '"+key+"' values must not be empty.")
		}
		return nil
	}
}
