package connectorconfig

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// DefaultHeaderConverter is the worker's header.converter when it sets
// none.
const DefaultHeaderConverter = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// Worker is what validating and parsing connector configurations needs
// from the worker's configuration; Java reads the same from WorkerConfig.
// The zero value is a worker with no converters set, the "All" override
// policy and exactly-once source support disabled.
type Worker struct {
	// GroupID is the worker's group.id: a sink connector whose consumer
	// group would be the same is rejected. "" skips that check (Java's
	// standalone mode).
	GroupID string
	// KeyConverter, ValueConverter and HeaderConverter are the worker's
	// key.converter, value.converter and header.converter ("" when unset;
	// the header converter then is DefaultHeaderConverter). They are the
	// defaults validation shows.
	KeyConverter, ValueConverter, HeaderConverter string
	// Their *.plugin.version settings; "" is the latest.
	KeyConverterVersion, ValueConverterVersion, HeaderConverterVersion string
	// ExactlyOnceSourceSupport is exactly.once.source.support=enabled.
	ExactlyOnceSourceSupport bool
	// ClientOverridePolicy is connector.client.config.override.policy:
	// "All" (also ""), "None", "Principal" or "Allowlist" (with
	// ClientOverrideAllowlist, connector.client.config.override.allowlist).
	ClientOverridePolicy    string
	ClientOverrideAllowlist []string
	// ClientConfigs are the Kafka clients' settings; client overrides
	// (producer.override.* ...) they define are shown with a definition
	// and parsed by type, as Java does with ProducerConfig and the others.
	ClientConfigs ClientConfigs
	// TopicCreationDisabled is topic.creation.enable=false: Parse then
	// ignores topic.creation.* settings.
	TopicCreationDisabled bool
	// Providers resolve config provider placeholders before validating,
	// as Java does; nil has none.
	Providers *configprovider.Providers
}

// ClientConfigs are the settings of Kafka's clients, by client.
type ClientConfigs struct {
	Producer, Consumer, Admin plugin.ConfigDef
}

// ConfigValidator is a connector that checks its configuration beyond
// what its ConfigDef says (Java's Connector.validate): it returns error
// messages by setting name.
type ConfigValidator interface {
	ValidateConfig(props map[string]string) map[string][]string
}

// Validate checks a connector configuration as a Java worker with no
// converters of its own and no group does (see ValidateWith).
func Validate(reg *plugin.Registry, config map[string]string) (Result, error) {
	return ValidateWith(reg, config, Worker{})
}

// ValidateWith checks a connector configuration as Java's
// AbstractHerder.validateConnectorConfig (with DistributedHerder's
// additions) does: Connect's settings for the connector's kind, the
// settings of each transformation and predicate alias, the connector's
// own settings, the settings of converters the configuration sets, and
// client overrides. Problems with values are in the Result; an error is
// returned only when the configuration cannot be checked at all: a
// *RequestError for a missing or unknown connector.class or a malformed
// connector.plugin.version (Java: 400), or for a placeholder that cannot
// be resolved (Java: 500, when a provider fails).
func ValidateWith(reg *plugin.Registry, config map[string]string, w Worker) (Result, error) {
	return validateResolved(newCatalog(reg), config, w)
}

