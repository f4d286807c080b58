package config

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const connectorsDoc = `connectors to create or update at start, as JSON: {"name":..,"config":{..}}, a list of those, or an object of name to config`

// declaredNames renders connectors as "name<source>{k=v,...}" for compact
// comparison.
func declaredNames(cs []Connector) []string {
	var out []string
	for _, c := range cs {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(c.Config)) {
			kv = append(kv, k+"="+c.Config[k])
		}
		out = append(out, c.Name+"<"+filepath.Base(c.Source)+">{"+strings.Join(kv, ",")+"}")
	}
	return out
}

func TestDeclaredConnectorsFromTheEnvironment(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string
	}{
		{"one", `{"name":"a","config":{"connector.class":"Datagen"}}`,
			[]string{"a<SIDECAR_CONNECTORS>{connector.class=Datagen,name=a}"}},
		{"one with its name in the config too", `{"name":"a","config":{"connector.class":"Datagen","name":"a"}}`,
			[]string{"a<SIDECAR_CONNECTORS>{connector.class=Datagen,name=a}"}},
		{"a list, in its order", `[{"name":"b","config":{"connector.class":"X","tasks.max":"2"}},{"config":{"connector.class":"Y","name":"a"}}]`,
			[]string{"b<SIDECAR_CONNECTORS>{connector.class=X,name=b,tasks.max=2}", "a<SIDECAR_CONNECTORS>{connector.class=Y,name=a}"}},
		{"a map of name to config, in name order", ` {"z":{"connector.class":"X"}, "name":{"connector.class":"Y"}} `,
			[]string{"name<SIDECAR_CONNECTORS>{connector.class=Y,name=name}", "z<SIDECAR_CONNECTORS>{connector.class=X,name=z}"}},
		{"an empty list", `[]`, nil},
		{"an empty map", `{}`, nil},
		{"blank means unset", "  ", nil},
		{"values are kept as written", `{"a":{"connector.class":" X ","empty":"","json":"{\"k\":1}"}}`,
			[]string{`a<SIDECAR_CONNECTORS>{connector.class= X ,empty=,json={"k":1},name=a}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Load(withMinimal("SIDECAR_CONNECTORS="+tt.json), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := declaredNames(l.Sidecar.Connectors); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDeclaredConnectorsFromFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"flat.json":         `{"connector.class":"X","tasks.max":"1"}`,
		"wrapped.json":      `{"config":{"connector.class":"X"}}`,
		"renamed.json":      `{"name":"other","config":{"connector.class":"X"}}`,
		"named-in.json":     `{"connector.class":"X","name":"inside"}`,
		"props.properties":  "# a comment\nconnector.class=Y\ntopics=orders\n",
		"named.properties":  "name=from-props\nconnector.class=Y\n",
		".hidden.json":      `not read`,
		"sub/ignored.json":  `not read`,
		"..data/also.json":  `not read`,
		"..2024_01_01/x.md": `not read`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A ConfigMap volume links each key into the directory.
	if err := os.Symlink(filepath.Join(dir, "sub", "ignored.json"), filepath.Join(dir, "linked.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "ignored.json"), []byte(`{"connector.class":"L"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Load(withMinimal("SIDECAR_CONNECTORS_FILE="+dir, `SIDECAR_CONNECTORS={"env":{"connector.class":"E"}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"env<SIDECAR_CONNECTORS>{connector.class=E,name=env}",
		"flat<flat.json>{connector.class=X,name=flat,tasks.max=1}",
		"linked<linked.json>{connector.class=L,name=linked}",
		"inside<named-in.json>{connector.class=X,name=inside}",
		"from-props<named.properties>{connector.class=Y,name=from-props}",
		"props<props.properties>{connector.class=Y,name=props,topics=orders}",
		"other<renamed.json>{connector.class=X,name=other}",
		"wrapped<wrapped.json>{connector.class=X,name=wrapped}",
	}
	if got := declaredNames(l.Sidecar.Connectors); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// One JSON file takes the forms SIDECAR_CONNECTORS takes.
	file := writeFile(t, "connectors.json", `[{"name":"a","config":{"connector.class":"X"}},{"name":"b","config":{"connector.class":"Y"}}]`)
	l, err = Load(withMinimal("SIDECAR_CONNECTORS_FILE="+file), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := declaredNames(l.Sidecar.Connectors); strings.Join(got, " ") != "a<connectors.json>{connector.class=X,name=a} b<connectors.json>{connector.class=Y,name=b}" {
		t.Errorf("got %q", got)
	}
}

func TestDeclaredConnectorErrors(t *testing.T) {
	dirWith := func(name, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	twoInDir := t.TempDir()
	for name, content := range map[string]string{"a.json": `{"connector.class":"X","name":"x"}`, "x.properties": "connector.class=Y\n"} {
		if err := os.WriteFile(filepath.Join(twoInDir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	badJSON := dirWith("a.json", "{\n  \"connector.class\": \"X\",\n}")
	yaml := dirWith("a.yaml", "connector.class: X")
	list := dirWith("a.json", `[]`)
	props := dirWith("a.properties", "connector.class=X\nbroken\\u12\n")
	number := dirWith("a.json", `{"config":{"connector.class":"X","tasks.max":1}}`)
	onlyName := dirWith("a.properties", "name=a\n")
	fileDoc := "a JSON file of connectors (same forms as SIDECAR_CONNECTORS), or a directory of one-connector files NAME.json or NAME.properties, e.g. /etc/connect-sidecar/connectors"

	const env = "SIDECAR_CONNECTORS="
	tests := []struct {
		name    string
		environ []string
		want    string // before ": " + the setting's doc
		doc     string
	}{
		{"not JSON", []string{env + `{"name":"a",}`}, `SIDECAR_CONNECTORS cannot be used: not valid JSON: line 1, column 13: invalid character '}' looking for beginning of object key string`, connectorsDoc},
		{"trailing text", []string{env + `{} {}`}, `SIDECAR_CONNECTORS cannot be used: not valid JSON: line 1, column 4: invalid character '{' after top-level value`, connectorsDoc},
		{"a string", []string{env + `"a"`}, `SIDECAR_CONNECTORS cannot be used: is a string; give {"name":..,"config":{..}}, a list of those, or an object of name to config`, connectorsDoc},
		{"a list of numbers", []string{env + `[1]`}, `SIDECAR_CONNECTORS cannot be used: [0]: is a number, not an object like {"name":..,"config":{..}}`, connectorsDoc},
		{"no name", []string{env + `[{"config":{"connector.class":"X"}}]`}, `SIDECAR_CONNECTORS cannot be used: [0]: has no "name"`, connectorsDoc},
		{"nothing", []string{env + `[{}]`}, `SIDECAR_CONNECTORS cannot be used: [0]: has no "name" and no "config"`, connectorsDoc},
		{"name not a string", []string{env + `[{"name":1,"config":{}}]`}, `SIDECAR_CONNECTORS cannot be used: [0]: its "name" is a number, not a string`, connectorsDoc},
		{"name a number", []string{env + `{"name":1,"config":{"connector.class":"X"}}`}, `SIDECAR_CONNECTORS cannot be used: its "name" is a number, not a string`, connectorsDoc},
		{"no config", []string{env + `{"name":"a"}`}, `SIDECAR_CONNECTORS cannot be used: connector "a" has no "config"`, connectorsDoc},
		{"config a list", []string{env + `{"name":"a","config":[]}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": "config" is a list, not an object of strings`, connectorsDoc},
		{"unknown field", []string{env + `{"name":"a","conifg":{}}`}, `SIDECAR_CONNECTORS cannot be used: has "conifg"; a declared connector has only "name" and "config"`, connectorsDoc},
		{"a number", []string{env + `{"name":"a","config":{"connector.class":"X","tasks.max":1}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": "tasks.max" is a number, not a string; write it in quotes: "1"`, connectorsDoc},
		{"a boolean", []string{env + `{"a":{"connector.class":"X","errors.log.enable":true}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": "errors.log.enable" is a boolean, not a string; write it in quotes: "true"`, connectorsDoc},
		{"null", []string{env + `{"a":{"connector.class":"X","topics":null}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": "topics" is null, not a string`, connectorsDoc},
		{"nested object", []string{env + `{"a":{"connector.class":"X","t":{}}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": "t" is an object, not a string`, connectorsDoc},
		{"map value not an object", []string{env + `{"a":"X"}`}, `SIDECAR_CONNECTORS cannot be used: connector "a": its config is a string, not an object of strings`, connectorsDoc},
		{"names differ", []string{env + `{"name":"a","config":{"connector.class":"X","name":"b"}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a" has "name": "b" in its config; leave it out or make it match`, connectorsDoc},
		{"no class", []string{env + `{"a":{"tasks.max":"1"}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a" has no "connector.class"`, connectorsDoc},
		{"blank class", []string{env + `{"a":{"connector.class":" "}}`}, `SIDECAR_CONNECTORS cannot be used: connector "a" has no "connector.class"`, connectorsDoc},
		{"slash", []string{env + `{"a/b":{"connector.class":"X"}}`}, `SIDECAR_CONNECTORS cannot be used: connector name "a/b" contains '/', which cannot be used in the URL /connectors/{name}`, connectorsDoc},
		{"blank name", []string{env + `{" ":{"connector.class":"X"}}`}, `SIDECAR_CONNECTORS cannot be used: connector name " " is blank`, connectorsDoc},
		{"dot dot", []string{env + `{"..":{"connector.class":"X"}}`}, `SIDECAR_CONNECTORS cannot be used: connector name ".." cannot be used in the URL /connectors/{name}`, connectorsDoc},
		{"control character", []string{env + `{"a\tb":{"connector.class":"X"}}`}, `SIDECAR_CONNECTORS cannot be used: connector name "a\tb" contains control characters`, connectorsDoc},
		{"twice in a list", []string{env + `[{"name":"a","config":{"connector.class":"X"}},{"name":"a","config":{"connector.class":"Y"}}]`}, `SIDECAR_CONNECTORS cannot be used: connector "a" is declared twice, in SIDECAR_CONNECTORS`, connectorsDoc},
		{"no such file", []string{"SIDECAR_CONNECTORS_FILE=/nonexistent/connectors"}, `SIDECAR_CONNECTORS_FILE cannot be used: stat /nonexistent/connectors: no such file or directory`, fileDoc},
		{"bad JSON in a directory", []string{"SIDECAR_CONNECTORS_FILE=" + badJSON}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(badJSON, "a.json") + `: not valid JSON: line 3, column 1: invalid character '}' looking for beginning of object key string`, fileDoc},
		{"another extension", []string{"SIDECAR_CONNECTORS_FILE=" + yaml}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(yaml, "a.yaml") + `: is neither NAME.json nor NAME.properties; move it out of the directory`, fileDoc},
		{"a list in a directory", []string{"SIDECAR_CONNECTORS_FILE=" + list}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(list, "a.json") + `: is a list, not an object like {"name":..,"config":{..}}`, fileDoc},
		{"broken properties", []string{"SIDECAR_CONNECTORS_FILE=" + props}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(props, "a.properties") + `: line 2: `, ""},
		{"a number in a file", []string{"SIDECAR_CONNECTORS_FILE=" + number}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(number, "a.json") + `: "tasks.max" is a number, not a string; write it in quotes: "1"`, fileDoc},
		{"no class in properties", []string{"SIDECAR_CONNECTORS_FILE=" + onlyName}, `SIDECAR_CONNECTORS_FILE cannot be used: ` + filepath.Join(onlyName, "a.properties") + `: connector "a" has no "connector.class"`, fileDoc},
		{"twice in a directory", []string{"SIDECAR_CONNECTORS_FILE=" + twoInDir}, `SIDECAR_CONNECTORS_FILE cannot be used: connector "x" is declared twice, in ` + filepath.Join(twoInDir, "a.json") + ` and in ` + filepath.Join(twoInDir, "x.properties"), fileDoc},
		{"in the environment and a file", []string{env + `{"x":{"connector.class":"X"}}`, "SIDECAR_CONNECTORS_FILE=" + twoInDir},
			`SIDECAR_CONNECTORS_FILE cannot be used: connector "x" is declared twice, in SIDECAR_CONNECTORS and in ` + filepath.Join(twoInDir, "a.json"), fileDoc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(withMinimal(tt.environ...), "")
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			first := strings.Split(err.Error(), "\n")[0]
			want := tt.want
			if tt.doc != "" {
				want += ": " + tt.doc
			}
			if tt.doc == "" && !strings.HasPrefix(first, want) || tt.doc != "" && first != want {
				t.Errorf("first error:\n got %s\nwant %s", first, want)
			}
		})
	}
}

// Whatever SIDECAR_CONNECTORS holds, parsing does not panic, and what it
// accepts is what PUT /connectors/{name}/config would store.
func FuzzParseConnectors(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","config":{"connector.class":"X"}}`,
		`[{"name":"a","config":{"connector.class":"X","name":"a"}},{"config":{"connector.class":"Y","name":"b"}}]`,
		`{"a":{"connector.class":"X"},"name":{"connector.class":"Y"}}`,
		`{"name":1,"config":{}}`, `[1,"x",null]`, `{"a/b":{"connector.class":"X"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		cs, err := parseConnectors([]byte(data), connectorsVar)
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.Config["name"] != c.Name || strings.TrimSpace(c.Config["connector.class"]) == "" || checkConnectorName(c.Name) != nil {
				t.Errorf("accepted %+v from %q", c, data)
			}
		}
	})
}
