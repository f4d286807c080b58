// Package config turns the environment and an optional Java properties file
// into typed worker settings, using Kafka Connect's property names, defaults
// and Confluent's CONNECT_* environment convention.
package config

import "github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"

// Worker holds the distributed worker's properties. Each field's tag names the
// Connect property; its environment variable follows from EnvName. The doc tag
// is what a person reads when the value is missing or wrong.
type Worker struct {
	BootstrapServers List   `prop:"bootstrap.servers" doc:"Kafka bootstrap servers, e.g. kafka:9092"`
	GroupID          string `prop:"group.id" doc:"the Connect cluster's group id; workers with the same id share work, e.g. connect-cluster"`
	ClientID         string `prop:"client.id" doc:"client id sent to Kafka, e.g. connect-sidecar"`

	// The storage topics default to <group.id>-configs/-offsets/-status, so
	// two clusters on one Kafka never share them by accident (Java has no
	// default and requires all three).
	ConfigStorageTopic             string `prop:"config.storage.topic" doc:"compacted topic for connector configs, e.g. connect-configs"`
	ConfigStorageReplicationFactor int16  `prop:"config.storage.replication.factor" default:"3" doc:"replication factor of the config topic, a positive number or -1 for the broker default, e.g. 3"`
	OffsetStorageTopic             string `prop:"offset.storage.topic" doc:"compacted topic for source offsets, e.g. connect-offsets"`
	OffsetStoragePartitions        int32  `prop:"offset.storage.partitions" default:"25" doc:"partitions of the offsets topic, a positive number or -1 for the broker default, e.g. 25"`
	OffsetStorageReplicationFactor int16  `prop:"offset.storage.replication.factor" default:"3" doc:"replication factor of the offsets topic, a positive number or -1, e.g. 3"`
	StatusStorageTopic             string `prop:"status.storage.topic" doc:"compacted topic for connector and task status, e.g. connect-status"`
	StatusStoragePartitions        int32  `prop:"status.storage.partitions" default:"5" doc:"partitions of the status topic, a positive number or -1, e.g. 5"`
	StatusStorageReplicationFactor int16  `prop:"status.storage.replication.factor" default:"3" doc:"replication factor of the status topic, a positive number or -1, e.g. 3"`

	Listeners              List   `prop:"listeners" default:"http://:8083" doc:"REST listeners as PROTOCOL://host:port, e.g. http://:8083"`
	RestAdvertisedHostName string `prop:"rest.advertised.host.name" doc:"host other workers use to reach this one, e.g. the pod IP; unset, the address Nomad (the port label mapped to the REST port) or ECS (task metadata, awsvpc) gives the worker, else the listener's host"`
	RestAdvertisedPort     int    `prop:"rest.advertised.port" doc:"port other workers use to reach this one, e.g. 8083"`
	RestAdvertisedListener string `prop:"rest.advertised.listener" doc:"scheme of the advertised URL, http or https"`

	HeartbeatInterval Millis `prop:"heartbeat.interval.ms" default:"500" doc:"group heartbeat interval in ms, below session.timeout.ms; members learn of a rebalance at their next heartbeat, e.g. 500"`
	SessionTimeout    Millis `prop:"session.timeout.ms" default:"10000" doc:"group session timeout in ms, e.g. 10000"`
	RebalanceTimeout  Millis `prop:"rebalance.timeout.ms" default:"60000" doc:"time members get to rejoin during a rebalance in ms, e.g. 60000"`
	// Java waits 300000 ms for a lost worker to come back. A sidecar worker
	// that dies is replaced rather than restarted in place, and moving a Go
	// task costs well under a second, so waiting five minutes only leaves
	// work stopped; 10 s still covers a container restart in the same pod.
	ScheduledRebalanceMaxDelay Millis `prop:"scheduled.rebalance.max.delay.ms" default:"10000" doc:"how long work of a lost worker waits for it to return, in ms; 0 reassigns at once, e.g. 10000"`
	ConnectProtocol            string `prop:"connect.protocol" default:"sessioned" doc:"group sub-protocol: eager, compatible or sessioned"`
	WorkerSyncTimeout          Millis `prop:"worker.sync.timeout.ms" default:"3000" doc:"time to catch up with the config topic after a rebalance, in ms, e.g. 3000"`
	// ExactlyOnceSourceSupport is KIP-618's rollout switch: preparing makes
	// only the leader's config writes transactional, so that a cluster can
	// move to enabled one worker at a time.
	ExactlyOnceSourceSupport string `prop:"exactly.once.source.support" default:"disabled" doc:"exactly-once source tasks: disabled, preparing (the leader's config writes are transactional, a step of a rolling upgrade) or enabled (source tasks write records and offsets in transactions; internal topics are read read_committed)"`

	OffsetFlushInterval         Millis `prop:"offset.flush.interval.ms" default:"60000" doc:"interval between source offset commits in ms, e.g. 60000"`
	OffsetFlushTimeout          Millis `prop:"offset.flush.timeout.ms" default:"5000" doc:"time allowed for an offset commit in ms, e.g. 5000"`
	TaskShutdownGracefulTimeout Millis `prop:"task.shutdown.graceful.timeout.ms" default:"5000" doc:"time tasks get to stop cleanly in ms, e.g. 5000"`

	KeyConverter                string `prop:"key.converter" default:"org.apache.kafka.connect.json.JsonConverter" doc:"converter class for record keys, e.g. org.apache.kafka.connect.json.JsonConverter"`
	KeyConverterSchemasEnable   Bool   `prop:"key.converter.schemas.enable" default:"true" doc:"whether JSON keys carry a schema envelope, true or false"`
	ValueConverter              string `prop:"value.converter" default:"org.apache.kafka.connect.json.JsonConverter" doc:"converter class for record values, e.g. org.apache.kafka.connect.storage.StringConverter"`
	ValueConverterSchemasEnable Bool   `prop:"value.converter.schemas.enable" default:"true" doc:"whether JSON values carry a schema envelope, true or false"`

	Security Security

	// ConfigProviders resolve placeholders in connector configurations
	// (on the worker that runs the connector or task) and in these
	// settings (at start); see package configprovider.
	ConfigProviders List                      `prop:"config.providers" doc:"names of config providers that resolve ${name:[path:]key} placeholders, each set up with config.providers.<name>.class (FileConfigProvider, DirectoryConfigProvider or EnvVarConfigProvider) and config.providers.<name>.param.*, e.g. file,env"`
	Providers       *configprovider.Providers `prop:"-"`

	// Properties holds every property that was given, known or not, for
	// settings read by prefix (converter and client overrides).
	Properties map[string]string
}