func validate(c *catalog, config map[string]string, w Worker) (Result, error) {
	connType, ok := config[ConnectorClassConfig]
	if !ok {
		return Result{}, &RequestError{Message: "Connector config " + javaMap(config) + " contains no connector type"}
	}
	var rng *versionRange
	if v, set := config[ConnectorVersionConfig]; set {
		var err error
		if rng, err = versionRequirement(v); err != nil {
			return Result{}, &RequestError{Message: err.Error()}
		}
	}
	p, err := c.connector(connType)
	if err != nil {
		return Result{}, err
	}
	if rng != nil && !rng.contains(p.Version) {
		return invalidVersion(c, config, connType, p, rng), nil
	}
	if p.New == nil {
		return Result{}, &RequestError{Message: "Connector " + p.Class + " cannot be created"}
	}
	conn, ok := p.New().(plugin.Connector)
	if !ok {
		return Result{}, &RequestError{Message: p.Class + " is not a connector"}
	}
	source := p.Kind == plugin.KindSource

	base := commonDef(w.baseSettings(c, config, p))
	if source {
		base = sourceDef(base)
	} else {
		base = sinkDef(base)
	}
	d, _ := enrich(base, c, config, false)
	values := d.validateAll(config, c.lookupClass)
	if source {
		w.checkExactlyOnce(config, values, conn)
	} else {
		sinkChecks(config, values)
		w.checkGroupID(config, values)
	}

	// The order matters: converter checks can add errors to the values.
	converters := w.validateConverters(c, config, values)
	overrides, err := w.validateClientOverrides(c, config, source)
	if err != nil {
		return Result{}, err
	}
	connector := connectorInfos(c, d, values, conn, config)
	return merge(connType, connector, overrides, converters), nil
}

// baseSettings are the defaults of the common settings: the connector's
// version and the worker's converters (ConnectorConfig.enrichedConfigDef).
func (w Worker) baseSettings(c *catalog, config map[string]string, p plugin.Plugin) baseSettings {
	b := baseSettings{connectorVersion: p.Version, plugins: c}
	header := w.HeaderConverter
	if header == "" {
		header = DefaultHeaderConverter
	}
	b.keyConverter, b.keyVersion = w.converterDefaults(c, config, KeyConverterConfig, w.KeyConverter,
		w.KeyConverterVersion, plugin.KindConverter)
	b.valueConverter, b.valueVersion = w.converterDefaults(c, config, ValueConverterConfig, w.ValueConverter,
		w.ValueConverterVersion, plugin.KindConverter)
	b.headerConverter, b.headerVersion = w.converterDefaults(c, config, HeaderConverterConfig, header,
		w.HeaderConverterVersion, plugin.KindHeaderConverter)
	return b
}

// converterDefaults is ConnectorConfig.converterDefaults: the worker's
// converter, and the version of the converter that will be used.
func (w Worker) converterDefaults(c *catalog, config map[string]string, key, workerClass, workerVersion string,
	kind plugin.Kind) (class, version any) {
	connectorClass, set := config[key]
	if !set && workerClass == "" {
		return nil, nil
	}
	if workerClass != "" {
		class = configdef.Class{Name: workerClass}
		if full, ok := c.lookupClass(workerClass); ok {
			class = configdef.Class{Name: full}
		}
	}
	switch {
	case set:
		version = c.version(connectorClass, true, kind)
	case workerVersion != "":
		version = workerVersion
	default:
		version = c.version(workerClass, true, kind)
	}
	return class, version
}

// invalidVersion is AbstractHerder.invalidVersionedConnectorValidation:
// only Connect's common settings, with the version error on
// connector.class and connector.plugin.version.
func invalidVersion(c *catalog, config map[string]string, connType string, p plugin.Plugin, rng *versionRange) Result {
	d := commonDef(baseSettings{connectorVersion: p.Version})
	values := d.validateAll(config, c.lookupClass)
	msg := versionNotFound(p.Class, rng, c.versionsAnyKind(p.Class)...)
	values[ConnectorClassConfig].addError(msg)
	values[ConnectorVersionConfig].addError(msg)
	values[ConnectorVersionConfig].recommended = []any{p.Version}
	return merge(connType, generateResult(d, d.valuesInHashOrder(values), d.groups))
}

