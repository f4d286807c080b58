package connectorconfig

import (
	"regexp"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Parsed is a connector configuration read as Java's ConnectorConfig,
// SinkConnectorConfig and SourceConnectorConfig read it, defaults
// applied: the one place the runtime and the herder get Connect's
// settings of a connector from.
type Parsed struct {
	Name           string
	ConnectorClass string        // as written
	Plugin         plugin.Plugin // the connector plugin it names
	// ConnectorVersion is connector.plugin.version as written; "" when
	// unset (the latest).
	ConnectorVersion string

	TasksMax        int
	TasksMaxEnforce bool

	// KeyConverter, ValueConverter and HeaderConverter are full class
	// names; "" means the worker's. Their versions are as written.
	KeyConverter, ValueConverter, HeaderConverter                      string
	KeyConverterVersion, ValueConverterVersion, HeaderConverterVersion string

	// Transforms are applied in this order; Predicates by alias.
	Transforms []Transform
	Predicates map[string]Predicate

	ConfigReloadAction string // ReloadRestart or ReloadNone
	Errors             ErrorHandling

	// Sink connectors: the topics to consume (without empty or repeated
	// names), or the regex their whole names match ("" for none).
	Topics      []string
	TopicsRegex string
	topicsRegex *regexp.Regexp

	// Source connectors.
	// TopicCreation is nil unless the configuration has topic.creation.*
	// settings and the worker creates topics.
	TopicCreation       *TopicCreation
	ExactlyOnceSupport  string // ExactlyOnceRequested or ExactlyOnceRequired
	TransactionBoundary string // BoundaryPoll, BoundaryInterval or BoundaryConnector
	// TransactionBoundaryInterval is nil when unset (the worker's
	// offset.flush.interval.ms applies).
	TransactionBoundaryInterval *time.Duration
	OffsetsTopic                string // "" for the worker's offsets topic
}

// Transform is one transformation alias.
type Transform struct {
	Alias   string
	Class   string // full class name
	Version string // transforms.<alias>.plugin.version as written; "" for the latest
	// Config is every transforms.<alias>.* setting with the prefix
	// removed, without predicate and negate: what Java passes to
	// Transformation.configure.
	Config    map[string]string
	Predicate string // the alias of its predicate; "" for none
	Negate    bool
}

// Predicate is one predicate alias.
type Predicate struct {
	Alias   string
	Class   string // full class name
	Version string // as written; "" for the latest
	// Config is every predicates.<alias>.* setting, prefix removed.
	Config map[string]string
}

// ErrorHandling is the errors.* settings.
type ErrorHandling struct {
	Tolerance string // ToleranceNone or ToleranceAll
	// RetryTimeout is how long failed operations are retried: 0 never,
	// negative forever (errors.retry.timeout=-1).
	RetryTimeout  time.Duration
	RetryDelayMax time.Duration
	// Log and LogIncludeMessages are errors.log.enable and
	// errors.log.include.messages.
	Log, LogIncludeMessages bool
	// Sink connectors' dead letter queue: the topic ("" for none), the
	// replication factor it is created with, and whether records written
	// to it carry error context headers.
	DLQTopic             string
	DLQReplicationFactor int16
	DLQContextHeaders    bool
}

// Consumes says whether a sink connector consumes topic: it is listed in
// topics, or its whole name matches topics.regex (Go's regexp syntax).
func (p *Parsed) Consumes(topic string) bool {
	if contains(p.Topics, topic) {
		return true
	}
	return p.topicsRegex != nil && p.topicsRegex.MatchString(topic)
}

// ToleratesAll says whether failing records are skipped rather than
// failing the task.
func (e ErrorHandling) ToleratesAll() bool { return e.Tolerance == ToleranceAll }

// ReportsErrantRecords says whether a sink task gets an errant record
// reporter (Java's SinkConnectorConfig.enableErrantRecordReporter).
func (e ErrorHandling) ReportsErrantRecords() bool { return e.DLQTopic != "" || e.Log }

// TopicCreation is how a source connector's tasks create the topics they
// write to (KIP-158).
type TopicCreation struct {
	// Groups are the groups of topic.creation.groups, in order, then the
	// default group.
	Groups []TopicCreationGroup
}

// TopicCreationGroup is the settings of topics one group creates.
type TopicCreationGroup struct {
	Name             string
	Include, Exclude []string // regular expressions over whole topic names
	// ReplicationFactor and Partitions are -1 for the broker's defaults.
	ReplicationFactor int16
	Partitions        int32
	// Configs are the group's other settings: topic configs such as
	// cleanup.policy.
	Configs map[string]string

	include, exclude *regexp.Regexp
}

// Matches says whether the group creates topic: an include pattern
// matches its whole name and no exclude pattern does.
func (g TopicCreationGroup) Matches(topic string) bool {
	return g.include != nil && g.include.MatchString(topic) && (g.exclude == nil || !g.exclude.MatchString(topic))
}

// GroupFor is the group that creates topic: the first listed group that
// matches it, else the default group (Java's TopicCreation.findFirstGroup).
func (tc *TopicCreation) GroupFor(topic string) TopicCreationGroup {
	for _, g := range tc.Groups[:len(tc.Groups)-1] {
		if g.Matches(topic) {
			return g
		}
	}
	return tc.Groups[len(tc.Groups)-1]
}

// Parse reads a connector configuration as a worker with topic creation
// enabled does (see ParseWith).
func Parse(reg *plugin.Registry, config map[string]string) (*Parsed, error) {
	return ParseWith(reg, config, Worker{})
}

// ParseWith reads a connector configuration as Java's Worker does when it
// starts a connector or its tasks (the ConnectorConfig constructors, and
// SinkConnectorConfig.validate for sinks). The error is the first problem
// found, with Java's text; Validate lists them all.
func ParseWith(reg *plugin.Registry, config map[string]string, w Worker) (*Parsed, error) {
	return parse(newCatalog(reg), config, w)
}

func parse(c *catalog, config map[string]string, w Worker) (*Parsed, error) {
	lookup := c.lookupClass
	connType, ok := config[ConnectorClassConfig]
	if !ok {
		_, err := commonDef(baseSettings{plugins: c}).parse(config, lookup)
		return nil, err
	}
	p, err := c.connector(connType)
	if err != nil {
		return nil, err
	}
	source := p.Kind == plugin.KindSource
	base := commonDef(baseSettings{plugins: c})
	if source {
		base = sourceDef(base)
	} else {
		base = sinkDef(base)
	}
	if _, err := base.parse(config, lookup); err != nil {
		return nil, err
	}
	d, err := enrich(base, c, config, true)
	if err != nil {
		return nil, err
	}
	v, err := d.parse(config, lookup)
	if err != nil {
		return nil, err
	}
	if !source {
		if err := firstSinkError(config); err != nil {
			return nil, err
		}
	}
	out := &Parsed{
		Name: str(v[NameConfig]), ConnectorClass: connType, Plugin: p, ConnectorVersion: config[ConnectorVersionConfig],
		TasksMax: int(v[TasksMaxConfig].(int32)), TasksMaxEnforce: v[TasksMaxEnforceConfig].(bool),
		KeyConverter: className(v[KeyConverterConfig]), ValueConverter: className(v[ValueConverterConfig]),
		HeaderConverter:       className(v[HeaderConverterConfig]),
		KeyConverterVersion:   config[KeyConverterVersion],
		ValueConverterVersion: config[ValueConverterVersion], HeaderConverterVersion: config[HeaderConverterVersion],
		Predicates:         map[string]Predicate{},
		ConfigReloadAction: str(v[ConfigReloadActionConfig]),
		Errors: ErrorHandling{
			Tolerance:          str(v[ErrorsToleranceConfig]),
			RetryTimeout:       millis(v[ErrorsRetryTimeoutConfig].(int64)),
			RetryDelayMax:      millis(v[ErrorsRetryMaxDelayConfig].(int64)),
			Log:                v[ErrorsLogEnableConfig].(bool),
			LogIncludeMessages: v[ErrorsLogIncludeMessagesConfig].(bool),
		},
	}
	for _, alias := range v[PredicatesConfig].([]string) {
		prefix := PredicatesConfig + "." + alias + "."
		out.Predicates[alias] = Predicate{Alias: alias, Class: className(v[prefix+"type"]),
			Version: config[prefix+PluginVersionSuffix], Config: configdef.WithPrefix(config, prefix)}
	}
	for _, alias := range v[TransformsConfig].([]string) {
		prefix := TransformsConfig + "." + alias + "."
		cfg := configdef.WithPrefix(config, prefix)
		t := Transform{Alias: alias, Class: className(v[prefix+"type"]), Version: config[prefix+PluginVersionSuffix],
			Config: cfg, Predicate: cfg[TransformPredicateConfig]}
		// Java: negate != null && Boolean.parseBoolean(negate), untrimmed.
		t.Negate = strings.EqualFold(cfg[TransformNegateConfig], "true")
		delete(cfg, TransformPredicateConfig)
		delete(cfg, TransformNegateConfig)
		out.Transforms = append(out.Transforms, t)
	}
	if source {
		out.ExactlyOnceSupport = strings.ToLower(javatext.Trim(str(v[ExactlyOnceSupportConfig])))
		out.TransactionBoundary = strings.ToLower(javatext.Trim(str(v[TransactionBoundaryConfig])))
		if ms, ok := v[TransactionBoundaryIntervalConfig].(int64); ok {
			d := millis(ms)
			out.TransactionBoundaryInterval = &d
		}
		out.OffsetsTopic = str(v[OffsetsTopicConfig])
		if !w.TopicCreationDisabled && usesTopicCreation(config) {
			if out.TopicCreation, err = parseTopicCreation(base, config, lookup); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	out.Topics = topicList(config[TopicsConfig])
	out.TopicsRegex = str(v[TopicsRegexConfig])
	if out.TopicsRegex != "" {
		out.topicsRegex = regexp.MustCompile(`^(?:` + out.TopicsRegex + `)$`) // checked by parse
	}
	out.Errors.DLQTopic = str(v[DLQTopicNameConfig])
	out.Errors.DLQReplicationFactor = v[DLQTopicReplicationFactorConfig].(int16)
	out.Errors.DLQContextHeaders = v[DLQContextHeadersEnableConfig].(bool)
	return out, nil
}

// CheckPredicates reports a transformation whose predicate alias is not
// among the predicates. Java finds this only when tasks build their
// transformation chain: the connector runs, its tasks fail with this
// message.
func (p *Parsed) CheckPredicates() error {
	for _, t := range p.Transforms {
		if t.Predicate == "" {
			continue
		}
		if _, ok := p.Predicates[t.Predicate]; !ok {
			return configdef.Exception("", "Unknown configuration '"+PredicatesConfig+"."+t.Predicate+"."+PluginVersionSuffix+"'")
		}
	}
	return nil
}

// firstSinkError is SinkConnectorConfig.validate(props): the first of
// sinkChecks' problems, as a ConfigException.
func firstSinkError(config map[string]string) error {
	values := map[string]*configValue{}
	sinkChecks(config, values)
	for _, name := range []string{TopicsConfig, TopicsRegexConfig} {
		if v, ok := values[name]; ok && len(v.errors) > 0 {
			return configdef.Invalid(name, v.value, v.errors[0])
		}
	}
	return nil
}

// defaultGroup is Java's TopicCreationConfig.defaultGroupConfigDef.
func defaultGroup() *def {
	d := newDef()
	d.define(&key{name: "include", typ: plugin.TypeList, dflt: []string{".*"}, check: notNull, importance: plugin.Low,
		doc: includeDoc, group: "default", order: 1, width: "LONG", display: "Inclusion Topic Pattern for default"})
	d.define(&key{name: "exclude", typ: plugin.TypeList, dflt: []string{}, check: notNull, importance: plugin.Low,
		doc: excludeDoc, group: "default", order: 2, width: "LONG", display: "Exclusion Topic Pattern for default"})
	d.define(&key{name: "replication.factor", typ: plugin.TypeShort, required: true, check: replicationFactor,
		importance: plugin.Low, doc: replicationDoc, group: "default", order: 3, width: "LONG",
		display: "Replication Factor for Topics in default"})
	d.define(&key{name: "partitions", typ: plugin.TypeInt, required: true, check: partitions,
		importance: plugin.Low, doc: partitionsDoc, group: "default", order: 4, width: "LONG",
		display: "Partition Count for Topics in default"})
	return d
}

// namedGroup is Java's TopicCreationConfig.configDef for a listed group.
func namedGroup(group string, rf int16, parts int32) *def {
	d := newDef()
	d.define(&key{name: "include", typ: plugin.TypeList, dflt: []string{}, check: regexList, importance: plugin.Low,
		doc: includeDoc, group: group, order: 1, width: "LONG", display: "Inclusion Topic Pattern for " + group})
	d.define(&key{name: "exclude", typ: plugin.TypeList, dflt: []string{}, check: regexList, importance: plugin.Low,
		doc: excludeDoc, group: group, order: 2, width: "LONG", display: "Exclusion Topic Pattern for " + group})
	d.define(&key{name: "replication.factor", typ: plugin.TypeShort, dflt: rf, check: replicationFactor,
		importance: plugin.Low, doc: replicationDoc, group: group, order: 3, width: "LONG",
		display: "Replication Factor for Topics in " + group})
	d.define(&key{name: "partitions", typ: plugin.TypeInt, dflt: parts, check: partitions,
		importance: plugin.Low, doc: partitionsDoc, group: group, order: 4, width: "LONG",
		display: "Partition Count for Topics in " + group})
	return d
}

const (
	includeDoc     = "Regular expressions; topics whose whole name matches one are created with this group's settings."
	excludeDoc     = "Regular expressions; topics whose whole name matches one are not created with this group's settings, even if included."
	replicationDoc = "The replication factor of topics this group creates: positive, or -1 for the broker's default. Required for the default group; other groups default to its value."
	partitionsDoc  = "The number of partitions of topics this group creates: positive, or -1 for the broker's default. Required for the default group; other groups default to its value."
)

func notNull(name string, v any) error {
	if v == nil {
		return configdef.Invalid(name, "null", "entry must be non null")
	}
	return nil
}

func replicationFactor(name string, v any) error {
	if f, ok := v.(int16); ok && f != -1 && f < 1 {
		return configdef.Invalid(name, v, "Replication factor must be positive and not larger than the number of brokers "+
			"in the Kafka cluster, or -1 to use the broker's default")
	}
	return nil
}

func partitions(name string, v any) error {
	if n, ok := v.(int32); ok && n != -1 && n < 1 {
		return configdef.Invalid(name, v, "Number of partitions must be positive, or -1 to use the broker's default")
	}
	return nil
}

// regexList is TopicCreationConfig.REGEX_VALIDATOR (Go's reasons).
func regexList(name string, v any) error {
	l, _ := v.([]string)
	for _, s := range l {
		if _, err := regexp.Compile(s); err != nil {
			return configdef.Invalid(name, v, "Syntax error in regular expression: "+err.Error())
		}
	}
	return nil
}

// parseTopicCreation is the topic creation part of Java's
// SourceConnectorConfig constructor and TopicCreationGroup.configuredGroups.
func parseTopicCreation(base *def, config map[string]string, lookup func(string) (string, bool)) (*TopicCreation, error) {
	const defaultPrefix = TopicCreationPrefix + "default."
	withDefault := base.clone()
	withDefault.embed(defaultPrefix, "default", 0, defaultGroup())
	dv, err := withDefault.parse(config, lookup)
	if err != nil {
		return nil, err
	}
	rf, parts := dv[defaultPrefix+"replication.factor"].(int16), dv[defaultPrefix+"partitions"].(int32)

	var groups []string
	if raw, ok := config[TopicCreationGroupsConfig]; ok {
		l, _ := configdef.ParseType(TopicCreationGroupsConfig, raw, plugin.TypeList, nil)
		for _, g := range configdef.Distinct(l.([]string)) {
			if g != "default" {
				groups = append(groups, g)
			}
		}
	}
	enriched := withDefault.clone()
	for _, g := range groups {
		enriched.embed(TopicCreationPrefix+g+".", GroupTopicCreation+": "+g, 0, namedGroup(GroupTopicCreation+": "+g, rf, parts))
	}
	// The default group's include and exclude settings are ignored.
	props := make(map[string]string, len(config))
	for k, v := range config {
		if k != defaultPrefix+"include" && k != defaultPrefix+"exclude" {
			props[k] = v
		}
	}
	ev, err := enriched.parse(props, lookup)
	if err != nil {
		return nil, err
	}
	tc := &TopicCreation{}
	for _, g := range append(groups, "default") {
		prefix := TopicCreationPrefix + g + "."
		group := TopicCreationGroup{Name: g, Include: ev[prefix+"include"].([]string), Exclude: ev[prefix+"exclude"].([]string),
			ReplicationFactor: ev[prefix+"replication.factor"].(int16), Partitions: ev[prefix+"partitions"].(int32),
			Configs: configdef.WithPrefix(props, prefix)}
		for _, k := range []string{"include", "exclude", "replication.factor", "partitions"} {
			delete(group.Configs, k)
		}
		group.include = wholeMatch(group.Include)
		group.exclude = wholeMatch(group.Exclude)
		tc.Groups = append(tc.Groups, group)
	}
	return tc, nil
}

// wholeMatch is Pattern.compile(String.join("|", patterns)) used with
// Matcher.matches. For no patterns it is nil, which matches no topic
// (Java's empty pattern matches only the empty name).
func wholeMatch(patterns []string) *regexp.Regexp {
	if len(patterns) == 0 {
		return nil
	}
	re, err := regexp.Compile(`^(?:` + strings.Join(patterns, "|") + `)$`)
	if err != nil {
		return nil
	}
	return re
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func className(v any) string {
	c, _ := v.(configdef.Class)
	return c.Name
}

func millis(ms int64) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}
