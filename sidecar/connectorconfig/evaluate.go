package connectorconfig

import (
	"sort"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

// configValue is Java's ConfigValue: one setting's parsed value and what
// validation found.
type configValue struct {
	name        string
	value       any
	recommended []any
	errors      []string
	visible     bool
}

func newValue(name string, value any) *configValue {
	return &configValue{name: name, value: value, recommended: []any{}, errors: []string{}, visible: true}
}

func (v *configValue) addError(msg string) { v.errors = append(v.errors, msg) }

// validateAll is ConfigDef.validateAll: every key gets a value with every
// problem found (a value that does not parse is null and still goes to
// the validator), then recommenders run over all parsed values.
func (d *def) validateAll(props map[string]string, lookupClass func(string) (string, bool)) map[string]*configValue {
	values := make(map[string]*configValue, len(d.keys))
	for _, k := range d.keys {
		values[k.name] = newValue(k.name, nil)
	}
	for _, k := range d.keys {
		for _, dep := range k.dependents {
			if _, ok := d.byName[dep]; !ok {
				v := newValue(dep, nil)
				v.addError(dep + " is referred in the dependents, but not defined.")
				v.visible = false
				values[dep] = v
			}
		}
	}
	parsed := make(map[string]any, len(d.keys))
	for _, k := range d.keys {
		cv := values[k.name]
		raw, set := props[k.name]
		var v any
		parsedOK := false
		switch {
		case set:
			var err error
			if v, err = configdef.ParseType(k.name, raw, k.typ, lookupClass); err != nil {
				cv.addError(err.Error())
			} else {
				parsedOK = true
			}
		case k.required:
			cv.addError(configdef.Missing(k.name).Error())
		default:
			v = k.dflt
		}
		if k.check != nil {
			if err := k.check(k.name, v); err != nil {
				cv.addError(err.Error())
			}
		}
		if k.pluginCheck != nil && parsedOK {
			if err := k.pluginCheck(raw); err != nil {
				cv.addError(err.Error())
			}
		}
		cv.value = v
		parsed[k.name] = v
	}
	for _, k := range d.keys {
		if k.recommend != nil {
			cv := values[k.name]
			rec, visible := k.recommend(parsed)
			if rec == nil {
				rec = []any{}
			}
			cv.recommended, cv.visible = rec, visible
		}
	}
	return values
}

// parse is ConfigDef.parse (as AbstractConfig runs it): keys in
// definition order, the first problem is returned.
func (d *def) parse(props map[string]string, lookupClass func(string) (string, bool)) (map[string]any, error) {
	out := make(map[string]any, len(d.keys))
	for _, k := range d.keys {
		raw, set := props[k.name]
		var v any
		switch {
		case set:
			var err error
			if v, err = configdef.ParseType(k.name, raw, k.typ, lookupClass); err != nil {
				return nil, err
			}
		case k.required:
			return nil, configdef.Missing(k.name)
		default:
			v = k.dflt
		}
		if l, ok := v.([]string); ok && k.distinct {
			v = configdef.Distinct(l)
		}
		if k.check != nil {
			if err := k.check(k.name, v); err != nil {
				return nil, err
			}
		}
		if k.pluginCheck != nil && set {
			if err := k.pluginCheck(raw); err != nil {
				return nil, err
			}
		}
		out[k.name] = v
	}
	return out, nil
}

// valuesInHashOrder lists values as iterating Java's HashMap of them does,
// the keys having been put in def order.
func (d *def) valuesInHashOrder(values map[string]*configValue) []*configValue {
	names := make([]string, 0, len(values))
	for _, k := range d.keys {
		names = append(names, k.name)
	}
	var extra []string
	for n := range values {
		if _, ok := d.byName[n]; !ok {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	names = append(names, extra...)
	out := make([]*configValue, 0, len(names))
	for _, n := range javaHashOrder(names) {
		out = append(out, values[n])
	}
	return out
}
