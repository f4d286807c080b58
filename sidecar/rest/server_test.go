package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

type fakeCluster struct {
	id  string
	err error
}

func (f fakeCluster) ClusterID(context.Context) (string, error) { return f.id, f.err }

func startServer(t *testing.T, c Cluster) string {
	t.Helper()
	s, err := New(Params{
		Worker:  config.Worker{Listeners: config.List{"http://127.0.0.1:0"}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Health:  health.NewState(),
		Cluster: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return "http://" + s.Addrs()[0].String()
}

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestRootReportsVersionCommitAndClusterID(t *testing.T) {
	base := startServer(t, fakeCluster{id: "abc123"})
	code, body := get(t, base+"/")
	if code != http.StatusOK || body["kafka_cluster_id"] != "abc123" || body["version"] == "" || body["commit"] == nil {
		t.Errorf("GET / = %d %v", code, body)
	}
}

func TestErrorsUseConnectsShape(t *testing.T) {
	tests := []struct {
		name, path string
		cluster    Cluster
		code       int
	}{
		{"unknown path", "/nope", fakeCluster{id: "x"}, http.StatusNotFound},
		{"cluster unknown", "/", fakeCluster{err: errors.New("no brokers")}, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, startServer(t, tt.cluster)+tt.path)
			if code != tt.code || body["error_code"] != float64(tt.code) || body["message"] == "" {
				t.Errorf("%s = %d %v", tt.path, code, body)
			}
		})
	}
}

func TestStartFailsWhenThePortIsTaken(t *testing.T) {
	base := startServer(t, fakeCluster{id: "x"})
	s, err := New(Params{
		Worker:  config.Worker{Listeners: config.List{base}},
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Health:  health.NewState(),
		Cluster: fakeCluster{id: "x"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("second server on the same port started")
	}
}

// A worker whose REST API answers beyond loopback without credentials says
// so once at start; one that listens on loopback or asks for credentials
// does not.
func TestStartWarnsOfAnOpenAPI(t *testing.T) {
	for _, c := range []struct {
		name     string
		listener string
		security Security
		warn     bool
	}{
		{"every interface, no credentials", "http://:0", Security{}, true},
		{"loopback only", "http://127.0.0.1:0", Security{}, false},
		{"every interface, a token", "http://:0", Security{BearerToken: "t"}, false},
		{"every interface, basic", "http://:0", Security{BasicUser: "u", BasicPassword: "p"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs strings.Builder
			s, err := New(Params{
				Worker:   config.Worker{Listeners: config.List{c.listener}},
				Log:      slog.New(slog.NewTextHandler(&logs, nil)),
				Health:   health.NewState(),
				Cluster:  fakeCluster{id: "x"},
				Security: c.security,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Stop(context.Background()) })
			warned := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), "SIDECAR_REST_AUTH_TOKEN")
			if warned != c.warn {
				t.Fatalf("warned %v, want %v; logs:\n%s", warned, c.warn, logs.String())
			}
		})
	}
}
