package configdef

import (
	"fmt"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestParse(t *testing.T) {
	def := Def{
		Required("s", plugin.TypeString, plugin.High, "s").Checked(NonEmptyString),
		Nullable("n", plugin.TypeString, plugin.Low, "n"),
		Optional("i", plugin.TypeInt, "5", plugin.Low, "i").Checked(AtLeast(1)),
		Optional("l", plugin.TypeLong, "9", plugin.Low, "l").Checked(Between(0, 10)),
		Optional("d", plugin.TypeDouble, "1.5", plugin.Low, "d").Checked(FiniteAtLeast(0)),
		Optional("b", plugin.TypeBoolean, "false", plugin.Low, "b"),
	}
	v, err := def.Parse(map[string]string{"s": " x ", "d": "2d", "b": " TRUE", "extra": "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if v.String("s") != "x" || v["n"] != nil || v.Int("i") != 5 || v.Long("l") != 9 || v.Double("d") != 2 || !v.Bool("b") {
		t.Errorf("got %v", v)
	}
	for _, c := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{}, `Missing required configuration "s" which has no default value.`},
		{map[string]string{"s": ""}, "Invalid value  for configuration s: String must be non-empty"},
		{map[string]string{"s": "x", "i": "0"}, "Invalid value 0 for configuration i: Value must be at least 1"},
		{map[string]string{"s": "x", "i": "1.0"}, "Invalid value 1.0 for configuration i: Not a number of type INT"},
		{map[string]string{"s": "x", "l": "11"}, "Invalid value 11 for configuration l: Value must be no more than 10"},
		{map[string]string{"s": "x", "d": "-0.5"}, "Invalid value -0.5 for configuration d: Value must be at least 0.0"},
		{map[string]string{"s": "x", "d": "Infinity"}, "Invalid value Infinity for configuration d: Value must be a finite number"},
		{map[string]string{"s": "x", "b": "1"}, "Invalid value 1 for configuration b: Expected value to be either true or false"},
	} {
		_, err := def.Parse(c.props)
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %s", c.props, err, c.want)
		}
	}
	cd := def.ConfigDef()
	if cd[0].HasDefault || !cd[1].HasDefault || cd[2].Default != "5" || cd[0].Validate("") == nil || cd[2].Validate(" 3 ") != nil {
		t.Errorf("ConfigDef: %+v", cd)
	}
}

// Props reads single settings by the same rules as a Def.
func TestProps(t *testing.T) {
	p := Props{"s": " x ", "b": "True", "i": " 7", "l": "-1", "list": " a , ,b ", "bad": "yes"}
	if p.String("s", "d") != "x" || p.String("unset", "d") != "d" {
		t.Errorf("String: %q %q", p.String("s", "d"), p.String("unset", "d"))
	}
	if b, err := p.Bool("b", false); !b || err != nil {
		t.Errorf("Bool: %v %v", b, err)
	}
	if i, err := p.Int("i", 0); i != 7 || err != nil {
		t.Errorf("Int: %v %v", i, err)
	}
	if l, err := p.Long("unset", 3); l != 3 || err != nil {
		t.Errorf("Long default: %v %v", l, err)
	}
	if got := p.List("list"); len(got) != 3 || got[0] != "a" || got[1] != "" || got[2] != "b" {
		t.Errorf("List: %q", got)
	}
	if _, err := p.Bool("bad", false); err == nil || err.Error() != "Invalid value yes for configuration bad: Expected value to be either true or false" {
		t.Errorf("Bool of yes: %v", err)
	}
}

func TestValidators(t *testing.T) {
	for _, c := range []struct {
		check func(string, any) error
		v     any
		want  string
	}{
		{In("a", "b"), "c", "Invalid value c for configuration k: String must be one of: a, b"},
		{InIgnoringCase("none", "all"), "some", "Invalid value some for configuration k: String must be one of (case insensitive): ALL, NONE"},
		{InIgnoringCase("none", "all"), "All", ""},
		{ValidList(false), []string{}, "Configuration 'k' must not be empty. Valid values include: any non-empty value"},
		{ValidList(true), []string{"a", "a"}, "Configuration 'k' values must not be duplicated."},
		{ValidList(true), []string{"a", ""}, "Configuration 'k' values must not be empty."},
		{ValidList(true), nil, "Configuration 'k' values must not be null."},
		{NullOr(AtLeast(1)), nil, ""},
		{AtLeast(1), nil, "Invalid value null for configuration k: Value must be non-null"},
	} {
		err := c.check("k", c.v)
		if got := fmt.Sprint(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
			t.Errorf("%v: got %v, want %q", c.v, err, c.want)
		}
	}
}
