package rest

import (
	"net/http"
	"os"
	"testing"
	"time"
)

// TestServeFake serves the API over the fake herder at
// $SIDECAR_REST_FAKE_ADDR for $SIDECAR_REST_FAKE_FOR (default 60s), so that
// API fuzzers such as schemathesis can run against /openapi.json without
// Kafka. It is skipped unless the address is set.
func TestServeFake(t *testing.T) {
	addr := os.Getenv("SIDECAR_REST_FAKE_ADDR")
	if addr == "" {
		t.Skip("SIDECAR_REST_FAKE_ADDR is not set")
	}
	d, err := time.ParseDuration(os.Getenv("SIDECAR_REST_FAKE_FOR"))
	if err != nil {
		d = time.Minute
	}
	e := newEnv(t, newFakeHerder(), func(p *Params) { p.Health.Started() })
	srv := &http.Server{Addr: addr, Handler: e.server.Handler(), ReadHeaderTimeout: time.Second}
	go func() { time.Sleep(d); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		t.Fatal(err)
	}
}
