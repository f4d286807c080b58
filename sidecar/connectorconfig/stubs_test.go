package connectorconfig

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Tiny test-only plugins: they have settings and nothing else.

type stubConnector struct{ def plugin.ConfigDef }

func (s stubConnector) Version() string                                 { return "test" }
func (s stubConnector) Config() plugin.ConfigDef                        { return s.def }
func (s stubConnector) Start(context.Context, map[string]string) error  { return nil }
func (s stubConnector) TaskConfigs(int) ([]map[string]string, error)    { return nil, nil }
func (s stubConnector) Stop() error                                     { return nil }
func (s stubConnector) NewTask() plugin.SinkTask                        { return nil }
func (s stubSource) NewTask() plugin.SourceTask                         { return nil }
func (s stubSource) ExactlyOnceSupport(map[string]string) (bool, error) { return s.eos, s.eosErr }
func (s stubSource) CanDefineTransactionBoundaries(map[string]string) (bool, error) {
	return s.boundaries, nil
}

// plainSource is a source connector that says nothing about exactly-once
// support or transaction boundaries.
type plainSource struct{ stubConnector }

func (plainSource) NewTask() plugin.SourceTask { return nil }

type stubSource struct {
	stubConnector
	eos, boundaries bool
	eosErr          error
}

type stubTransform struct{ def plugin.ConfigDef }

func (s stubTransform) Config() plugin.ConfigDef                           { return s.def }
func (s stubTransform) Configure(map[string]string) error                  { return nil }
func (s stubTransform) Apply(r plugin.Record) (plugin.Record, bool, error) { return r, true, nil }

type stubPredicate struct{ def plugin.ConfigDef }

func (s stubPredicate) Config() plugin.ConfigDef          { return s.def }
func (s stubPredicate) Configure(map[string]string) error { return nil }
func (s stubPredicate) Test(plugin.Record) (bool, error)  { return true, nil }

type stubConverter struct{ def plugin.ConfigDef }

func (s stubConverter) Config() plugin.ConfigDef                { return s.def }
func (s stubConverter) Configure(map[string]string, bool) error { return nil }
func (s stubConverter) FromConnectData(string, *plugin.Schema, any) ([]byte, error) {
	return nil, nil
}
func (s stubConverter) ToConnectData(string, []byte) (*plugin.Schema, any, error) {
	return nil, nil, nil
}

func stub(class string, kind plugin.Kind, def plugin.ConfigDef) plugin.Plugin {
	p := plugin.Plugin{Class: class, Kind: kind, Version: "4.3.1"}
	switch kind {
	case plugin.KindSink:
		p.New = func() any { return stubConnector{def} }
	case plugin.KindSource:
		p.New = func() any { return stubSource{stubConnector: stubConnector{def}} }
	case plugin.KindTransformation:
		p.New = func() any { return stubTransform{def} }
	case plugin.KindPredicate:
		p.New = func() any { return stubPredicate{def} }
	default:
		p.New = func() any { return stubConverter{def} }
	}
	return p
}

// golden is a Java worker's answer captured by testdata/capture.py.
type golden struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

