// Package health tells probes and people how the worker is doing: Connect's
// GET /health, and /live and /ready for container platforms.
package health

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heptiolabs/healthcheck"
	"go.uber.org/fx"
)

// Paths of the probes on the REST listener. Deploy examples and probe
// commands use these; sidecar/rest serves them.
const (
	// HealthPath is Connect's GET /health: 200 healthy, 503 starting, 500
	// unhealthy.
	HealthPath = "/health"
	// LivePath fails only when the worker itself is wedged.
	LivePath = "/live"
	// ReadyPath answers 200 once startup has completed.
	ReadyPath = "/ready"
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

	running  chan struct{} // closed by Started
	holds    map[int]string
	lastHold int
	notices  map[string]string
}

// NewState returns a State in the Starting phase.
func NewState() *State {
	return &State{stage: "starting", since: time.Now(), running: make(chan struct{}), holds: map[int]string{}, notices: map[string]string{}}
}

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
		close(s.running)
	}
}

// Running is closed once startup has completed; it stays open if the
// worker fails first.
func (s *State) Running() <-chan struct{} { return s.running }

// Hold keeps /ready failing, even after startup, until release is called:
// for work the worker must finish before it takes traffic. what is shown
// in /ready?full=1. Call it before startup can complete, so that readiness
// never flaps. /health does not wait for holds.
func (s *State) Hold(what string) (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastHold++
	id := s.lastHold
	s.holds[id] = what
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.holds, id)
	}
}

// Notice adds a sentence to /health's message while the worker is healthy:
// a problem a person should see that does not stop the worker, such as a
// declared connector the plugin refused. A later notice with the same
// key replaces it.
func (s *State) Notice(key, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notices[key] = text
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
		msg := "Worker has completed startup and is ready to handle requests."
		for _, k := range slices.Sorted(maps.Keys(s.notices)) {
			msg += " " + s.notices[k]
		}
		return http.StatusOK, Status{"healthy", msg}
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
// holds once startup has completed and nothing holds it back (Hold).
func (s *State) Probes() healthcheck.Handler {
	h := healthcheck.NewHandler()
	h.AddReadinessCheck("startup", func() error {
		code, body := s.Report()
		if code != http.StatusOK {
			return errors.New(body.Message)
		}
		return s.held()
	})
	return h
}

func (s *State) held() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.holds) == 0 {
		return nil
	}
	var what []string
	for _, id := range slices.Sorted(maps.Keys(s.holds)) {
		what = append(what, s.holds[id])
	}
	return errors.New("waiting for " + strings.Join(what, ", "))
}
