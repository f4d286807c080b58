package rest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/testcert"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// TestAuthentication: with credentials configured, public endpoints need
// them; probes and internal endpoints never do.
func TestAuthentication(t *testing.T) {
	bearer := Security{BearerToken: "t0ken"}
	both := Security{BearerToken: "t0ken", BasicUser: "admin", BasicPassword: "pa:ss"}
	tests := []struct {
		name         string
		sec          Security
		method, path string
		body         string
		auth         string
		status       int
		challenge    string
	}{
		{name: "off", sec: Security{}, method: "GET", path: "/connectors", status: 200},
		{name: "bearer missing", sec: bearer, method: "GET", path: "/connectors", status: 401, challenge: `Bearer realm="kafka-connect"`},
		{name: "bearer wrong", sec: bearer, method: "GET", path: "/connectors", auth: "Bearer nope", status: 401},
		{name: "bearer prefix of the token", sec: bearer, method: "GET", path: "/connectors", auth: "Bearer t0ke", status: 401},
		{name: "bearer right", sec: bearer, method: "GET", path: "/connectors", auth: "Bearer t0ken", status: 200},
		{name: "bearer scheme in any case", sec: bearer, method: "GET", path: "/connectors", auth: "bearer t0ken", status: 200},
		{name: "basic when only bearer", sec: bearer, method: "GET", path: "/connectors", auth: basic("admin", "t0ken"), status: 401},
		{name: "basic right", sec: both, method: "GET", path: "/connectors", auth: basic("admin", "pa:ss"), status: 200},
		{name: "basic wrong password", sec: both, method: "GET", path: "/connectors", auth: basic("admin", "pass"), status: 401},
		{name: "either scheme", sec: both, method: "GET", path: "/connectors", auth: "Bearer t0ken", status: 200},
		{name: "writes too", sec: bearer, method: "DELETE", path: "/connectors/local-file-sink", status: 401},
		{name: "root", sec: bearer, method: "GET", path: "/", status: 401},
		{name: "openapi", sec: bearer, method: "GET", path: "/openapi.json", status: 401},
		{name: "admin", sec: bearer, method: "GET", path: "/admin/loggers", status: 401},
		{name: "health open", sec: bearer, method: "GET", path: "/health", status: 503},
		{name: "live open", sec: bearer, method: "GET", path: "/live", status: 200},
		{name: "ready open", sec: bearer, method: "GET", path: "/ready", status: 503},
		{name: "internal open", sec: bearer, method: "POST", path: "/connectors/local-file-sink/tasks", body: `[]`, status: 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHerder()
			e := newEnv(t, h, func(p *Params) { p.Security = tt.sec })
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			r := e.do(tt.method, tt.path, tt.body, hdr...)
			if r.status != tt.status {
				t.Fatalf("= %d %s, want %d", r.status, r.body, tt.status)
			}
			if tt.status == 401 {
				errorBody(t, r)
				if len(h.Calls()) > 0 {
					t.Errorf("herder called: %v", h.Calls())
				}
				if tt.challenge != "" && r.header.Get("WWW-Authenticate") != tt.challenge {
					t.Errorf("WWW-Authenticate %q", r.header.Values("WWW-Authenticate"))
				}
			}
		})
	}
}

// TestAdminLocalhostOnly: /admin is refused to clients that are not on
// the loopback interface; other endpoints are not affected.
func TestAdminLocalhostOnly(t *testing.T) {
	e := newEnv(t, newFakeHerder(), func(p *Params) { p.Security = Security{AdminLocalhostOnly: true} })
	tests := []struct {
		remote, path string
		status       int
	}{
		{"127.0.0.1:5000", "/admin/loggers", 200},
		{"[::1]:5000", "/admin/loggers/root", 200},
		{"10.1.2.3:5000", "/admin/loggers", 403},
		{"[2001:db8::1]:5000", "/admin/loggers/root", 403},
		{"10.1.2.3:5000", "/connectors", 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.path, nil)
		req.RemoteAddr = tt.remote
		req.Header.Set("X-Forwarded-For", "127.0.0.1")
		w := httptest.NewRecorder()
		e.server.Handler().ServeHTTP(w, req)
		if w.Code != tt.status {
			t.Errorf("%s from %s = %d %s, want %d", tt.path, tt.remote, w.Code, w.Body, tt.status)
		}
		if w.Code == 403 && !strings.Contains(w.Body.String(), `"error_code":403`) {
			t.Errorf("403 body %s", w.Body)
		}
	}
	// Through a real loopback connection.
	if r := e.do("GET", "/admin/loggers", ""); r.status != 200 {
		t.Errorf("from loopback = %d %s", r.status, r.body)
	}
}

func TestSecurityValidate(t *testing.T) {
	for _, s := range []Security{
		{BasicUser: "a"},
		{BasicPassword: "p"},
		{BasicUser: "a:b", BasicPassword: "p"},
		{VerificationAlgorithms: []string{"HmacMD9"}},
	} {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
		if _, err := New(Params{Worker: config.Worker{}, Log: discard(), Health: health.NewState(), Security: s}); err == nil {
			t.Errorf("New accepted %+v", s)
		}
	}
	if err := (Security{BasicUser: "a", BasicPassword: "p", VerificationAlgorithms: []string{"HmacSHA256", "HmacSHA512"}}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestVerificationAlgorithms: a configured list replaces the default.
func TestVerificationAlgorithms(t *testing.T) {
	h := newFakeHerder()
	h.sessioned, h.key = true, testKey
	e := newEnv(t, h, func(p *Params) { p.Security = Security{VerificationAlgorithms: []string{"HmacSHA512"}} })
	c, err := NewClient(nil, "HmacSHA512")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FenceZombies(context.Background(), e.url, "local-file-source", testKey); err != nil {
		t.Error(err)
	}
	r := e.do("PUT", "/connectors/local-file-source/fence", "", SignatureHeader, sig(testKey, ""), SignatureAlgorithmHeader, "HmacSHA256")
	if r.status != 400 || !strings.Contains(errorBody(t, r).Message, "configured to use: [HmacSHA512]") {
		t.Errorf("HmacSHA256 = %d %s", r.status, r.body)
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	c := testcert.New(t)
	return c.TLS, c.Pool
}

// TestHTTPSListener: an https listener serves with Params.TLS.
func TestHTTPSListener(t *testing.T) {
	cert, pool := selfSigned(t)
	s, err := New(Params{Worker: config.Worker{Listeners: config.List{"https://127.0.0.1:0"}}, Log: discard(), Health: health.NewState(), Cluster: fakeCluster{id: "x"},
		Herder: newFakeHerder(), TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Stop(context.Background()) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Get("https://" + s.Addrs()[0].String() + "/connectors")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("= %d", resp.StatusCode)
	}
	// Without TLS material an https listener is refused at New.
	if _, err := New(Params{Worker: config.Worker{Listeners: config.List{"https://127.0.0.1:0"}}, Log: discard(), Health: health.NewState()}); err == nil {
		t.Error("https listener without a certificate accepted")
	}
}
