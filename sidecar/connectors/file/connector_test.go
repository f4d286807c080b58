package file

import (
	"context"
	"reflect"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestPluginsResolve(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins(anywhere)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, class string }{
		{SourceClass, SourceClass}, {"FileStreamSourceConnector", SourceClass}, {"FileStreamSource", SourceClass},
		{SinkClass, SinkClass}, {"FileStreamSinkConnector", SinkClass}, {"FileStreamSink", SinkClass},
	} {
		p, ok := reg.Lookup(c.name)
		if !ok || p.Class != c.class || p.Version != "4.3.1" {
			t.Errorf("%s: %+v %v", c.name, p, ok)
		}
	}
	if _, ok := Plugins(anywhere)[0].New().(plugin.SourceConnector); !ok {
		t.Error("source plugin is no SourceConnector")
	}
	if _, ok := Plugins(anywhere)[1].New().(plugin.SinkConnector); !ok {
		t.Error("sink plugin is no SinkConnector")
	}
}

// Names, types, defaults and importance as in Java's CONFIG_DEFs.
func TestConfigDefs(t *testing.T) {
	type key struct {
		name       string
		typ        plugin.ConfigType
		def        string
		hasDefault bool
		imp        plugin.Importance
	}
	shape := func(d plugin.ConfigDef) []key {
		var out []key
		for _, k := range d {
			if k.Documentation == "" {
				t.Errorf("%s has no documentation", k.Name)
			}
			out = append(out, key{k.Name, k.Type, k.Default, k.HasDefault, k.Importance})
		}
		return out
	}
	wantSource := []key{
		{"file", plugin.TypeString, "", true, plugin.High},
		{"topic", plugin.TypeString, "", false, plugin.High},
		{"batch.size", plugin.TypeInt, "2000", true, plugin.Low},
	}
	if got := shape((&SourceConnector{}).Config()); !reflect.DeepEqual(got, wantSource) {
		t.Errorf("source: %v", got)
	}
	wantSink := []key{{"file", plugin.TypeString, "", true, plugin.High}}
	if got := shape((&SinkConnector{}).Config()); !reflect.DeepEqual(got, wantSink) {
		t.Errorf("sink: %v", got)
	}
}

// Errors read as Java's ConfigException texts.
func TestSourceConfigErrors(t *testing.T) {
	cases := []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{FileConfig: "/tmp/x"}, `Missing required configuration "topic" which has no default value.`},
		{map[string]string{TopicConfig: "   "}, "Invalid value  for configuration topic: String must be non-empty"},
		{map[string]string{TopicConfig: "t", BatchSizeConfig: "abcd"}, "Invalid value abcd for configuration batch.size: Not a number of type INT"},
		{map[string]string{TopicConfig: "t", BatchSizeConfig: "3000000000"}, "Invalid value 3000000000 for configuration batch.size: Not a number of type INT"},
		{map[string]string{TopicConfig: "t", BatchSizeConfig: " 10 "}, ""},
		{map[string]string{TopicConfig: "t"}, ""},
	}
	for _, c := range cases {
		var got string
		if err := (&SourceConnector{}).Start(context.Background(), c.props); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%v: got %q, want %q", c.props, got, c.want)
		}
		got = ""
		if err := newSourceTask(anywhere).Start(context.Background(), c.props, &fakeOffsets{}); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("task %v: got %q, want %q", c.props, got, c.want)
		}
	}
}

// ConfigKey.Validate checks one value as Start would.
func TestConfigKeyValidate(t *testing.T) {
	byName := map[string]plugin.ConfigKey{}
	for _, k := range (&SourceConnector{}).Config() {
		byName[k.Name] = k
	}
	for _, c := range []struct{ key, value, want string }{
		{"topic", "t", ""},
		{"topic", "", "Invalid value  for configuration topic: String must be non-empty"},
		{"batch.size", "x", "Invalid value x for configuration batch.size: Not a number of type INT"},
		{"batch.size", "-5", ""},
		{"file", "", ""},
	} {
		var got string
		if err := byName[c.key].Validate(c.value); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s=%q: got %q, want %q", c.key, c.value, got, c.want)
		}
	}
}

// The source has one task whatever the maximum; the sink has maxTasks.
// Both pass the connector's whole configuration on, as Java does.
func TestTaskConfigs(t *testing.T) {
	props := map[string]string{"name": "f", FileConfig: "/tmp/in", TopicConfig: "t", "transforms": "insert"}
	src := &SourceConnector{allowed: anywhere}
	if err := src.Start(context.Background(), props); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int{1, 5} {
		got, err := src.TaskConfigs(max)
		if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], props) {
			t.Errorf("source TaskConfigs(%d) = %v, %v", max, got, err)
		}
	}
	sink := &SinkConnector{allowed: anywhere}
	if err := sink.Start(context.Background(), props); err != nil {
		t.Fatal(err)
	}
	got, _ := sink.TaskConfigs(3)
	if len(got) != 3 || !reflect.DeepEqual(got[2], props) {
		t.Fatalf("sink TaskConfigs(3) = %v", got)
	}
	got[0]["file"] = "changed"
	if got[1]["file"] != "/tmp/in" || props["file"] != "/tmp/in" {
		t.Error("task configs share a map")
	}
}
