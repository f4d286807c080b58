package rest

import (
	"net/http"
	"testing"
)

// A stopping worker refuses clients' writes with 503 in Connect's shape,
// so they go to a worker that stays; reads, validation, probes and other
// workers' internal requests are still served.
func TestStoppingWorkerRefusesWrites(t *testing.T) {
	e := newEnv(t, newFakeHerder(), nil)
	if r := e.do("PUT", "/connectors/local-file-source/pause", ""); r.status != http.StatusAccepted {
		t.Fatalf("pause before stopping = %d %s", r.status, r.body)
	}
	e.server.health.Started()
	e.server.health.Stop()
	tests := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/connectors", "", http.StatusOK},
		{"GET", "/connectors/local-file-source/status", "", http.StatusOK},
		{"GET", "/health", "", http.StatusOK},
		{"GET", "/live", "", http.StatusOK},
		{"GET", "/ready", "", http.StatusServiceUnavailable},
		{"PUT", "/connector-plugins/FileStreamSink/config/validate", `{"connector.class":"FileStreamSink","topics":"t"}`, http.StatusOK},
		{"POST", "/connectors/local-file-sink/tasks", `[{"topics":"lines"}]`, http.StatusNoContent},
		{"POST", "/connectors", `{"name":"new","config":{"connector.class":"FileStreamSink"}}`, http.StatusServiceUnavailable},
		{"PUT", "/connectors/local-file-source/config", `{"connector.class":"FileStreamSource"}`, http.StatusServiceUnavailable},
		{"PATCH", "/connectors/local-file-source/config", `{"tasks.max":"2"}`, http.StatusServiceUnavailable},
		{"DELETE", "/connectors/local-file-source", "", http.StatusServiceUnavailable},
		{"PUT", "/connectors/local-file-source/pause", "", http.StatusServiceUnavailable},
		{"POST", "/connectors/local-file-source/restart", "", http.StatusServiceUnavailable},
		{"PUT", "/connectors/local-file-source/topics/reset", "", http.StatusServiceUnavailable},
		{"PUT", "/admin/loggers/root", `{"level":"DEBUG"}`, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tt.status)
			}
		})
	}
	r := e.do("DELETE", "/connectors/local-file-source", "")
	if m := errorBody(t, r); m.ErrorCode != http.StatusServiceUnavailable || m.Message != msgStopping {
		t.Errorf("error %+v", m)
	}
}
