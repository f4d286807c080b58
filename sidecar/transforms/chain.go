package transforms

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Lookup finds a plugin by class name (or alias), as
// (*plugin.Registry).Lookup does.
type Lookup func(name string, kinds ...plugin.Kind) (plugin.Plugin, bool)

// Chain is a connector's transformation chain, configured as Kafka
// Connect configures it from the connector's settings:
//
//	transforms=a,b
//	transforms.a.type=org.apache.kafka.connect.transforms.InsertField$Value
//	transforms.a.topic.field=topic
//	transforms.a.predicate=p
//	transforms.a.negate=true
//	predicates=p
//	predicates.p.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
//	predicates.p.pattern=orders-.*
//
// A transform with a predicate applies to the records the predicate
// matches, or with negate=true to those it does not match. A Chain holds
// no per-record state; Apply may be called concurrently.
type Chain struct {
	stages []stage
}

// stage is one transform and the predicate that gates it, if any.
type stage struct {
	alias     string
	class     string
	transform plugin.Transformation
	predicate plugin.Predicate // nil: the transform always applies
	negate    bool
}

// NewChain builds the chain a connector configuration describes. Every
// problem found is reported, joined; each is a *configdef.Error whose Key is
// the connector setting at fault (e.g. transforms.a.type).
func NewChain(connectorConfig map[string]string, lookup Lookup) (*Chain, error) {
	transforms, errT := aliases(connectorConfig, "transforms")
	predicateAliases, errP := aliases(connectorConfig, "predicates")
	errs := []error{errT, errP}
	predicates := map[string]plugin.Predicate{}
	var predicateErrs []error
	for _, alias := range predicateAliases {
		p, err := newPredicate(connectorConfig, alias, lookup)
		if err != nil {
			predicateErrs = append(predicateErrs, err)
			continue
		}
		predicates[alias] = p
	}
	c := &Chain{}
	for _, alias := range transforms {
		s, err := newStage(connectorConfig, alias, lookup, predicates, predicateAliases)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.stages = append(c.stages, s)
	}
	if err := errors.Join(append(errs, predicateErrs...)...); err != nil {
		return nil, err
	}
	return c, nil
}

// aliases reads the transforms or predicates list; a repeated alias is an
// error, as in Java, and is then used once.
func aliases(config map[string]string, key string) ([]string, error) {
	list := configdef.SplitList(config[key])
	if d := configdef.Distinct(list); len(d) != len(list) {
		return d, configdef.Invalid(key, list, "Duplicate alias provided.")
	}
	return list, nil
}

// newPlugin looks up and configures the plugin named by prefix+"type".
func newPlugin(config map[string]string, prefix string, kind plugin.Kind, lookup Lookup) (any, string, error) {
	typeKey := prefix + "type"
	name, ok := config[typeKey]
	if !ok {
		return nil, "", configdef.Missing(typeKey)
	}
	name = javatext.Trim(name)
	p, ok := lookup(name)
	if !ok {
		return nil, "", classNotFound(typeKey, name, kind, lookup)
	}
	if p.Kind != kind {
		return nil, "", configdef.Exception(typeKey, fmt.Sprintf("Class class %s does not implement the %s interface", p.Class, javaInterface(kind)))
	}
	return p.New(), p.Class, nil
}

// classNotFound is Java's message for an unknown class, or, for the base
// name of a transform with Key and Value variants, its hint.
func classNotFound(typeKey, name string, kind plugin.Kind, lookup Lookup) error {
	k, okK := lookup(name + "$Key")
	v, okV := lookup(name + "$Value")
	if okK && okV && k.Kind == kind && v.Kind == kind {
		return configdef.Exception(typeKey, fmt.Sprintf("This class is abstract and cannot be created. Did you mean %s, %s?", k.Class, v.Class))
	}
	return configdef.Invalid(typeKey, name, "Class "+name+" could not be found.")
}

func javaInterface(kind plugin.Kind) string {
	if kind == plugin.KindPredicate {
		return "Predicate"
	}
	return "Transformation"
}

