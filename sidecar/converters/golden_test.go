package converters

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Golden files come from Kafka 4.3.1's own converters; see testdata/README.md.

type goldenCase struct {
	name    string
	lines   map[string]string // first word of a line => the rest
	encodes [][2]string       // settings, output
}

func readGolden(t *testing.T, name string) []goldenCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []goldenCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "case":
			out = append(out, goldenCase{name: rest, lines: map[string]string{}})
		case "encode":
			settings, output, _ := strings.Cut(rest, " ")
			c := &out[len(out)-1]
			c.encodes = append(c.encodes, [2]string{settings, output})
		default:
			out[len(out)-1].lines[word] = rest
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func parseSettings(s string) map[string]string {
	m := map[string]string{}
	if s == "-" {
		return m
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func jsonConverter(t testing.TB, settings string) *JsonConverter {
	t.Helper()
	var c JsonConverter
	if err := c.Configure(parseSettings(settings), false); err != nil {
		t.Fatal(err)
	}
	return &c
}

// checkResult compares Go's result with Java's: equal text, or both an
// error (Java's message is logged next to Go's, to compare their meaning).
func checkResult(t *testing.T, what, want, got string, err error) {
	t.Helper()
	if strings.HasPrefix(want, "error: ") {
		if err == nil {
			t.Errorf("%s: got %s, want an error like Java's %q", what, got, want)
		} else {
			t.Logf("%s: Java %q, Go %q", what, strings.TrimPrefix(want, "error: "), err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: unexpected error %v, want %s", what, err, want)
		return
	}
	if got != want {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func jsonInputs(t *testing.T) map[string][2]string {
	t.Helper()
	data, err := os.ReadFile("testdata/json-cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string][2]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 3)
		in[p[0]] = [2]string{p[1], p[2]}
	}
	return in
}

// hashMapOrder lists cases whose output differs from Java's only in the
// order of object members: Java reads a JSON object into a HashMap, Go keeps
// the document's order.
var hashMapOrder = map[string]bool{"plain-envelope": true}

func TestJSONGolden(t *testing.T) {
	inputs := jsonInputs(t)
	built := javaCases()
	for _, c := range readGolden(t, "json-golden.txt") {
		t.Run(c.name, func(t *testing.T) {
			var schema *plugin.Schema
			var value any
			if want, ok := c.lines["decode"]; ok {
				in := inputs[c.name]
				var err error
				schema, value, err = jsonConverter(t, in[0]).ToConnectData("topic", []byte(in[1]))
				checkResult(t, "decode", want, dumpSV(schema, value), err)
				if err != nil {
					return
				}
			} else {
				build, ok := built[c.name]
				if !ok {
					t.Fatalf("no Go counterpart in javaCases")
				}
				schema, value = build()
				if got := dumpSV(schema, value); got != c.lines["value"] {
					t.Fatalf("Go builds %s, Java %s", got, c.lines["value"])
				}
			}
			for _, e := range c.encodes {
				out, err := jsonConverter(t, e[0]).FromConnectData("topic", schema, value)
				got := string(out)
				if out == nil && err == nil {
					got = "tombstone"
				}
				if hashMapOrder[c.name] && err == nil && sameJSON(t, got, e[1]) {
					continue
				}
				checkResult(t, "encode "+e[0], e[1], got, err)
			}
			if hashMapOrder[c.name] {
				return
			}
			checkHeaderFormat(t, c.lines["header"], schema, value)
			checkStringFormat(t, c.lines["string"], schema, value)
		})
	}
}

// sameJSON compares two JSON texts ignoring the order of object members.
func sameJSON(t *testing.T, a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func checkHeaderFormat(t *testing.T, want string, schema *plugin.Schema, value any) {
	t.Helper()
	out, err := (&SimpleHeaderConverter{}).FromConnectHeader("topic", "key", schema, value)
	got := "null"
	if out != nil {
		got = quoteJava(string(out))
	}
	checkResult(t, "header", want, got, err)
}

func checkStringFormat(t *testing.T, want string, schema *plugin.Schema, value any) {
	t.Helper()
	if want == "nondeterministic" {
		want = "error: Java writes a byte array's identity hash"
	}
	out, err := (&StringConverter{}).FromConnectData("topic", schema, value)
	got := "null"
	if out != nil {
		got = quoteJava(string(out))
	}
	checkResult(t, "string", want, got, err)
}

func TestHeaderGolden(t *testing.T) {
	for _, c := range readGolden(t, "header-golden.txt") {
		t.Run(c.lines["text"], func(t *testing.T) {
			in, err := hex.DecodeString(c.name)
			if err != nil {
				t.Fatal(err)
			}
			h := &SimpleHeaderConverter{}
			schema, value, err := h.ToConnectHeader("topic", "key", in)
			got := dumpSV(schema, value)
			if schema == nil && value == nil {
				got = "null"
			}
			checkResult(t, "parse", c.lines["parse"], got, err)
			if want, ok := c.lines["format"]; ok {
				checkHeaderFormat(t, want, schema, value)
			}
		})
	}
}

func TestStringGolden(t *testing.T) {
	for _, c := range readGolden(t, "string-golden.txt") {
		in, err := hex.DecodeString(c.name)
		if err != nil {
			t.Fatal(err)
		}
		schema, value, err := (&StringConverter{}).ToConnectData("topic", in)
		checkResult(t, "decode "+c.name, c.lines["decode"], dumpSV(schema, value), err)
	}
}

// TestParseGolden feeds Jackson's parsing corner cases (shared with
// stores/javajson, plus ours) to a schemaless JsonConverter.
func TestParseGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/parse-golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := jsonConverter(t, "schemas.enable=false")
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		spec, want, _ := strings.Cut(line, " => ")
		in := buildInput(t, strings.Split(spec, " "))
		if (testing.Short() || raceEnabled) && len(in) > 1<<20 {
			continue
		}
		schema, value, err := c.ToConnectData("topic", in)
		// Known differences: Go refuses UTF-16 and UTF-32, and cannot hold
		// unpaired surrogates in a string.
		want = loneSurrogates.ReplaceAllStringFunc(want, pairSurrogates)
		if _, err := checkJSON(in); err != nil && strings.Contains(err.Error(), "UTF-16") {
			want = "error"
		}
		switch {
		case want == "error":
			if err == nil {
				t.Errorf("%.80s: got %.80s, want an error", spec, dumpSV(schema, value))
			}
		case err != nil:
			t.Errorf("%.80s: unexpected error %v", spec, err)
		default:
			if got := digest(dumpSV(schema, value)); "ok "+got != want {
				t.Errorf("%.80s:\n got %.200s\nwant %.200s", spec, got, want)
			}
		}
	}
}

var loneSurrogates = regexp.MustCompile(`(\\uD[89AB][0-9A-F]{2})?\\uD[89A-F][0-9A-F]{2}`)

// pairSurrogates keeps a surrogate pair and turns anything else into U+FFFD.
func pairSurrogates(m string) string {
	units := strings.Split(m, `\u`)[1:]
	if len(units) == 2 && units[0] < "DC00" && units[1] >= "DC00" {
		return m
	}
	return strings.Repeat(`\uFFFD`, len(units))
}

func buildInput(t *testing.T, p []string) []byte {
	prefix, err1 := hex.DecodeString(p[0])
	unit, err2 := hex.DecodeString(p[1])
	count, err3 := strconv.Atoi(p[2])
	suffix, err4 := hex.DecodeString(p[3])
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			t.Fatal(err)
		}
	}
	out := slices.Clone(prefix)
	for range count {
		out = append(out, unit...)
	}
	return append(out, suffix...)
}

func digest(dump string) string {
	if len(dump) <= 200 {
		return dump
	}
	h := sha256.Sum256([]byte(dump))
	return "sha256:" + hex.EncodeToString(h[:])
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestConfigDefsMatchJava(t *testing.T) {
	defs := map[string]plugin.ConfigDef{
		"JsonConverter":         (&JsonConverter{}).Config(),
		"StringConverter":       (&StringConverter{}).Config(),
		"ByteArrayConverter":    (&ByteArrayConverter{}).Config(),
		"SimpleHeaderConverter": (&SimpleHeaderConverter{}).Config(),
	}
	want := map[string][]string{}
	var current string
	for _, line := range readLines(t, "testdata/configdefs.txt")[1:] {
		if name, ok := strings.CutPrefix(line, "plugin "); ok {
			current = name
			want[current] = []string{}
			continue
		}
		want[current] = append(want[current], line)
	}
	for name, def := range defs {
		var got []string
		for _, k := range def {
			dflt := k.Default
			switch {
			case !k.HasDefault:
				dflt = "<required>"
			case k.Name == "schema.content":
				dflt = "null" // a null default, which ConfigKey.Default cannot say
			}
			group := k.Group
			if group == "" {
				group = "null"
			}
			got = append(got, strings.Join([]string{k.Name, string(k.Type), dflt, string(k.Importance), group,
				strconv.Itoa(k.OrderInGroup), k.Width, k.DisplayName, k.Documentation}, "|"))
		}
		if !slices.Equal(got, want[name]) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want[name])
		}
	}
}

func TestPluginsMatchJava(t *testing.T) {
	java := map[string]bool{}
	for _, line := range readLines(t, "testdata/plugins.txt") {
		java[line] = true
	}
	for _, p := range Plugins() {
		line := string(p.Kind) + " " + p.Class + " " + p.Version
		if !java[line] {
			t.Errorf("%s is not in Java's list", line)
		}
		delete(java, line)
		switch x := p.New().(type) {
		case plugin.Converter:
			if p.Kind != plugin.KindConverter {
				t.Errorf("%s: New gives a Converter", line)
			}
		case plugin.HeaderConverter:
			if p.Kind != plugin.KindHeaderConverter {
				t.Errorf("%s: New gives a HeaderConverter", line)
			}
		default:
			t.Errorf("%s: New gives %T", line, x)
		}
	}
	for line := range java {
		if !strings.Contains(line, "Boolean") && !strings.Contains(line, "Double") && !strings.Contains(line, "Float") &&
			!strings.Contains(line, "Integer") && !strings.Contains(line, "Long") && !strings.Contains(line, "Short") {
			t.Errorf("Java has %s, Go does not", line)
		}
	}
}
