// Package rest serves Kafka Connect's REST API on the worker's listeners:
// the public endpoints of Connect's spec §7.2 with Java's status codes and
// bodies, leader forwarding (§7.4), the signed internal endpoints (§7.5),
// the probes, optional authentication, and an OpenAPI document at
// GET /openapi.json generated from the same route table that serves
// requests.
//
// Handlers are thin: they check the request's shape, call the Herder, and
// write the answer; errors go through one mapper (errors.go).
package rest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

// RequestTimeout bounds a request's work, as Connect's 90 s REST request
// timeout does; past it the answer is 500 "Request timed out".
const RequestTimeout = 90 * time.Second

// Body size limits. Connect sets none; these are far above any real
// connector config (a few KiB) while keeping a runaway client from
// filling memory. Larger bodies get 413.
const (
	// MaxBodyBytes limits the body of public endpoints: 1 MiB.
	MaxBodyBytes = 1 << 20
	// MaxInternalBodyBytes limits internal task-config bodies, which hold
	// every task's config at once: 16 MiB.
	MaxInternalBodyBytes = 16 << 20
)

// Module provides the REST server and runs it for the app's lifetime, with
// its security, TLS and clients from the SIDECAR_REST_* settings.
var Module = fx.Module("rest",
	fx.Provide(New, provideSettings),
	fx.Invoke(func(lc fx.Lifecycle, s *Server) {
		lc.Append(fx.Hook{OnStart: s.Start, OnStop: s.Stop})
	}),
)

// Cluster answers questions about the Kafka cluster behind the worker.
type Cluster interface {
	ClusterID(ctx context.Context) (string, error)
}

// Params are the server's dependencies.
type Params struct {
	fx.In
	Worker  config.Worker
	Log     *slog.Logger
	Health  *health.State
	Cluster Cluster
	// Herder serves the connector, plugin, logger and internal endpoints.
	// Until one is provided those answer 503.
	Herder Herder `optional:"true"`
	// Security turns on authentication and the admin restriction; the
	// zero value turns both off.
	Security Security `optional:"true"`
	// TLS serves the https:// listeners; it must hold a certificate. Set
	// it with fx.ResultTags(`name:"rest"`).
	TLS *tls.Config `name:"rest" optional:"true"`
	// HTTPClient forwards requests to other workers; it needs the CA of
	// their certificates when they listen on https. Nil means a client
	// with a 90 s timeout. Redirects are never followed, whatever its
	// CheckRedirect says. Set it with fx.ResultTags(`name:"rest"`).
	HTTPClient *http.Client `name:"rest" optional:"true"`
	// Metrics serves GET /metrics and GET /metrics/scaling. Like the
	// probes they need no credentials, so Prometheus and autoscalers can
	// read them; they are not part of Connect's API, so the OpenAPI
	// document leaves them out. Nil answers 404 there. Set it with
	// fx.ResultTags(`name:"metrics"`).
	Metrics http.Handler `name:"metrics" optional:"true"`
}

// Server is the worker's HTTP server: Connect's API plus the probes.
type Server struct {
	listeners []config.Listener
	log       *slog.Logger
	handler   http.Handler
	tls       *tls.Config

	herder   Herder
	cluster  Cluster
	health   *health.State
	probes   http.Handler
	security Security
	client   *http.Client
	timeout  time.Duration
	// forwardTimeout bounds the wait for another worker; see forwardWait.
	forwardTimeout time.Duration
	routes         []*route
	openapi        []byte

	mu    sync.Mutex
	srv   *http.Server
	addrs []net.Addr
	done  chan struct{}
}

// New builds the server; it listens only on Start.
func New(p Params) (*Server, error) {
	var ls []config.Listener
	for _, s := range p.Worker.Listeners {
		l, err := config.ParseListener(s)
		if err != nil {
			return nil, fmt.Errorf("rest: listener %q: %w", s, err)
		}
		if l.Scheme == "https" && (p.TLS == nil || (len(p.TLS.Certificates) == 0 && p.TLS.GetCertificate == nil)) {
			return nil, fmt.Errorf("rest: listener %q: https needs a certificate and key", s)
		}
		ls = append(ls, l)
	}
	if err := p.Security.Validate(); err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	s := &Server{
		listeners: ls,
		log:       p.Log.With("component", "rest"),
		tls:       p.TLS,
		herder:    p.Herder,
		cluster:   p.Cluster,
		health:    p.Health,
		probes:    p.Health.Probes(),
		security:  p.Security,
		client:    noRedirects(p.HTTPClient),
		timeout:   RequestTimeout,

		forwardTimeout: forwardWait(p.Worker.SessionTimeout.D()),
	}
	s.routes = routes()
	doc, err := openAPIDocument(s.routes, s.security)
	if err != nil {
		return nil, fmt.Errorf("rest: openapi document: %w", err)
	}
	s.openapi = doc
	s.handler = http.HandlerFunc(s.serve)
	if p.Metrics != nil {
		s.handler = withMetrics(p.Metrics, s.handler)
	}
	return s, nil
}

// withMetrics hands the metrics paths to m and the rest to api.
func withMetrics(m, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metrics", "/metrics/scaling":
			m.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

// Handler serves the API; tests use it with httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Start binds every listener and serves in the background, so a port that is
// taken fails startup instead of a later request.
func (s *Server) Start(context.Context) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	var lns []net.Listener
	for _, l := range s.listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			for _, open := range lns {
				open.Close()
			}
			return fmt.Errorf("rest: listen on %s: %w", l.Addr(), err)
		}
		if l.Scheme == "https" {
			ln = tls.NewListener(ln, s.tls)
		}
		lns = append(lns, ln)
	}
	s.mu.Lock()
	s.srv, s.done = srv, make(chan struct{})
	s.addrs = nil
	for _, ln := range lns {
		s.addrs = append(s.addrs, ln.Addr())
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, ln := range lns {
		s.log.Info("REST API listening", "addr", ln.Addr().String())
		if !s.security.authEnabled() && !loopback(ln.Addr().String()) {
			// Whoever reaches this port can make the worker read files and
			// URLs its connectors may reach, and publish them (README, Security).
			s.log.Warn("the REST API answers clients beyond this host without credentials: set SIDECAR_REST_AUTH_TOKEN(_FILE) or SIDECAR_REST_BASIC_USER, or listen on 127.0.0.1 only", "addr", ln.Addr().String())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("REST listener stopped", "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	go func() { wg.Wait(); close(s.done) }()
	return nil
}

// Stop finishes requests in flight, then closes the listeners.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	<-done
	return err
}

// Addrs returns the bound addresses, once started.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

func (s *Server) root(c *call) {
	id, err := s.cluster.ClusterID(c.ctx)
	if err != nil {
		c.error(http.StatusInternalServerError, "Kafka cluster id is not known yet: "+err.Error())
		return
	}
	c.json(http.StatusOK, ServerInfo{
		Version:        buildinfo.ConnectVersion + "-sidecar",
		Commit:         buildinfo.Commit(),
		KafkaClusterID: id,
	})
}

func (s *Server) healthCheck(c *call) { s.health.Handler().ServeHTTP(c.w, c.r) }

func (s *Server) probe(c *call) { s.probes.ServeHTTP(c.w, c.r) }

func (s *Server) openAPI(c *call) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(s.openapi)
}

// noRedirects copies the client so that it never follows a redirect, as
// Connect's RestClient does not.
func noRedirects(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = RequestTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}
