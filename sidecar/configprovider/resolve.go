package configprovider

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// pattern is the placeholder pattern of Java's ConfigTransformer,
// ${provider:[path:]key}: the provider ends at the first colon, the path
// (optional) at the next one, and the key takes the rest, colons and all.
// Go's leftmost-first matching finds the same groups Java's does.
var pattern = regexp.MustCompile(`\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}`)

// HasPlaceholder reports whether value holds a placeholder.
func HasPlaceholder(value string) bool { return pattern.MatchString(value) }

// Resolved is a configuration with its placeholders replaced.
type Resolved struct {
	Config map[string]string
	// concealer turns values put in back into their placeholders; nil
	// when nothing was put in.
	concealer *strings.Replacer
}

// Conceal turns every value Resolve put in for a placeholder back into
// the placeholder, wherever it appears in s: for messages made from the
// resolved configuration that are shown where only placeholders may be.
func (r Resolved) Conceal(s string) string {
	if r.concealer == nil {
		return s
	}
	return r.concealer.Replace(s)
}

// PlaceholderError is a placeholder that cannot be resolved. Its text
// names the setting, the placeholder (so the provider, path and key) and
// why; never a value.
type PlaceholderError struct {
	Setting     string
	Placeholder string // as written, e.g. ${file:/etc/secrets/db.properties:password}
	Reason      error
}

func (e *PlaceholderError) Error() string {
	return e.Setting + ": cannot resolve " + e.Placeholder + ": " + e.Reason.Error()
}

func (e *PlaceholderError) Unwrap() error { return e.Reason }

// Unresolved are the placeholders of a configuration that cannot be
// resolved, by setting.
type Unresolved []*PlaceholderError

func (u Unresolved) Error() string {
	msgs := make([]string, len(u))
	for i, e := range u {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns each placeholder's error.
func (u Unresolved) Unwrap() []error {
	out := make([]error, len(u))
	for i, e := range u {
		out[i] = e
	}
	return out
}

// source is what one provider reads at one path.
type source struct{ provider, path string }

// opened is a source read once for a whole configuration.
type opened struct {
	lookup func(key string) (string, error)
	err    error
}

// Resolve replaces the placeholders in config's values, reading each
// provider's path once. A placeholder that cannot be resolved stays as it
// is, as Java leaves it, and is reported in an Unresolved error; the
// other placeholders are still replaced.
func (p *Providers) Resolve(config map[string]string) (Resolved, error) {
	out := Resolved{Config: make(map[string]string, len(config))}
	sources := map[source]opened{}
	putIn := map[string]string{} // value -> placeholder
	var unresolved Unresolved
	for _, key := range slices.Sorted(maps.Keys(config)) {
		value := config[key]
		out.Config[key] = replace(value, func(ph Placeholder) (string, bool) {
			v, err := p.lookup(sources, ph)
			if err != nil {
				unresolved = append(unresolved, &PlaceholderError{Setting: key, Placeholder: ph.Text, Reason: err})
				return "", false
			}
			if v != "" {
				putIn[v] = ph.Text
			}
			return v, true
		})
	}
	if len(putIn) > 0 {
		out.concealer = concealer(putIn)
	}
	if len(unresolved) > 0 {
		return out, unresolved
	}
	return out, nil
}

// Placeholder is one ${provider:[path:]key} in a value.
type Placeholder struct {
	Text                string // as written
	Provider, Path, Key string // Path is "" when the placeholder has none
	start, end          int    // where Text is in the value
}

// Find returns the placeholders in value, in order.
func Find(value string) []Placeholder {
	if !strings.Contains(value, "${") {
		return nil
	}
	var out []Placeholder
	for _, m := range pattern.FindAllStringSubmatchIndex(value, -1) {
		ph := Placeholder{Text: value[m[0]:m[1]], Provider: value[m[2]:m[3]], Key: value[m[8]:m[9]], start: m[0], end: m[1]}
		if m[6] >= 0 {
			ph.Path = value[m[6]:m[7]]
		}
		out = append(out, ph)
	}
	return out
}

// replace puts in what resolve returns for each placeholder in value, or
// keeps the placeholder; what it puts in is not searched again.
func replace(value string, resolve func(Placeholder) (string, bool)) string {
	found := Find(value)
	if found == nil {
		return value
	}
	var b strings.Builder
	last := 0
	for _, ph := range found {
		v, ok := resolve(ph)
		if !ok {
			v = ph.Text
		}
		b.WriteString(value[last:ph.start])
		b.WriteString(v)
		last = ph.end
	}
	b.WriteString(value[last:])
	return b.String()
}

func (p *Providers) lookup(sources map[source]opened, ph Placeholder) (string, error) {
	src := source{ph.Provider, ph.Path}
	o, seen := sources[src]
	if !seen {
		if prov, ok := p.get(ph.Provider); ok {
			o.lookup, o.err = prov.open(ph.Path)
		} else {
			o.err = p.notConfigured(ph.Provider)
		}
		sources[src] = o
	}
	if o.err != nil {
		return "", o.err
	}
	return o.lookup(ph.Key)
}

// concealer replaces values with their placeholders in one pass, longest
// value first, so a value inside another or inside a placeholder already
// put back is left alone.
func concealer(putIn map[string]string) *strings.Replacer {
	values := slices.SortedFunc(maps.Keys(putIn), func(a, b string) int {
		return cmp.Or(len(b)-len(a), strings.Compare(a, b))
	})
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, putIn[v])
	}
	return strings.NewReplacer(pairs...)
}

// Restore puts the placeholders of a connector's configuration as written
// (raw) back into the task configurations it made from the resolved one,
// as Java's herder does before it writes them to the config topic: in
// every task configuration that has a key whose raw value holds a
// placeholder, that key gets the raw value.
func Restore(raw map[string]string, taskConfigs []map[string]string) {
	for key, value := range raw {
		if !HasPlaceholder(value) {
			continue
		}
		for _, tc := range taskConfigs {
			if _, ok := tc[key]; ok {
				tc[key] = value
			}
		}
	}
}
