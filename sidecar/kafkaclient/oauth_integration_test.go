//go:build integration

package kafkaclient_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

const (
	oauthClientID     = "connect-worker"
	oauthClientSecret = "oauth-client-secret-3f9c"
	// Short enough that the test sees the worker's first token expire
	// (the broker allows no clock skew) and a refreshed one in use.
	tokenLifetime = 15 * time.Second
)

// A worker joins its group over SASL_PLAINTEXT with OAUTHBEARER tokens
// from an OIDC provider served here, which Apache Kafka checks against the
// provider's JWKS. It runs a source connector across the expiry of its
// first token, and after that expiry a sink connector, whose new
// connections can only authenticate with a refreshed token. The broker
// also ends the sessions of expired tokens (connections.max.reauth.ms), so
// the connections opened before the refresh are closed under the worker
// and opened again with the current token. Neither the client secret nor
// any token appears in the worker's log, at debug level.
func TestIntegrationOAuthBearerAcrossTokenRefresh(t *testing.T) {
	provider := newOIDCProvider(t)
	sasl, plain := startOAuthBroker(t, provider.url)
	admin := &kafkatest.Broker{Addr: plain, Kind: kafkatest.External}
	topic := kafkatest.Name(t, "gen")
	admin.CreateTopic(t, topic, 1)

	dir := t.TempDir()
	w := kafkatest.StartWorker(t, &kafkatest.Broker{Addr: sasl, Kind: kafkatest.External}, append(kafkatest.FileStream(dir),
		"CONNECT_GROUP_ID="+kafkatest.Name(t, "oauth"),
		"CONNECT_SECURITY_PROTOCOL=SASL_PLAINTEXT",
		"CONNECT_SASL_MECHANISM=OAUTHBEARER",
		"CONNECT_SASL_LOGIN_CALLBACK_HANDLER_CLASS=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
		"CONNECT_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL="+provider.url+"/token",
		`CONNECT_SASL_JAAS_CONFIG=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="`+oauthClientID+`" clientSecret="`+oauthClientSecret+`" scope="kafka";`,
		"SIDECAR_LOG_LEVEL=debug",
	)...)
	w.WaitHealthy(t, 2*time.Minute)
	first := provider.issued()[0]
	putConnector(t, w, "gen", `{"connector.class":"DatagenConnector","tasks.max":"1","topic":"`+topic+`","rate":"20"}`)

	kafkatest.Eventually(t, 2*time.Minute, func() error {
		if n := len(provider.issued()); n < 2 || time.Now().Before(first.expiry.Add(time.Second)) {
			return fmt.Errorf("%d tokens issued; the first expires at %s", n, first.expiry.Format(time.TimeOnly))
		}
		return running(w, "gen")
	})
	before, err := kafkatest.LastOffset(admin, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	putConnector(t, w, "sink", `{"connector.class":"FileStreamSinkConnector","tasks.max":"1","topics":"`+topic+`","file":"`+out+`"}`)
	kafkatest.Eventually(t, 2*time.Minute, func() error {
		if err := running(w, "sink"); err != nil {
			return err
		}
		if err := running(w, "gen"); err != nil {
			return err
		}
		if end, err := kafkatest.LastOffset(admin, topic, 0); err != nil || end < before+20 {
			return fmt.Errorf("the source wrote %d records since the first token expired (%v)", end-before, err)
		}
		data, _ := os.ReadFile(out)
		if lines := strings.Count(string(data), "\n"); lines < int(before)+20 {
			return fmt.Errorf("the sink wrote %d lines, want %d", lines, before+20)
		}
		return nil
	})

	log := w.Log()
	if !strings.Contains(log, "OAUTHBEARER token refreshed") {
		t.Error("the worker never logged a refresh")
	}
	if strings.Contains(log, oauthClientSecret) {
		t.Error("the worker's log holds the client secret")
	}
	for _, tok := range provider.issued() {
		if strings.Contains(log, tok.value) || strings.Contains(log, strings.Split(tok.value, ".")[2]) {
			t.Errorf("the worker's log holds a token issued at %s", tok.issued.Format(time.TimeOnly))
		}
	}
	t.Logf("%d tokens issued; the source wrote %d records after the first expired", len(provider.issued()), mustOffset(t, admin, topic)-before)
}

func mustOffset(t *testing.T, b *kafkatest.Broker, topic string) int64 {
	n, err := kafkatest.LastOffset(b, topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func putConnector(t *testing.T, w *kafkatest.Process, name, config string) {
	t.Helper()
	if code, body, err := w.Do(http.MethodPut, "/connectors/"+name+"/config", config); err != nil || code >= 300 {
		t.Fatalf("PUT %s: %d %s %v", name, code, body, err)
	}
}

// running says why connector name and its tasks are not all RUNNING.
func running(w *kafkatest.Process, name string) error {
	code, body, err := w.Get("/connectors/" + name + "/status")
	if err != nil || code != http.StatusOK {
		return fmt.Errorf("status of %s: %d %s %v", name, code, body, err)
	}
	var s struct {
		Connector struct{ State string }
		Tasks     []struct{ State, Trace string }
	}
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return err
	}
	if s.Connector.State != "RUNNING" || len(s.Tasks) == 0 {
		return fmt.Errorf("%s: %s", name, body)
	}
	for _, task := range s.Tasks {
		if task.State != "RUNNING" {
			return fmt.Errorf("%s: task %s %s", name, task.State, task.Trace)
		}
	}
	return nil
}

// oidcProvider is an OAuth token endpoint for the client-credentials grant
// and the JWKS that verifies its RS256 tokens, on 127.0.0.1.
type oidcProvider struct {
	t   *testing.T
	url string
	key *rsa.PrivateKey

	mu     sync.Mutex
	tokens []issuedToken
}

type issuedToken struct {
	value          string
	issued, expiry time.Time
}

func newOIDCProvider(t *testing.T) *oidcProvider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &oidcProvider{t: t, key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /jwks", p.jwks)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *oidcProvider) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	if id != oauthClientID || secret != oauthClientSecret || r.FormValue("grant_type") != "client_credentials" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client"}`)
		return
	}
	now := time.Now()
	tok := issuedToken{issued: now, expiry: now.Add(tokenLifetime).Truncate(time.Second)}
	tok.value = p.sign(map[string]any{
		"iss": p.url, "aud": "kafka", "sub": oauthClientID, "scope": r.FormValue("scope"),
		"iat": now.Unix(), "exp": tok.expiry.Unix(),
	})
	p.mu.Lock()
	p.tokens = append(p.tokens, tok)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok.value, int(tokenLifetime.Seconds()))
}

func (p *oidcProvider) sign(claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, err := json.Marshal(claims)
	if err != nil {
		p.t.Error(err)
	}
	input := enc([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`)) + "." + enc(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, digest[:])
	if err != nil {
		p.t.Error(err)
	}
	return input + "." + enc(sig)
}

