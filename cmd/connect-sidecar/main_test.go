package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

func TestHelpListsEveryCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--help"}, nil, &out, &out); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, cmd := range []string{"run", "dev", "probe live|ready|health", "version"} {
		if !strings.Contains(out.String(), "connect-sidecar "+cmd) && !strings.Contains(out.String(), "["+cmd+"]") {
			t.Errorf("help does not list %q:\n%s", cmd, out.String())
		}
	}
}

// A bad setting must stop the worker before it talks to Kafka: the listener
// given as bootstrap server sees no connection.
func TestBadSettingsExitTwoBeforeAnyNetworkIO(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	kafka := "CONNECT_BOOTSTRAP_SERVERS=" + ln.Addr().String()
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"no environment", []string{"run"}, nil, "CONNECT_BOOTSTRAP_SERVERS is required: Kafka bootstrap servers, e.g. kafka:9092"},
		{"bad session timeout", []string{"run"}, []string{kafka, "CONNECT_GROUP_ID=g", "CONNECT_SESSION_TIMEOUT_MS=abc"},
			`CONNECT_SESSION_TIMEOUT_MS is "abc", not a whole number of milliseconds`},
		{"two arguments", []string{"run", "a.properties", "b.properties"}, []string{kafka, "CONNECT_GROUP_ID=g"}, "takes at most one argument"},
		{"bad declared connectors", []string{"run"}, []string{kafka, "CONNECT_GROUP_ID=g", `SIDECAR_CONNECTORS={"orders":{"connector.class":"X","tasks.max":1}}`},
			`SIDECAR_CONNECTORS cannot be used: connector "orders": "tasks.max" is a number, not a string`},
		{"https without a certificate", []string{"run"}, []string{kafka, "CONNECT_GROUP_ID=g", "CONNECT_LISTENERS=https://:8443"},
			`CONNECT_LISTENERS has "https://:8443", which needs SIDECAR_REST_TLS_CERT_FILE and SIDECAR_REST_TLS_KEY_FILE`},
		{"unknown connector class", []string{"run"}, []string{kafka, "CONNECT_GROUP_ID=g", "SIDECAR_CONNECTOR_CLASSES=HttpSink,JdbcSink"},
			`SIDECAR_CONNECTOR_CLASSES names "JdbcSink", which is not a connector of this worker`},
		{"allowed host with a scheme", []string{"run"}, []string{kafka, "CONNECT_GROUP_ID=g", "SIDECAR_HTTP_ALLOWED_HOSTS=https://api.example.com"},
			`SIDECAR_HTTP_ALLOWED_HOSTS: "https://api.example.com" is not a host name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, tt.environ, &stdout, &stderr); code != exitConfig {
				t.Errorf("exit %d, want %d", code, exitConfig)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("%d connections reached the bootstrap server", n)
	}
}

func TestPropertiesFileIsTheDefaultCommandsArgument(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"/nonexistent/connect-distributed.properties"}, nil, &stdout, &stderr)
	if code != exitConfig || !strings.Contains(stderr.String(), "/nonexistent/connect-distributed.properties") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/live":
			w.WriteHeader(http.StatusOK)
		case "/ready":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	listeners := "CONNECT_LISTENERS=http://0.0.0.0:" + port
	tests := []struct {
		args    []string
		environ []string
		want    int
	}{
		{[]string{"probe", "live"}, []string{listeners}, exitOK},
		{[]string{"probe", "ready"}, []string{listeners}, exitFailed},
		{[]string{"probe", "live", "--url", srv.URL}, nil, exitOK},
		{[]string{"probe", "health", "--url", "http://127.0.0.1:1"}, nil, exitFailed},
		{[]string{"probe", "alive"}, nil, exitConfig},
		{[]string{"probe"}, nil, exitConfig},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if code := run(tt.args, tt.environ, &out, &out); code != tt.want {
			t.Errorf("%v: exit %d, want %d; output %q", tt.args, code, tt.want, out.String())
		}
	}
}

// A probe reaches an https listener whose certificate names another host.
func TestProbeOverHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	var out bytes.Buffer
	if code := run([]string{"probe", "ready"}, []string{"CONNECT_LISTENERS=https://:" + port}, &out, &out); code != exitOK {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"version"}, nil, &out, &out); code != exitOK || !strings.HasPrefix(out.String(), "connect-sidecar ") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}

func TestWorkerGraphIsComplete(t *testing.T) {
	loaded, err := config.Load([]string{"CONNECT_BOOTSTRAP_SERVERS=k:9092", "CONNECT_GROUP_ID=g"}, "")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := fx.ValidateApp(workerOptions(loaded, log)...); err != nil {
		t.Fatal(err)
	}
}
