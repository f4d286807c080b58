package httpsink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/testcert"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestPluginNames(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins(Defaults{Egress: loopback})...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{Class, "HttpSinkConnector", "HttpSink"} {
		if p, ok := reg.Lookup(name, plugin.KindSink); !ok || p.Class != Class {
			t.Errorf("%s does not resolve to %s", name, Class)
		}
	}
}

func TestDefaultsComeFromTheWorker(t *testing.T) {
	c := Plugins(Defaults{URL: "http://127.0.0.1:3000/events", HealthURL: "http://127.0.0.1:3000/healthz", Egress: loopback})[0].New().(*Connector)
	defaults := map[string]string{}
	for _, k := range c.Config() {
		defaults[k.Name] = k.Default
	}
	if defaults[URLConfig] != "http://127.0.0.1:3000/events" || defaults[HealthURLConfig] != "http://127.0.0.1:3000/healthz" {
		t.Errorf("defaults %v", defaults)
	}
	c = Plugins(Defaults{Egress: loopback})[0].New().(*Connector)
	if d := c.Config()[0]; d.Name != URLConfig || d.Default != DefaultURL {
		t.Errorf("%s defaults to %q without SIDECAR_APP_URL", d.Name, d.Default)
	}
}

func TestTaskConfigs(t *testing.T) {
	c := Plugins(Defaults{Egress: loopback})[0].New().(*Connector)
	props := map[string]string{nameConfig: "orders-sink", "topics": "orders", FormatConfig: "cloudevents"}
	if err := c.Start(context.Background(), props); err != nil {
		t.Fatal(err)
	}
	configs, err := c.TaskConfigs(3)
	if err != nil || len(configs) != 3 {
		t.Fatalf("%d configs, %v", len(configs), err)
	}
	for _, conf := range configs {
		if conf[FormatConfig] != "cloudevents" || conf["topics"] != "orders" {
			t.Errorf("task config %v", conf)
		}
	}
	configs[0]["topics"] = "changed"
	if configs[1]["topics"] != "orders" {
		t.Error("task configs share a map")
	}
}

func TestBadSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{URLConfig: "127.0.0.1:8080"},
			"Invalid value 127.0.0.1:8080 for configuration http.url: Expected an absolute http:// or https:// URL, such as http://127.0.0.1:8080/events"},
		{map[string]string{HealthURLConfig: "ftp://app/health"},
			"Invalid value ftp://app/health for configuration http.health.url: Expected an absolute http:// or https:// URL"},
		{map[string]string{FormatConfig: "avro"},
			"Invalid value avro for configuration http.format: Expected json or cloudevents"},
		{map[string]string{BatchMaxRecordsConfig: "0"},
			"Invalid value 0 for configuration batch.max.records: Value must be at least 1"},
		{map[string]string{MaxInFlightConfig: "many"},
			"Invalid value many for configuration max.in.flight: Not a number of type INT"},
		{map[string]string{OrderingConfig: "keys"},
			"Invalid value keys for configuration delivery.ordering: Expected partition, key or none"},
		{map[string]string{PartitionMaxInFlightConfig: "0"},
			"Invalid value 0 for configuration max.in.flight.per.partition: Value must be at least 1"},
		{map[string]string{BufferMaxBytesConfig: "0"},
			"Invalid value 0 for configuration buffer.max.bytes: Value must be at least 1"},
		{map[string]string{RetryTimeoutConfig: "-2"},
			"Invalid value -2 for configuration retry.timeout.ms: Value must be at least -1"},
		{map[string]string{RetryBackoffConfig: "500", RetryBackoffMaxConfig: "100"},
			"Invalid value 100 for configuration retry.backoff.max.ms: Value must be at least retry.backoff.ms (500)"},
		{map[string]string{AuthHeaderConfig: "Bearer secret-token"},
			"Invalid value [hidden] for configuration http.auth.header: header has no ':' between name and value; expected 'Name: value'"},
		{map[string]string{HeadersConfig: "X-Env: prod, Content-Type: text/plain"},
			`Invalid value X-Env: prod, Content-Type: text/plain for configuration http.headers: "Content-Type: text/plain": header Content-Type is set by the connector`},
		{map[string]string{HeadersConfig: "X Env: prod"},
			`"X Env: prod": header name is empty or has characters a header name cannot have`},
		{map[string]string{AuthHeaderConfig: "Authorization: Bearer x", AuthHeaderFileConfig: "/secrets/auth"},
			"Invalid value /secrets/auth for configuration http.auth.header.file: Set http.auth.header or http.auth.header.file, not both"},
		{map[string]string{AuthHeaderFileConfig: filepath.Join(dir, "missing")},
			"for configuration http.auth.header.file: Cannot read the file: open "},
		{map[string]string{SSLCertFileConfig: "/tls/client.pem"},
			"for configuration http.ssl.cert.file: Set http.ssl.cert.file and http.ssl.key.file together"},
		{map[string]string{SSLCAFileConfig: notPEM},
			"for configuration http.ssl.ca.file: The file holds no PEM certificate"},
	} {
		err := Plugins(Defaults{Egress: loopback})[0].New().(*Connector).Start(context.Background(), c.props)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %s", c.props, err, c.want)
		}
	}
}

