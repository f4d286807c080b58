package config

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Millis is a duration written as whole milliseconds, as every Connect
// "*.ms" property is.
type Millis time.Duration

// UnmarshalText parses a non-negative whole number of milliseconds.
func (m *Millis) UnmarshalText(text []byte) error {
	n, err := strconv.ParseInt(strings.TrimSpace(string(text)), 10, 64)
	if err != nil || n < 0 {
		return errors.New("not a whole number of milliseconds")
	}
	*m = Millis(time.Duration(n) * time.Millisecond)
	return nil
}

// D returns the value as a time.Duration.
func (m Millis) D() time.Duration { return time.Duration(m) }

// Ms returns the value in milliseconds, as Kafka's protocol carries it.
func (m Millis) Ms() int64 { return time.Duration(m).Milliseconds() }

// List is a comma-separated list; blanks around items are dropped, as
// Kafka's ConfigDef LIST type does.
type List []string

// UnmarshalText splits on commas.
func (l *List) UnmarshalText(text []byte) error {
	var out List
	for item := range strings.SplitSeq(string(text), ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	*l = out
	return nil
}

// Bool accepts Kafka's spellings of a boolean: true or false in any case.
type Bool bool

// UnmarshalText parses true or false, ignoring case and blanks.
func (b *Bool) UnmarshalText(text []byte) error {
	switch strings.ToLower(strings.TrimSpace(string(text))) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return errors.New("not true or false")
	}
	return nil
}
