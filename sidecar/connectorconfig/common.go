package connectorconfig

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Names of the settings Connect itself reads from a connector's
// configuration (Java's ConnectorConfig, SinkConnectorConfig and
// SourceConnectorConfig).
const (
	NameConfig               = "name"
	ConnectorClassConfig     = "connector.class"
	ConnectorVersionConfig   = "connector.plugin.version"
	TasksMaxConfig           = "tasks.max"
	TasksMaxEnforceConfig    = "tasks.max.enforce"
	KeyConverterConfig       = "key.converter"
	KeyConverterVersion      = "key.converter.plugin.version"
	ValueConverterConfig     = "value.converter"
	ValueConverterVersion    = "value.converter.plugin.version"
	HeaderConverterConfig    = "header.converter"
	HeaderConverterVersion   = "header.converter.plugin.version"
	TransformsConfig         = "transforms"
	PredicatesConfig         = "predicates"
	ConfigReloadActionConfig = "config.action.reload"

	ErrorsRetryTimeoutConfig       = "errors.retry.timeout"
	ErrorsRetryMaxDelayConfig      = "errors.retry.delay.max.ms"
	ErrorsToleranceConfig          = "errors.tolerance"
	ErrorsLogEnableConfig          = "errors.log.enable"
	ErrorsLogIncludeMessagesConfig = "errors.log.include.messages"

	// Sink connectors.
	TopicsConfig                    = "topics"
	TopicsRegexConfig               = "topics.regex"
	DLQTopicNameConfig              = "errors.deadletterqueue.topic.name"
	DLQTopicReplicationFactorConfig = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersEnableConfig   = "errors.deadletterqueue.context.headers.enable"

	// Source connectors.
	TopicCreationPrefix               = "topic.creation."
	TopicCreationGroupsConfig         = "topic.creation.groups"
	ExactlyOnceSupportConfig          = "exactly.once.support"
	TransactionBoundaryConfig         = "transaction.boundary"
	TransactionBoundaryIntervalConfig = "transaction.boundary.interval.ms"
	OffsetsTopicConfig                = "offsets.storage.topic"

	// Prefixes of client settings a connector overrides.
	ProducerOverridePrefix = "producer.override."
	ConsumerOverridePrefix = "consumer.override."
	AdminOverridePrefix    = "admin.override."

	// PluginVersionSuffix ends the setting that pins a plugin's version
	// (transforms.<alias>.plugin.version).
	PluginVersionSuffix = "plugin.version"
)

// Groups of the settings, as Java names them.
const (
	GroupCommon             = "Common"
	GroupTransforms         = "Transforms"
	GroupPredicates         = "Predicates"
	GroupErrorHandling      = "Error Handling"
	GroupTopicCreation      = "Topic Creation"
	GroupExactlyOnceSupport = "Exactly Once Support"
	GroupOffsetsTopic       = "offsets.topic"
)

// Values of settings with a fixed set of choices.
const (
	ToleranceNone = "none"
	ToleranceAll  = "all"

	ReloadNone    = "none"
	ReloadRestart = "restart"

	ExactlyOnceRequested = "requested"
	ExactlyOnceRequired  = "required"

	BoundaryPoll      = "poll"
	BoundaryInterval  = "interval"
	BoundaryConnector = "connector"
)

// CommonConfigDef is the settings every connector has (Java's
// ConnectorConfig.configDef()): no default converters or versions, as
// when no worker or plugin is known.
func CommonConfigDef() plugin.ConfigDef { return toPlugin(commonDef(baseSettings{})) }

// SinkConfigDef is CommonConfigDef plus the sink connectors' settings.
func SinkConfigDef() plugin.ConfigDef { return toPlugin(sinkDef(commonDef(baseSettings{}))) }

// SourceConfigDef is CommonConfigDef plus the source connectors' settings.
func SourceConfigDef() plugin.ConfigDef { return toPlugin(sourceDef(commonDef(baseSettings{}))) }

// baseSettings are the defaults and recommendations of the common
// settings that depend on the worker and the connector's plugin.
type baseSettings struct {
	connectorVersion                              any      // string or nil
	keyConverter, valueConverter, headerConverter any      // configdef.Class or nil
	keyVersion, valueVersion, headerVersion       any      // string or nil
	plugins                                       *catalog // nil: nothing is recommended
}

