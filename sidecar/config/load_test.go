package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/testcert"
)

var minimal = []string{"CONNECT_BOOTSTRAP_SERVERS=kafka:9092", "CONNECT_GROUP_ID=orders"}

func withMinimal(extra ...string) []string { return append(slices.Clone(minimal), extra...) }

func TestLoadDefaults(t *testing.T) {
	l, err := Load(withMinimal(), "")
	if err != nil {
		t.Fatal(err)
	}
	w := l.Worker
	checks := []struct {
		name      string
		got, want any
	}{
		{"bootstrap", []string(w.BootstrapServers), []string{"kafka:9092"}},
		{"config topic", w.ConfigStorageTopic, "orders-configs"},
		{"offset topic", w.OffsetStorageTopic, "orders-offsets"},
		{"status topic", w.StatusStorageTopic, "orders-status"},
		{"offset partitions", w.OffsetStoragePartitions, int32(25)},
		{"status partitions", w.StatusStoragePartitions, int32(5)},
		{"replication", w.ConfigStorageReplicationFactor, int16(3)},
		{"listeners", []string(w.Listeners), []string{"http://:8083"}},
		{"session", w.SessionTimeout.D(), 10 * time.Second},
		{"heartbeat", w.HeartbeatInterval.D(), 500 * time.Millisecond},
		{"rebalance", w.RebalanceTimeout.D(), time.Minute},
		{"max delay", w.ScheduledRebalanceMaxDelay.D(), 10 * time.Second},
		{"protocol", w.ConnectProtocol, "sessioned"},
		{"flush", w.OffsetFlushInterval.D(), time.Minute},
		{"flush timeout", w.OffsetFlushTimeout.D(), 5 * time.Second},
		{"shutdown", w.TaskShutdownGracefulTimeout.D(), 5 * time.Second},
		{"value converter", w.ValueConverter, "org.apache.kafka.connect.json.JsonConverter"},
		{"schemas", w.ValueConverterSchemasEnable, Bool(true)},
		{"security", w.Security.Protocol, "PLAINTEXT"},
		{"log level", l.Sidecar.LogLevel, slog.LevelInfo},
		{"log format", l.Sidecar.LogFormat, "json"},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func equal(a, b any) bool {
	as, aok := a.([]string)
	bs, bok := b.([]string)
	if aok && bok {
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestLoadEnvWinsOverFile(t *testing.T) {
	file := writeFile(t, "worker.properties", "bootstrap.servers=file:9092\ngroup.id=from-file\nsession.timeout.ms=20000\noffset.storage.topic=offsets\n")
	l, err := Load([]string{"CONNECT_GROUP_ID=from-env", "CONNECT_SESSION_TIMEOUT_MS=30000"}, file)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Worker
	if w.GroupID != "from-env" || w.SessionTimeout.D() != 30*time.Second || w.BootstrapServers[0] != "file:9092" || w.OffsetStorageTopic != "offsets" {
		t.Errorf("got group %q session %v bootstrap %v offsets %q", w.GroupID, w.SessionTimeout.D(), w.BootstrapServers, w.OffsetStorageTopic)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string // the whole one-line message
	}{
		{"no environment", nil, "CONNECT_BOOTSTRAP_SERVERS is required: Kafka bootstrap servers, e.g. kafka:9092"},
		{"no group", []string{"CONNECT_BOOTSTRAP_SERVERS=k:9092"}, "CONNECT_GROUP_ID is required: the Connect cluster's group id; workers with the same id share work, e.g. connect-cluster"},
		{"bootstrap without port", withMinimal("CONNECT_BOOTSTRAP_SERVERS=kafka"), `CONNECT_BOOTSTRAP_SERVERS has "kafka", which is not host:port: Kafka bootstrap servers, e.g. kafka:9092`},
		{"session not a number", withMinimal("CONNECT_SESSION_TIMEOUT_MS=abc"), `CONNECT_SESSION_TIMEOUT_MS is "abc", not a whole number of milliseconds: group session timeout in ms, e.g. 10000`},
		{"negative ms", withMinimal("CONNECT_OFFSET_FLUSH_INTERVAL_MS=-5"), `CONNECT_OFFSET_FLUSH_INTERVAL_MS is "-5", not a whole number of milliseconds: interval between source offset commits in ms, e.g. 60000`},
		{"partitions not a number", withMinimal("CONNECT_OFFSET_STORAGE_PARTITIONS=many"), `CONNECT_OFFSET_STORAGE_PARTITIONS is "many", not a whole number in range: partitions of the offsets topic, a positive number or -1 for the broker default, e.g. 25`},
		{"replication out of int16", withMinimal("CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=40000"), `CONNECT_STATUS_STORAGE_REPLICATION_FACTOR is "40000", not a whole number in range: replication factor of the status topic, a positive number or -1, e.g. 3`},
		{"replication zero", withMinimal("CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=0"), `CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR is 0; use a positive number, or -1 for the broker's default: replication factor of the config topic, a positive number or -1 for the broker default, e.g. 3`},
		{"partitions minus two", withMinimal("CONNECT_STATUS_STORAGE_PARTITIONS=-2"), `CONNECT_STATUS_STORAGE_PARTITIONS is -2; use a positive number, or -1 for the broker's default: partitions of the status topic, a positive number or -1, e.g. 5`},
		{"bad topic", withMinimal("CONNECT_CONFIG_STORAGE_TOPIC=a/b"), `CONNECT_CONFIG_STORAGE_TOPIC is "a/b", not a valid topic name (letters, digits, '.', '_' and '-', at most 249): compacted topic for connector configs, e.g. connect-configs`},
		{"shared topics", withMinimal("CONNECT_CONFIG_STORAGE_TOPIC=t", "CONNECT_STATUS_STORAGE_TOPIC=t"), `CONNECT_CONFIG_STORAGE_TOPIC names the same topic as another storage topic; config, offset and status topics must differ: compacted topic for connector configs, e.g. connect-configs`},
		{"listener garbage", withMinimal("CONNECT_LISTENERS=8083"), `CONNECT_LISTENERS has "8083", not PROTOCOL://host:port: REST listeners as PROTOCOL://host:port, e.g. http://:8083`},
		{"listener ftp", withMinimal("CONNECT_LISTENERS=ftp://:8443"), `CONNECT_LISTENERS has "ftp://:8443", only http and https listeners are served: REST listeners as PROTOCOL://host:port, e.g. http://:8083`},
		{"listener no port", withMinimal("CONNECT_LISTENERS=http://host"), `CONNECT_LISTENERS has "http://host", the port is missing or not a number: REST listeners as PROTOCOL://host:port, e.g. http://:8083`},
		{"advertised listener", withMinimal("CONNECT_REST_ADVERTISED_LISTENER=ftp"), `CONNECT_REST_ADVERTISED_LISTENER is "ftp", not http or https: scheme of the advertised URL, http or https`},
		{"advertised port", withMinimal("CONNECT_REST_ADVERTISED_PORT=70000"), `CONNECT_REST_ADVERTISED_PORT is 70000, not a port number: port other workers use to reach this one, e.g. 8083`},
		{"heartbeat above session", withMinimal("CONNECT_HEARTBEAT_INTERVAL_MS=20000"), `CONNECT_HEARTBEAT_INTERVAL_MS is 20000, but must be above 0 and below session.timeout.ms (10000): group heartbeat interval in ms, below session.timeout.ms; members learn of a rebalance at their next heartbeat, e.g. 500`},
		{"session zero", withMinimal("CONNECT_SESSION_TIMEOUT_MS=0", "CONNECT_HEARTBEAT_INTERVAL_MS=0"), "CONNECT_SESSION_TIMEOUT_MS must be above 0: group session timeout in ms, e.g. 10000"},
		{"rebalance zero", withMinimal("CONNECT_REBALANCE_TIMEOUT_MS=0"), "CONNECT_REBALANCE_TIMEOUT_MS is 0, not between 1 and 2147483647: time members get to rejoin during a rebalance in ms, e.g. 60000"},
		{"delay too large", withMinimal("CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=2147483648"), "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS is 2147483648, above 2147483647: how long work of a lost worker waits for it to return, in ms; 0 reassigns at once, e.g. 10000"},
		{"protocol", withMinimal("CONNECT_CONNECT_PROTOCOL=cooperative"), `CONNECT_CONNECT_PROTOCOL is "cooperative": group sub-protocol: eager, compatible or sessioned`},
		{"flush zero", withMinimal("CONNECT_OFFSET_FLUSH_INTERVAL_MS=0"), "CONNECT_OFFSET_FLUSH_INTERVAL_MS must be above 0: interval between source offset commits in ms, e.g. 60000"},
		{"flush timeout zero", withMinimal("CONNECT_OFFSET_FLUSH_TIMEOUT_MS=0"), "CONNECT_OFFSET_FLUSH_TIMEOUT_MS must be above 0: time allowed for an offset commit in ms, e.g. 5000"},
		{"schemas not bool", withMinimal("CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=yes"), `CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE is "yes", not true or false: whether JSON values carry a schema envelope, true or false`},
		{"unknown converter", withMinimal("CONNECT_KEY_CONVERTER=io.confluent.connect.avro.AvroConverter"), `CONNECT_KEY_CONVERTER is "io.confluent.connect.avro.AvroConverter", which this worker does not have; use one of org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.storage.StringConverter, org.apache.kafka.connect.converters.ByteArrayConverter: converter class for record keys, e.g. org.apache.kafka.connect.json.JsonConverter`},
		{"security protocol", withMinimal("CONNECT_SECURITY_PROTOCOL=TLS"), `CONNECT_SECURITY_PROTOCOL is "TLS": PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`},
		{"jks truststore", withMinimal("CONNECT_SECURITY_PROTOCOL=SSL", "CONNECT_SSL_TRUSTSTORE_TYPE=JKS"), `CONNECT_SSL_TRUSTSTORE_TYPE is "JKS"; only PEM is read (convert a JKS or PKCS12 store with keytool and openssl): format of the trust store; only PEM is read, e.g. PEM`},
		{"missing truststore file", withMinimal("CONNECT_SECURITY_PROTOCOL=SSL", "CONNECT_SSL_TRUSTSTORE_LOCATION=/nonexistent/ca.pem"), "CONNECT_SSL_TRUSTSTORE_LOCATION cannot be used: open /nonexistent/ca.pem: no such file or directory: PEM file of CA certificates to trust, e.g. /etc/kafka/ca.pem"},
		{"key without chain", withMinimal("CONNECT_SECURITY_PROTOCOL=SSL", "CONNECT_SSL_KEYSTORE_KEY=x"), "CONNECT_SSL_KEYSTORE_KEY cannot be used: goes with ssl.keystore.certificate.chain: give both or neither: PEM private key given inline"},
		{"key password", withMinimal("CONNECT_SECURITY_PROTOCOL=SSL", "CONNECT_SSL_KEY_PASSWORD=secret"), "CONNECT_SSL_KEY_PASSWORD is set; encrypted keys are not read, give an unencrypted PKCS#8 key from a secret instead: password of an encrypted key; use an unencrypted PKCS#8 key instead"},
		{"gssapi", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL"), `CONNECT_SASL_MECHANISM is "GSSAPI"; supported are PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, AWS_MSK_IAM: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or AWS_MSK_IAM`},
		{"sasl without credentials", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_PLAINTEXT", "CONNECT_SASL_MECHANISM=PLAIN"), "SIDECAR_SASL_USERNAME and SIDECAR_SASL_PASSWORD are required with security.protocol SASL_PLAINTEXT: SASL credentials, from the environment, a file (SIDECAR_SASL_PASSWORD_FILE) or CONNECT_SASL_JAAS_CONFIG"},
		{"password file missing", withMinimal("SIDECAR_SASL_PASSWORD_FILE=/nonexistent/pw"), "SIDECAR_SASL_PASSWORD_FILE names a file that cannot be read (open /nonexistent/pw: no such file or directory): file holding the SASL password, e.g. /var/run/secrets/kafka/password"},
		{"log level", withMinimal("SIDECAR_LOG_LEVEL=loud"), `SIDECAR_LOG_LEVEL is "loud", not debug, info, warn or error: log level: debug, info, warn or error`},
		{"log format", withMinimal("SIDECAR_LOG_FORMAT=xml"), `SIDECAR_LOG_FORMAT is "xml", not json or text: log format: json, or text for people`},
		{"empty REST token", withMinimal("SIDECAR_REST_AUTH_TOKEN="), "SIDECAR_REST_AUTH_TOKEN is set but empty, which would leave the REST API open; give it a value, or unset it to run without credentials: bearer token REST clients must send (Authorization: Bearer <token>); probes and internal endpoints never need it"},
		{"blank REST user", withMinimal("SIDECAR_REST_BASIC_USER= "), "SIDECAR_REST_BASIC_USER is set but empty, which would leave the REST API open; give it a value, or unset it to run without credentials: user name REST clients must send with HTTP Basic authentication, e.g. admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.environ, "")
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if lines[0] != tt.want {
				t.Errorf("first error:\n got %s\nwant %s", lines[0], tt.want)
			}
			var se *SettingError
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *SettingError", err)
			}
		})
	}
}

func TestLoadErrorFromFileNamesTheProperty(t *testing.T) {
	file := writeFile(t, "w.properties", "bootstrap.servers=k:9092\ngroup.id=g\nsession.timeout.ms=ten\n")
	_, err := Load(nil, file)
	want := `session.timeout.ms in ` + file + ` is "ten", not a whole number of milliseconds: group session timeout in ms, e.g. 10000`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(nil, "/nonexistent/worker.properties")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/worker.properties") {
		t.Fatalf("err = %v, want it to name the file", err)
	}
}

func TestLoadIgnoresJVMAndUnknownSettings(t *testing.T) {
	l, err := Load(withMinimal(
		"CONNECT_PLUGIN_PATH=/usr/share/java",
		"CONNECT_LOG4J_ROOT_LOGLEVEL=INFO",
		"CONNECT_OFFSET_STORAGE_FILE_FILENAME=/tmp/offsets",
		"CONNECT_VALUE_CONVERTER_DECIMAL_FORMAT=NUMERIC",
		"CONNECT_CONSUMER_SESSION_TIMEOUT_MS=6000",
		"CONNECT_PRODUCER_LINGER_MS=20",
		"SIDECAR_TYPO=1",
	), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CONNECT_LOG4J_ROOT_LOGLEVEL is ignored: it only means something to the Java runtime",
		"CONNECT_OFFSET_STORAGE_FILE_FILENAME is ignored: connect-sidecar does not have this setting",
		"CONNECT_PLUGIN_PATH is ignored: it only means something to the Java runtime",
		"SIDECAR_TYPO is ignored: connect-sidecar does not have this setting",
	}
	if !slices.Equal(l.Ignored, want) {
		t.Errorf("ignored =\n%s\nwant\n%s", strings.Join(l.Ignored, "\n"), strings.Join(want, "\n"))
	}
	if l.Worker.Properties["value.converter.decimal.format"] != "NUMERIC" {
		t.Errorf("converter sub-setting not kept: %v", l.Worker.Properties)
	}
	if l.Worker.Properties["consumer.session.timeout.ms"] != "6000" || l.Worker.Properties["producer.linger.ms"] != "20" {
		t.Errorf("task client settings not kept: %v", l.Worker.Properties)
	}
}

func TestLoadSASLCredentials(t *testing.T) {
	jaas := `CONNECT_SASL_JAAS_CONFIG=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\"w";`
	pwFile := writeFile(t, "pw", "from-file\n")
	tests := []struct {
		name       string
		environ    []string
		user, pass string
	}{
		{"jaas", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=SCRAM-SHA-512", jaas), "alice", `p"w`},
		{"sidecar env wins", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=scram-sha-256", jaas, "SIDECAR_SASL_USERNAME=bob", "SIDECAR_SASL_PASSWORD=pw"), "bob", "pw"},
		{"password file", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_PLAINTEXT", "CONNECT_SASL_MECHANISM=PLAIN", "SIDECAR_SASL_USERNAME=carol", "SIDECAR_SASL_PASSWORD_FILE="+pwFile), "carol", "from-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Load(tt.environ, "")
			if err != nil {
				t.Fatal(err)
			}
			s := l.Worker.Security
			if s.SASLUsername != tt.user || s.SASLPassword != tt.pass || !s.UsesSASL() {
				t.Errorf("got %q/%q sasl=%v", s.SASLUsername, s.SASLPassword, s.UsesSASL())
			}
		})
	}
}

func TestLoadTLSFromPEMFiles(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	ca := writeFile(t, "ca.pem", string(certPEM))
	client := writeFile(t, "client.pem", string(keyPEM)+string(certPEM))
	l, err := Load(withMinimal("CONNECT_SECURITY_PROTOCOL=SSL", "CONNECT_SSL_TRUSTSTORE_LOCATION="+ca, "CONNECT_SSL_KEYSTORE_LOCATION="+client), "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.Worker.Security.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs == nil || len(cfg.Certificates) != 1 || cfg.InsecureSkipVerify {
		t.Errorf("tls config: roots %v, certs %d, skip %v", cfg.RootCAs != nil, len(cfg.Certificates), cfg.InsecureSkipVerify)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	c := testcert.New(t)
	return c.CertPEM, c.KeyPEM
}

func TestAdvertisedURL(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		env  []string
		want string
	}{
		{nil, "http://" + host + ":8083/"},
		{[]string{"CONNECT_LISTENERS=http://10.1.2.3:9000"}, "http://10.1.2.3:9000/"},
		{[]string{"CONNECT_REST_ADVERTISED_HOST_NAME=pod-1", "CONNECT_REST_ADVERTISED_PORT=18083"}, "http://pod-1:18083/"},
		{[]string{"CONNECT_LISTENERS=http://[::1]:8083"}, "http://[::1]:8083/"},
	}
	for _, tt := range tests {
		l, err := Load(withMinimal(tt.env...), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Worker.AdvertisedURL(); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
	}
	l, _ := Load(withMinimal("CONNECT_REST_ADVERTISED_HOST_NAME=w1"), "")
	if id := l.Worker.WorkerID(); id != "w1:8083" {
		t.Errorf("worker id %q", id)
	}
}
