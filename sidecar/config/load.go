package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Loaded is the outcome of reading the environment and properties file.
type Loaded struct {
	Worker  Worker
	Sidecar Sidecar
	// Ignored lists given settings that do nothing here, one line each, to be
	// logged once at start.
	Ignored []string
}

// SettingError says which setting is wrong, what is wrong with it and what a
// right value looks like. Its text is one line.
type SettingError struct {
	Setting string // CONNECT_X, SIDECAR_X, or "x.y in file.properties"
	Problem string // "is required", `"abc" is not a whole number`
	Doc     string // what the setting is, with an example
}

func (e *SettingError) Error() string {
	return e.Setting + " " + e.Problem + ": " + e.Doc
}

// Load reads worker properties from propertiesFile (may be empty) and from
// CONNECT_* variables in environ, which win, then SIDECAR_* settings, and
// checks them all. Every broken rule comes back as a *SettingError, joined.
func Load(environ []string, propertiesFile string) (Loaded, error) {
	props, origin, ignored, err := gather(environ, propertiesFile)
	if err != nil {
		return Loaded{}, err
	}
	var out Loaded
	providers, providerNotes, errs := resolveProviders(props, environ, origin)
	out.Ignored = append(ignored, providerNotes...)
	if err := env.ParseWithOptions(&out.Worker, env.Options{
		Environment:         props,
		TagName:             "prop",
		DefaultValueTagName: "default",
	}); err != nil {
		errs = append(errs, parseErrors(err, workerFields, origin.name, props)...)
	}
	out.Worker.Properties = props
	out.Worker.Providers = providers
	sidecarEnv := envMap(environ, SidecarPrefix)
	if err := env.ParseWithOptions(&out.Sidecar, env.Options{Environment: sidecarEnv}); err != nil {
		errs = append(errs, parseErrors(err, sidecarFields, func(name string) string { return name }, sidecarEnv)...)
	}
	errs = append(errs, setButEmpty(sidecarEnv)...)
	if len(errs) == 0 {
		errs = validate(&out, origin)
	}
	if len(errs) > 0 {
		return Loaded{}, errors.Join(errs...)
	}
	out.Ignored = append(out.Ignored, unknownSidecar(environ)...)
	return out, nil
}

// origin remembers where each property came from, to name it in errors.
type origin struct {
	file    string
	fromEnv map[string]string // property -> variable
}

func (o origin) name(prop string) string {
	if v, ok := o.fromEnv[prop]; ok {
		return v
	}
	if o.file != "" {
		return prop + " in " + o.file
	}
	return EnvName(prop)
}

func gather(environ []string, file string) (map[string]string, origin, []string, error) {
	props := map[string]string{}
	o := origin{file: file, fromEnv: map[string]string{}}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, o, nil, fmt.Errorf("worker properties file: %w", err)
		}
		defer f.Close()
		fromFile, err := ParseProperties(f)
		if err != nil {
			return nil, o, nil, fmt.Errorf("worker properties file %s: %w", file, err)
		}
		props = fromFile
	}
	for variable, value := range envMap(environ, EnvPrefix) {
		prop, ok := PropertyName(variable)
		if !ok {
			continue
		}
		props[prop] = value
		o.fromEnv[prop] = variable
	}
	var ignored []string
	for prop := range props {
		if why := ignoredBecause(prop); why != "" {
			ignored = append(ignored, o.name(prop)+" "+why)
		}
	}
	return props, o, sortedStrings(ignored), nil
}

func envMap(environ []string, prefix string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, prefix) {
			m[k] = v
		}
	}
	return m
}

// field describes one tagged setting, found by reflection.
type field struct {
	key  string // property or variable name
	doc  string
	kind reflect.Type
}

var (
	workerFields  = fieldsOf(reflect.TypeFor[Worker](), "prop")
	sidecarFields = fieldsOf(reflect.TypeFor[Sidecar](), "env")
)

// fieldsOf indexes a settings struct by Go field name, the name
// caarlos0/env reports in its errors.
func fieldsOf(t reflect.Type, tag string) map[string]field {
	out := map[string]field{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Tag.Get(tag) == "" {
			for name, inner := range fieldsOf(f.Type, tag) {
				out[name] = inner
			}
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		if key != "" && key != "-" {
			out[f.Name] = field{key: key, doc: f.Tag.Get("doc"), kind: f.Type}
		}
	}
	return out
}

// docOf returns the doc text of the setting with the given key.
func docOf(fields map[string]field, key string) string {
	for _, f := range fields {
		if f.key == key {
			return f.doc
		}
	}
	return ""
}

func parseErrors(err error, fields map[string]field, name func(string) string, values map[string]string) []error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []error{err}
	}
	var out []error
	for _, e := range agg.Errors {
		var pe env.ParseError
		var fe env.LoadFileContentError
		switch {
		case errors.As(e, &pe):
			f := fields[pe.Name]
			out = append(out, &SettingError{
				Setting: name(f.key),
				Problem: fmt.Sprintf("is %q, %s", values[f.key], problem(f.kind, pe.Err)),
				Doc:     f.doc,
			})
		case errors.As(e, &fe):
			out = append(out, &SettingError{Setting: fe.Key, Problem: "names a file that cannot be read (" + fe.Err.Error() + ")", Doc: docOf(fields, fe.Key)})
		default:
			out = append(out, e)
		}
	}
	return out
}

// problem words a parse failure for a person rather than for strconv.
func problem(t reflect.Type, err error) string {
	if t == reflect.TypeFor[slog.Level]() {
		return "not debug, info, warn or error"
	}
	if t != nil && t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64 && t.PkgPath() == "" {
		return "not a whole number in range"
	}
	return err.Error()
}

// setButEmpty refuses REST credentials given as empty values: a platform
// that injects a missing or empty secret would otherwise start a worker
// whose REST API asks for no credentials at all, and nobody would notice.
func setButEmpty(sidecarEnv map[string]string) []error {
	var errs []error
	for _, name := range []string{"SIDECAR_REST_AUTH_TOKEN", "SIDECAR_REST_BASIC_USER", "SIDECAR_REST_BASIC_PASSWORD"} {
		if v, ok := sidecarEnv[name]; ok && strings.TrimSpace(v) == "" {
			errs = append(errs, &SettingError{Setting: name, Problem: "is set but empty, which would leave the REST API open; give it a value, or unset it to run without credentials", Doc: docOf(sidecarFields, name)})
		}
	}
	return errs
}
