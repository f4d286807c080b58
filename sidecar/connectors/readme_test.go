package connectors

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/file"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
	"github.com/connect-sidecar/connect-sidecar/sidecar/converters"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/transforms"
)

var update = flag.Bool("update", false, "rewrite the settings tables in README.md")

const (
	readmePath = "../../README.md"
	// A table sits between its begin marker, which names the connector's
	// class, and the end marker.
	tableBegin = "<!-- settings of %s: go test ./sidecar/connectors -run TestReadmeConnectorTables -args -update -->\n"
	tableEnd   = "<!-- end of settings -->\n"
)

// readmeRegistry holds the built-in connectors as a worker with default
// settings has them (the HTTP sink delivering to SIDECAR_APP_URL's
// default), with /data allowed for the FileStream examples.
func readmeRegistry(t *testing.T) *plugin.Registry {
	t.Helper()
	app, err := egress.New(nil, httpsink.DefaultURL)
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(Plugins(httpsink.Defaults{Egress: app}, file.AllowedPaths{"/data"}), converters.Plugins(), transforms.Plugins())
	reg, err := plugin.NewRegistry(all...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// builtIn lists the connectors, in the registry's order.
func builtIn(reg *plugin.Registry) []plugin.Plugin {
	var out []plugin.Plugin
	for _, p := range reg.All() {
		if p.Kind == plugin.KindSource || p.Kind == plugin.KindSink {
			out = append(out, p)
		}
	}
	return out
}

// The README's tables of connector settings are what users read to write
// a config. Each is generated from the connector's own definitions (the
// ones PUT /connector-plugins/{p}/config/validate checks against), so a
// setting added, renamed or given another default shows here as a diff
// until the README says so too.
func TestReadmeConnectorTables(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, p := range builtIn(readmeRegistry(t)) {
		begin := fmt.Sprintf(tableBegin, p.Class)
		start := strings.Index(text, begin)
		if start < 0 {
			t.Errorf("README.md has no settings table for %s: add the lines\n%s%s", p.Class, begin, tableEnd)
			continue
		}
		start += len(begin)
		end := strings.Index(text[start:], tableEnd)
		if end < 0 {
			t.Errorf("README.md: the settings of %s have no end marker %q", p.Class, tableEnd)
			continue
		}
		end += start
		want := settingsTable(p.New().(plugin.Connector).Config())
		if got := text[start:end]; got != want {
			if !*update {
				t.Errorf("README.md's settings of %s are not the connector's (go test ./sidecar/connectors -run TestReadmeConnectorTables -args -update rewrites them; - README, + generated):\n%s",
					p.Class, lineDiff(got, want))
			}
			text = text[:start] + want + text[end:]
		}
	}
	if *update && text != string(readme) {
		if err := os.WriteFile(readmePath, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote README.md's settings tables")
	}
}

// settingsTable is a Markdown table of d, in d's order, between blank
// lines so that the markers around it stay apart from it.
func settingsTable(d plugin.ConfigDef) string {
	cell := strings.NewReplacer("|", `\|`, "\n", " ")
	var b strings.Builder
	b.WriteString("\n| Setting | Type | Default | Meaning |\n|---|---|---|---|\n")
	for _, k := range d {
		def := cell.Replace(k.Default)
		switch {
		case !k.HasDefault:
			def = "**required**"
		case def == "":
			def = "—"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Name, k.Type, def, cell.Replace(k.Documentation))
	}
	b.WriteString("\n")
	return b.String()
}

// lineDiff shows the lines only in got (-) and only in want (+), in order,
// from their longest common subsequence.
func lineDiff(got, want string) string {
	a, b := strings.Split(got, "\n"), strings.Split(want, "\n")
	// lcs[i][j] is the common length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n")
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}

var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")

// Every example in the README's Connectors section is a config the worker
// accepts, with no setting its connector does not know (a typo there
// would be silently ignored, as Java ignores it), and every built-in
// connector has one.
func TestReadmeConnectorExamples(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	section := markdownSection(string(readme), "## Connectors")
	if section == "" {
		t.Fatal("README.md has no ## Connectors section")
	}
	reg := readmeRegistry(t)
	examples := map[string]int{}
	for _, m := range jsonBlock.FindAllStringSubmatch(section, -1) {
		var ex struct {
			Name   string            `json:"name"`
			Config map[string]string `json:"config"`
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(m[1])))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil || ex.Name == "" {
			t.Errorf("README.md example is not {\"name\":..,\"config\":{..}} as POST /connectors takes it: %v\n%s", err, m[1])
			continue
		}
		p, ok := reg.Lookup(ex.Config[connectorconfig.ConnectorClassConfig], plugin.KindSource, plugin.KindSink)
		if !ok {
			t.Errorf("README.md example %s: connector.class %q is not a built-in connector", ex.Name, ex.Config[connectorconfig.ConnectorClassConfig])
			continue
		}
		examples[p.Class]++
		config := map[string]string{"name": ex.Name}
		for k, v := range ex.Config {
			config[k] = v
		}
		res, err := connectorconfig.Validate(reg, config)
		if err != nil {
			t.Errorf("README.md example %s: %v", ex.Name, err)
			continue
		}
		if errs := res.Errors(); len(errs) > 0 {
			t.Errorf("README.md example %s is refused: %s", ex.Name, strings.Join(errs, "; "))
		}
		known := knownSettings(p)
		for k := range ex.Config {
			if !known(k) {
				t.Errorf("README.md example %s sets %s, which %s does not have", ex.Name, k, p.Class)
			}
		}
	}
	for _, p := range builtIn(reg) {
		if examples[p.Class] == 0 {
			t.Errorf("README.md's Connectors section has no example for %s", p.Class)
		}
	}
}

// knownSettings reports whether a setting belongs to p or to Connect.
func knownSettings(p plugin.Plugin) func(string) bool {
	names := map[string]bool{}
	common := connectorconfig.SinkConfigDef()
	if p.Kind == plugin.KindSource {
		common = connectorconfig.SourceConfigDef()
	}
	for _, k := range slices.Concat(common, p.New().(plugin.Connector).Config()) {
		names[k.Name] = true
	}
	prefixes := []string{"transforms.", "predicates.", "key.converter.", "value.converter.", "header.converter.",
		"consumer.override.", "producer.override.", "admin.override.", "topic.creation."}
	return func(k string) bool {
		return names[k] || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(k, p) })
	}
}

// markdownSection is the text from the heading line to the next heading
// of the same level, or "" when there is no such heading.
func markdownSection(text, heading string) string {
	start := strings.Index(text, "\n"+heading+"\n")
	if start < 0 {
		return ""
	}
	rest := text[start+1+len(heading):]
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}
