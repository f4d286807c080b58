package transforms

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func testRegistry(t testing.TB) Lookup {
	t.Helper()
	reg, err := plugin.NewRegistry(Plugins()...)
	if err != nil {
		t.Fatal(err)
	}
	return reg.Lookup
}

func newTestChain(t testing.TB, config map[string]string) *Chain {
	t.Helper()
	c, err := NewChain(config, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// chainConfig is a connector configuration with three gated transforms:
// tombstones are dropped, topics are renamed, and records of topics that
// are not orders-* get a static field.
var chainConfig = map[string]string{
	"name":                                "c",
	"transforms":                          "dropTombstones, route ,mark",
	"transforms.dropTombstones.type":      "org.apache.kafka.connect.transforms.Filter",
	"transforms.dropTombstones.predicate": "isTombstone",
	"transforms.route.type":               "org.apache.kafka.connect.transforms.RegexRouter",
	"transforms.route.regex":              "raw-(.*)",
	"transforms.route.replacement":        "orders-$1",
	"transforms.mark.type":                "org.apache.kafka.connect.transforms.InsertField$Value",
	"transforms.mark.static.field":        "other",
	"transforms.mark.static.value":        "yes",
	"transforms.mark.predicate":           "isOrders",
	"transforms.mark.negate":              "TRUE",
	"predicates":                          "isTombstone,isOrders",
	"predicates.isTombstone.type":         "RecordIsTombstone",
	"predicates.isOrders.type":            "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
	"predicates.isOrders.pattern":         "orders-.*",
}

func TestChainPredicatesAndNegate(t *testing.T) {
	c := newTestChain(t, chainConfig)
	value := func(m map[string]any) *plugin.MapValue {
		out := &plugin.MapValue{}
		for _, k := range []string{"id", "other"} {
			if v, ok := m[k]; ok {
				out.Put(k, v)
			}
		}
		return out
	}
	cases := []struct {
		name      string
		in        plugin.Record
		keep      bool
		topic     string
		wantValue *plugin.MapValue
	}{
		{"tombstone dropped", plugin.Record{Topic: "raw-eu"}, false, "raw-eu", nil},
		// The predicate sees the topic RegexRouter has just set.
		{"renamed to orders, not marked", plugin.Record{Topic: "raw-eu", Value: value(map[string]any{"id": int64(1)})},
			true, "orders-eu", value(map[string]any{"id": int64(1)})},
		{"other topic marked", plugin.Record{Topic: "audit", Value: value(map[string]any{"id": int64(2)})},
			true, "audit", value(map[string]any{"id": int64(2), "other": "yes"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, keep, err := c.Apply(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if keep != tc.keep || out.Topic != tc.topic {
				t.Fatalf("got keep=%v topic=%s, want keep=%v topic=%s", keep, out.Topic, tc.keep, tc.topic)
			}
			if keep && !plugin.Equal(out.Value, tc.wantValue) {
				t.Errorf("value %v, want %v", out.Value, tc.wantValue)
			}
		})
	}
}

func TestChainWithoutTransforms(t *testing.T) {
	c := newTestChain(t, map[string]string{"name": "c"})
	in := plugin.Record{Topic: "t", Value: "v"}
	out, keep, err := c.Apply(in)
	if err != nil || !keep || out.Topic != "t" || out.Value != "v" {
		t.Fatalf("got %+v %v %v", out, keep, err)
	}
}

func TestChainNegateFalse(t *testing.T) {
	c := newTestChain(t, map[string]string{
		"transforms": "f", "transforms.f.type": "Filter", "transforms.f.predicate": "p", "transforms.f.negate": "false",
		"predicates": "p", "predicates.p.type": "HasHeaderKey", "predicates.p.name": "drop-me",
	})
	for _, tc := range []struct {
		headers []plugin.Header
		keep    bool
	}{
		{nil, true},
		{[]plugin.Header{{Key: "drop-me"}}, false},
	} {
		_, keep, err := c.Apply(plugin.Record{Topic: "t", Headers: tc.headers})
		if err != nil || keep != tc.keep {
			t.Errorf("headers %v: keep=%v err=%v, want keep=%v", tc.headers, keep, err, tc.keep)
		}
	}
}

func TestChainApplyErrorNamesTransform(t *testing.T) {
	c := newTestChain(t, map[string]string{
		"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.x.field": "a",
	})
	_, _, err := c.Apply(plugin.Record{Topic: "t", Value: "not a map"})
	want := "transform x (org.apache.kafka.connect.transforms.ExtractField$Value): Only Map objects supported in absence of schema for [field extraction], found: java.lang.String"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	var de *DataError
	if !errors.As(err, &de) {
		t.Errorf("%T is not a *DataError", err)
	}
}

func TestChainConfigErrors(t *testing.T) {
	const (
		filter = "org.apache.kafka.connect.transforms.Filter"
		tomb   = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"
	)
	cases := []struct {
		name   string
		config string // key=value pairs, split at ;
		want   []string
	}{
		// The first ones are Java's messages, word for word.
		{"missing type", "transforms=a",
			[]string{`Missing required configuration "transforms.a.type" which has no default value.`}},
		{"unknown class", "transforms=a;transforms.a.type=com.example.Nope",
			[]string{"Invalid value com.example.Nope for configuration transforms.a.type: Class com.example.Nope could not be found."}},
		{"base class of Key and Value", "transforms=a;transforms.a.type=org.apache.kafka.connect.transforms.InsertField",
			[]string{"This class is abstract and cannot be created. Did you mean org.apache.kafka.connect.transforms.InsertField$Key, org.apache.kafka.connect.transforms.InsertField$Value?"}},
		{"predicate as transform", "transforms=a;transforms.a.type=org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
			[]string{"Class class org.apache.kafka.connect.transforms.predicates.HasHeaderKey does not implement the Transformation interface"}},
		{"transform as predicate", "predicates=p;predicates.p.type=" + filter,
			[]string{"Class class org.apache.kafka.connect.transforms.Filter does not implement the Predicate interface"}},
		{"negate without predicate", "transforms=a;transforms.a.type=" + filter + ";transforms.a.negate=true",
			[]string{"Config 'transforms.a.negate' was provided but there is no config 'transforms.a.predicate' defining a predicate to be negated."}},
		{"bad negate", "transforms=a;transforms.a.type=" + filter + ";transforms.a.predicate=p;transforms.a.negate=maybe;predicates=p;predicates.p.type=" + tomb,
			[]string{"Invalid value maybe for configuration transforms.a.negate: Expected value to be either true or false"}},
		{"duplicate transform alias", "transforms=a,a;transforms.a.type=" + filter,
			[]string{"Invalid value [a, a] for configuration transforms: Duplicate alias provided."}},
		{"duplicate predicate alias", "predicates=p,p;predicates.p.type=" + tomb,
			[]string{"Invalid value [p, p] for configuration predicates: Duplicate alias provided."}},
		{"predicate without type", "transforms=a;transforms.a.type=" + filter + ";transforms.a.predicate=p;predicates=p",
			[]string{`Missing required configuration "predicates.p.type" which has no default value.`}},
		// Where Java reports the plugin's own key, the chain prefixes it.
		{"bad transform setting", "transforms=ts;transforms.ts.type=org.apache.kafka.connect.transforms.TimestampConverter$Value;transforms.ts.target.type=unix;transforms.ts.unix.precision=hours",
			[]string{"Invalid value hours for configuration transforms.ts.unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds"}},
		{"missing transform setting", "transforms=x;transforms.x.type=org.apache.kafka.connect.transforms.ExtractField$Key",
			[]string{`transforms.x.field: Missing required configuration "field" which has no default value.`}},
		{"missing predicate setting", "predicates=p;predicates.p.type=org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
			[]string{`predicates.p.name: Missing required configuration "name" which has no default value.`}},
		{"problem of no one setting", "transforms=i;transforms.i.type=org.apache.kafka.connect.transforms.InsertField$Value",
			[]string{"transforms.i (org.apache.kafka.connect.transforms.InsertField$Value): No field insertion configured"}},
		// Java only finds these when a task starts.
		{"predicate not listed", "transforms=a;transforms.a.type=" + filter + ";transforms.a.predicate=p",
			[]string{`Invalid value p for configuration transforms.a.predicate: predicate "p" is not listed in predicates`}},
		{"empty predicate", "transforms=a;transforms.a.type=" + filter + ";transforms.a.predicate= ",
			[]string{`Invalid value  for configuration transforms.a.predicate: predicate "" is not listed in predicates`}},
		{"every problem reported", "transforms=a,b;transforms.b.type=Nope;predicates=p",
			[]string{
				`Missing required configuration "transforms.a.type" which has no default value.`,
				"Invalid value Nope for configuration transforms.b.type: Class Nope could not be found.",
				`Missing required configuration "predicates.p.type" which has no default value.`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			config := map[string]string{}
			for _, kv := range strings.Split(tc.config, ";") {
				k, v, _ := strings.Cut(kv, "=")
				config[k] = v
			}
			_, err := NewChain(config, testRegistry(t))
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", got, strings.Join(tc.want, "\n"))
			}
			var ce *configdef.Error
			if !errors.As(err, &ce) || ce.Key == "" {
				t.Errorf("%v: not a *configdef.Error with a key", err)
			}
		})
	}
}

func TestChainErrorKeys(t *testing.T) {
	_, err := NewChain(map[string]string{
		"transforms": "ts", "transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value",
		"transforms.ts.target.type": "string",
	}, testRegistry(t))
	var ce *configdef.Error
	if !errors.As(err, &ce) || ce.Key != "transforms.ts.format" {
		t.Fatalf("got %#v", err)
	}
}

// The chain is read-only once built: records can go through it from
// several goroutines (run with -race).
func TestChainConcurrentApply(t *testing.T) {
	c := newTestChain(t, chainConfig)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				r := plugin.Record{Topic: "raw-x", Value: &plugin.MapValue{Entries: []plugin.MapEntry{{Key: "i", Value: int64(i*1000 + j)}}},
					Timestamp: time.UnixMilli(int64(j))}
				if _, _, err := c.Apply(r); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestPluginsRegister(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins()...)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(reg.All()); got != 29 {
		t.Errorf("%d plugins, want 29 (10 Key/Value pairs, 6 others, 3 predicates)", got)
	}
	for _, p := range reg.All() {
		switch p.New().(type) {
		case plugin.Transformation:
			if p.Kind != plugin.KindTransformation {
				t.Errorf("%s: kind %s", p.Class, p.Kind)
			}
		case plugin.Predicate:
			if p.Kind != plugin.KindPredicate {
				t.Errorf("%s: kind %s", p.Class, p.Kind)
			}
		default:
			t.Errorf("%s: %T is neither", p.Class, p.New())
		}
	}
}
