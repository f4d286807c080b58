// Package health tells probes and people how the worker is doing: Connect's
// GET /health, and /live and /ready for container platforms.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	// LivePath fails only when the worker itself is wedged: a loop
	// registered with Loop has not come round for longer than its bound.
	LivePath = "/live"
	// ReadyPath answers 200 once startup has completed and nothing holds it
	// back, until the worker starts stopping.
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

	running    chan struct{} // closed by Started
	holds      map[int]string
	lastHold   int
	notices    map[string]string
	conditions map[string]func() string
	loops      []loop
	stopping   bool
	writes     sync.WaitGroup // REST writes admitted and not yet answered
}

// loop is a goroutine whose progress /live watches.
type loop struct {
	name     string
	bound    time.Duration
	progress func() time.Time
}

// NewState returns a State in the Starting phase.
func NewState() *State {
	return &State{stage: "starting", since: time.Now(), running: make(chan struct{}), holds: map[int]string{},
		notices: map[string]string{}, conditions: map[string]func() string{}}
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

// Condition is a notice computed at each GET /health while the worker is
// healthy: f returns the sentence to add, or "" while all is well. It is
// for states that come and go with the outside world, such as Kafka out of
// reach, which /health reports without failing: restarting the worker
// would not bring Kafka back. f must be quick, safe for concurrent use, and
// must not call s.
func (s *State) Condition(key string, f func() string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conditions[key] = f
}

// Loop makes /live (and so /ready) fail while progress, the last time the
// named loop came round, is more than bound ago. A zero time passes: the
// loop has not started yet, and startup has probes of its own. bound must
// exceed the longest wait the loop can be in without being wedged.
func (s *State) Loop(name string, bound time.Duration, progress func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loops = append(s.loops, loop{name, bound, progress})
}

// Stop marks the worker as stopping: /ready fails from now on, so that
// traffic goes elsewhere, and Stopping reports true.
func (s *State) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
}

// AdmitWrite registers a REST write, unless the worker is stopping; done
// must be called once it is answered.
func (s *State) AdmitWrite() (done func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, false
	}
	s.writes.Add(1)
	return s.writes.Done, true
}

// AwaitWrites waits until the writes admitted before Stop are answered,
// or ctx ends; it reports whether they were. The worker stops its stores
// only then, so that no write it took finds them closed.
func (s *State) AwaitWrites(ctx context.Context) bool {
	answered := make(chan struct{})
	go func() {
		s.writes.Wait()
		close(answered)
	}()
	select {
	case <-answered:
		return true
	case <-ctx.Done():
		return false
	}
}

// Stopping reports whether the worker has begun to stop; the REST API
// refuses writes then.
func (s *State) Stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
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
		for _, k := range slices.Sorted(maps.Keys(s.conditions)) {
			if text := s.conditions[k](); text != "" {
				msg += " " + text
			}
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
// worker itself is wedged (see Loop), never because Kafka or the app is
// down. Readiness holds once startup has completed and nothing holds it
// back (Hold), until the worker stops; Kafka or the app going away does not
// change it either. An app that fails its health check pauses the HTTP
// sink's delivery instead: failing readiness would take the pod's Service
// endpoints away from an app that has its own readiness probe, and on ECS,
// whose health check runs "probe ready", replace the whole task.
func (s *State) Probes() healthcheck.Handler {
	h := healthcheck.NewHandler()
	h.AddLivenessCheck("loops", s.wedged)
	h.AddReadinessCheck("startup", func() error {
		code, body := s.Report()
		if code != http.StatusOK {
			return errors.New(body.Message)
		}
		if s.Stopping() {
			return errors.New("worker is stopping")
		}
		return s.held()
	})
	return h
}

// wedged fails when a loop has not come round within its bound.
func (s *State) wedged() error {
	s.mu.Lock()
	loops := s.loops
	s.mu.Unlock()
	now := time.Now()
	for _, l := range loops {
		last := l.progress()
		if d := now.Sub(last); !last.IsZero() && d > l.bound {
			return fmt.Errorf("the %s has made no progress for %v (allowed: %v)", l.name, d.Round(time.Second), l.bound)
		}
	}
	return nil
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