func newPredicate(config map[string]string, alias string, lookup Lookup) (plugin.Predicate, error) {
	prefix := "predicates." + alias + "."
	inst, class, err := newPlugin(config, prefix, plugin.KindPredicate, lookup)
	if err != nil {
		return nil, err
	}
	p := inst.(plugin.Predicate)
	if err := p.Configure(configdef.WithPrefix(config, prefix)); err != nil {
		return nil, prefixed(prefix, class, err)
	}
	return p, nil
}

// newStage builds one transform. predicates holds the predicates that
// were configured; listed names all in the predicates setting, so one that
// failed on its own is not also reported here.
func newStage(config map[string]string, alias string, lookup Lookup, predicates map[string]plugin.Predicate, listed []string) (stage, error) {
	prefix := "transforms." + alias + "."
	s := stage{alias: alias}
	gate, gated, err := s.gate(config, prefix)
	if err != nil {
		return s, err
	}
	inst, class, err := newPlugin(config, prefix, plugin.KindTransformation, lookup)
	if err != nil {
		return s, err
	}
	s.class, s.transform = class, inst.(plugin.Transformation)
	props := configdef.WithPrefix(config, prefix)
	delete(props, "predicate")
	delete(props, "negate")
	if err := s.transform.Configure(props); err != nil {
		return s, prefixed(prefix, class, err)
	}
	if !gated {
		return s, nil
	}
	if !slices.Contains(listed, gate) {
		return s, configdef.Invalid(prefix+"predicate", gate, fmt.Sprintf("predicate %q is not listed in predicates", gate))
	}
	s.predicate = predicates[gate]
	return s, nil
}

// gate reads the transform's predicate and negate settings: the
// predicate's alias, and whether there is one.
func (s *stage) gate(config map[string]string, prefix string) (string, bool, error) {
	predicateKey, negateKey := prefix+"predicate", prefix+"negate"
	alias, hasPredicate := config[predicateKey]
	raw, hasNegate := config[negateKey]
	if hasNegate && !hasPredicate {
		return "", false, configdef.Exception(negateKey, fmt.Sprintf("Config '%s' was provided but there is no config '%s' defining a predicate to be negated.", negateKey, predicateKey))
	}
	if hasNegate {
		v, err := configdef.ParseType(negateKey, raw, plugin.TypeBoolean, nil)
		if err != nil {
			return "", false, err
		}
		s.negate = v.(bool)
	}
	return javatext.Trim(alias), hasPredicate, nil
}

// prefixed puts a plugin's configuration error in terms of the connector
// configuration: its setting gets the alias's prefix, and a problem with
// no one setting names the transform or predicate.
func prefixed(prefix, class string, err error) error {
	var ce *configdef.Error
	if !errors.As(err, &ce) || ce.Key == "" {
		where := strings.TrimSuffix(prefix, ".")
		return configdef.Exception(where, fmt.Sprintf("%s (%s): %v", where, class, err))
	}
	key := prefix + ce.Key
	if ce.Whole {
		return configdef.Exception(key, key+": "+ce.Message)
	}
	return configdef.Invalid(key, ce.Value, ce.Message)
}

// Apply runs the record through the chain. keep is false when a
// transform dropped the record (Java's null); the rest of the chain is
// then skipped. Errors name the transform or predicate that failed.
func (c *Chain) Apply(r plugin.Record) (out plugin.Record, keep bool, err error) {
	for _, s := range c.stages {
		if s.predicate != nil {
			match, err := s.predicate.Test(r)
			if err != nil {
				return r, false, fmt.Errorf("predicate of transform %s: %w", s.alias, err)
			}
			if match == s.negate {
				continue
			}
		}
		if r, keep, err = s.transform.Apply(r); err != nil {
			return r, false, fmt.Errorf("transform %s (%s): %w", s.alias, s.class, err)
		}
		if !keep {
			return r, false, nil
		}
	}
	return r, true, nil
}
