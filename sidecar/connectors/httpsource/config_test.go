package httpsource

import (
	"context"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// loopback allows the test servers, which listen on 127.0.0.1.
var loopback = func() *egress.Policy {
	p, err := egress.New([]string{"127.0.0.1"})
	if err != nil {
		panic(err)
	}
	return p
}()

// props is a valid configuration with extra settings on top (name, value,
// ...); a value of "<unset>" removes the setting.
func props(extra ...string) map[string]string {
	p := map[string]string{URLConfig: "http://127.0.0.1:1/events", TopicConfig: "events"}
	for i := 0; i < len(extra); i += 2 {
		if extra[i+1] == "<unset>" {
			delete(p, extra[i])
		} else {
			p[extra[i]] = extra[i+1]
		}
	}
	return p
}

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(props())
	if err != nil {
		t.Fatal(err)
	}
	if c.cursorParam != "cursor" || c.interval.Milliseconds() != 1000 || c.backoffMax.Milliseconds() != 30000 ||
		c.timeout.Milliseconds() != 10000 || c.auth != "" || c.authFile != "" || len(c.headers) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	c, err = parseConfig(props(HeadersConfig, " X-Tenant: a:b , Accept:text/json,x-tenant: c"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.headers.Values("X-Tenant"); len(got) != 2 || got[0] != "a:b" || got[1] != "c" || c.headers.Get("Accept") != "text/json" {
		t.Errorf("headers: %v", c.headers)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  string
	}{
		{props(URLConfig, "<unset>"), `Missing required configuration "http.url" which has no default value.`},
		{props(TopicConfig, "<unset>"), `Missing required configuration "topic" which has no default value.`},
		{props(TopicConfig, " "), "Invalid value  for configuration topic: String must be non-empty"},
		{props(URLConfig, "ftp://host/x"), "Invalid value ftp://host/x for configuration http.url: Must be an absolute http:// or https:// URL"},
		{props(URLConfig, "/events"), "Invalid value /events for configuration http.url: Must be an absolute"},
		{props(URLConfig, "http://"), "Invalid value http:// for configuration http.url: Must be an absolute"},
		{props(CursorParamConfig, ""), "Invalid value  for configuration http.cursor.param: String must be non-empty"},
		{props(PollIntervalConfig, "0"), "Invalid value 0 for configuration http.poll.interval.ms: Value must be at least 1"},
		{props(PollIntervalConfig, "1s"), "Invalid value 1s for configuration http.poll.interval.ms: Not a number of type LONG"},
		{props(TimeoutConfig, "99999999999"), "Invalid value 99999999999 for configuration http.timeout.ms: Value must be no more than 86400000"},
		{props(PollIntervalConfig, "5000", BackoffMaxConfig, "2000"),
			"Invalid value 2000 for configuration http.poll.backoff.max.ms: Value must be at least http.poll.interval.ms (5000)"},
		{props(AuthHeaderConfig, "Bearer x", AuthHeaderFileConfig, "/run/secrets/token"),
			"Invalid value /run/secrets/token for configuration http.auth.header.file: Set only one of http.auth.header and http.auth.header.file"},
		{props(HeadersConfig, "X-Api-Key hunter2"), "Invalid value [hidden] for configuration http.headers: Entry 1 has no ':'"},
		{props(HeadersConfig, "A: 1, Bad Name: 2"), `Invalid value [hidden] for configuration http.headers: Entry 2: "Bad Name" is not a header name`},
		{props(HeadersConfig, ": 2"), `Entry 1: "" is not a header name`},
		{props(HeadersConfig, "Authorization: Bearer x", AuthHeaderConfig, "Bearer y"),
			"Invalid value [hidden] for configuration http.headers: Authorization is set by http.auth.header or http.auth.header.file; remove it from http.headers"},
	} {
		_, err := parseConfig(tc.props)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %s", tc.props, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: error shows a header value: %v", tc.props, err)
		}
	}
}

// Each key's own rules show through Config, for REST validation; the rules
// that span keys through ValidateConfig, under the key to change.
func TestValidation(t *testing.T) {
	c := &Connector{egress: loopback}
	byName := map[string]plugin.ConfigKey{}
	for _, k := range c.Config() {
		if k.Documentation == "" {
			t.Errorf("%s has no documentation", k.Name)
		}
		byName[k.Name] = k
	}
	if len(byName) != len(configDef) {
		t.Fatalf("Config has %d keys, want %d", len(byName), len(configDef))
	}
	if k := byName[URLConfig]; k.HasDefault || k.Validate("mailto:x@y") == nil || k.Validate("https://x/y") != nil {
		t.Errorf("http.url: %+v", k)
	}
	if k := byName[AuthHeaderConfig]; k.Type != plugin.TypePassword {
		t.Errorf("http.auth.header is %s, want PASSWORD so that it is hidden", k.Type)
	}
	if got := c.ValidateConfig(props(PollIntervalConfig, "5000", BackoffMaxConfig, "2000")); len(got[BackoffMaxConfig]) != 1 {
		t.Errorf("ValidateConfig: %v", got)
	}
	for _, p := range []map[string]string{props(), props(URLConfig, "<unset>")} {
		if got := c.ValidateConfig(p); got != nil {
			t.Errorf("ValidateConfig(%v) = %v, want nothing", p, got)
		}
	}
}

func TestConnectorRunsOneTask(t *testing.T) {
	c := &Connector{egress: loopback}
	if err := c.Start(context.Background(), props(PollIntervalConfig, "0")); err == nil {
		t.Error("started with a bad configuration")
	}
	p := props("tasks.max", "4")
	if err := c.Start(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(4)
	if err != nil || len(configs) != 1 || configs[0][URLConfig] != p[URLConfig] {
		t.Fatalf("TaskConfigs(4) = %v, %v; want the connector's configuration once", configs, err)
	}
	configs[0][TopicConfig] = "changed"
	if again, _ := c.TaskConfigs(1); again[0][TopicConfig] != "events" {
		t.Error("TaskConfigs hands out the connector's own map")
	}
}

func TestRegistryAliases(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins(loopback)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Class, "HttpSourceConnector", "HttpSource"} {
		p, ok := reg.Lookup(name, plugin.KindSource)
		if !ok || p.Class != Class {
			t.Errorf("%s resolves to %v, %v", name, p.Class, ok)
			continue
		}
		if _, ok := p.New().(plugin.SourceConnector); !ok {
			t.Errorf("%s makes no SourceConnector", name)
		}
	}
}
