package transforms

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// javaDef is a plugin's ConfigDef as testdata/javaref dumps it.
type javaDef struct {
	Version string `json:"version"`
	Keys    []struct {
		Name       string  `json:"name"`
		Type       string  `json:"type"`
		Importance string  `json:"importance"`
		Required   bool    `json:"required"`
		Default    *string `json:"default"`
	} `json:"keys"`
}

func TestConfigDefsMatchJava(t *testing.T) {
	var defs map[string]javaDef
	readJSON(t, "testdata/golden/configdefs.json", &defs)
	for _, p := range Plugins() {
		t.Run(p.Class, func(t *testing.T) {
			java, ok := defs[p.Class]
			if !ok {
				t.Fatal("no golden cases use this plugin")
			}
			if p.Version != java.Version {
				t.Errorf("version %s, Java's %s", p.Version, java.Version)
			}
			got := configOf(p)
			if len(got) != len(java.Keys) {
				t.Fatalf("%d settings, Java has %d", len(got), len(java.Keys))
			}
			for i, k := range java.Keys {
				g := got[i]
				want := plugin.ConfigKey{Name: k.Name, Type: plugin.ConfigType(k.Type), Importance: plugin.Importance(k.Importance), HasDefault: !k.Required}
				if k.Default != nil {
					want.Default = *k.Default
				}
				if g.Name != want.Name || g.Type != want.Type || g.Importance != want.Importance ||
					g.HasDefault != want.HasDefault || g.Default != want.Default {
					t.Errorf("setting %d: got %s %s %s default %v %q, Java's %s %s %s default %v %q", i,
						g.Name, g.Type, g.Importance, g.HasDefault, g.Default,
						want.Name, want.Type, want.Importance, want.HasDefault, want.Default)
				}
				if g.Documentation == "" {
					t.Errorf("%s has no documentation", g.Name)
				}
			}
		})
	}
}

func configOf(p plugin.Plugin) plugin.ConfigDef {
	switch v := p.New().(type) {
	case plugin.Transformation:
		return v.Config()
	case plugin.Predicate:
		return v.Config()
	}
	return nil
}

// The Validate funcs of ConfigKey check one value as Configure would.
func TestConfigKeyValidate(t *testing.T) {
	def := (&TimestampConverter{}).Config()
	byName := map[string]plugin.ConfigKey{}
	for _, k := range def {
		byName[k.Name] = k
	}
	cases := []struct {
		key, value, err string
	}{
		{"unix.precision", "seconds", ""},
		{"unix.precision", "hours", "Invalid value hours for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"},
		{"replace.null.with.default", "maybe", "Invalid value maybe for configuration replace.null.with.default: Expected value to be either true or false"},
		{"target.type", " unix ", ""},
	}
	for _, c := range cases {
		err := byName[c.key].Validate(c.value)
		if got := errText(err); got != c.err {
			t.Errorf("%s=%q: got %q, want %q", c.key, c.value, got, c.err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
