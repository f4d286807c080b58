package connectorconfig

import (
	"sort"
	"strconv"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Result is what validating a connector configuration found, in the shape
// of Java's ConfigInfos (the body of PUT
// /connector-plugins/{plugin}/config/validate). Marshal it with
// SetEscapeHTML(false) to write the bytes Jackson writes.
type Result struct {
	Name       string       `json:"name"` // connector.class as given
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// ConfigInfo is one setting: its definition (nil for a value Connect
// checked without defining it, such as consumer.override.group.id) and
// what was found.
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigKeyInfo is a setting's definition (Java's ConfigKeyInfo; Kafka
// 4.3 writes its order as "order_in_group").
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	OrderInGroup  int      `json:"order_in_group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

// ConfigValueInfo is a setting's value as Connect read it (null when
// missing, null by default or unparseable; "[hidden]" for passwords),
// and the problems found.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// Errors lists every problem found, in the order of the settings.
func (r Result) Errors() []string {
	var out []string
	for _, c := range r.Configs {
		if c.Value != nil {
			out = append(out, c.Value.Errors...)
		}
	}
	return out
}

// ErrorsMessage is the message of Java's 400 answer to creating or
// updating a connector whose configuration has errors
// (AbstractHerder.maybeAddConfigErrors); "" when there are none.
func ErrorsMessage(r Result) string {
	if r.ErrorCount <= 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Connector configuration is invalid and contains the following ")
	b.WriteString(strconv.Itoa(r.ErrorCount))
	b.WriteString(" error(s):")
	for _, e := range r.Errors() {
		b.WriteString("\n")
		b.WriteString(e)
	}
	b.WriteString("\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`")
	return b.String()
}

// RequestError means a configuration cannot be validated at all (no or
// an unknown connector.class, a malformed connector.plugin.version):
// Java answers 400 Bad Request with Message.
type RequestError struct {
	Message string
	// Suggestions are, for an unknown connector class, the connector
	// classes whose names are closest to it (also named in Message).
	Suggestions []string
}

func (e *RequestError) Error() string { return e.Message }

// NotFoundError is a plugin name no plugin has: Java answers 404.
type NotFoundError struct{ Message string }

func (e *NotFoundError) Error() string { return e.Message }

// ConfigKeyInfos describes settings as GET /connector-plugins/{p}/config
// lists them (Java's AbstractHerder.convertConfigKey).
func ConfigKeyInfos(d plugin.ConfigDef) []ConfigKeyInfo {
	cd := fromPlugin(d, nil)
	out := make([]ConfigKeyInfo, 0, len(cd.keys))
	for _, k := range cd.keys {
		out = append(out, keyInfo(k, ""))
	}
	return out
}

// PluginConfig is the answer to GET /connector-plugins/{plugin}/config
// (Java's AbstractHerder.connectorPluginConfig): the plugin's own
// settings, then, for connectors, the Connect settings it does not
// redefine. An unknown plugin is a *NotFoundError.
func PluginConfig(reg *plugin.Registry, name string) ([]ConfigKeyInfo, error) {
	return pluginConfig(newCatalog(reg), name)
}

func pluginConfig(c *catalog, name string) ([]ConfigKeyInfo, error) {
	var p plugin.Plugin
	found := false
	if class, ok := c.lookupClass(javatext.Trim(name)); ok {
		p, found = c.plugin(class, plugin.KindSink, plugin.KindSource, plugin.KindConverter,
			plugin.KindHeaderConverter, plugin.KindTransformation, plugin.KindPredicate)
	}
	if !found || p.New == nil {
		return nil, &NotFoundError{Message: "Unknown plugin " + name + "."}
	}
	var base *def
	switch p.Kind {
	case plugin.KindSink:
		base = sinkDef(commonDef(baseSettings{connectorVersion: p.Version}))
	case plugin.KindSource:
		base = sourceDef(commonDef(baseSettings{connectorVersion: p.Version}))
	}
	own := newDef()
	if withConfig, ok := p.New().(interface{ Config() plugin.ConfigDef }); ok {
		own = fromPlugin(withConfig.Config(), c.lookupClass)
	}
	out := make([]ConfigKeyInfo, 0, len(own.keys))
	for _, k := range own.keys {
		out = append(out, keyInfo(k, ""))
	}
	if base != nil {
		for _, k := range base.keys {
			if _, redefined := own.byName[k.name]; !redefined {
				out = append(out, keyInfo(k, ""))
			}
		}
	}
	return out, nil
}

// CheckPluginName is Java's check, before validating, that the
// connector.class of a PUT /connector-plugins/{plugin}/config/validate
// body names the plugin of the path (a trailing "Connector" is ignored).
func CheckPluginName(pluginName string, config map[string]string) error {
	included, ok := config[ConnectorClassConfig]
	if !ok {
		return nil
	}
	normalized := func(s string) string {
		if strings.HasSuffix(s, "Connector") && len(s) > len("Connector") {
			return s[:len(s)-len("Connector")]
		}
		return s
	}
	if !strings.HasSuffix(normalized(included), normalized(pluginName)) {
		return &RequestError{Message: "Included connector type " + included + " does not match request type " + pluginName}
	}
	return nil
}

// keyInfo is AbstractHerder.convertConfigKey.
func keyInfo(k *key, prefix string) ConfigKeyInfo {
	ki := ConfigKeyInfo{Name: prefix + k.name, Type: string(k.typ), Required: k.required,
		Importance: string(k.importance), Documentation: k.doc, OrderInGroup: k.order, Width: k.width,
		DisplayName: k.display, Dependents: append([]string{}, k.dependents...)}
	if !k.required {
		if s, ok := configdef.ConvertToString(k.dflt); ok {
			ki.DefaultValue = &s
		}
	}
	if k.group != "" {
		g := k.group
		ki.Group = &g
	}
	return ki
}

// valueInfo is AbstractHerder.convertConfigValue.
func valueInfo(v *configValue) *ConfigValueInfo {
	vi := &ConfigValueInfo{Name: v.name, RecommendedValues: []string{}, Errors: append([]string{}, v.errors...),
		Visible: v.visible}
	if s, ok := configdef.ConvertToString(v.value); ok {
		vi.Value = &s
	}
	for _, r := range v.recommended {
		if s, ok := configdef.ConvertToString(r); ok {
			vi.RecommendedValues = append(vi.RecommendedValues, s)
		}
	}
	return vi
}

// infos is a ConfigInfos under construction.
type infos struct {
	errorCount int
	groups     []string
	configs    []ConfigInfo
}

// generateResult is AbstractHerder.generateResult: values nothing
// defines first, then every defined setting in definition order with its
// (last) value; every error message counts.
func generateResult(keys *def, values []*configValue, groups []string) *infos {
	out := &infos{groups: append([]string{}, groups...)}
	byName := map[string]*configValue{}
	for _, v := range values {
		byName[v.name] = v
		if _, defined := keys.byName[v.name]; !defined {
			out.configs = append(out.configs, ConfigInfo{Value: valueInfo(v)})
			out.errorCount += len(v.errors)
		}
	}
	for _, k := range keys.keys {
		ki := keyInfo(k, "")
		ci := ConfigInfo{Definition: &ki}
		if v, ok := byName[k.name]; ok {
			ci.Value = valueInfo(v)
			out.errorCount += len(v.errors)
		}
		out.configs = append(out.configs, ci)
	}
	return out
}

// prefixedInfos is AbstractHerder.prefixedConfigInfos: a plugin's or
// client's settings shown under prefix; a setting with errors counts once.
func prefixedInfos(keys *def, values []*configValue, prefix string) *infos {
	out := &infos{}
	for _, v := range values {
		ci := ConfigInfo{}
		if k, ok := keys.byName[v.name]; ok {
			if k.group != "" && !contains(out.groups, k.group) {
				out.groups = append(out.groups, k.group)
			}
			ki := keyInfo(k, prefix)
			ci.Definition = &ki
		}
		pv := *v
		pv.name = prefix + v.name
		if len(v.errors) > 0 {
			out.errorCount++
		}
		ci.Value = valueInfo(&pv)
		out.configs = append(out.configs, ci)
	}
	return out
}

// merge is AbstractHerder.mergeConfigInfos.
func merge(name string, parts ...*infos) Result {
	r := Result{Name: name, Groups: []string{}, Configs: []ConfigInfo{}}
	for _, p := range parts {
		if p == nil {
			continue
		}
		r.ErrorCount += p.errorCount
		r.Configs = append(r.Configs, p.configs...)
		for _, g := range p.groups {
			if !contains(r.Groups, g) {
				r.Groups = append(r.Groups, g)
			}
		}
	}
	return r
}

// javaMap prints a configuration as Java's Map.toString does, keys sorted.
func javaMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
