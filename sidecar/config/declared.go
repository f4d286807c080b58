package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// Connector is a connector declared to the sidecar by SIDECAR_CONNECTORS or
// SIDECAR_CONNECTORS_FILE, to be written at start as PUT
// /connectors/{name}/config writes it.
type Connector struct {
	Name string
	// Config holds "name" too, as the REST API stores it, so it compares
	// equal to the config topic's copy when nothing changed.
	Config map[string]string
	// Source is where it was declared, for messages: SIDECAR_CONNECTORS
	// or a file's path.
	Source string
}

const (
	connectorsVar     = "SIDECAR_CONNECTORS"
	connectorsFileVar = "SIDECAR_CONNECTORS_FILE"
)

// declared reads both declarations into sc.Connectors, every connector
// checked as far as it can be without plugins: the shape, string values,
// the name, and a connector.class. The plugin's own validation happens
// when the connector is written.
func (v *validator) declared(sc *Sidecar) {
	var all []Connector
	if strings.TrimSpace(sc.ConnectorsJSON) != "" {
		cs, err := parseConnectors([]byte(sc.ConnectorsJSON), connectorsVar)
		if err != nil {
			v.sidecarBad(connectorsVar, "cannot be used: "+err.Error())
		}
		all = append(all, cs...)
	}
	if sc.ConnectorsFile != "" {
		cs, err := readConnectors(sc.ConnectorsFile)
		if err != nil {
			v.sidecarBad(connectorsFileVar, "cannot be used: "+err.Error())
		}
		all = append(all, cs...)
	}
	seen := map[string]string{}
	for _, c := range all {
		if first, dup := seen[c.Name]; dup {
			variable := connectorsFileVar
			if c.Source == connectorsVar {
				variable = connectorsVar
			}
			where := "in " + first + " and in " + c.Source
			if first == c.Source {
				where = "in " + first
			}
			v.sidecarBad(variable, fmt.Sprintf("cannot be used: connector %q is declared twice, %s", c.Name, where))
			continue
		}
		seen[c.Name] = c.Source
	}
	sc.Connectors = all
}

// readConnectors reads a JSON file of connectors, or a directory of
// one-connector files NAME.json and NAME.properties in name order. Hidden
// entries and sub-directories are skipped (a Kubernetes ConfigMap volume
// holds ..data links); any other file is an error rather than a surprise
// that it was not read.
func readConnectors(path string) ([]Connector, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		cs, err := parseConnectors(data, path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return cs, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []Connector
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		file := filepath.Join(path, e.Name())
		st, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			continue
		}
		c, err := readConnectorFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// readConnectorFile reads one connector; its name is the file's name
// without the extension unless the content names it.
func readConnectorFile(file string) (Connector, error) {
	ext := filepath.Ext(file)
	base := strings.TrimSuffix(filepath.Base(file), ext)
	var parse func([]byte, string, string) (Connector, error)
	switch ext {
	case ".json":
		parse = parseConnectorJSON
	case ".properties":
		parse = parseConnectorProperties
	default:
		return Connector{}, errors.New("is neither NAME.json nor NAME.properties; move it out of the directory")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return Connector{}, err
	}
	return parse(data, base, file)
}

func parseConnectorProperties(data []byte, fileName, source string) (Connector, error) {
	props, err := ParseProperties(bytes.NewReader(data))
	if err != nil {
		return Connector{}, err
	}
	return newConnector("", fileName, props, source)
}

// parseConnectorJSON reads {"name":..,"config":{..}} (name optional) or
// the config object alone. Config values are strings, so an object under
// "config" can only mean the first form.
func parseConnectorJSON(data []byte, fileName, source string) (Connector, error) {
	obj, err := jsonObject(data, true)
	if err != nil {
		return Connector{}, err
	}
	if cfg, ok := obj["config"]; ok && jsonKind(cfg) == '{' {
		return wrapped(obj, fileName, source)
	}
	conf, err := stringMap(obj)
	if err != nil {
		return Connector{}, err
	}
	return newConnector("", fileName, conf, source)
}

// parseConnectors reads SIDECAR_CONNECTORS or a connectors file: one
// {"name":..,"config":{..}}, a list of those, or an object of name to
// config. An object whose "name" is a string, or that has both "name" and
// "config", is the first form; in the last form every value is an object.
func parseConnectors(data []byte, source string) ([]Connector, error) {
	if err := jsonSyntax(data); err != nil {
		return nil, err
	}
	switch jsonKind(data) {
	case '[':
		var list []json.RawMessage
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, err
		}
		out := make([]Connector, 0, len(list))
		for i, raw := range list {
			obj, err := jsonObject(raw, false)
			var c Connector
			if err == nil {
				c, err = wrapped(obj, "", source)
			}
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out = append(out, c)
		}
		return out, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, err
		}
		name, hasName := obj["name"]
		if _, hasConfig := obj["config"]; hasName && (jsonKind(name) == '"' || hasConfig) {
			c, err := wrapped(obj, "", source)
			return []Connector{c}, err
		}
		var out []Connector
		for _, name := range slices.Sorted(maps.Keys(obj)) {
			if jsonKind(obj[name]) != '{' {
				return nil, fmt.Errorf("connector %q: its config is %s, not an object of strings", name, jsonDescribe(obj[name]))
			}
			conf, err := stringMap(mustJSONObject(obj[name]))
			if err != nil {
				return nil, fmt.Errorf("connector %q: %w", name, err)
			}
			c, err := newConnector(name, "", conf, source)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	return nil, fmt.Errorf(`is %s; give {"name":..,"config":{..}}, a list of those, or an object of name to config`, jsonDescribe(data))
}

// wrapped reads {"name":..,"config":{..}}; fileName names it when neither
// "name" does.
func wrapped(obj map[string]json.RawMessage, fileName, source string) (Connector, error) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k != "name" && k != "config" {
			return Connector{}, fmt.Errorf(`has %q; a declared connector has only "name" and "config"`, k)
		}
	}
	name := ""
	if raw, ok := obj["name"]; ok {
		if jsonKind(raw) != '"' {
			return Connector{}, fmt.Errorf(`its "name" is %s, not a string`, jsonDescribe(raw))
		}
		_ = json.Unmarshal(raw, &name)
	}
	raw, ok := obj["config"]
	if !ok {
		return Connector{}, noConfig(name)
	}
	if jsonKind(raw) != '{' {
		return Connector{}, fmt.Errorf(`%s"config" is %s, not an object of strings`, namePrefix(name), jsonDescribe(raw))
	}
	conf, err := stringMap(mustJSONObject(raw))
	if err != nil {
		return Connector{}, fmt.Errorf("%s%w", namePrefix(name), err)
	}
	return newConnector(name, fileName, conf, source)
}

