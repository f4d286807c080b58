package health

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthFollowsTheWorkersPhase(t *testing.T) {
	tests := []struct {
		name        string
		act         func(*State)
		health      int
		status      string
		ready, live int
	}{
		{"starting", func(s *State) { s.Stage("reading the config topic") }, http.StatusServiceUnavailable, "starting", http.StatusServiceUnavailable, http.StatusOK},
		{"running", func(s *State) { s.Started() }, http.StatusOK, "healthy", http.StatusOK, http.StatusOK},
		{"failed", func(s *State) { s.Started(); s.Fail("config topic has 3 partitions") }, http.StatusInternalServerError, "unhealthy", http.StatusServiceUnavailable, http.StatusOK},
		{"started after failing stays failed", func(s *State) { s.Fail("x"); s.Started() }, http.StatusInternalServerError, "unhealthy", http.StatusServiceUnavailable, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			tt.act(s)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
			if rec.Code != tt.health || !strings.Contains(rec.Body.String(), `"status":"`+tt.status+`"`) {
				t.Errorf("/health = %d %s", rec.Code, rec.Body)
			}
			for path, want := range map[string]int{"/ready": tt.ready, "/live": tt.live} {
				rec := httptest.NewRecorder()
				s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != want {
					t.Errorf("%s = %d, want %d", path, rec.Code, want)
				}
			}
		})
	}
}

func TestStartingSaysWhatTheWorkerWaitsFor(t *testing.T) {
	s := NewState()
	s.Stage("reading the config topic")
	_, body := s.Report()
	if !strings.Contains(body.Message, "Worker is still starting up. Current step: reading the config topic") {
		t.Errorf("message %q", body.Message)
	}
}

// A hold keeps /ready failing after startup, and /ready?full=1 says why;
// /health does not wait for it but carries notices.
func TestHoldsAndNotices(t *testing.T) {
	s := NewState()
	release := s.Hold("2 declared connector(s) to be written")
	select {
	case <-s.Running():
		t.Fatal("running before Started")
	default:
	}
	s.Started()
	<-s.Running()
	probe := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := probe("/ready?full=1"); code != http.StatusServiceUnavailable || !strings.Contains(body, "waiting for 2 declared connector(s) to be written") {
		t.Errorf("/ready while held = %d %s", code, body)
	}
	s.Notice("declared/a", "Declared connector a (from SIDECAR_CONNECTORS) was refused: bad.")
	if code, body := s.Report(); code != http.StatusOK || body.Message != "Worker has completed startup and is ready to handle requests. Declared connector a (from SIDECAR_CONNECTORS) was refused: bad." {
		t.Errorf("/health = %d %+v", code, body)
	}
	release()
	if code, body := probe("/ready"); code != http.StatusOK {
		t.Errorf("/ready after release = %d %s", code, body)
	}
}
