package rest

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

// pemFiles writes selfSigned's certificate (for 127.0.0.1) and key as PEM
// files, as SIDECAR_REST_TLS_* name them.
func pemFiles(t *testing.T) (cert, key string) {
	t.Helper()
	c, _ := selfSigned(t)
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestSettingsFromSidecar: the SIDECAR_REST_* settings protect the API,
// serve https, and let another worker's client (forwarding, declared
// connectors) reach it with the CA file and the same credentials.
func TestSettingsFromSidecar(t *testing.T) {
	cert, key := pemFiles(t)
	sc := config.Sidecar{RESTAuthToken: "t0ken", RESTTLSCertFile: cert, RESTTLSKeyFile: key, RESTTLSCAFile: cert}
	set, err := SettingsFrom(sc)
	if err != nil {
		t.Fatal(err)
	}
	if set.Security.BearerToken != "t0ken" || set.TLS == nil || len(set.TLS.Certificates) != 1 || set.HTTPClient == nil || set.Peers == nil {
		t.Fatalf("settings %+v", set)
	}

	leader := newFakeHerder()
	s, err := New(Params{Worker: config.Worker{}, Log: discard(), Health: health.NewState(), Cluster: fakeCluster{id: "x"},
		Herder: leader, Security: set.Security, TLS: set.TLS})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.TLS = set.TLS
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ctx := context.Background()

	created, err := set.Peers.PutConnectorConfig(ctx, ts.URL+"/", "declared", map[string]string{"connector.class": "X", "name": "declared"})
	if err != nil || !created {
		t.Fatalf("first put: created %v, %v", created, err)
	}
	if created, err := set.Peers.PutConnectorConfig(ctx, ts.URL, "declared", map[string]string{"connector.class": "Y", "name": "declared"}); err != nil || created {
		t.Errorf("second put: created %v, %v", created, err)
	}
	var bad *BadRequestError
	if _, err := set.Peers.PutConnectorConfig(ctx, ts.URL, "bad", map[string]string{"name": "bad"}); !errors.As(err, &bad) ||
		!slices.Equal(bad.Errors, []string{`Missing required configuration "connector.class" which has no default value.`}) {
		t.Errorf("invalid config: %v", err)
	}
	if _, err := set.Peers.PutConnectorConfig(ctx, "", "x", map[string]string{}); !errors.As(err, new(*ConflictError)) {
		t.Errorf("no leader URL: %v", err)
	}

	// Other credentials: 401. No CA: the certificate is not trusted.
	other, err := SettingsFrom(config.Sidecar{RESTBasicUser: "a", RESTBasicPassword: "b", RESTTLSCAFile: cert})
	if err != nil {
		t.Fatal(err)
	}
	var se *StatusError
	if _, err := other.Peers.PutConnectorConfig(ctx, ts.URL, "declared", map[string]string{"connector.class": "X"}); !errors.As(err, &se) || se.Status != 401 {
		t.Errorf("other credentials: %v", err)
	}
	noCA, err := SettingsFrom(config.Sidecar{RESTAuthToken: "t0ken"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noCA.Peers.PutConnectorConfig(ctx, ts.URL, "declared", map[string]string{"connector.class": "X"}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}

	// A follower forwards a client's write to the https leader with the
	// client's credentials and the CA file.
	follower := newFakeHerder()
	follower.notLeader, follower.leader = true, ts.URL+"/"
	e := newEnv(t, follower, func(p *Params) { p.Security, p.HTTPClient = set.Security, set.HTTPClient })
	r := e.do("PUT", "/connectors/forwarded/config", `{"connector.class":"X"}`, "Authorization", "Bearer t0ken")
	if r.status != http.StatusCreated {
		t.Errorf("forwarded put = %d %s", r.status, r.body)
	}
	if _, ok := leader.connectors["forwarded"]; !ok {
		t.Error("the leader did not get the forwarded config")
	}
}

func TestSettingsFromSidecarWithoutTLS(t *testing.T) {
	set, err := SettingsFrom(config.Sidecar{RESTAdminLocalhostOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if set.TLS != nil || !set.Security.AdminLocalhostOnly || set.Security.authEnabled() || set.Peers.authorization != "" {
		t.Errorf("settings %+v", set)
	}
	if _, err := SettingsFrom(config.Sidecar{RESTTLSCertFile: "/nonexistent/tls.crt", RESTTLSKeyFile: "/nonexistent/tls.key"}); err == nil {
		t.Error("missing certificate accepted")
	}
}
