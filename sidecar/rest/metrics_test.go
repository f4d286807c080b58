package rest

import (
	"net/http"
	"testing"
)

// TestMetricsPaths: the metrics handler gets its two paths without
// credentials, the API keeps asking for them, and without a handler the
// paths are Connect's 404.
func TestMetricsPaths(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(r.URL.Path))
	})
	e := newEnv(t, newFakeHerder(), func(p *Params) {
		p.Metrics = metrics
		p.Security = Security{BearerToken: "t0ken"}
	})
	for _, path := range []string{"/metrics", "/metrics/scaling"} {
		if r := e.do("GET", path, ""); r.status != http.StatusTeapot || string(r.body) != path {
			t.Errorf("GET %s = %d %q, want the metrics handler's answer", path, r.status, r.body)
		}
	}
	if r := e.do("GET", "/connectors", ""); r.status != http.StatusUnauthorized {
		t.Errorf("GET /connectors without credentials = %d", r.status)
	}

	bare := newEnv(t, newFakeHerder(), nil)
	if r := bare.do("GET", "/metrics", ""); r.status != http.StatusNotFound || errorBody(t, r).ErrorCode != http.StatusNotFound {
		t.Errorf("GET /metrics without a metrics handler = %d %s", r.status, r.body)
	}
}
