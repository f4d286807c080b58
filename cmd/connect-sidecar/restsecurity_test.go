package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/internal/testcert"
)

// restClient talks to a worker's REST API, over https when it has roots.
type restClient struct {
	http  *http.Client
	token string // sent as a bearer token unless empty
}

func (c restClient) do(method, url, body string) (int, http.Header, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b), err
}

// awaitStatus polls url until it answers want.
func (c restClient) awaitStatus(t *testing.T, p *kafkatest.Process, url string, want int) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		code, _, body, err := c.do(http.MethodGet, url, "")
		if err != nil {
			return err
		}
		if code != want {
			return fmt.Errorf("GET %s = %d %s, want %d; log:\n%s", url, code, body, want, p.Log())
		}
		return nil
	})
}

// tlsFiles writes a self-signed certificate for 127.0.0.1, which is its
// own CA, and its key.
func tlsFiles(t *testing.T) (cert, key string, roots *x509.CertPool) {
	c := testcert.New(t)
	cert, key = c.Files(t)
	return cert, key, c.Pool
}

// With a token set, Connect's API needs it; the probes never do.
func TestRESTTokenProtectsTheAPI(t *testing.T) {
	b := kafkatest.Start(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID="+kafkatest.Name(t, "g"), "SIDECAR_REST_AUTH_TOKEN_FILE="+tokenFile)
	w.WaitHealthy(t, time.Minute)
	anonymous := restClient{http: http.DefaultClient}
	for _, path := range []string{"/health", "/live", "/ready"} {
		anonymous.awaitStatus(t, w, w.URL+path, http.StatusOK)
	}

	code, header, body, err := anonymous.do(http.MethodGet, w.URL+"/connectors", "")
	if err != nil {
		t.Fatal(err)
	}
	var em struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if code != http.StatusUnauthorized || json.Unmarshal([]byte(body), &em) != nil || em.ErrorCode != 401 || em.Message == "" {
		t.Errorf("GET /connectors without the token = %d %s, want 401 with Connect's error body", code, body)
	}
	if got := header.Get("WWW-Authenticate"); got != `Bearer realm="kafka-connect"` {
		t.Errorf("WWW-Authenticate %q", got)
	}
	wrong := restClient{http: http.DefaultClient, token: "s3cret"}
	if code, _, body, _ := wrong.do(http.MethodGet, w.URL+"/connectors", ""); code != http.StatusUnauthorized {
		t.Errorf("with a wrong token = %d %s", code, body)
	}
	right := restClient{http: http.DefaultClient, token: "s3cret-token"}
	if code, _, body, _ := right.do(http.MethodGet, w.URL+"/connectors", ""); code != http.StatusOK || strings.TrimSpace(body) != "[]" {
		t.Errorf("with the token = %d %s", code, body)
	}
}

// Two workers serve https with a certificate made here; each trusts the
// other through SIDECAR_REST_TLS_CA_FILE. A write sent to each worker
// succeeds, so the follower forwarded its write to the https leader (with
// the client's token), and both connectors' tasks run, so a follower that
// runs a connector sent its task configs to the leader over https too.
func TestRESTOverHTTPSForwardsToTheLeader(t *testing.T) {
	b := kafkatest.Start(t)
	cert, key, roots := tlsFiles(t)
	group, topic := kafkatest.Name(t, "g"), kafkatest.Name(t, "data")
	b.CreateTopic(t, topic, 1)
	var workers []*kafkatest.Process
	for range 2 {
		addr := freeAddr(t)
		workers = append(workers, kafkatest.StartCommand(t, "https://"+addr, []string{
			"CONNECT_BOOTSTRAP_SERVERS=" + b.Addr, "CONNECT_GROUP_ID=" + group,
			"CONNECT_LISTENERS=https://" + addr, "CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
			"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
			"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1", "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
			"SIDECAR_LOG_FORMAT=text",
			"SIDECAR_REST_AUTH_TOKEN=t0ken",
			"SIDECAR_REST_TLS_CERT_FILE=" + cert, "SIDECAR_REST_TLS_KEY_FILE=" + key, "SIDECAR_REST_TLS_CA_FILE=" + cert,
		}, "run"))
	}
	c := restClient{http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}}, token: "t0ken"}
	for _, w := range workers {
		c.awaitStatus(t, w, w.URL+"/ready", http.StatusOK)
	}
	var info serverInfoBody
	code, _, body, err := c.do(http.MethodGet, workers[0].URL+"/", "")
	if err != nil || code != http.StatusOK || json.Unmarshal([]byte(body), &info) != nil || info.KafkaClusterID == "" {
		t.Fatalf("GET / over https = %d %s %v", code, body, err)
	}

	for i, w := range workers {
		name := fmt.Sprintf("gen-%d", i)
		conf := fmt.Sprintf(`{"connector.class":"Datagen","tasks.max":"2","topic":%q,"rate":"1"}`, topic)
		kafkatest.Eventually(t, time.Minute, func() error {
			code, _, body, err := c.do(http.MethodPut, w.URL+"/connectors/"+name+"/config", conf)
			if err != nil {
				return err
			}
			if code != http.StatusCreated {
				return fmt.Errorf("PUT %s on %s = %d %s", name, w.URL, code, body)
			}
			return nil
		})
	}
	for i := range workers {
		name := fmt.Sprintf("gen-%d", i)
		kafkatest.Eventually(t, time.Minute, func() error {
			code, _, body, err := c.do(http.MethodGet, workers[1-i].URL+"/connectors/"+name+"/status", "")
			if err != nil {
				return err
			}
			var st struct {
				Connector struct{ State string }
				Tasks     []struct{ State string }
			}
			if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
				return fmt.Errorf("status of %s = %d %s", name, code, body)
			}
			if st.Connector.State != "RUNNING" || len(st.Tasks) != 2 || st.Tasks[0].State != "RUNNING" || st.Tasks[1].State != "RUNNING" {
				return fmt.Errorf("status of %s: %s", name, body)
			}
			return nil
		})
	}
}
