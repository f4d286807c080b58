package connectorconfig

import (
	"fmt"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// smtKind is transformations or predicates: the plugins a connector
// configuration names by alias, each alias adding settings under
// "<list>.<alias>." (Java's ConnectorConfig.EnrichablePlugin).
type smtKind struct {
	listKey  string      // transforms
	group    string      // Transforms
	javaName string      // Transformation: Java's interface, shown in display names and errors
	noun     string      // transformation
	kind     plugin.Kind // plugin.KindTransformation
}

var (
	transformsKind = smtKind{TransformsConfig, GroupTransforms, "Transformation", "transformation", plugin.KindTransformation}
	predicatesKind = smtKind{PredicatesConfig, GroupPredicates, "Predicate", "predicate", plugin.KindPredicate}
)

// The settings Connect gives every transformation itself.
const (
	TransformPredicateConfig = "predicate"
	TransformNegateConfig    = "negate"
)

// enrich is ConnectorConfig.enrich: base plus, for every transformation
// and predicate alias, its type and version settings and the plugin's own
// settings. With requireFull, a plugin whose settings cannot be had is an
// error (Java's ConnectorConfig constructor); without, its settings are
// left out and validating the type reports why (Java's validation).
func enrich(base *def, c *catalog, props map[string]string, requireFull bool) (*def, error) {
	d := base.clone()
	for _, sk := range []smtKind{transformsKind, predicatesKind} {
		if err := sk.enrich(d, c, props, requireFull); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (sk smtKind) enrich(d *def, c *catalog, props map[string]string, requireFull bool) error {
	raw, set := props[sk.listKey]
	if !set {
		return nil
	}
	v, _ := configdef.ParseType(sk.listKey, raw, plugin.TypeList, nil)
	for _, alias := range configdef.Distinct(v.([]string)) {
		prefix := sk.listKey + "." + alias + "."
		group := sk.group + ": " + alias
		typeKey := prefix + "type"
		versionKey := prefix + PluginVersionSuffix
		typeRaw, typeSet := props[typeKey]
		defaultVersion := c.version(typeRaw, typeSet, sk.kind)

		d.define(&key{name: typeKey, typ: plugin.TypeClass, required: true, importance: plugin.High,
			doc:   fmt.Sprintf("The class of the %s '%s'.", sk.noun, alias),
			group: group, order: 0, width: "LONG", display: sk.javaName + " type for " + alias,
			check:     sk.typeCheck(c, props, prefix, versionKey, defaultVersion),
			recommend: c.classesOf(sk.kind)})
		d.define(&key{name: versionKey, typ: plugin.TypeString, dflt: defaultVersion, importance: plugin.High,
			doc:   fmt.Sprintf("Which version of the %s '%s' to use.", sk.noun, alias),
			group: group, order: 1, width: "LONG", display: sk.javaName + " version for " + alias,
			check:     sk.versionCheck(c, props, typeKey),
			recommend: c.smtVersions(typeKey, sk.kind)})

		child, err := sk.pluginDef(c, props, typeKey, versionKey)
		if err != nil {
			if requireFull {
				return err
			}
			continue
		}
		d.embed(prefix, group, 2, child)
	}
	return nil
}

// typeCheck validates <list>.<alias>.type: negate needs a predicate, and
// the class must be a plugin of the kind in the version asked for.
func (sk smtKind) typeCheck(c *catalog, props map[string]string, prefix, versionKey string, defaultVersion any) func(string, any) error {
	return func(_ string, v any) error {
		if sk.kind == plugin.KindTransformation {
			negate, predicate := prefix+TransformNegateConfig, prefix+TransformPredicateConfig
			_, hasNegate := props[negate]
			_, hasPredicate := props[predicate]
			if hasNegate && !hasPredicate {
				return configdef.Exception("", "Config '"+negate+"' was provided but there is no config '"+predicate+
					"' defining a predicate to be negated.")
			}
		}
		cls, ok := v.(configdef.Class)
		if !ok {
			return nil
		}
		version, set := props[versionKey]
		if !set {
			version, set = defaultVersion.(string)
		}
		_, err := sk.instance(c, cls.Name, version, set)
		return err
	}
}

// versionCheck validates <list>.<alias>.plugin.version: a version the
// plugin named by the type setting has.
func (sk smtKind) versionCheck(c *catalog, props map[string]string, typeKey string) func(string, any) error {
	return func(_ string, v any) error {
		version, ok := v.(string)
		if !ok {
			return nil
		}
		typeRaw, set := props[typeKey]
		if !set {
			return nil
		}
		rng, err := versionRequirement(version)
		if err != nil {
			return configdef.Exception("", err.Error())
		}
		class, found := c.lookupClass(javatext.Trim(typeRaw))
		if !found {
			return nil // reported by the type setting
		}
		if p, ok := c.plugin(class, sk.kind); ok && rng != nil && !rng.contains(p.Version) {
			return configdef.Exception("", versionNotFound(class, rng, c.versionsAnyKind(class)...))
		}
		return nil
	}
}

// instance finds the plugin of class in the version asked for, and makes
// one (Java's getConfigDefFromPlugin up to instantiation).
func (sk smtKind) instance(c *catalog, class, version string, versionSet bool) (any, error) {
	var rng *versionRange
	if versionSet {
		var err error
		if rng, err = versionRequirement(version); err != nil {
			return nil, configdef.Exception("", err.Error())
		}
	}
	if err := c.ensureKind(configdef.Class{Name: class}, sk.kind); err != nil {
		return nil, err
	}
	p, _ := c.plugin(class, sk.kind)
	if rng != nil && !rng.contains(p.Version) {
		return nil, configdef.Exception("", versionNotFound(class, rng, c.versionsAnyKind(class)...))
	}
	if p.New == nil {
		return nil, configdef.Exception("", fmt.Sprintf("Error getting config definition from %s: %s cannot be created", sk.javaName, class))
	}
	return p.New(), nil
}

// pluginDef is the settings the alias's plugin adds (Java's
// populateConfigDef), with Connect's own predicate and negate first for
// transformations; they hide plugin settings of the same names.
func (sk smtKind) pluginDef(c *catalog, props map[string]string, typeKey, versionKey string) (*def, error) {
	child := newDef()
	if sk.kind == plugin.KindTransformation {
		child.define(&key{name: TransformPredicateConfig, typ: plugin.TypeString, importance: plugin.Medium,
			doc:   "The alias of the predicate that decides which records this transformation applies to.",
			order: -1, width: "NONE", display: TransformPredicateConfig})
		child.define(&key{name: TransformNegateConfig, typ: plugin.TypeBoolean, dflt: false, importance: plugin.Medium,
			doc:   "When true, the transformation applies to the records the predicate does not match.",
			order: -1, width: "NONE", display: TransformNegateConfig})
	}
	typeRaw, set := props[typeKey]
	if !set {
		return nil, configdef.Invalid(typeKey, nil, "Not a "+sk.javaName)
	}
	cls, err := configdef.ParseType(typeKey, typeRaw, plugin.TypeClass, c.lookupClass)
	if err != nil {
		return nil, err
	}
	version, versionSet := props[versionKey]
	inst, err := sk.instance(c, cls.(configdef.Class).Name, version, versionSet)
	if err != nil {
		return nil, err
	}
	withConfig, ok := inst.(interface{ Config() plugin.ConfigDef })
	if !ok {
		return nil, configdef.Invalid(typeKey, typeRaw, "Error getting config definition from "+sk.javaName+
			": the plugin does not describe its settings")
	}
	for _, pk := range withConfig.Config() {
		if sk.kind == plugin.KindTransformation && (pk.Name == TransformPredicateConfig || pk.Name == TransformNegateConfig) {
			continue
		}
		child.define(fromPluginKey(pk, c.lookupClass))
	}
	return child, nil
}

// versionNotFound is Java's VersionedPluginLoadingException text.
func versionNotFound(class string, rng *versionRange, available ...string) string {
	return fmt.Sprintf("Plugin %s not found that matches the version range %s, available versions: [%s]",
		class, rng, joinComma(available))
}

func joinComma(l []string) string {
	s := ""
	for i, x := range l {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}
