package settings

import (
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