// sinkChecks is SinkConnectorConfig.validate: exactly one of topics and
// topics.regex, and the dead letter queue is not among the topics.
func sinkChecks(config map[string]string, values map[string]*configValue) {
	topics, topicsSet := config[TopicsConfig]
	regex, regexSet := config[TopicsRegexConfig]
	dlq := javatext.Trim(config[DLQTopicNameConfig])
	hasTopics, hasRegex := !isBlank(topics, topicsSet), !isBlank(regex, regexSet)
	add := func(name, msg string) { valueFor(values, name, config).addError(msg) }
	if hasTopics && hasRegex {
		msg := TopicsConfig + " and " + TopicsRegexConfig + " are mutually exclusive options, but both are set."
		add(TopicsConfig, msg)
		add(TopicsRegexConfig, msg)
	}
	if !hasTopics && !hasRegex {
		msg := "Must configure one of " + TopicsConfig + " or " + TopicsRegexConfig
		add(TopicsConfig, msg)
		add(TopicsRegexConfig, msg)
	}
	if dlq == "" {
		return
	}
	if hasTopics {
		list := topicList(topics)
		if contains(list, dlq) {
			add(TopicsConfig, fmt.Sprintf("The DLQ topic '%s' may not be included in the list of topics ('%s=%s') consumed by the connector",
				dlq, TopicsConfig, configdef.JavaString(list)))
		}
	}
	if hasRegex {
		// Java fails the whole validation on a regex that does not
		// compile; the regex's own check reports it here.
		if re, err := regexp.Compile(`^(?:` + regex + `)$`); err == nil && re.MatchString(dlq) {
			add(TopicsRegexConfig, fmt.Sprintf("The DLQ topic '%s' may not be matched by the regex for the topics ('%s=%s') consumed by the connector",
				dlq, TopicsRegexConfig, regex))
		}
	}
}

