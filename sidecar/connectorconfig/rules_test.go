package connectorconfig

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// A registry of tiny plugins, through the public API.

const (
	sinkClass   = "com.example.TestSinkConnector"
	sourceClass = "com.example.TestSourceConnector"
	eosClass    = "com.example.EosSourceConnector"
	checkClass  = "com.example.CheckingSinkConnector"
	routerClass = "com.example.transforms.Router"
	maskClass   = "com.example.transforms.Mask"
	topicPred   = "com.example.predicates.TopicIs"
	jsonClass   = "com.example.JsonConverter"
	headerClass = "com.example.HeaderConverter"
)

type checkingSink struct{ stubConnector }

func (checkingSink) ValidateConfig(props map[string]string) map[string][]string {
	if props["url"] == "ftp://x" {
		return map[string][]string{"url": {"ftp is not supported"}, "extra.thing": {"extra problem"}}
	}
	return nil
}

func testRegistry(t testing.TB) *plugin.Registry {
	t.Helper()
	sinkDef := plugin.ConfigDef{
		{Name: "url", Type: plugin.TypeString, Importance: plugin.High, Documentation: "Where to write.",
			Validate: func(v string) error {
				if !strings.Contains(v, "://") {
					return configdef.Invalid("url", v, "not a URL")
				}
				return nil
			}},
		{Name: "secret", Type: plugin.TypePassword, Default: "changeme", HasDefault: true, Importance: plugin.Medium,
			Documentation: "A password."},
		{Name: "ratio", Type: plugin.TypeDouble, Default: "0.5", HasDefault: true, Importance: plugin.Low,
			Documentation: "A ratio.", Group: "Tuning", OrderInGroup: 1, Width: "SHORT", DisplayName: "Ratio"},
	}
	source := plugin.Plugin{Class: sourceClass, Kind: plugin.KindSource, Version: "4.3.1",
		New: func() any {
			return plainSource{stubConnector{plugin.ConfigDef{{Name: "topic", Type: plugin.TypeString,
				Importance: plugin.High, Documentation: "Where to write."}}}}
		}}
	eos := plugin.Plugin{Class: eosClass, Kind: plugin.KindSource, Version: "2.0.0",
		New: func() any { return stubSource{eos: true, boundaries: true} }}
	check := plugin.Plugin{Class: checkClass, Kind: plugin.KindSink, Version: "1.0",
		New: func() any { return checkingSink{stubConnector{sinkDef}} }}
	reg, err := plugin.NewRegistry(
		stub(sinkClass, plugin.KindSink, sinkDef), source, eos, check,
		stub(routerClass, plugin.KindTransformation, plugin.ConfigDef{
			{Name: "regex", Type: plugin.TypeString, Importance: plugin.High, Documentation: "Pattern.", Validate: regexCheck("regex")},
			{Name: "replacement", Type: plugin.TypeString, Importance: plugin.High, Documentation: "Replacement."},
			{Name: "predicate", Type: plugin.TypeInt, Importance: plugin.High, Documentation: "Hidden by Connect's."},
		}),
		stub(maskClass+"$Key", plugin.KindTransformation, nil),
		stub(maskClass+"$Value", plugin.KindTransformation, nil),
		stub(topicPred, plugin.KindPredicate, plugin.ConfigDef{
			{Name: "pattern", Type: plugin.TypeString, Importance: plugin.Medium, Documentation: "Pattern."}}),
		stub(jsonClass, plugin.KindConverter, plugin.ConfigDef{
			{Name: "schemas.enable", Type: plugin.TypeBoolean, Default: "true", HasDefault: true, Importance: plugin.High,
				Documentation: "Schemas."}}),
		stub(headerClass, plugin.KindHeaderConverter, nil),
	)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func sinkConfig(kv ...string) map[string]string {
	m := map[string]string{"name": "s", "connector.class": sinkClass, "topics": "t", "url": "http://x"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func find(r Result, name string) *ConfigInfo {
	for i, c := range r.Configs {
		if (c.Definition != nil && c.Definition.Name == name) || (c.Definition == nil && c.Value.Name == name) {
			return &r.Configs[i]
		}
	}
	return nil
}

func valueOf(r Result, name string) (string, bool) {
	c := find(r, name)
	if c == nil || c.Value == nil || c.Value.Value == nil {
		return "", false
	}
	return *c.Value.Value, true
}

func errorsOf(r Result, name string) []string {
	c := find(r, name)
	if c == nil || c.Value == nil {
		return nil
	}
	return c.Value.Errors
}

// Every rule and its error text.
func TestValidateRules(t *testing.T) {
	reg := testRegistry(t)
	w := Worker{GroupID: "connect-cluster", KeyConverter: jsonClass, ValueConverter: jsonClass}
	cases := []struct {
		name   string
		config map[string]string
		worker *Worker
		key    string
		errors []string
		value  *string // nil: not checked; "<null>" for null
	}{
		{"valid", sinkConfig(), nil, "tasks.max", nil, ptr("1")},
		{"tasks.max trimmed", sinkConfig("tasks.max", " 3 "), nil, "tasks.max", nil, ptr("3")},
		{"tasks.max not a number", sinkConfig("tasks.max", "abc"), nil, "tasks.max", []string{
			"Invalid value abc for configuration tasks.max: Not a number of type INT",
			"Invalid value null for configuration tasks.max: Value must be non-null"}, ptr("<null>")},
		{"tasks.max too big", sinkConfig("tasks.max", "2147483648"), nil, "tasks.max", []string{
			"Invalid value 2147483648 for configuration tasks.max: Not a number of type INT",
			"Invalid value null for configuration tasks.max: Value must be non-null"}, nil},
		{"tasks.max zero", sinkConfig("tasks.max", "0"), nil, "tasks.max",
			[]string{"Invalid value 0 for configuration tasks.max: Value must be at least 1"}, ptr("0")},
		{"missing name", sinkConfig("name", "<unset>"), nil, "name",
			[]string{`Missing required configuration "name" which has no default value.`}, ptr("<null>")},
		{"empty name", sinkConfig("name", " "), nil, "name",
			[]string{"Invalid value  for configuration name: String may not be empty"}, ptr("")},
		{"control characters", sinkConfig("name", "a\nb\u0085"), nil, "name",
			[]string{"Invalid value a\nb\u0085 for configuration name: String may not contain control sequences but had the following ASCII chars: 10, 133"}, nil},
		{"boolean", sinkConfig("tasks.max.enforce", "FALSE"), nil, "tasks.max.enforce", nil, ptr("false")},
		{"not a boolean", sinkConfig("errors.log.enable", "yes"), nil, "errors.log.enable",
			[]string{"Invalid value yes for configuration errors.log.enable: Expected value to be either true or false"}, ptr("<null>")},
		{"not a long", sinkConfig("errors.retry.timeout", "1e3"), nil, "errors.retry.timeout",
			[]string{"Invalid value 1e3 for configuration errors.retry.timeout: Not a number of type LONG"}, nil},
		{"long", sinkConfig("errors.retry.timeout", "-1"), nil, "errors.retry.timeout", nil, ptr("-1")},
		{"not a short", sinkConfig(DLQTopicReplicationFactorConfig, "40000"), nil, DLQTopicReplicationFactorConfig,
			[]string{"Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: Not a number of type SHORT"}, nil},
		{"tolerance", sinkConfig("errors.tolerance", "ALL"), nil, "errors.tolerance",
			[]string{"Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"}, ptr("ALL")},
		{"reload", sinkConfig("config.action.reload", "never"), nil, "config.action.reload",
			[]string{"Invalid value never for configuration config.action.reload: String must be one of: none, restart"}, nil},
		{"list trimmed", sinkConfig("topics", " a ,b "), nil, "topics", nil, ptr("a,b")},
		{"missing topics", sinkConfig("topics", "<unset>"), nil, "topics",
			[]string{"Must configure one of topics or topics.regex"}, ptr("")},
		{"blank topics", sinkConfig("topics", "  ", "topics.regex", ""), nil, "topics.regex",
			[]string{"Must configure one of topics or topics.regex"}, ptr("")},
		{"topics and regex", sinkConfig("topics.regex", "t.*"), nil, "topics.regex",
			[]string{"topics and topics.regex are mutually exclusive options, but both are set."}, ptr("t.*")},
		{"regex only", sinkConfig("topics", "<unset>", "topics.regex", "t.*"), nil, "topics", nil, ptr("")},
		{"bad regex", sinkConfig("topics", "<unset>", "topics.regex", "a(b"), nil, "topics.regex",
			[]string{"Invalid value a(b for configuration topics.regex: Invalid regex: error parsing regexp: missing closing ): `a(b`"}, nil},
		{"duplicate topics", sinkConfig("topics", "a,b,a"), nil, "topics",
			[]string{"Configuration 'topics' values must not be duplicated."}, ptr("a,b,a")},
		{"empty topic", sinkConfig("topics", "a,,b"), nil, "topics",
			[]string{"Configuration 'topics' values must not be empty."}, nil},
		{"dlq in topics", sinkConfig("topics", "a, b", DLQTopicNameConfig, "b"), nil, "topics",
			[]string{"The DLQ topic 'b' may not be included in the list of topics ('topics=[a, b]') consumed by the connector"}, nil},
		{"dlq matched", sinkConfig("topics", "<unset>", "topics.regex", "d.*", DLQTopicNameConfig, "dlq"), nil, "topics.regex",
			[]string{"The DLQ topic 'dlq' may not be matched by the regex for the topics ('topics.regex=d.*') consumed by the connector"}, nil},
		{"dlq not matched: whole name", sinkConfig("topics", "<unset>", "topics.regex", "d", DLQTopicNameConfig, "dlq"), nil, "topics.regex", nil, nil},
		{"connector's own check", sinkConfig("url", "nope"), nil, "url",
			[]string{"Invalid value nope for configuration url: not a URL"}, ptr("nope")},
		{"connector's required setting", sinkConfig("url", "<unset>"), nil, "url",
			[]string{`Missing required configuration "url" which has no default value.`}, ptr("<null>")},
		{"password hidden", sinkConfig("secret", "hunter2"), nil, "secret", nil, ptr("[hidden]")},
		{"double", sinkConfig("ratio", "1e10"), nil, "ratio", nil, ptr("1.0E10")},
		{"not a double", sinkConfig("ratio", "half"), nil, "ratio",
			[]string{"Invalid value half for configuration ratio: Not a number of type DOUBLE"}, nil},
		{"duplicate transforms", sinkConfig("transforms", "a,a", "transforms.a.type", routerClass), nil, "transforms",
			[]string{"Invalid value [a, a] for configuration transforms: Duplicate alias provided."}, nil},
		{"unknown transform", sinkConfig("transforms", "a", "transforms.a.type", "com.example.Nope"), nil, "transforms.a.type",
			[]string{"Invalid value com.example.Nope for configuration transforms.a.type: Class com.example.Nope could not be found."}, ptr("<null>")},
		{"transform alias", sinkConfig("transforms", "a", "transforms.a.type", "Router", "transforms.a.regex", "x", "transforms.a.replacement", "y"),
			nil, "transforms.a.type", nil, ptr(routerClass)},
		{"nested class is no alias", sinkConfig("transforms", "a", "transforms.a.type", "Mask$Key"), nil, "transforms.a.type",
			[]string{"Invalid value Mask$Key for configuration transforms.a.type: Class Mask$Key could not be found."}, nil},
		{"abstract transform", sinkConfig("transforms", "a", "transforms.a.type", maskClass), nil, "transforms.a.type",
			[]string{"This class is abstract and cannot be created. Did you mean com.example.transforms.Mask$Key, com.example.transforms.Mask$Value?"}, ptr(maskClass)},
		{"predicate as transform", sinkConfig("transforms", "a", "transforms.a.type", topicPred), nil, "transforms.a.type",
			[]string{"Class class com.example.predicates.TopicIs does not implement the Transformation interface"}, nil},
		{"missing transform type", sinkConfig("transforms", "a"), nil, "transforms.a.type",
			[]string{`Missing required configuration "transforms.a.type" which has no default value.`}, nil},
		{"transform's required setting", sinkConfig("transforms", "a", "transforms.a.type", routerClass), nil, "transforms.a.regex",
			[]string{`Missing required configuration "transforms.a.regex" which has no default value.`}, nil},
		{"transform's check, unprefixed name", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.regex", "(", "transforms.a.replacement", "y"),
			nil, "transforms.a.regex", []string{"Invalid value ( for configuration regex: Invalid regex: error parsing regexp: missing closing ): `(`"}, nil},
		{"negate without predicate", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.regex", "x", "transforms.a.replacement", "y", "transforms.a.negate", "true"),
			nil, "transforms.a.type", []string{"Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate' defining a predicate to be negated."}, nil},
		{"Connect's predicate setting hides the plugin's", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.regex", "x", "transforms.a.replacement", "y", "transforms.a.predicate", "p"),
			nil, "transforms.a.predicate", nil, ptr("p")},
		{"transform version", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.plugin.version", "[5.0,)", "transforms.a.regex", "x", "transforms.a.replacement", "y"),
			nil, "transforms.a.plugin.version", []string{"Plugin com.example.transforms.Router not found that matches the version range [5.0,), available versions: [4.3.1]"}, nil},
		{"bad transform version", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.plugin.version", "(1.0"),
			nil, "transforms.a.plugin.version", []string{"Unbounded range: (1.0"}, nil},
		{"duplicate predicates", sinkConfig("predicates", "p,p", "predicates.p.type", topicPred, "predicates.p.pattern", "x"), nil, "predicates",
			[]string{"Invalid value [p, p] for configuration predicates: Duplicate alias provided."}, nil},
		{"transform as predicate", sinkConfig("predicates", "p", "predicates.p.type", routerClass), nil, "predicates.p.type",
			[]string{"Class class com.example.transforms.Router does not implement the Predicate interface"}, nil},
		{"converter", sinkConfig("key.converter", "JsonConverter", "key.converter.schemas.enable", "maybe"), nil, "key.converter.schemas.enable",
			[]string{"Invalid value maybe for configuration schemas.enable: Expected value to be either true or false"}, ptr("<null>")},
		{"header converter as converter", sinkConfig("value.converter", headerClass), nil, "value.converter",
			[]string{"Class class com.example.HeaderConverter does not implement the Converter interface"}, ptr(headerClass)},
		{"unknown converter", sinkConfig("header.converter", "Nope"), nil, "header.converter",
			[]string{"Invalid value Nope for configuration header.converter: Class Nope could not be found."}, ptr("<null>")},
		{"converter version", sinkConfig("key.converter", jsonClass, "key.converter.plugin.version", "[1.0]"), nil, "key.converter.plugin.version",
			[]string{"Plugin com.example.JsonConverter not found that matches the version range [1.0,1.0], available versions: [4.3.1]"}, nil},
		{"worker group", sinkConfig("name", "cluster"), nil, "name",
			[]string{"Consumer group for sink connector named cluster conflicts with Connect worker group connect-cluster"}, nil},
		{"worker group overridden", sinkConfig("consumer.override.group.id", "connect-cluster"), nil, "consumer.override.group.id",
			[]string{"Consumer group connect-cluster conflicts with Connect worker group connect-cluster"}, ptr("connect-cluster")},
		{"override policy None", sinkConfig("consumer.override.max.poll.records", "5"), &Worker{ClientOverridePolicy: "None"}, "consumer.override.max.poll.records",
			[]string{"The 'None' policy does not allow 'max.poll.records' to be overridden in the connector configuration."}, ptr("5")},
		{"override policy Principal", sinkConfig("consumer.override.sasl.mechanism", "PLAIN"), &Worker{ClientOverridePolicy: "Principal"}, "consumer.override.sasl.mechanism", nil, nil},
		{"override policy Allowlist", sinkConfig("consumer.override.acks", "1"), &Worker{ClientOverridePolicy: "Allowlist", ClientOverrideAllowlist: []string{"linger.ms"}}, "consumer.override.acks",
			[]string{"The 'Allowlist' policy does not allow 'acks' to be overridden in the connector configuration."}, nil},
		{"producer of a sink with a DLQ", sinkConfig("producer.override.acks", "1", DLQTopicNameConfig, "d"), &Worker{ClientOverridePolicy: "None"}, "producer.override.acks",
			[]string{"The 'None' policy does not allow 'acks' to be overridden in the connector configuration."}, nil},
		{"connector's extra check", sinkConfig("connector.class", checkClass, "url", "ftp://x"), nil, "url", []string{"ftp is not supported"}, nil},
		{"connector's extra check, undefined setting", sinkConfig("connector.class", checkClass, "url", "ftp://x"), nil, "extra.thing", []string{"extra problem"}, ptr("<null>")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			worker := w
			if tc.worker != nil {
				worker = *tc.worker
			}
			r, err := ValidateWith(reg, tc.config, worker)
			if err != nil {
				t.Fatal(err)
			}
			if find(r, tc.key) == nil {
				t.Fatalf("no %s in the result", tc.key)
			}
			got := errorsOf(r, tc.key)
			if len(got) != len(tc.errors) || (len(got) > 0 && !reflect.DeepEqual(got, tc.errors)) {
				t.Errorf("errors of %s:\n got %q\nwant %q", tc.key, got, tc.errors)
			}
			if tc.value != nil {
				v, ok := valueOf(r, tc.key)
				if !ok {
					v = "<null>"
				}
				if v != *tc.value {
					t.Errorf("value of %s: %q, want %q", tc.key, v, *tc.value)
				}
			}
			if n := len(r.Errors()); n != r.ErrorCount && !strings.HasPrefix(tc.name, "converter") {
				t.Errorf("error_count %d, %d errors", r.ErrorCount, n)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestValidateSource(t *testing.T) {
	reg := testRegistry(t)
	base := map[string]string{"name": "src", "connector.class": "TestSource", "topic": "out"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	noAPI := "The connector does not implement the API required for preflight validation of exactly-once source support. " +
		"Please consult the documentation for the connector to determine whether it supports exactly-once semantics, " +
		"and then consider reconfiguring the connector to use the value \"requested\" for this property (which will " +
		"disable this preflight check and allow the connector to be created)."
	noBoundaries := "The connector does not support connector-defined transaction boundaries with the given configuration. " +
		"Please reconfigure it to use a different transaction boundary definition."
	cases := []struct {
		name   string
		config map[string]string
		worker Worker
		key    string
		errors []string
	}{
		{"valid", with(), Worker{}, "exactly.once.support", nil},
		{"required, worker without EOS", with("exactly.once.support", "Required"), Worker{}, "exactly.once.support",
			[]string{"This worker does not have exactly-once source support enabled.", noAPI}},
		{"required, supported", with("connector.class", eosClass, "exactly.once.support", "required"),
			Worker{ExactlyOnceSourceSupport: true}, "exactly.once.support", nil},
		{"bad level", with("exactly.once.support", "always"), Worker{}, "exactly.once.support",
			[]string{"Invalid value always for configuration exactly.once.support: String must be one of (case insensitive): REQUIRED, REQUESTED"}},
		{"connector boundaries", with("transaction.boundary", "CONNECTOR"), Worker{}, "transaction.boundary", []string{noBoundaries}},
		{"connector boundaries, supported", with("connector.class", eosClass, "transaction.boundary", "connector"), Worker{}, "transaction.boundary", nil},
		{"bad boundary", with("transaction.boundary", "batch"), Worker{}, "transaction.boundary",
			[]string{"Invalid value batch for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR"}},
		{"negative interval", with("transaction.boundary.interval.ms", "-1"), Worker{}, "transaction.boundary.interval.ms",
			[]string{"Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0"}},
		{"empty offsets topic", with("offsets.storage.topic", ""), Worker{}, "offsets.storage.topic",
			[]string{"Invalid value  for configuration offsets.storage.topic: String must be non-empty"}},
		{"duplicate groups", with("topic.creation.groups", "a,a"), Worker{}, "topic.creation.groups",
			[]string{"Invalid value [a, a] for configuration topic.creation.groups: Duplicate alias provided."}},
		{"producer override", with("producer.override.acks", "all"), Worker{ClientOverridePolicy: "None"}, "producer.override.acks",
			[]string{"The 'None' policy does not allow 'acks' to be overridden in the connector configuration."}},
		{"admin override with topic creation", with("topic.creation.default.partitions", "1", "admin.override.retries", "1"),
			Worker{ClientOverridePolicy: "None"}, "admin.override.retries",
			[]string{"The 'None' policy does not allow 'retries' to be overridden in the connector configuration."}},
		{"consumer override with own offsets topic", with("offsets.storage.topic", "o", "consumer.override.retries", "1"),
			Worker{ClientOverridePolicy: "None"}, "consumer.override.retries",
			[]string{"The 'None' policy does not allow 'retries' to be overridden in the connector configuration."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ValidateWith(reg, tc.config, tc.worker)
			if err != nil {
				t.Fatal(err)
			}
			if find(r, tc.key) == nil {
				t.Fatalf("no %s", tc.key)
			}
			if got := errorsOf(r, tc.key); len(got) != len(tc.errors) || (len(got) > 0 && !reflect.DeepEqual(got, tc.errors)) {
				t.Errorf("errors of %s:\n got %q\nwant %q", tc.key, got, tc.errors)
			}
		})
	}
	// Not used: no admin client, so no admin overrides.
	r, _ := ValidateWith(reg, with("admin.override.retries", "1"), Worker{})
	if find(r, "admin.override.retries") != nil {
		t.Error("admin overrides of a source without topic creation are listed")
	}
	// Source settings, not sink ones.
	if find(r, TopicsConfig) != nil || find(r, OffsetsTopicConfig) == nil {
		t.Error("a source connector has sink settings, or no source settings")
	}
}

func TestValidateRequestErrors(t *testing.T) {
	reg := testRegistry(t)
	cases := []struct {
		name        string
		config      map[string]string
		message     string
		suggestions []string
	}{
		{"no class", map[string]string{"name": "x", "topics": "t"},
			"Connector config {name=x, topics=t} contains no connector type", nil},
		{"unknown class", map[string]string{"connector.class": "TestSinc"},
			"Failed to find any class that implements Connector and which name matches TestSinc, available connectors are: " +
				"PluginDesc{klass=class com.example.CheckingSinkConnector, name='com.example.CheckingSinkConnector', version='1.0', encodedVersion=1.0, type=sink, typeName='sink', location='classpath'}, " +
				"PluginDesc{klass=class com.example.EosSourceConnector, name='com.example.EosSourceConnector', version='2.0.0', encodedVersion=2.0.0, type=source, typeName='source', location='classpath'}, " +
				"PluginDesc{klass=class com.example.TestSinkConnector, name='com.example.TestSinkConnector', version='4.3.1', encodedVersion=4.3.1, type=sink, typeName='sink', location='classpath'}, " +
				"PluginDesc{klass=class com.example.TestSourceConnector, name='com.example.TestSourceConnector', version='4.3.1', encodedVersion=4.3.1, type=source, typeName='source', location='classpath'}" +
				". Did you mean com.example.TestSinkConnector?",
			[]string{sinkClass}},
		{"transform as connector", map[string]string{"connector.class": routerClass}, "", nil},
		{"bad version", map[string]string{"connector.class": sinkClass, "connector.plugin.version": "[1.0,2.0"},
			"Unbounded range: [1.0,2.0", nil},
		{"single version in parentheses", map[string]string{"connector.class": sinkClass, "connector.plugin.version": "(1.0)"},
			"Single version must be surrounded by []: (1.0)", nil},
		{"reversed range", map[string]string{"connector.class": sinkClass, "connector.plugin.version": "[2.0,1.0]"},
			"Range defies version ordering: [2.0,1.0]", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(reg, tc.config)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T), want a *RequestError", err, err)
			}
			if tc.message != "" && re.Message != tc.message {
				t.Errorf("message\n got %s\nwant %s", re.Message, tc.message)
			}
			if !reflect.DeepEqual(re.Suggestions, tc.suggestions) {
				t.Errorf("suggestions %q, want %q", re.Suggestions, tc.suggestions)
			}
		})
	}
}

func TestValidateConnectorVersion(t *testing.T) {
	reg := testRegistry(t)
	r, err := Validate(reg, map[string]string{"name": "s", "connector.class": sinkClass, "connector.plugin.version": "[1.0,2.0)"})
	if err != nil {
		t.Fatal(err)
	}
	msg := "Plugin com.example.TestSinkConnector not found that matches the version range [1.0,2.0), available versions: [4.3.1]"
	for _, k := range []string{ConnectorClassConfig, ConnectorVersionConfig} {
		if got := errorsOf(r, k); !reflect.DeepEqual(got, []string{msg}) {
			t.Errorf("%s: %q", k, got)
		}
	}
	if r.ErrorCount != 2 || find(r, TopicsConfig) != nil || find(r, "url") != nil {
		t.Errorf("a wrong version shows more than Connect's common settings: %d errors", r.ErrorCount)
	}
	if c := find(r, ConnectorVersionConfig); !reflect.DeepEqual(c.Value.RecommendedValues, []string{"4.3.1"}) {
		t.Errorf("recommended %q", c.Value.RecommendedValues)
	}
	// A matching version or range is fine.
	for _, v := range []string{"4.3.1", "[4.0,5.0)", "latest", "(,4.3.1]", "[1.0,2.0),[4.3,4.4)"} {
		r, err := Validate(reg, map[string]string{"name": "s", "connector.class": sinkClass, "connector.plugin.version": v,
			"topics": "t", "url": "x://y"})
		if err != nil || r.ErrorCount != 0 {
			t.Errorf("%s: %v %q", v, err, r.Errors())
		}
	}
}

func TestErrorsMessage(t *testing.T) {
	r, err := Validate(testRegistry(t), sinkConfig("tasks.max", "x", "topics", "<unset>"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Connector configuration is invalid and contains the following 4 error(s):\n" +
		"Invalid value x for configuration tasks.max: Not a number of type INT\n" +
		"Invalid value null for configuration tasks.max: Value must be non-null\n" +
		"Must configure one of topics or topics.regex\n" +
		"Must configure one of topics or topics.regex\n" +
		"You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
	if got := ErrorsMessage(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := ErrorsMessage(Result{}); got != "" {
		t.Errorf("no errors: %q", got)
	}
}

func TestCheckPluginName(t *testing.T) {
	for _, tc := range []struct {
		plugin, class string
		ok            bool
	}{
		{"FileStreamSink", "FileStreamSink", true},
		{"FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector", true},
		{"FileStreamSink", "org.apache.kafka.connect.file.FileStreamSinkConnector", true},
		{"FileStreamSource", "FileStreamSink", false},
	} {
		err := CheckPluginName(tc.plugin, map[string]string{"connector.class": tc.class})
		if (err == nil) != tc.ok {
			t.Errorf("%s, %s: %v", tc.plugin, tc.class, err)
		}
	}
	if err := CheckPluginName("X", map[string]string{}); err != nil {
		t.Error(err)
	}
}

func TestPluginConfig(t *testing.T) {
	reg := testRegistry(t)
	keys, err := PluginConfig(reg, "TestSink")
	if err != nil {
		t.Fatal(err)
	}
	if keys[0].Name != "url" || keys[3].Name != "name" || keys[len(keys)-1].Name != DLQContextHeadersEnableConfig {
		t.Errorf("order: %s ... %s", keys[0].Name, keys[len(keys)-1].Name)
	}
	secret := keys[1]
	if secret.DefaultValue == nil || *secret.DefaultValue != "[hidden]" {
		t.Errorf("password default shown as %v", secret.DefaultValue)
	}
	if keys[0].OrderInGroup != -1 || keys[0].Width != "NONE" || keys[0].DisplayName != "url" || keys[0].Group != nil {
		t.Errorf("short definition: %+v", keys[0])
	}
	if keys, _ := PluginConfig(reg, routerClass); len(keys) != 3 {
		t.Errorf("transform: %d keys", len(keys))
	}
	var nf *NotFoundError
	if _, err := PluginConfig(reg, "Nope"); !errors.As(err, &nf) || err.Error() != "Unknown plugin Nope." {
		t.Errorf("unknown plugin: %v", err)
	}
}

func TestCommonConfigDefs(t *testing.T) {
	names := func(d plugin.ConfigDef) []string {
		var out []string
		for _, k := range d {
			out = append(out, k.Name)
		}
		return out
	}
	common := []string{"name", "connector.class", "connector.plugin.version", "tasks.max", "tasks.max.enforce",
		"key.converter", "key.converter.plugin.version", "value.converter", "value.converter.plugin.version",
		"header.converter", "header.converter.plugin.version", "transforms", "predicates", "config.action.reload",
		"errors.retry.timeout", "errors.retry.delay.max.ms", "errors.tolerance", "errors.log.enable",
		"errors.log.include.messages"}
	if got := names(CommonConfigDef()); !reflect.DeepEqual(got, common) {
		t.Errorf("common: %q", got)
	}
	sink := append(append([]string{}, common...), "topics", "topics.regex", "errors.deadletterqueue.topic.name",
		"errors.deadletterqueue.topic.replication.factor", "errors.deadletterqueue.context.headers.enable")
	if got := names(SinkConfigDef()); !reflect.DeepEqual(got, sink) {
		t.Errorf("sink: %q", got)
	}
	source := append(append([]string{}, common...), "topic.creation.groups", "exactly.once.support",
		"transaction.boundary", "transaction.boundary.interval.ms", "offsets.storage.topic")
	if got := names(SourceConfigDef()); !reflect.DeepEqual(got, source) {
		t.Errorf("source: %q", got)
	}
	byName := map[string]plugin.ConfigKey{}
	for _, k := range SourceConfigDef() {
		byName[k.Name] = k
		if k.Documentation == "" || k.DisplayName == "" || k.Width == "" {
			t.Errorf("%s is not fully described", k.Name)
		}
	}
	for _, tc := range []struct{ key, value, err string }{
		{"tasks.max", "4", ""},
		{"tasks.max", "0", "Invalid value 0 for configuration tasks.max: Value must be at least 1"},
		{"tasks.max", "four", "Invalid value four for configuration tasks.max: Not a number of type INT"},
		{"errors.tolerance", "all", ""},
		{"errors.tolerance", "some", "Invalid value some for configuration errors.tolerance: String must be one of: none, all"},
		{"exactly.once.support", "Required", ""},
		{"transforms", "a, b", ""},
		{"transforms", "a,a", "Invalid value [a, a] for configuration transforms: Duplicate alias provided."},
		{"key.converter", "org.example.Any", ""},
	} {
		err := byName[tc.key].Validate(tc.value)
		if (err == nil && tc.err != "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%s=%s: %v, want %q", tc.key, tc.value, err, tc.err)
		}
	}
	if k := byName["tasks.max"]; k.Default != "1" || !k.HasDefault || k.Group != "Common" || k.OrderInGroup != 4 {
		t.Errorf("tasks.max: %+v", k)
	}
	if k := byName["name"]; k.HasDefault {
		t.Error("name has a default")
	}
}

func TestParseTypes(t *testing.T) {
	classes := func(s string) (string, bool) { return "full." + s, s == "Known" }
	cases := []struct {
		typ    plugin.ConfigType
		raw    string
		value  string // as convertToString shows it; "<null>" for null
		errMsg string
	}{
		{plugin.TypeBoolean, " True ", "true", ""},
		{plugin.TypeBoolean, "1", "", "Invalid value 1 for configuration k: Expected value to be either true or false"},
		{plugin.TypeString, "  padded\t", "padded", ""},
		{plugin.TypeInt, "+7", "7", ""},
		{plugin.TypeInt, "-2147483648", "-2147483648", ""},
		{plugin.TypeInt, "7.0", "", "Invalid value 7.0 for configuration k: Not a number of type INT"},
		{plugin.TypeInt, "", "", "Invalid value  for configuration k: Not a number of type INT"},
		{plugin.TypeInt, "1_000", "", "Invalid value 1_000 for configuration k: Not a number of type INT"},
		{plugin.TypeShort, "32767", "32767", ""},
		{plugin.TypeShort, "32768", "", "Invalid value 32768 for configuration k: Not a number of type SHORT"},
		{plugin.TypeLong, "9223372036854775807", "9223372036854775807", ""},
		{plugin.TypeLong, "0x10", "", "Invalid value 0x10 for configuration k: Not a number of type LONG"},
		{plugin.TypeDouble, "1", "1.0", ""},
		{plugin.TypeDouble, "2.5f", "2.5", ""},
		{plugin.TypeDouble, "-0", "-0.0", ""},
		{plugin.TypeDouble, "1e-5", "1.0E-5", ""},
		{plugin.TypeDouble, "12345678", "1.2345678E7", ""},
		{plugin.TypeDouble, "0.001", "0.001", ""},
		{plugin.TypeDouble, "NaN", "NaN", ""},
		{plugin.TypeDouble, "-Infinity", "-Infinity", ""},
		{plugin.TypeDouble, "inf", "", "Invalid value inf for configuration k: Not a number of type DOUBLE"},
		{plugin.TypeDouble, "0x1p3", "8.0", ""},
		{plugin.TypeList, "", "", ""},
		{plugin.TypeList, " a , b,,c ", "a,b,,c", ""},
		{plugin.TypePassword, " pw ", "[hidden]", ""},
		{plugin.TypeClass, " Known ", "full.Known", ""},
		{plugin.TypeClass, "Unknown ", "", "Invalid value Unknown  for configuration k: Class Unknown  could not be found."},
	}
	for _, tc := range cases {
		v, err := configdef.ParseType("k", tc.raw, tc.typ, classes)
		if tc.errMsg != "" {
			if err == nil || err.Error() != tc.errMsg {
				t.Errorf("%s %q: error %v, want %q", tc.typ, tc.raw, err, tc.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.typ, tc.raw, err)
			continue
		}
		if s, _ := configdef.ConvertToString(v); s != tc.value {
			t.Errorf("%s %q: %q, want %q", tc.typ, tc.raw, s, tc.value)
		}
	}
	if s := javatext.FormatDouble(math.MaxFloat64); s != "1.7976931348623157E308" {
		t.Errorf("max double %s", s)
	}
}

// javaHashOrder matches orders seen from Java 17's HashMap and HashSet in
// the golden answers, given the keys in the order Java put them.
func TestJavaHashOrder(t *testing.T) {
	for _, tc := range []struct{ put, want []string }{
		{[]string{"REQUESTED", "REQUIRED"}, []string{"REQUIRED", "REQUESTED"}},
		{[]string{"POLL", "INTERVAL", "CONNECTOR"}, []string{"INTERVAL", "POLL", "CONNECTOR"}},
		// schemas.enable and schema.content share a bucket: put order.
		{[]string{"converter.type", "schemas.enable", "schemas.cache.size", "schema.content", "decimal.format", "replace.null.with.default"},
			[]string{"decimal.format", "converter.type", "schemas.cache.size", "replace.null.with.default", "schemas.enable", "schema.content"}},
	} {
		if got := javaHashOrder(tc.put); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if h := javaStringHash("kafka_topic"); h != -37997866 {
		t.Errorf("hash %d", h) // "kafka_topic".hashCode() on JDK 17
	}
	if got := javaCopyCapacity(5); got != 8 {
		t.Errorf("new HashMap(5 entries) has %d buckets", got)
	}
	// group.id and sasl.jaas.config share a bucket; Java's order of the
	// client overrides (sink_consumer_group_conflict.json) comes from the
	// full names' order in the copied configuration.
	config := map[string]string{"connector.class": "x", "name": "s", "topics": "t",
		ConsumerOverridePrefix + "unknown.thing": "x", ConsumerOverridePrefix + "sasl.jaas.config": "p",
		ConsumerOverridePrefix + "group.id": "g", ConsumerOverridePrefix + "max.poll.records": "1"}
	in, err := Worker{}.validateClient(&catalog{}, config, ConsumerOverridePrefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range in.configs {
		got = append(got, c.Value.Name)
	}
	want := []string{"consumer.override.max.poll.records", "consumer.override.group.id",
		"consumer.override.sasl.jaas.config", "consumer.override.unknown.thing"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestVersionRanges(t *testing.T) {
	cases := []struct {
		spec, printed string
		in, out       []string
		err           string
	}{
		{spec: "4.3.1", printed: "[4.3.1,4.3.1]", in: []string{"4.3.1", "4.3.1.0"}, out: []string{"4.3.0", "4.3.1-rc1"}},
		{spec: " [4.0, 5.0) ", printed: "[4.0,5.0)", in: []string{"4.0", "4.9.9"}, out: []string{"5.0", "3.9", "5.0.0"}},
		{spec: "(,4.0]", printed: "(,4.0]", in: []string{"1", "4.0"}, out: []string{"4.0.1"}},
		{spec: "[1,2),[3,4)", printed: "[1,2),[3,4)", in: []string{"1.5", "3"}, out: []string{"2", "4"}},
		{spec: "4.3.1-SNAPSHOT", printed: "[4.3.1-SNAPSHOT,4.3.1-SNAPSHOT]", out: []string{"4.3.1"}},
		{spec: "[1.0", err: "Unbounded range: [1.0"},
		{spec: "[2,3),[1,4)", err: "Ranges overlap: [2,3),[1,4)"},
		{spec: "[1,2) 3", err: "Only fully-qualified sets allowed in multiple set scenario: [1,2) 3"},
		{spec: "(1,1]", err: "Range defies version ordering: (1,1]"},
	}
	for _, tc := range cases {
		r, err := versionRequirement(tc.spec)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: %v, want %s", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.spec, err)
		}
		if r.String() != tc.printed {
			t.Errorf("%q printed %s", tc.spec, r)
		}
		for _, v := range tc.in {
			if !r.contains(v) {
				t.Errorf("%s should contain %s", r, v)
			}
		}
		for _, v := range tc.out {
			if r.contains(v) {
				t.Errorf("%s should not contain %s", r, v)
			}
		}
	}
	if r, err := versionRequirement("latest"); r != nil || err != nil {
		t.Error("latest is no requirement")
	}
}

// Validation is safe to run concurrently on one registry.
func TestValidateConcurrently(t *testing.T) {
	reg := testRegistry(t)
	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := Validate(reg, sinkConfig("transforms", "a", "transforms.a.type", routerClass, "tasks.max", fmt.Sprint(i%2)))
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = jsonOf(r)
			if _, err := Parse(reg, sinkConfig()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := 2; i < len(results); i++ {
		if results[i] != results[i%2] {
			t.Errorf("result %d differs", i)
		}
	}
}

func TestParse(t *testing.T) {
	reg := testRegistry(t)
	p, err := Parse(reg, sinkConfig("topics", "a, b,a", "tasks.max", "3", "errors.tolerance", "all",
		"errors.retry.timeout", "-1", "errors.deadletterqueue.topic.name", " dlq ", "errors.log.enable", "true",
		"key.converter", "JsonConverter", "key.converter.plugin.version", "4.3.1",
		"transforms", "r,m", "transforms.r.type", "Router", "transforms.r.regex", "x", "transforms.r.replacement", "y",
		"transforms.r.predicate", "p", "transforms.r.negate", "TRUE", "transforms.m.type", maskClass+"$Key",
		"predicates", "p", "predicates.p.type", topicPred, "predicates.p.pattern", "t.*"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Parsed{
		Name: "s", ConnectorClass: sinkClass, TasksMax: 3, TasksMaxEnforce: true,
		KeyConverter: jsonClass, KeyConverterVersion: "4.3.1", ConfigReloadAction: "restart",
		Transforms: []Transform{
			{Alias: "r", Class: routerClass, Config: map[string]string{"type": "Router", "regex": "x", "replacement": "y"},
				Predicate: "p", Negate: true},
			{Alias: "m", Class: maskClass + "$Key", Config: map[string]string{"type": maskClass + "$Key"}},
		},
		Predicates: map[string]Predicate{"p": {Alias: "p", Class: topicPred, Config: map[string]string{"type": topicPred, "pattern": "t.*"}}},
		Errors: ErrorHandling{Tolerance: "all", RetryTimeout: -1, RetryDelayMax: time.Minute, Log: true,
			DLQTopic: "dlq", DLQReplicationFactor: 3},
		Topics: []string{"a", "b"},
	}
	p.Plugin = plugin.Plugin{}
	if !p.Consumes("a") || p.Consumes("c") {
		t.Error("Consumes")
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got  %+v\nwant %+v", p, want)
	}
	if !p.Errors.ToleratesAll() || !p.Errors.ReportsErrantRecords() {
		t.Error("error handling helpers")
	}
	if err := p.CheckPredicates(); err != nil {
		t.Error(err)
	}
	p.Transforms[1].Predicate = "nope"
	if err := p.CheckPredicates(); err == nil || err.Error() != "Unknown configuration 'predicates.nope.plugin.version'" {
		t.Errorf("undefined predicate: %v", err)
	}
}

func TestParseTopicsRegex(t *testing.T) {
	p, err := Parse(testRegistry(t), sinkConfig("topics", "<unset>", "topics.regex", " orders-.* "))
	if err != nil {
		t.Fatal(err)
	}
	if p.TopicsRegex != "orders-.*" || !p.Consumes("orders-1") || p.Consumes("x-orders-1") || p.Topics != nil {
		t.Errorf("%+v", p)
	}
}

func TestParseErrors(t *testing.T) {
	reg := testRegistry(t)
	src := func(kv ...string) map[string]string {
		m := map[string]string{"name": "src", "connector.class": sourceClass, "topic": "o"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// The first problem, with Java's text. Those marked "Java" were seen
	// in a Java 4.3.1 worker's connector status (see testdata/README.md).
	cases := []struct {
		name   string
		config map[string]string
		err    string
	}{
		{"no class", map[string]string{"connector.class": sinkClass}, `Missing required configuration "name" which has no default value.`},
		{"bad tasks.max", sinkConfig("tasks.max", "-1"), "Invalid value -1 for configuration tasks.max: Value must be at least 1"},
		{"sink without topics", sinkConfig("topics", "<unset>"), "Invalid value null for configuration topics: Must configure one of topics or topics.regex"},
		{"sink with both", sinkConfig("topics.regex", "x"), "Invalid value t for configuration topics: topics and topics.regex are mutually exclusive options, but both are set."},
		{"missing transform type", sinkConfig("transforms", "a"), "Invalid value null for configuration transforms.a.type: Not a Transformation"},
		{"unknown transform", sinkConfig("transforms", "a", "transforms.a.type", "Nope"), "Invalid value Nope for configuration transforms.a.type: Class Nope could not be found."},
		{"transform's setting", sinkConfig("transforms", "a", "transforms.a.type", routerClass, "transforms.a.regex", "x"),
			`Missing required configuration "transforms.a.replacement" which has no default value.`},
		{"topic creation without replication factor (Java)", src("topic.creation.default.partitions", "1"),
			`Missing required configuration "topic.creation.default.replication.factor" which has no default value.`},
		{"topic creation without partitions", src("topic.creation.default.replication.factor", "1"),
			`Missing required configuration "topic.creation.default.partitions" which has no default value.`},
		{"bad replication factor (Java)", src("topic.creation.default.partitions", "1", "topic.creation.default.replication.factor", "0"),
			"Invalid value 0 for configuration replication.factor: Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"},
		{"bad group partitions (Java)", src("topic.creation.groups", "g1", "topic.creation.default.partitions", "1",
			"topic.creation.default.replication.factor", "1", "topic.creation.g1.partitions", "0"),
			"Invalid value 0 for configuration partitions: Number of partitions must be positive, or -1 to use the broker's default"},
		{"bad group include (Java, Go's reason)", src("topic.creation.groups", "g1", "topic.creation.default.partitions", "1",
			"topic.creation.default.replication.factor", "1", "topic.creation.g1.include", "a(["),
			"Invalid value [a([] for configuration include: Syntax error in regular expression: error parsing regexp: missing closing ]: `[`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(reg, tc.config)
			if err == nil || err.Error() != tc.err {
				t.Errorf("got  %v\nwant %s", err, tc.err)
			}
		})
	}
	if _, err := Parse(reg, map[string]string{"name": "x", "connector.class": "Nope"}); err == nil {
		t.Error("unknown connector parsed")
	}
}

func TestParseSource(t *testing.T) {
	reg := testRegistry(t)
	config := map[string]string{"name": "src", "connector.class": sourceClass, "topic": "o",
		"exactly.once.support": "REQUIRED", "transaction.boundary": " Interval", "transaction.boundary.interval.ms": "500",
		"topic.creation.groups": "compacted, default", "topic.creation.default.replication.factor": "-1",
		"topic.creation.default.partitions": "3", "topic.creation.default.include": "ignored",
		"topic.creation.default.retention.ms": "1000",
		"topic.creation.compacted.include":    "c-.*, d-.*", "topic.creation.compacted.exclude": "c-x",
		"topic.creation.compacted.cleanup.policy": "compact", "topic.creation.compacted.partitions": "1"}
	p, err := Parse(reg, config)
	if err != nil {
		t.Fatal(err)
	}
	if p.ExactlyOnceSupport != "required" || p.TransactionBoundary != "interval" ||
		p.TransactionBoundaryInterval == nil || *p.TransactionBoundaryInterval != 500*time.Millisecond || p.OffsetsTopic != "" {
		t.Errorf("EOS settings: %+v", p)
	}
	tc := p.TopicCreation
	if tc == nil || len(tc.Groups) != 2 {
		t.Fatalf("topic creation: %+v", tc)
	}
	c, d := tc.Groups[0], tc.Groups[1]
	if c.Name != "compacted" || c.ReplicationFactor != -1 || c.Partitions != 1 ||
		!reflect.DeepEqual(c.Configs, map[string]string{"cleanup.policy": "compact"}) {
		t.Errorf("compacted group: %+v", c)
	}
	if d.Name != "default" || !reflect.DeepEqual(d.Include, []string{".*"}) || d.Partitions != 3 ||
		!reflect.DeepEqual(d.Configs, map[string]string{"retention.ms": "1000"}) {
		t.Errorf("default group: %+v", d)
	}
	for topic, group := range map[string]string{"c-1": "compacted", "d-1": "compacted", "c-x": "default", "other": "default"} {
		if g := tc.GroupFor(topic); g.Name != group {
			t.Errorf("%s: group %s, want %s", topic, g.Name, group)
		}
	}
	p, err = ParseWith(reg, config, Worker{TopicCreationDisabled: true})
	if err != nil || p.TopicCreation != nil {
		t.Errorf("topic creation disabled: %v %+v", err, p.TopicCreation)
	}
	if p, _ := Parse(reg, map[string]string{"name": "src", "connector.class": sourceClass, "topic": "o"}); p.TopicCreation != nil ||
		p.ExactlyOnceSupport != "requested" || p.TransactionBoundary != "poll" || p.TransactionBoundaryInterval != nil {
		t.Errorf("defaults: %+v", p)
	}
}