func readGolden(t testing.TB, name string) golden {
	t.Helper()
	var g golden
	readJSON(t, filepath.Join("testdata", "java", name+".json"), &g)
	return g
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func goldenResult(t testing.TB, name string) Result {
	t.Helper()
	var r Result
	if err := json.Unmarshal(readGolden(t, name).Response, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// javaKeys rebuilds, from Java's answers, the settings a Java plugin
// defines: the definitions named prefix+*, in the order shown, with the
// prefix and the group Connect adds removed. Validators are added by
// checks, by setting name.
func javaKeys(t testing.TB, r Result, prefix, embeddedGroup string, checks map[string]func(string) error) plugin.ConfigDef {
	t.Helper()
	var out plugin.ConfigDef
	for _, c := range r.Configs {
		d := c.Definition
		if d == nil || !strings.HasPrefix(d.Name, prefix) || d.Name == prefix+PluginVersionSuffix {
			continue
		}
		k := plugin.ConfigKey{Name: strings.TrimPrefix(d.Name, prefix), Type: plugin.ConfigType(d.Type),
			HasDefault: !d.Required, Importance: plugin.Importance(d.Importance), Documentation: d.Documentation,
			OrderInGroup: d.OrderInGroup, Width: d.Width, DisplayName: d.DisplayName, Dependents: d.Dependents}
		if d.DefaultValue != nil {
			k.Default = *d.DefaultValue
		}
		if d.Group != nil {
			k.Group = *d.Group
		}
		if embeddedGroup != "" {
			k.Group = strings.TrimPrefix(strings.TrimPrefix(k.Group, embeddedGroup), ": ")
			if k.Group == "" {
				k.OrderInGroup = -1
			}
		}
		k.Validate = checks[k.Name]
		out = append(out, k)
	}
	return out
}

func keysOf(t testing.TB, list []ConfigKeyInfo) Result {
	r := Result{}
	for i := range list {
		r.Configs = append(r.Configs, ConfigInfo{Definition: &list[i]})
	}
	return r
}

func regexCheck(name string) func(string) error {
	return func(v string) error {
		if _, err := regexp.Compile(javatext.Trim(v)); err != nil {
			return configdef.Invalid(name, javatext.Trim(v), "Invalid regex: "+err.Error())
		}
		return nil
	}
}

func oneOfCheck(name string, fold bool, choices ...string) func(string) error {
	return func(v string) error {
		for _, c := range choices {
			if v == c || (fold && strings.EqualFold(javatext.Trim(v), c)) {
				return nil
			}
		}
		return configdef.Invalid(name, v, "String must be one of: "+strings.Join(choices, ", "))
	}
}

// javaPlugins is a catalog with the plugins of the Java worker the
// golden files come from (Kafka 4.3.1 with connect-file): every class
// Java recommended, with the settings of those the cases use.
func javaPlugins(t testing.TB) *catalog {
	t.Helper()
	dupes := goldenResult(t, "sink_duplicate_aliases")
	conv := goldenResult(t, "sink_converters")
	recommended := func(r Result, name string) []string {
		for _, c := range r.Configs {
			if c.Definition != nil && c.Definition.Name == name {
				return c.Value.RecommendedValues
			}
		}
		t.Fatalf("no %s", name)
		return nil
	}
	defs := map[plugin.Kind]map[string]plugin.ConfigDef{
		plugin.KindSink: {"org.apache.kafka.connect.file.FileStreamSinkConnector": javaKeys(t,
			keysOf(t, mustKeys(t, "plugin_config_sink")[:1]), "", "", nil)},
		plugin.KindSource: {"org.apache.kafka.connect.file.FileStreamSourceConnector": javaKeys(t,
			keysOf(t, mustKeys(t, "plugin_config_source")[:3]), "", "", nil)},
		plugin.KindTransformation: {
			"org.apache.kafka.connect.transforms.RegexRouter": javaKeys(t, keysOf(t, mustKeys(t, "plugin_config_transform")),
				"", "", map[string]func(string) error{"regex": regexCheck("regex")}),
			"org.apache.kafka.connect.transforms.MaskField$Value": withoutConnectKeys(javaKeys(t,
				goldenResult(t, "sink_transform_key_value"), "transforms.mask.", "Transforms: mask", nil)),
		},
		plugin.KindPredicate: {
			"org.apache.kafka.connect.transforms.predicates.TopicNameMatches": withoutConnectKeys(javaKeys(t,
				goldenResult(t, "sink_transform_with_predicate"), "predicates.isT.", "Predicates: isT",
				map[string]func(string) error{"pattern": regexCheck("pattern")})),
		},
		plugin.KindConverter: {
			"org.apache.kafka.connect.json.JsonConverter": javaKeys(t, conv, "key.converter.", "", map[string]func(string) error{
				"converter.type": oneOfCheck("converter.type", false, "key", "value", "header"),
				"decimal.format": oneOfCheck("decimal.format", true, "BASE64", "NUMERIC")}),
			"org.apache.kafka.connect.storage.StringConverter": javaKeys(t, conv, "value.converter.", "",
				map[string]func(string) error{"converter.type": oneOfCheck("converter.type", false, "key", "value", "header")}),
		},
	}
	var all []plugin.Plugin
	add := func(classes []string, kind plugin.Kind) {
		for _, class := range classes {
			all = append(all, stub(class, kind, defs[kind][class]))
		}
	}
	add([]string{"org.apache.kafka.connect.file.FileStreamSinkConnector"}, plugin.KindSink)
	add([]string{"org.apache.kafka.connect.file.FileStreamSourceConnector"}, plugin.KindSource)
	add(recommended(dupes, "transforms.f.type"), plugin.KindTransformation)
	add(recommended(dupes, "predicates.p.type"), plugin.KindPredicate)
	add(recommended(conv, "key.converter"), plugin.KindConverter)
	add(recommended(conv, "header.converter"), plugin.KindHeaderConverter)
	return &catalog{plugins: all}
}

func withoutConnectKeys(d plugin.ConfigDef) plugin.ConfigDef {
	var out plugin.ConfigDef
	for _, k := range d {
		switch k.Name {
		case "type", "plugin.version", "predicate", "negate":
		default:
			out = append(out, k)
		}
	}
	return out
}

func mustKeys(t testing.TB, name string) []ConfigKeyInfo {
	t.Helper()
	var l []ConfigKeyInfo
	if err := json.Unmarshal(readGolden(t, name).Response, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// javaWorker is the worker the golden files come from (see
// scripts/kafka/config/connect-distributed.properties), with the client
// settings its answers show.
func javaWorker(t testing.TB) Worker {
	return Worker{
		GroupID:      "valref",
		KeyConverter: "org.apache.kafka.connect.json.JsonConverter", ValueConverter: "org.apache.kafka.connect.json.JsonConverter",
		ClientConfigs: ClientConfigs{
			Producer: javaKeys(t, goldenResult(t, "source_producer_overrides"), ProducerOverridePrefix, "", nil),
			Consumer: javaKeys(t, goldenResult(t, "sink_consumer_group_conflict"), ConsumerOverridePrefix, "", nil),
			Admin:    javaKeys(t, goldenResult(t, "source_topic_creation_default_listed"), AdminOverridePrefix, "", nil),
		},
	}
}
