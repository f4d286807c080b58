package config

import "log/slog"

// SidecarPrefix starts the settings that exist only in connect-sidecar.
const SidecarPrefix = "SIDECAR_"

// Sidecar holds settings that Kafka Connect does not have.
type Sidecar struct {
	LogLevel  slog.Level `env:"SIDECAR_LOG_LEVEL" envDefault:"info" doc:"log level: debug, info, warn or error"`
	LogFormat string     `env:"SIDECAR_LOG_FORMAT" envDefault:"json" doc:"log format: json, or text for people"`

	// SASL credentials, so secrets need not be written into sasl.jaas.config.
	// The _FILE form reads the password from a mounted secret.
	SASLUsername     string `env:"SIDECAR_SASL_USERNAME" doc:"SASL user name, e.g. connect"`
	SASLPassword     string `env:"SIDECAR_SASL_PASSWORD" doc:"SASL password"`
	SASLPasswordFile string `env:"SIDECAR_SASL_PASSWORD_FILE,file" doc:"file holding the SASL password, e.g. /var/run/secrets/kafka/password"`

	// The local app the HTTP connectors talk to by default.
	AppURL       string `env:"SIDECAR_APP_URL" envDefault:"http://127.0.0.1:8080/" doc:"where the HTTP sink delivers records unless a connector sets http.url, e.g. http://127.0.0.1:8080/events"`
	AppHealthURL string `env:"SIDECAR_APP_HEALTH_URL" doc:"the app's health URL; while it fails, HTTP sinks pause instead of spending retries, e.g. http://127.0.0.1:8080/healthz"`

	// The scaling signal.
	LagPerWorker int64 `env:"SIDECAR_LAG_PER_WORKER" envDefault:"10000" doc:"sink records of lag one worker should carry; desired workers = total lag / this, capped by the task count, e.g. 10000"`
}