func noConfig(name string) error {
	if name == "" {
		return errors.New(`has no "name" and no "config"`)
	}
	return fmt.Errorf(`connector %q has no "config"`, name)
}

// newConnector settles the name as the REST API does for PUT
// /connectors/{name}/config: a "name" in the config must match, and is
// added when missing.
func newConnector(name, fileName string, conf map[string]string, source string) (Connector, error) {
	inConfig, hasName := conf["name"]
	switch {
	case name == "" && hasName:
		name = inConfig
	case name == "":
		name = fileName
	}
	if name == "" {
		return Connector{}, errors.New(`has no "name"`)
	}
	if err := checkConnectorName(name); err != nil {
		return Connector{}, err
	}
	if hasName && inConfig != name {
		return Connector{}, fmt.Errorf(`connector %q has "name": %q in its config; leave it out or make it match`, name, inConfig)
	}
	if strings.TrimSpace(conf["connector.class"]) == "" {
		return Connector{}, fmt.Errorf(`connector %q has no "connector.class"`, name)
	}
	conf["name"] = name
	return Connector{Name: name, Config: conf, Source: source}, nil
}

// checkConnectorName refuses the names the REST API refuses for a new
// connector.
func checkConnectorName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("connector name %q is blank", name)
	case name == "." || name == "..":
		return fmt.Errorf("connector name %q cannot be used in the URL /connectors/{name}", name)
	case strings.Contains(name, "/"):
		return fmt.Errorf("connector name %q contains '/', which cannot be used in the URL /connectors/{name}", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("connector name %q contains control characters", name)
	}
	return nil
}

func namePrefix(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf("connector %q: ", name)
}

// stringMap reads a config object whose values must all be strings, as
// Connect stores them; a number or boolean is refused rather than turned
// into text, so what is declared is exactly what is compared and stored.
func stringMap(obj map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[k]
		if jsonKind(raw) != '"' {
			hint := ""
			if c := jsonKind(raw); c != '{' && c != '[' && c != 'n' {
				hint = fmt.Sprintf("; write it in quotes: %q", string(bytes.TrimSpace(raw)))
			}
			return nil, fmt.Errorf("%q is %s, not a string%s", k, jsonDescribe(raw), hint)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

// jsonObject reads a JSON object; whole says data is a complete document,
// whose syntax errors are reported with a line and column.
func jsonObject(data []byte, whole bool) (map[string]json.RawMessage, error) {
	if whole {
		if err := jsonSyntax(data); err != nil {
			return nil, err
		}
	}
	if jsonKind(data) != '{' {
		return nil, fmt.Errorf(`is %s, not an object like {"name":..,"config":{..}}`, jsonDescribe(data))
	}
	return mustJSONObject(data), nil
}

// mustJSONObject decodes raw, already checked to be a valid JSON object.
func mustJSONObject(raw []byte) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	return obj
}

// jsonSyntax checks that data is one JSON value, saying where it is not.
func jsonSyntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		col := int(se.Offset) - bytes.LastIndexByte(data[:se.Offset], '\n') - 1
		return fmt.Errorf("not valid JSON: line %d, column %d: %v", line, col, se)
	}
	return fmt.Errorf("not valid JSON: %v", err)
}

// jsonKind is the first byte of a JSON value: '{', '[', '"', 't', 'f', 'n', or
// a digit or '-' for numbers.
func jsonKind(raw []byte) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func jsonDescribe(raw []byte) string {
	switch c := jsonKind(raw); c {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case 0:
		return "empty"
	}
	return "a number"
}
