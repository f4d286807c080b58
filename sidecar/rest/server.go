// Package rest serves Kafka Connect's REST API on the worker's listeners.
package rest

import (
	"context"
	"encoding/json"
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

// Module provides the REST server and runs it for the app's lifetime.
var Module = fx.Module("rest",
	fx.Provide(New),
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
}

// Server is the worker's HTTP server: Connect's API plus the probes.
type Server struct {
	listeners []config.Listener
	log       *slog.Logger
	handler   http.Handler

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
		ls = append(ls, l)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", rootHandler(p.Cluster))
	mux.Handle("GET /health", p.Health.Handler())
	probes := p.Health.Probes()
	mux.Handle("GET /live", probes)
	mux.Handle("GET /ready", probes)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "HTTP 404 Not Found")
	}))
	return &Server{listeners: ls, log: p.Log.With("component", "rest"), handler: mux}, nil
}

// Start binds every listener and serves in the background, so a port that is
// taken fails startup instead of a later request.
func (s *Server) Start(context.Context) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	var lns []net.Listener
	for _, l := range s.listeners {
		ln, err := net.Listen("tcp", l.Addr())
		if err != nil {
			for _, open := range lns {
				open.Close()
			}
			return fmt.Errorf("rest: listen on %s: %w", l.Addr(), err)
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

// serverInfo is the body of GET /.
type serverInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

func rootHandler(c Cluster) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := c.ClusterID(r.Context())
		if err != nil {
			writeError(w, http.StatusInternalServerError, "Kafka cluster id is not known yet: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, serverInfo{
			Version:        buildinfo.ConnectVersion + "-sidecar",
			Commit:         buildinfo.Commit(),
			KafkaClusterID: id,
		})
	})
}

// errorBody is Connect's error shape.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, code int, message string) {
	writeJSON(w, code, errorBody{ErrorCode: code, Message: message})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
