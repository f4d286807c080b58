// Package health tells probes and people how the worker is doing: Connect's
// GET /health, and /live and /ready for container platforms.
package health

import (
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/heptiolabs/healthcheck"
	"go.uber.org/fx"
)

// Module provides the worker's *State.
var Module = fx.Module("health", fx.Provide(NewState))

// Phase is where the worker is in its life.
type Phase int

const (
	// Starting: startup has not completed; Connect answers 503.
	Starting Phase = iota
	// Running: startup completed. It stays so through later rebalances, so
	// readiness does not flap while work moves.
	Running
	// Failed: the worker cannot do its job; Connect answers 500.
	Failed
)

// State is what the worker reports about itself. Its methods are safe for
// concurrent use.
type State struct {
	mu      sync.Mutex
	phase   Phase
	stage   string
	since   time.Time
	failure string
}

// NewState returns a State in the Starting phase.
func NewState() *State { return &State{stage: "starting", since: time.Now()} }

// Stage records the startup step under way, shown while starting.
func (s *State) Stage(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stage, s.since = what, time.Now()
}

// Started marks startup as complete.
func (s *State) Started() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == Starting {
		s.phase = Running
	}
}

// Fail marks the worker unhealthy with a reason a person can act on.
func (s *State) Fail(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase, s.failure = Failed, reason
}

// Status is the body of GET /health, as Connect writes it.
type Status struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Report returns the HTTP status and body of GET /health.
func (s *State) Report() (int, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.phase {
	case Running:
		return http.StatusOK, Status{"healthy", "Worker has completed startup and is ready to handle requests."}
	case Failed:
		return http.StatusInternalServerError, Status{"unhealthy", "Worker was unable to handle this request and may be unable to handle other requests. " + s.failure}
	}
	return http.StatusServiceUnavailable, Status{"starting", "Worker is still starting up. Current step: " + s.stage + ", since " + s.since.UTC().Format(time.RFC3339) + "."}
}

// Handler serves Connect's GET /health.
func (s *State) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		code, body := s.Report()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// Probes returns the /live and /ready handler. Liveness fails only when the
// worker itself is wedged, never because Kafka or the app is down; readiness
// holds once startup has completed.
func (s *State) Probes() healthcheck.Handler {
	h := healthcheck.NewHandler()
	h.AddReadinessCheck("startup", func() error {
		code, body := s.Report()
		if code != http.StatusOK {
			return errors.New(body.Message)
		}
		return nil
	})
	return h
}