// Security holds the Kafka client's transport settings, by Java's names.
type Security struct {
	Protocol string `prop:"security.protocol" default:"PLAINTEXT" doc:"PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"`

	TruststoreType         string `prop:"ssl.truststore.type" default:"PEM" doc:"format of the trust store; only PEM is read, e.g. PEM"`
	TruststoreLocation     string `prop:"ssl.truststore.location" doc:"PEM file of CA certificates to trust, e.g. /etc/kafka/ca.pem"`
	TruststoreCertificates string `prop:"ssl.truststore.certificates" doc:"PEM CA certificates given inline"`
	KeystoreType           string `prop:"ssl.keystore.type" default:"PEM" doc:"format of the key store; only PEM is read, e.g. PEM"`
	KeystoreLocation       string `prop:"ssl.keystore.location" doc:"PEM file holding the client key and certificate chain, e.g. /etc/kafka/client.pem"`
	KeystoreKey            string `prop:"ssl.keystore.key" doc:"PEM private key given inline"`
	KeystoreCertChain      string `prop:"ssl.keystore.certificate.chain" doc:"PEM certificate chain given inline"`
	KeyPassword            string `prop:"ssl.key.password" doc:"password of an encrypted key; use an unencrypted PKCS#8 key instead"`
	EndpointIdentification string `prop:"ssl.endpoint.identification.algorithm" default:"https" doc:"https to verify the broker's host name, or empty to skip it"`

	SASLMechanism  string `prop:"sasl.mechanism" default:"GSSAPI" doc:"PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or AWS_MSK_IAM"`
	SASLJAASConfig string `prop:"sasl.jaas.config" doc:"JAAS login line: username and password for PLAIN and SCRAM, clientId, clientSecret, scope and extension_<name> for OAUTHBEARER, awsProfileName or awsRoleArn for AWS_MSK_IAM, e.g. org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";"`
	// Java needs IAMClientCallbackHandler here for AWS_MSK_IAM; accepted so
	// that the same settings serve both workers.
	SASLClientCallbackHandlerClass string `prop:"sasl.client.callback.handler.class" doc:"SASL client callback handler; only software.amazon.msk.auth.iam.IAMClientCallbackHandler, with AWS_MSK_IAM, or empty"`

	OAuthBearer OAuthBearer
	// AWSIAM is what the IAMLoginModule line of sasl.jaas.config says.
	AWSIAM AWSIAM

	// SASLUsername and SASLPassword are filled from sasl.jaas.config or from
	// the SIDECAR_SASL_* settings (PLAIN and SCRAM).
	SASLUsername string
	SASLPassword string
}
