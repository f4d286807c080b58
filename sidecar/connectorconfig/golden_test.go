package connectorconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// goldenCase is one request of testdata/java/cases.json.
type goldenCase struct {
	Name   string            `json:"name"`
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Plugin string            `json:"plugin"`
	Body   map[string]any    `json:"body"`
	config map[string]string // Body as a connector configuration
}

func goldenCases(t *testing.T) []goldenCase {
	var cases []goldenCase
	readJSON(t, "testdata/java/cases.json", &cases)
	for i, c := range cases {
		body := c.Body
		if cfg, ok := body["config"].(map[string]any); ok { // POST /connectors
			body = cfg
		}
		cases[i].config = map[string]string{}
		for k, v := range body {
			if s, ok := v.(string); ok {
				cases[i].config[k] = s
			}
		}
		if c.Body != nil && c.Body["config"] != nil {
			cases[i].config["name"] = c.Body["name"].(string)
		}
	}
	return cases
}

// javaDifferences are the known, explained differences between Java's
// answers and ours, applied to Java's answer before comparing.
var javaDifferences = map[string]func(r *Result){
	// Java calls a plugin's validator with null for a missing required
	// setting (RegexRouter's then fails on it); plugin.ConfigKey.Validate
	// cannot be given null, so only "Missing required configuration" is
	// reported.
	"sink_transform_alias_and_errors": dropError("transforms.route.regex", "Invalid value null"),
	"sink_transform_missing_required": dropError("transforms.route.regex", "Invalid value null"),
}

func dropError(name, prefix string) func(r *Result) {
	return func(r *Result) {
		for _, c := range r.Configs {
			if c.Value == nil || c.Value.Name != name {
				continue
			}
			var kept []string
			for _, e := range c.Value.Errors {
				if strings.HasPrefix(e, prefix) {
					r.ErrorCount--
				} else {
					kept = append(kept, e)
				}
			}
			c.Value.Errors = append([]string{}, kept...)
		}
	}
}

// Java explains bad regular expressions with java.util.regex's words, we
// with Go's.
var regexReason = regexp.MustCompile(`(Invalid regex: )(?s:.*)`)

// normalize removes what is not compared: documentation (Connect's own
// settings are documented in our words) and the reason a regex is bad.
func normalize(r Result) Result {
	b, _ := json.Marshal(r)
	var c Result
	_ = json.Unmarshal(b, &c)
	for _, ci := range c.Configs {
		if ci.Definition != nil {
			ci.Definition.Documentation = ""
		}
		if ci.Value != nil {
			for i, e := range ci.Value.Errors {
				ci.Value.Errors[i] = regexReason.ReplaceAllString(e, "${1}<reason>")
			}
		}
	}
	return c
}

func TestGoldenValidate(t *testing.T) {
	c := javaPlugins(t)
	w := javaWorker(t)
	for _, gc := range goldenCases(t) {
		if gc.Method != "" && gc.Method != "PUT" {
			continue
		}
		g := readGolden(t, gc.Name)
		t.Run(gc.Name, func(t *testing.T) {
			plugin := gc.Plugin
			if plugin == "" {
				plugin = "FileStreamSink"
			}
			if err := CheckPluginName(plugin, gc.config); err != nil {
				checkError(t, g, err)
				return
			}
			got, err := validate(c, gc.config, w)
			if err != nil {
				checkError(t, g, err)
				return
			}
			if g.Status != 200 {
				t.Fatalf("Java answered %d %s; we found no error", g.Status, g.Response)
			}
			want := goldenResult(t, gc.Name)
			if fix := javaDifferences[gc.Name]; fix != nil {
				fix(&want)
			}
			compareResults(t, normalize(got), normalize(want))
			for _, ci := range got.Configs {
				if ci.Definition != nil && ci.Definition.Documentation == "" {
					t.Errorf("%s has no documentation", ci.Definition.Name)
				}
			}
		})
	}
}

// checkError compares an error with Java's error answer: the same
// message (Java's 500 answers wrap it in the exception's class name), up
// to the location of plugins, which Java prints and we cannot.
func checkError(t *testing.T, g golden, err error) {
	t.Helper()
	var body struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if jerr := json.Unmarshal(g.Response, &body); jerr != nil || body.Message == "" {
		t.Fatalf("we failed with %q; Java answered %d %s", err, g.Status, g.Response)
	}
	var re *RequestError
	if !errors.As(err, &re) {
		t.Errorf("error %T, want *RequestError", err)
	}
	want := strings.TrimPrefix(body.Message, "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: ")
	got := err.Error()
	if i := strings.Index(want, "location='"); i >= 0 {
		want, got = want[:i], got[:min(i, len(got))]
	}
	if got != want {
		t.Errorf("error\n got: %s\nwant: %s", got, want)
	}
}

func compareResults(t *testing.T, got, want Result) {
	t.Helper()
	if got.Name != want.Name || got.ErrorCount != want.ErrorCount || !reflect.DeepEqual(got.Groups, want.Groups) {
		t.Errorf("got name %q, %d errors, groups %q; Java %q, %d errors, groups %q",
			got.Name, got.ErrorCount, got.Groups, want.Name, want.ErrorCount, want.Groups)
	}
	name := func(ci ConfigInfo) string {
		if ci.Definition != nil {
			return ci.Definition.Name
		}
		return ci.Value.Name + " (no definition)"
	}
	for i := 0; i < max(len(got.Configs), len(want.Configs)); i++ {
		if i >= len(got.Configs) {
			t.Errorf("config %d: missing %s", i, name(want.Configs[i]))
			continue
		}
		if i >= len(want.Configs) {
			t.Errorf("config %d: extra %s", i, name(got.Configs[i]))
			continue
		}
		g, w := jsonOf(got.Configs[i]), jsonOf(want.Configs[i])
		if g != w {
			t.Errorf("config %d:\n got: %s\nwant: %s", i, g, w)
		}
	}
}

func jsonOf(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(err)
	}
	return strings.TrimSpace(b.String())
}

func TestGoldenCreate(t *testing.T) {
	c := javaPlugins(t)
	w := javaWorker(t)
	for _, gc := range goldenCases(t) {
		if gc.Method != "POST" {
			continue
		}
		g := readGolden(t, gc.Name)
		t.Run(gc.Name, func(t *testing.T) {
			r, err := validate(c, gc.config, w)
			if err != nil {
				checkError(t, g, err)
				return
			}
			var body struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(g.Response, &body)
			if g.Status != 400 {
				t.Fatalf("Java answered %d", g.Status)
			}
			if got := ErrorsMessage(r); got != body.Message {
				t.Errorf("message\n got: %q\nwant: %q", got, body.Message)
			}
		})
	}
}

func TestGoldenPluginConfig(t *testing.T) {
	c := javaPlugins(t)
	for _, gc := range goldenCases(t) {
		if gc.Method != "GET" {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(gc.Path, "/connector-plugins/"), "/config")
		t.Run(gc.Name, func(t *testing.T) {
			got, err := pluginConfig(c, name)
			if err != nil {
				t.Fatal(err)
			}
			want := mustKeys(t, gc.Name)
			if len(got) != len(want) {
				t.Fatalf("%d settings, Java %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				g.Documentation, w.Documentation = "", ""
				if jsonOf(g) != jsonOf(w) {
					t.Errorf("setting %d:\n got: %s\nwant: %s", i, jsonOf(g), jsonOf(w))
				}
			}
		})
	}
}
