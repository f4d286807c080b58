package config

import (
	"maps"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"equals", "a=b", map[string]string{"a": "b"}},
		{"colon and blanks", "  a :  b c ", map[string]string{"a": "b c "}},
		{"whitespace separator", "a b", map[string]string{"a": "b"}},
		{"comments and blank lines", "# x=y\n! z=w\n\na=1", map[string]string{"a": "1"}},
		{"continuation", "a=one,\\\n    two", map[string]string{"a": "one,two"}},
		{"escaped backslash is not a continuation", "a=x\\\\\nb=y", map[string]string{"a": `x\`, "b": "y"}},
		{"escapes", `a=tab\there\u00e9`, map[string]string{"a": "tab\there\u00e9"}},
		{"escaped separator in key", `a\=b=c`, map[string]string{"a=b": "c"}},
		{"empty value", "a=", map[string]string{"a": ""}},
		{"later wins", "a=1\na=2", map[string]string{"a": "2"}},
		{"crlf line ends", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePropertiesBadEscape(t *testing.T) {
	_, err := ParseProperties(strings.NewReader("a=1\nb=\\u12"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want a malformed escape on line 2", err)
	}
}