// topicList is SinkConnectorConfig.parseTopicsList: the listed topics,
// without empty or repeated names.
func topicList(raw string) []string {
	v, _ := configdef.ParseType(TopicsConfig, raw, plugin.TypeList, nil)
	var out []string
	for _, t := range configdef.Distinct(v.([]string)) {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// valueFor returns the value of name, adding one for the raw setting if
// validation had none.
func valueFor(values map[string]*configValue, name string, config map[string]string) *configValue {
	if v, ok := values[name]; ok {
		return v
	}
	var raw any
	if s, ok := config[name]; ok {
		raw = s
	}
	v := newValue(name, raw)
	values[name] = v
	return v
}

// checkGroupID is DistributedHerder.validateSinkConnectorGroupId.
func (w Worker) checkGroupID(config map[string]string, values map[string]*configValue) {
	if w.GroupID == "" {
		return
	}
	const overridden = ConsumerOverridePrefix + "group.id"
	if group, ok := config[overridden]; ok {
		v := valueFor(values, overridden, config)
		if group == w.GroupID {
			v.addError("Consumer group " + group + " conflicts with Connect worker group " + w.GroupID)
		}
		return
	}
	name := values[NameConfig]
	if "connect-"+configdef.JavaString(name.value) == w.GroupID {
		name.addError("Consumer group for sink connector named " + configdef.JavaString(name.value) +
			" conflicts with Connect worker group " + w.GroupID)
	}
}

// checkExactlyOnce is DistributedHerder's exactly.once.support and
// transaction.boundary checks of source connectors.
func (w Worker) checkExactlyOnce(config map[string]string, values map[string]*configValue, conn plugin.Connector) {
	unexpected := func(err error) string {
		msg := "An unexpected error occurred during validation"
		if s := strings.TrimSpace(err.Error()); s != "" {
			return msg + ": " + s
		}
		return msg + "; please see the worker logs for more details."
	}
	if v := values[ExactlyOnceSupportConfig]; len(v.errors) == 0 &&
		strings.EqualFold(javatext.Trim(configdef.JavaString(v.value)), ExactlyOnceRequired) {
		if !w.ExactlyOnceSourceSupport {
			v.addError("This worker does not have exactly-once source support enabled.")
		}
		if s, ok := conn.(plugin.ExactlyOnceSupporter); ok {
			supported, err := s.ExactlyOnceSupport(config)
			switch {
			case err != nil:
				v.addError(unexpected(err))
			case !supported:
				v.addError("The connector does not support exactly-once semantics with the provided configuration.")
			}
		} else {
			v.addError("The connector does not implement the API required for preflight validation of exactly-once " +
				"source support. Please consult the documentation for the connector to determine whether it supports " +
				"exactly-once semantics, and then consider reconfiguring the connector to use the value \"" +
				ExactlyOnceRequested + "\" for this property (which will disable this preflight check and allow the " +
				"connector to be created).")
		}
	}
	if v := values[TransactionBoundaryConfig]; len(v.errors) == 0 &&
		strings.EqualFold(javatext.Trim(configdef.JavaString(v.value)), BoundaryConnector) {
		supported, err := false, error(nil)
		if d, ok := conn.(plugin.TransactionBoundaryDefiner); ok {
			supported, err = d.CanDefineTransactionBoundaries(config)
		}
		switch {
		case err != nil:
			v.addError(unexpected(err))
		case !supported:
			v.addError("The connector does not support connector-defined transaction boundaries with the given " +
				"configuration. Please reconfigure it to use a different transaction boundary definition.")
		}
	}
}

// validateConverters is AbstractHerder.validateAllConverterConfigs: the
// settings of each converter the configuration sets (header, key, value).
func (w Worker) validateConverters(c *catalog, config map[string]string, values map[string]*configValue) *infos {
	return mergeInfos(
		validateConverter(c, config, values, HeaderConverterConfig, HeaderConverterVersion, plugin.KindHeaderConverter, "header"),
		validateConverter(c, config, values, KeyConverterConfig, KeyConverterVersion, plugin.KindConverter, "key"),
		validateConverter(c, config, values, ValueConverterConfig, ValueConverterVersion, plugin.KindConverter, "value"),
	)
}

func validateConverter(c *catalog, config map[string]string, values map[string]*configValue,
	classKey, versionKey string, kind plugin.Kind, converterType string) *infos {
	raw, set := config[classKey]
	cv, vv := values[classKey], values[versionKey]
	if !set || cv == nil || vv == nil || len(cv.errors) > 0 || len(vv.errors) > 0 {
		return nil
	}
	p, ok := c.resolve(raw, kind)
	if !ok || p.New == nil {
		cv.addError("Failed to load class " + raw)
		return nil
	}
	if version, vset := config[versionKey]; vset {
		if rng, err := versionRequirement(version); err == nil && rng != nil && !rng.contains(p.Version) {
			msg := versionNotFound(p.Class, rng, c.versionsAnyKind(p.Class)...)
			cv.addError(msg)
			vv.addError(msg)
			return nil
		}
	}
	withConfig, ok := p.New().(interface{ Config() plugin.ConfigDef })
	if !ok || withConfig.Config() == nil {
		return nil // Java skips converters without a ConfigDef
	}
	cd := fromPlugin(withConfig.Config(), c.lookupClass)
	prefix := classKey + "."
	props := map[string]string{}
	for k, v := range config {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			props[rest] = v
		}
	}
	if _, ok := props["converter.type"]; !ok {
		props["converter.type"] = converterType
	}
	converted := cd.validateAll(props, c.lookupClass)
	return prefixedInfos(cd, cd.valuesInHashOrder(converted), prefix)
}

// validateClientOverrides is AbstractHerder.validateClientOverrides: the
// overrides of the clients the connector uses (producer, consumer, admin),
// each allowed or not by the worker's policy.
func (w Worker) validateClientOverrides(c *catalog, config map[string]string, source bool) (*infos, error) {
	hasDLQ := !isBlank(config[DLQTopicNameConfig], true)
	separateOffsets := source && (w.ExactlyOnceSourceSupport || javatext.Trim(config[OffsetsTopicConfig]) != "")
	usesProducer := source || hasDLQ
	usesAdmin := (source && usesTopicCreation(config)) || (!source && hasDLQ) || separateOffsets
	usesConsumer := !source || separateOffsets
	var parts []*infos
	for _, client := range []struct {
		uses   bool
		prefix string
		def    plugin.ConfigDef
	}{
		{usesProducer, ProducerOverridePrefix, w.ClientConfigs.Producer},
		{usesConsumer, ConsumerOverridePrefix, w.ClientConfigs.Consumer},
		{usesAdmin, AdminOverridePrefix, w.ClientConfigs.Admin},
	} {
		if !client.uses {
			continue
		}
		part, err := w.validateClient(c, config, client.prefix, client.def)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
	return mergeInfos(parts...), nil
}

func (w Worker) validateClient(c *catalog, config map[string]string, prefix string, clientDef plugin.ConfigDef) (*infos, error) {
	cd := fromPlugin(clientDef, c.lookupClass)
	// Java copies the configuration into a HashMap, takes the entries
	// with the prefix (in that map's order) into another, then another:
	// the names end in the order of their own hashes, ties broken by the
	// order of the full names' hashes (ties there by name, for want of
	// the request's order).
	var full []string
	for k := range config {
		if strings.HasPrefix(k, prefix) {
			full = append(full, k)
		}
	}
	sort.Strings(full)
	var names []string
	for _, k := range javaHashOrderIn(full, javaCopyCapacity(len(config))) {
		names = append(names, k[len(prefix):])
	}
	var values []*configValue
	for _, name := range javaHashOrder(names) {
		raw := config[prefix+name]
		var v any = raw
		if k, ok := cd.byName[name]; ok {
			parsed, err := configdef.ParseType(name, raw, k.typ, c.lookupClass)
			if err != nil {
				return nil, err // Java fails the whole validation (500)
			}
			v = parsed
		}
		cv := newValue(name, v)
		if !w.overrideAllowed(name) {
			cv.addError("The '" + w.policyName() + "' policy does not allow '" + name +
				"' to be overridden in the connector configuration.")
		}
		values = append(values, cv)
	}
	return prefixedInfos(cd, values, prefix), nil
}

func (w Worker) policyName() string {
	if w.ClientOverridePolicy == "" {
		return "All"
	}
	return w.ClientOverridePolicy
}

func (w Worker) overrideAllowed(name string) bool {
	switch w.policyName() {
	case "None":
		return false
	case "Principal":
		return name == "sasl.jaas.config" || name == "sasl.mechanism" || name == "security.protocol"
	case "Allowlist":
		return contains(w.ClientOverrideAllowlist, name)
	}
	return true
}

// usesTopicCreation is SourceConnectorConfig.usesTopicCreation.
func usesTopicCreation(config map[string]string) bool {
	for k := range config {
		if strings.HasPrefix(k, TopicCreationPrefix) {
			return true
		}
	}
	return false
}

// connectorInfos is AbstractHerder.validateConnectorPluginSpecifiedConfigs:
// Connect's settings and the connector's own, which win where they share
// a name.
func connectorInfos(c *catalog, d *def, values map[string]*configValue, conn plugin.Connector, config map[string]string) *infos {
	keys := d.clone()
	groups := append([]string{}, d.groups...)
	own := fromPlugin(conn.Config(), c.lookupClass)
	ownValues := own.validateAll(config, c.lookupClass)
	if cv, ok := conn.(ConfigValidator); ok {
		extra := cv.ValidateConfig(config)
		names := make([]string, 0, len(extra))
		for n := range extra {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := valueFor(ownValues, n, config)
			for _, msg := range extra[n] {
				v.addError(msg)
			}
		}
	}
	for _, k := range own.keys {
		keys.put(k)
	}
	for _, g := range own.groups {
		if !contains(groups, g) {
			groups = append(groups, g)
		}
	}
	list := append(d.valuesInHashOrder(values), own.valuesInHashOrder(ownValues)...)
	return generateResult(keys, list, groups)
}

// mergeInfos concatenates parts (mergeConfigInfos without the name).
func mergeInfos(parts ...*infos) *infos {
	var out *infos
	for _, p := range parts {
		if p == nil {
			continue
		}
		if out == nil {
			out = &infos{}
		}
		out.errorCount += p.errorCount
		out.configs = append(out.configs, p.configs...)
		for _, g := range p.groups {
			if !contains(out.groups, g) {
				out.groups = append(out.groups, g)
			}
		}
	}
	return out
}
