// Package configprovider resolves ${provider:[path:]key} placeholders the
// way Kafka's config providers do (KIP-297, KIP-421, KIP-887, KIP-993). The
// worker names its providers in config.providers, gives each a class in
// config.providers.<name>.class and params in config.providers.<name>.param.*,
// and a placeholder is replaced by what its provider finds at path under
// key.
//
// Kafka's three built-in classes are here, by their Java names:
//
//   - FileConfigProvider: a Java properties file at path; the key is a
//     property. Param allowed.paths.
//   - DirectoryConfigProvider: a directory at path holding one file per
//     key (as Kubernetes mounts a Secret); the value is the file's whole
//     content. Param allowed.paths.
//   - EnvVarConfigProvider: the environment variable named by the key; no
//     path. Param allowlist.pattern.
//
// Placeholders are found with the pattern of Java's ConfigTransformer, each
// provider and path is read once per configuration, and values put in are
// not searched again. Java leaves a placeholder it cannot resolve as it is;
// Resolve does too, and also reports it, so that a connector or task fails
// saying which placeholder and why instead of running with the placeholder
// as its value.
package configprovider

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Prefix starts every provider setting: config.providers lists the names,
// config.providers.<name>.class and config.providers.<name>.param.* set
// one up.
const Prefix = "config.providers"

// Settings are the worker's provider settings and what its providers read.
type Settings struct {
	// Names are config.providers, in order.
	Names []string
	// Properties are the worker's properties; the config.providers.* ones
	// are read.
	Properties map[string]string
	// Environ is what the env provider reads, in os.Environ's form.
	Environ []string
	// ParseProperties reads a Java properties file for the file provider.
	// It is config.ParseProperties, passed in because config imports this
	// package.
	ParseProperties func(io.Reader) (map[string]string, error)
}

// Finding is a provider setting that is wrong or does nothing.
type Finding struct {
	Property string // e.g. config.providers.file.param.allowed.paths
	Problem  string // e.g. `has "etc/secrets", which is not an absolute path`
}

// Findings are what New found in the provider settings.
type Findings struct {
	Bad     []Finding // the worker must not start with these
	Ignored []Finding // these are not read
}

// Providers are the worker's config providers by name. The nil value has
// none.
type Providers struct {
	names  []string
	byName map[string]provider
}

// provider reads one source (a file, a directory, the environment).
type provider interface {
	// open reads what path names, once per configuration resolved, and
	// returns how to look keys up in it.
	open(path string) (lookup func(key string) (string, error), err error)
}

// setup is what one provider is made from: its params, and where to note
// what is wrong with them.
type setup struct {
	prefix   string            // config.providers.<name>.param.
	params   map[string]string // param -> value, as given
	settings Settings
	findings *Findings
}

// bad notes a param that stops the worker.
func (s setup) bad(param, format string, args ...any) {
	s.findings.Bad = append(s.findings.Bad, Finding{s.prefix + param, fmt.Sprintf(format, args...)})
}

// class is one of Kafka's provider classes.
type class struct {
	name   string   // Java's class name
	params []string // the params it reads
	make   func(setup) provider
}

const javaPackage = "org.apache.kafka.common.config.provider."

var classes = []class{
	{javaPackage + "FileConfigProvider", []string{allowedPathsParam}, func(s setup) provider {
		return fileProvider{allowed: newAllowedPaths(s), parse: s.settings.ParseProperties}
	}},
	{javaPackage + "DirectoryConfigProvider", []string{allowedPathsParam}, func(s setup) provider {
		return dirProvider{allowed: newAllowedPaths(s)}
	}},
	{javaPackage + "EnvVarConfigProvider", []string{allowlistParam}, newEnvProvider},
}

// classNamed finds a class by its full name, its simple name or the alias
// Connect's plugin scan gives it (the simple name without
// "ConfigProvider": File, Directory, EnvVar).
func classNamed(name string) (class, bool) {
	for _, c := range classes {
		simple := strings.TrimPrefix(c.name, javaPackage)
		if name == c.name || name == simple || name == strings.TrimSuffix(simple, "ConfigProvider") {
			return c, true
		}
	}
	return class{}, false
}

// New sets up the providers s.Names lists. A provider whose settings are
// bad is left out, and the settings are in the Findings.
func New(s Settings) (*Providers, Findings) {
	p := &Providers{names: s.Names, byName: map[string]provider{}}
	var f Findings
	used := map[string]bool{}
	classOf := map[string]class{}
	for _, name := range s.Names {
		prefix := Prefix + "." + name + "."
		classKey := prefix + "class"
		className, ok := s.Properties[classKey]
		if !ok {
			f.Bad = append(f.Bad, Finding{Prefix, fmt.Sprintf("lists %q, but %s is not set", name, classKey)})
			continue
		}
		used[classKey] = true
		c, ok := classNamed(strings.TrimSpace(className))
		if !ok {
			f.Bad = append(f.Bad, Finding{classKey, fmt.Sprintf("is %q, which this worker does not have; use one of %s", className, classNames())})
			continue
		}
		classOf[name] = c
		su := setup{prefix: prefix + "param.", params: map[string]string{}, settings: s, findings: &f}
		for _, param := range c.params {
			if v, set := s.Properties[su.prefix+param]; set {
				su.params[param] = v
				used[su.prefix+param] = true
			}
		}
		bad := len(f.Bad)
		if made := c.make(su); len(f.Bad) == bad {
			p.byName[name] = made
		}
	}
	for _, key := range slices.Sorted(maps.Keys(s.Properties)) {
		if strings.HasPrefix(key, Prefix+".") && !used[key] {
			f.Ignored = append(f.Ignored, Finding{key, "is ignored: " + whyUnused(key, s.Names, classOf)})
		}
	}
	return p, f
}

func whyUnused(key string, names []string, classOf map[string]class) string {
	for _, name := range names {
		prefix := Prefix + "." + name + "."
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if c, ok := classOf[name]; ok && strings.HasPrefix(key, prefix+"param.") {
			return strings.TrimPrefix(c.name, javaPackage) + " reads only " + prefix + "param." + strings.Join(c.params, ", "+prefix+"param.")
		}
		return "a provider is set up with " + prefix + "class and " + prefix + "param.* only"
	}
	return "config.providers does not list the provider it names"
}

func classNames() string {
	var out []string
	for _, c := range classes {
		out = append(out, c.name)
	}
	return strings.Join(out, ", ")
}

func (p *Providers) get(name string) (provider, bool) {
	if p == nil {
		return nil, false
	}
	got, ok := p.byName[name]
	return got, ok
}

// notConfigured says that no provider has name, and which ones exist.
func (p *Providers) notConfigured(name string) error {
	var names []string
	if p != nil {
		names = p.names
	}
	if len(names) == 0 {
		return fmt.Errorf("there is no config provider %q: config.providers is not set on this worker", name)
	}
	return fmt.Errorf("there is no config provider %q: config.providers lists %s", name, strings.Join(names, ","))
}