func commonDef(b baseSettings) *def {
	d := newDef()
	order := 0
	next := func() int { order++; return order }
	d.define(&key{name: NameConfig, typ: plugin.TypeString, required: true, check: nonEmptyStringWithoutControlChars,
		importance: plugin.High, doc: "The connector's name, unique within the Connect cluster.",
		group: GroupCommon, order: next(), width: "MEDIUM", display: "Connector name"})
	d.define(&key{name: ConnectorClassConfig, typ: plugin.TypeString, required: true, importance: plugin.High,
		doc: "The connector plugin to run: its full class name, its simple class name, or that name without the " +
			"trailing \"Connector\" (org.apache.kafka.connect.file.FileStreamSinkConnector, FileStreamSinkConnector " +
			"and FileStreamSink name the same plugin).",
		group: GroupCommon, order: next(), width: "LONG", display: "Connector class"})
	d.define(&key{name: ConnectorVersionConfig, typ: plugin.TypeString, dflt: b.connectorVersion,
		check: pluginVersionValidator, importance: plugin.Medium,
		doc:   "Which version of the connector plugin to run; a version, or a Maven-style version range.",
		group: GroupCommon, order: next(), width: "MEDIUM", display: "Connector version",
		recommend: b.plugins.connectorVersions})
	d.define(&key{name: TasksMaxConfig, typ: plugin.TypeInt, dflt: int32(1), check: configdef.AtLeast(1), importance: plugin.High,
		doc:   "The most tasks the connector may split its work into.",
		group: GroupCommon, order: next(), width: "SHORT", display: "Tasks max"})
	d.define(&key{name: TasksMaxEnforceConfig, typ: plugin.TypeBoolean, dflt: true, importance: plugin.Low,
		doc: "(Deprecated) When true, a connector that produces more task configurations than tasks.max fails, and so " +
			"do existing tasks beyond that number; when false, the extra tasks are allowed to run. This setting will " +
			"go away in a future major release.",
		group: GroupCommon, order: next(), width: "SHORT", display: "Enforce tasks max"})
	converter := func(name, display, doc string, dflt any, kind plugin.Kind, rec func(map[string]any) ([]any, bool)) {
		d.define(&key{name: name, typ: plugin.TypeClass, dflt: dflt, check: b.plugins.isKind(kind), importance: plugin.Low,
			doc: doc, group: GroupCommon, order: next(), width: "SHORT", display: display, recommend: rec})
	}
	version := func(name, display, doc string, dflt any, rec func(map[string]any) ([]any, bool)) {
		d.define(&key{name: name, typ: plugin.TypeString, dflt: dflt, check: pluginVersionValidator, importance: plugin.Low,
			doc: doc, group: GroupCommon, order: next(), width: "SHORT", display: display, recommend: rec})
	}
	converter(KeyConverterConfig, "Key converter class",
		"The converter between Connect's data and the bytes of record keys in Kafka; when unset, the worker's "+
			"key.converter is used.", b.keyConverter, plugin.KindConverter, b.plugins.classesOf(plugin.KindConverter))
	version(KeyConverterVersion, "Key converter version", "Which version of the key converter plugin to use.",
		b.keyVersion, b.plugins.versionsOf(KeyConverterConfig, plugin.KindConverter))
	converter(ValueConverterConfig, "Value converter class",
		"The converter between Connect's data and the bytes of record values in Kafka; when unset, the worker's "+
			"value.converter is used.", b.valueConverter, plugin.KindConverter, b.plugins.classesOf(plugin.KindConverter))
	version(ValueConverterVersion, "Value converter version", "Which version of the value converter plugin to use.",
		b.valueVersion, b.plugins.versionsOf(ValueConverterConfig, plugin.KindConverter))
	converter(HeaderConverterConfig, "Header converter class",
		"The converter between Connect's data and the bytes of record header values in Kafka; when unset, the "+
			"worker's header.converter is used.", b.headerConverter, plugin.KindHeaderConverter,
		b.plugins.classesOf(plugin.KindHeaderConverter))
	version(HeaderConverterVersion, "Header converter version", "Which version of the header converter plugin to use.",
		b.headerVersion, b.plugins.versionsOf(HeaderConverterConfig, plugin.KindHeaderConverter))
	d.define(&key{name: TransformsConfig, typ: plugin.TypeList, dflt: []string{}, check: aliasValidator,
		importance: plugin.Low, doc: "Names (aliases) of the transformations applied to each record, in order.",
		group: GroupTransforms, order: next(), width: "LONG", display: "Transforms"})
	d.define(&key{name: PredicatesConfig, typ: plugin.TypeList, dflt: []string{}, check: aliasValidator,
		importance: plugin.Low, doc: "Names (aliases) of the predicates that transformations can refer to.",
		group: GroupPredicates, order: next(), width: "LONG", display: "Predicates"})
	d.define(&key{name: ConfigReloadActionConfig, typ: plugin.TypeString, dflt: ReloadRestart,
		check: configdef.In(ReloadNone, ReloadRestart), importance: plugin.Low,
		doc: "What Connect does when values the configuration takes from external config providers change: " +
			"'restart' restarts the connector with the new values (possibly later, when a provider says when its " +
			"values expire), 'none' does nothing.",
		group: GroupCommon, order: next(), width: "MEDIUM", display: "Reload Action"})

	order = 0
	d.define(&key{name: ErrorsRetryTimeoutConfig, typ: plugin.TypeLong, dflt: int64(0), importance: plugin.Medium,
		doc: "For how long, in milliseconds, a failed operation is retried: 0 (the default) never retries, " +
			"-1 retries forever.",
		group: GroupErrorHandling, order: next(), width: "MEDIUM", display: "Retry Timeout for Errors"})
	d.define(&key{name: ErrorsRetryMaxDelayConfig, typ: plugin.TypeLong, dflt: int64(60000), importance: plugin.Medium,
		doc: "The longest wait, in milliseconds, between two retries; once reached, some random jitter is added " +
			"so that many tasks do not retry at once.",
		group: GroupErrorHandling, order: next(), width: "MEDIUM", display: "Maximum Delay Between Retries for Errors"})
	d.define(&key{name: ErrorsToleranceConfig, typ: plugin.TypeString, dflt: ToleranceNone,
		check: configdef.In(ToleranceNone, ToleranceAll), importance: plugin.Medium,
		doc: "How errors while processing records are handled: 'none' (the default) fails the task at the first " +
			"one, 'all' skips the records that cause them.",
		group: GroupErrorHandling, order: next(), width: "SHORT", display: "Error Tolerance"})
	d.define(&key{name: ErrorsLogEnableConfig, typ: plugin.TypeBoolean, dflt: false, importance: plugin.Medium,
		doc: "When true, every error is logged with the operation and record it concerns; when false (the " +
			"default), only errors that are not tolerated are reported.",
		group: GroupErrorHandling, order: next(), width: "SHORT", display: "Log Errors"})
	d.define(&key{name: ErrorsLogIncludeMessagesConfig, typ: plugin.TypeBoolean, dflt: false, importance: plugin.Medium,
		doc: "When true, logged errors include the record itself: topic, partition, offset and timestamp for sink " +
			"records; key, value, headers, schemas and source partition and offset for source records. When false " +
			"(the default), record contents stay out of the log.",
		group: GroupErrorHandling, order: next(), width: "SHORT", display: "Log Error Details"})
	return d
}