// The REST API validates each value with the ConfigDef; it says what Start
// would.
func TestConfigDefValidates(t *testing.T) {
	keys := map[string]plugin.ConfigKey{}
	for _, k := range Plugins(Defaults{Egress: loopback})[0].New().(*Connector).Config() {
		keys[k.Name] = k
		if k.Documentation == "" {
			t.Errorf("%s has no documentation", k.Name)
		}
	}
	if err := keys[URLConfig].Validate("localhost"); err == nil || !strings.Contains(err.Error(), "Expected an absolute http:// or https:// URL") {
		t.Errorf("http.url: %v", err)
	}
	if err := keys[AuthHeaderConfig].Validate("s3cr3t"); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("http.auth.header: %v (and the secret must not show)", err)
	}
	if keys[AuthHeaderConfig].Type != plugin.TypePassword {
		t.Errorf("http.auth.header is a %s, not a PASSWORD", keys[AuthHeaderConfig].Type)
	}
	if err := keys[HeadersConfig].Validate("X-Env: prod, X-Team: payments"); err != nil {
		t.Errorf("http.headers: %v", err)
	}
	if err := keys[OrderingConfig].Validate("Key"); err != nil {
		t.Errorf("delivery.ordering: %v", err)
	}
	if err := keys[OrderingConfig].Validate("offset"); err == nil || !strings.Contains(err.Error(), "Expected partition, key or none") {
		t.Errorf("delivery.ordering: %v", err)
	}
}

func TestHeadersAndAuthHeaderFile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "auth")
	if err := os.WriteFile(secret, []byte("Authorization: Bearer s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := newApp(t, always(ok))
	health := newHealth(t, false)
	var healthAuth atomic.Value
	health.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		healthAuth.Store(r.Header.Get("Authorization"))
	})
	s := start(t, app.URL, map[string]string{AuthHeaderFileConfig: secret, HeadersConfig: "X-Env: prod, X-Team: payments",
		HealthURLConfig: health.URL})
	s.obs.waitHealth(t, true)
	s.put(t, rec(0, 0))
	got := app.next(t)
	for k, v := range map[string]string{"Authorization": "Bearer s3cret", "X-Env": "prod", "X-Team": "payments"} {
		if got.header.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, got.header.Get(k), v)
		}
	}
	if healthAuth.Load() != "Bearer s3cret" {
		t.Errorf("the health check sent Authorization %q", healthAuth.Load())
	}
}

// With http.ssl.ca.file the app's certificate is checked against it, and
// http.ssl.cert.file and http.ssl.key.file present a client certificate.
func TestMutualTLS(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t)
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	app.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	app.StartTLS()
	t.Cleanup(app.Close)
	s := start(t, app.URL, map[string]string{SSLCAFileConfig: certFile, SSLCertFileConfig: certFile, SSLKeyFileConfig: keyFile})
	s.put(t, rec(0, 0))
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 1}
	s.waitFlush(t, offsets, offsets)
	if _, dead := s.obs.counts(); dead != 0 {
		t.Errorf("%d dead letters", dead)
	}
}

func TestInsecureTLS(t *testing.T) {
	app := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(app.Close)
	s := start(t, app.URL, map[string]string{SSLInsecureConfig: "true"})
	s.put(t, rec(0, 0))
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 1}
	s.waitFlush(t, offsets, offsets)
}

// selfSigned writes a certificate for 127.0.0.1, good for servers and
// clients, and its key, as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string, cert tls.Certificate) {
	c := testcert.New(t)
	certFile, keyFile = c.Files(t)
	return certFile, keyFile, c.TLS
}
