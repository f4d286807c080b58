// Package connectorconfig defines the settings Kafka Connect itself reads
// from a connector's configuration, and checks and reads configurations
// as a Java worker does (Apache Kafka 4.3.1).
//
//   - CommonConfigDef, SinkConfigDef and SourceConfigDef are Java's
//     ConnectorConfig, SinkConnectorConfig and SourceConnectorConfig
//     definitions: names, types, defaults, importance, groups, order,
//     width and display names as Java has them (documentation in our
//     words).
//   - Validate and ValidateWith check a configuration as
//     AbstractHerder.validateConnectorConfig (with DistributedHerder's
//     additions) does, and return the body of PUT
//     /connector-plugins/{plugin}/config/validate (Java's ConfigInfos):
//     Connect's settings, the settings each transforms and predicates
//     alias adds (ConnectorConfig.enrich), the connector's own, the
//     settings of converters the configuration sets, and client
//     overrides, with Java's values, error texts, groups and order.
//     ErrorsMessage is the 400 message of create and update.
//   - PluginConfig is GET /connector-plugins/{plugin}/config;
//     ConfigKeyInfos converts any ConfigDef the same way; CheckPluginName
//     is the validate endpoint's check of connector.class.
//   - Parse and ParseWith read a configuration into a Parsed, defaults
//     applied, failing with Java's first error as the Java worker does
//     when it starts a connector or its tasks.
//
// Values are parsed with Java's rules (ConfigDef.parseType): trimmed,
// booleans in any case, Java's integer ranges, LIST split on commas,
// CLASS resolved through the plugin registry by class name or Connect's
// aliases, PASSWORD shown as "[hidden]". Regular expressions are Go's.
package connectorconfig