// sinkDef adds the sink connectors' settings (Java's SinkConnectorConfig).
func sinkDef(d *def) *def {
	d.define(&key{name: TopicsConfig, typ: plugin.TypeList, dflt: []string{}, check: configdef.ValidList(true), distinct: true,
		importance: plugin.High, doc: "The topics to consume, separated by commas.",
		group: GroupCommon, order: 4, width: "LONG", display: "Topics"})
	d.define(&key{name: TopicsRegexConfig, typ: plugin.TypeString, dflt: "", check: regexValidator,
		importance: plugin.High,
		doc: "A regular expression; every topic whose whole name matches it is consumed. Set either this or " +
			"topics, not both.",
		group: GroupCommon, order: 4, width: "LONG", display: "Topics regex"})
	d.define(&key{name: DLQTopicNameConfig, typ: plugin.TypeString, dflt: "", importance: plugin.Medium,
		doc: "The dead letter queue: the topic that records failing in the connector, its transformations or " +
			"converters are written to. Empty (the default) keeps no such records.",
		group: GroupErrorHandling, order: 6, width: "MEDIUM", display: "Dead Letter Queue Topic Name"})
	d.define(&key{name: DLQTopicReplicationFactorConfig, typ: plugin.TypeShort, dflt: int16(3), importance: plugin.Medium,
		doc:   "The replication factor the dead letter queue topic is created with if it does not exist.",
		group: GroupErrorHandling, order: 7, width: "MEDIUM", display: "Dead Letter Queue Topic Replication Factor"})
	d.define(&key{name: DLQContextHeadersEnableConfig, typ: plugin.TypeBoolean, dflt: false, importance: plugin.Medium,
		doc: "When true, records written to the dead letter queue carry headers describing the error; their " +
			"keys start with __connect.errors. so they do not clash with the record's own headers.",
		group: GroupErrorHandling, order: 8, width: "MEDIUM", display: "Enable Error Context Headers"})
	return d
}

