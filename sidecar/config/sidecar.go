package config

import "log/slog"

// SidecarPrefix starts the settings that exist only in connect-sidecar.
const SidecarPrefix = "SIDECAR_"

// Sidecar holds settings that Kafka Connect does not have.
type Sidecar struct {
	LogLevel  slog.Level `env:"SIDECAR_LOG_LEVEL" envDefault:"info" doc:"log level: debug, info, warn or error"`
	LogFormat string     `env:"SIDECAR_LOG_FORMAT" envDefault:"json" doc:"log format: json, or text for people"`

	// SASL credentials, so secrets need not be written into sasl.jaas.config.
	// The _FILE form reads the password from a mounted secret. With
	// OAUTHBEARER they are the OAuth client's id and secret.
	SASLUsername     string `env:"SIDECAR_SASL_USERNAME" doc:"SASL user name (with OAUTHBEARER, the client id), e.g. connect"`
	SASLPassword     string `env:"SIDECAR_SASL_PASSWORD" doc:"SASL password (with OAUTHBEARER, the client secret)"`
	SASLPasswordFile string `env:"SIDECAR_SASL_PASSWORD_FILE,file" doc:"file holding the SASL password, e.g. /var/run/secrets/kafka/password"`

	// The local app the HTTP connectors talk to by default.
	AppURL       string `env:"SIDECAR_APP_URL" envDefault:"http://127.0.0.1:8080/" doc:"where the HTTP sink delivers records unless a connector sets http.url, e.g. http://127.0.0.1:8080/events"`
	AppHealthURL string `env:"SIDECAR_APP_HEALTH_URL" doc:"the app's health URL; while it fails, HTTP sinks pause instead of spending retries, e.g. http://127.0.0.1:8080/healthz"`

	// What connectors may touch. A sidecar shares its pod's files, network
	// and identity, so anyone who can reach the REST API could otherwise
	// copy any file or any reachable URL into Kafka (README, Security).
	ConnectorClasses List `env:"SIDECAR_CONNECTOR_CLASSES" envDefault:"HttpSinkConnector,HttpSourceConnector,DatagenConnector" doc:"connector classes (full names or aliases) that may be created; the FileStream connectors only when listed, e.g. HttpSinkConnector,FileStreamSinkConnector"`
	FileAllowedPaths List `env:"SIDECAR_FILE_ALLOWED_PATHS" doc:"directories or files the FileStream connectors may read or write, symlinks resolved; none by default, e.g. /data/in,/data/out"`
	HTTPAllowedHosts List `env:"SIDECAR_HTTP_ALLOWED_HOSTS" doc:"hosts the HTTP connectors may reach (names, IP addresses or CIDR ranges); by default the hosts of SIDECAR_APP_URL and SIDECAR_APP_HEALTH_URL; link-local and cloud metadata addresses only when named exactly, e.g. 127.0.0.1,api.example.com"`

	// The scaling signal.
	LagPerWorker int64 `env:"SIDECAR_LAG_PER_WORKER" envDefault:"10000" doc:"sink records of lag one worker should carry; desired workers = total lag / this, capped by the task count, e.g. 10000"`

	// Declared connectors: a pod spec carries its own connectors, written at
	// start through the same path as PUT /connectors/{name}/config.
	ConnectorsJSON string `env:"SIDECAR_CONNECTORS" doc:"connectors to create or update at start, as JSON: {\"name\":..,\"config\":{..}}, a list of those, or an object of name to config"`
	ConnectorsFile string `env:"SIDECAR_CONNECTORS_FILE" doc:"a JSON file of connectors (same forms as SIDECAR_CONNECTORS), or a directory of one-connector files NAME.json or NAME.properties, e.g. /etc/connect-sidecar/connectors"`
	// Connectors is what the two settings above declare, read and checked
	// by Load.
	Connectors []Connector `env:"-"`

	// Peerless mode: requests between workers go through a Kafka topic, for
	// platforms where replicas cannot call each other.
	Peerless      Bool   `env:"SIDECAR_PEERLESS" envDefault:"false" doc:"true to send requests between workers (forwarded REST writes, task configs, restarts) through a Kafka topic instead of HTTP, for platforms where replicas cannot reach each other (Cloud Run, ECS without service discovery), true or false"`
	PeerlessTopic string `env:"SIDECAR_PEERLESS_TOPIC" doc:"compacted topic that carries them; by default CONNECT_CONFIG_STORAGE_TOPIC + \"-requests\", e.g. connect-configs-requests"`

	// REST API protection. The _FILE forms read a mounted secret; a
	// trailing newline is dropped.
	RESTAuthToken          string `env:"SIDECAR_REST_AUTH_TOKEN" doc:"bearer token REST clients must send (Authorization: Bearer <token>); probes and internal endpoints never need it"`
	RESTAuthTokenFile      string `env:"SIDECAR_REST_AUTH_TOKEN_FILE" doc:"file holding the REST bearer token, e.g. /var/run/secrets/connect/token"`
	RESTBasicUser          string `env:"SIDECAR_REST_BASIC_USER" doc:"user name REST clients must send with HTTP Basic authentication, e.g. admin"`
	RESTBasicPassword      string `env:"SIDECAR_REST_BASIC_PASSWORD" doc:"password for SIDECAR_REST_BASIC_USER"`
	RESTBasicPasswordFile  string `env:"SIDECAR_REST_BASIC_PASSWORD_FILE" doc:"file holding the password for SIDECAR_REST_BASIC_USER, e.g. /var/run/secrets/connect/password"`
	RESTAdminLocalhostOnly Bool   `env:"SIDECAR_REST_ADMIN_LOCALHOST_ONLY" envDefault:"false" doc:"true to answer /admin/* only to clients on the loopback interface, true or false"`
	RESTTLSCertFile        string `env:"SIDECAR_REST_TLS_CERT_FILE" doc:"PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"`
	RESTTLSKeyFile         string `env:"SIDECAR_REST_TLS_KEY_FILE" doc:"PEM private key of SIDECAR_REST_TLS_CERT_FILE, e.g. /etc/connect-sidecar/tls/tls.key"`
	RESTTLSCAFile          string `env:"SIDECAR_REST_TLS_CA_FILE" doc:"PEM CA certificates to trust, instead of the system's, when calling other workers over https, e.g. /etc/connect-sidecar/tls/ca.crt"`
}