func (p *oidcProvider) jwks(w http.ResponseWriter, _ *http.Request) {
	enc := base64.RawURLEncoding.EncodeToString
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
		enc(p.key.N.Bytes()), enc(big.NewInt(int64(p.key.E)).Bytes()))
}

func (p *oidcProvider) issued() []issuedToken {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]issuedToken(nil), p.tokens...)
}

// startOAuthBroker starts a second Apache Kafka with scripts/kafka.sh, from
// the distribution it installed, in a state directory of its own: clients
// authenticate with OAUTHBEARER on the SASL_PLAINTEXT listener, and the
// test administers the broker on a PLAINTEXT one. It skips t only when
// there is no Kafka distribution (no Java, or no Maven and nothing
// cached), and stops the broker when t ends.
func startOAuthBroker(t *testing.T, idp string) (saslAddr, plainAddr string) {
	t.Helper()
	root, err := kafkatest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "scripts", "kafka.sh")
	port := freePortRun(t, 3)
	saslAddr = "127.0.0.1:" + strconv.Itoa(port)
	plainAddr = "127.0.0.1:" + strconv.Itoa(port+2)
	controller := "127.0.0.1:" + strconv.Itoa(port+1)
	listeners := "SASL_PLAINTEXT://" + saslAddr + ",PLAINTEXT://" + plainAddr + ",CONTROLLER://" + controller
	props := []string{
		"listeners=" + listeners,
		"advertised.listeners=" + listeners,
		"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
		"inter.broker.listener.name=PLAINTEXT",
		"sasl.enabled.mechanisms=OAUTHBEARER",
		"listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
		"listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
		"sasl.oauthbearer.jwks.endpoint.url=" + idp + "/jwks",
		"sasl.oauthbearer.expected.audience=kafka",
		"sasl.oauthbearer.expected.issuer=" + idp,
		"sasl.oauthbearer.clock.skew.seconds=0",
		// A session lasts as long as its token: an expired one ends it.
		"connections.max.reauth.ms=3600000",
	}
	state := t.TempDir()
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command(script, args...)
		cmd.Env = append(os.Environ(), "KAFKA_STATE="+state, "KAFKA_PORT="+strconv.Itoa(port),
			"KAFKA_BROKER_EXTRA_PROPS="+strings.Join(props, "\n"),
			// Kafka 4 fetches OAuth URLs only when this JVM property lists them.
			"JAVA_TOOL_OPTIONS=-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls="+idp+"/jwks")
		return cmd.CombinedOutput()
	}
	t.Cleanup(func() {
		if out, err := run("stop"); err != nil {
			t.Errorf("stop the OAuth broker: %v\n%s", err, out)
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(state, "logs", "broker.log")); err == nil {
				t.Logf("OAuth broker log (tail):\n%s", tail(string(log), 60))
			}
		}
	})
	if out, err := run("start"); err != nil {
		// kafka.sh exits 3 when it has no Java, or no Maven to fetch jars
		// it has not cached.
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			t.Skipf("needs an Apache Kafka distribution from scripts/kafka.sh, which cannot get one here: %s", strings.TrimSpace(string(out)))
		}
		t.Fatalf("start the OAuth broker: %v\n%s", err, out)
	}
	return saslAddr, plainAddr
}

// freePortRun finds n consecutive free loopback ports and returns the first.
func freePortRun(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		first := l.Addr().(*net.TCPAddr).Port
		ok := first+n < 65533
		held := []net.Listener{l}
		for p := first + 1; ok && p < first+n; p++ {
			next, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if ok = err == nil; ok {
				held = append(held, next)
			}
		}
		for _, h := range held {
			h.Close()
		}
		if ok {
			return first
		}
	}
	t.Fatal("no run of free ports")
	return 0
}

func tail(s string, lines int) string {
	all := strings.Split(s, "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