// sourceDef adds the source connectors' settings (Java's
// SourceConnectorConfig).
func sourceDef(d *def) *def {
	d.define(&key{name: TopicCreationGroupsConfig, typ: plugin.TypeList, dflt: []string{}, check: aliasValidator,
		importance: plugin.Low,
		doc: "Names of groups of settings for the topics this connector creates; each group is configured " +
			"under topic.creation.<group>. The group 'default' always exists.",
		group: GroupTopicCreation, order: 1, width: "LONG", display: "Topic Creation Groups"})
	d.define(&key{name: ExactlyOnceSupportConfig, typ: plugin.TypeString, dflt: ExactlyOnceRequested,
		check:      configdef.InIgnoringCase(ExactlyOnceRequested, ExactlyOnceRequired),
		importance: plugin.Medium,
		doc: "Either requested or required. With required, creating or validating the connector fails unless the " +
			"worker has exactly-once source support enabled and the connector says it can give exactly-once " +
			"delivery with this configuration. Use requested for connectors that can but do not say so (check " +
			"their documentation first).",
		group: GroupExactlyOnceSupport, order: 2, width: "SHORT", display: "Exactly once support"})
	d.define(&key{name: TransactionBoundaryConfig, typ: plugin.TypeString, dflt: BoundaryPoll,
		check:      configdef.InIgnoringCase(BoundaryPoll, BoundaryInterval, BoundaryConnector),
		importance: plugin.Medium,
		doc: "Where exactly-once source tasks commit producer transactions: 'poll' after every batch a task " +
			"returns, 'interval' every transaction.boundary.interval.ms, 'connector' where the connector says " +
			"(only for connectors able to).",
		group: GroupExactlyOnceSupport, order: 3, width: "SHORT", display: "Transaction Boundary"})
	d.define(&key{name: TransactionBoundaryIntervalConfig, typ: plugin.TypeLong, check: configdef.NullOr(configdef.AtLeast(0)),
		importance: plugin.Low,
		doc: "With transaction.boundary=interval, how often, in milliseconds, tasks commit their transaction; " +
			"unset, the worker's offset.flush.interval.ms is used.",
		group: GroupExactlyOnceSupport, order: 4, width: "SHORT", display: "Transaction boundary interval"})
	d.define(&key{name: OffsetsTopicConfig, typ: plugin.TypeString, check: configdef.NonEmptyString, importance: plugin.Low,
		doc: "A topic of this connector's own for its source offsets, created if missing (on the Kafka cluster the " +
			"connector's producer writes to). Unset, the worker's offsets topic is used. Distributed mode only.",
		group: GroupOffsetsTopic, order: 1, width: "LONG", display: "Offsets topic"})
	return d
}

// Java's validators that only Connect uses, with their messages.

// nonEmptyStringWithoutControlChars is Java's validator of that name.
func nonEmptyStringWithoutControlChars(name string, v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if s == "" {
		return configdef.Invalid(name, v, "String may not be empty")
	}
	var bad []string
	units := utf16.Encode([]rune(s))
	for i := range units {
		// String.codePointAt(i) at each char index.
		cp := rune(units[i])
		if utf16.IsSurrogate(cp) && i+1 < len(units) {
			if r := utf16.DecodeRune(cp, rune(units[i+1])); r != '\uFFFD' {
				cp = r
			}
		}
		if cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) {
			bad = append(bad, strconv.Itoa(int(cp)))
		}
	}
	if len(bad) > 0 {
		return configdef.Invalid(name, v, "String may not contain control sequences but had the following ASCII chars: "+
			strings.Join(bad, ", "))
	}
	return nil
}

// aliasValidator is ConnectorConfig's check of transforms and predicates
// (and of topic.creation.groups): not null, no alias twice.
func aliasValidator(name string, v any) error {
	l, ok := v.([]string)
	if !ok {
		return configdef.Invalid(name, "null", "entry must be non null")
	}
	if len(configdef.Distinct(l)) != len(l) {
		return configdef.Invalid(name, l, "Duplicate alias provided.")
	}
	return nil
}

// regexValidator is connect-transforms' RegexValidator. Patterns are Go
// (RE2) regular expressions, and the reason given is Go's.
func regexValidator(name string, v any) error {
	s, ok := v.(string)
	if !ok {
		return configdef.Invalid(name, v, "Invalid regex: the pattern is null")
	}
	if _, err := regexp.Compile(s); err != nil {
		return configdef.Invalid(name, v, "Invalid regex: "+err.Error())
	}
	return nil
}

// pluginVersionValidator is ConnectorConfig.PluginVersionValidator: a
// version or version range that parses.
func pluginVersionValidator(_ string, v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	if _, err := versionRequirement(s); err != nil {
		return configdef.Exception("", err.Error())
	}
	return nil
}
