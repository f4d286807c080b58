package sidecar

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// fakeConfigs is the herder's view of the config topic: answers is a
// queue of errors PutConnectorConfig returns before it writes.
type fakeConfigs struct {
	mu      sync.Mutex
	configs map[string]map[string]string
	answers []error
	writes  []string
}

func (f *fakeConfigs) ConnectorConfig(_ context.Context, name string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.configs[name]
	if !ok {
		return nil, &rest.NotFoundError{Message: "Connector " + name + " not found"}
	}
	return maps.Clone(c), nil
}

func (f *fakeConfigs) PutConnectorConfig(_ context.Context, name string, conf map[string]string, _ rest.TargetState, allowReplace bool) (rest.ConnectorInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !allowReplace {
		panic("declared connectors replace")
	}
	if len(f.answers) > 0 {
		err := f.answers[0]
		f.answers = f.answers[1:]
		return rest.ConnectorInfo{}, false, err
	}
	_, exists := f.configs[name]
	f.configs[name] = conf
	f.writes = append(f.writes, name)
	return rest.ConnectorInfo{Name: name}, !exists, nil
}

// fakeLeader is the leader behind a follower.
type fakeLeader struct {
	fakeConfigs
	urls []string
}

func (l *fakeLeader) PutConnectorConfig(ctx context.Context, url, name string, conf map[string]string) (bool, error) {
	l.mu.Lock()
	l.urls = append(l.urls, url)
	l.mu.Unlock()
	_, created, err := l.fakeConfigs.PutConnectorConfig(ctx, name, conf, "", true)
	return created, err
}

func declaredConnector(name, class string) config.Connector {
	return config.Connector{Name: name, Config: map[string]string{"name": name, "connector.class": class}, Source: "SIDECAR_CONNECTORS"}
}

func ready(h *health.State) bool {
	rec := httptest.NewRecorder()
	h.Probes().ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	return rec.Code == http.StatusOK
}

func TestDeclaredConnectors(t *testing.T) {
	invalid := rest.NewInvalidConfigError(rest.ConfigInfos{ErrorCount: 1, Configs: []rest.ConfigInfo{
		{Value: &rest.ConfigValueInfo{Name: "topics", Errors: []string{"Must configure one of topics or topics.regex"}}},
	}})
	tests := []struct {
		name       string
		existing   map[string]map[string]string
		answers    []error // from this worker's herder
		leader     []error // from the leader, when answers say NotLeaderError
		wantLocal  []string
		wantLeader []string
		notice     string
	}{
		{name: "created", wantLocal: []string{"a", "b"}},
		{name: "unchanged, not written",
			existing:  map[string]map[string]string{"a": {"name": "a", "connector.class": "A"}, "b": {"name": "b", "connector.class": "old"}},
			wantLocal: []string{"b"}},
		{name: "retried through rebalances",
			answers:   []error{rest.ErrRebalanceInProgress, &rest.ConflictError{Message: "conflict"}},
			wantLocal: []string{"a", "b"}},
		{name: "a follower's write goes to the leader",
			answers:    []error{&rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}},
			wantLeader: []string{"a", "b"}},
		{name: "the leader's 409 and 401 are retried",
			answers:    []error{&rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}},
			leader:     []error{&rest.StatusError{Status: 409, Message: "rebalancing"}, &rest.StatusError{Status: 401, Message: "who?"}},
			wantLeader: []string{"a", "b"}},
		{name: "refused by the plugin, the others still written",
			answers:   []error{invalid},
			wantLocal: []string{"b"},
			notice:    "Declared connector a (from SIDECAR_CONNECTORS) was refused: Must configure one of topics or topics.regex."},
		{name: "refused by the leader",
			answers:    []error{&rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}},
			leader:     []error{&rest.BadRequestError{Message: "Connector a is bad"}},
			wantLeader: []string{"b"},
			notice:     "Declared connector a (from SIDECAR_CONNECTORS) was refused: Connector a is bad."},
		{name: "refused by the leader for another reason",
			answers:    []error{&rest.NotLeaderError{LeaderURL: "http://leader:8083/"}, &rest.NotLeaderError{LeaderURL: "http://leader:8083/"}},
			leader:     []error{&rest.StatusError{Status: 413, Message: "Request Entity Too Large"}},
			wantLeader: []string{"b"},
			notice:     "Declared connector a (from SIDECAR_CONNECTORS) was refused: Request Entity Too Large."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local := &fakeConfigs{configs: map[string]map[string]string{}, answers: tt.answers}
			maps.Copy(local.configs, tt.existing)
			leader := &fakeLeader{fakeConfigs: fakeConfigs{configs: map[string]map[string]string{}, answers: tt.leader}}
			h := health.NewState()
			d := newDeclared([]config.Connector{declaredConnector("a", "A"), declaredConnector("b", "B")}, leader, h, slog.New(slog.DiscardHandler))
			h.Started()
			if ready(h) {
				t.Fatal("ready before the declared connectors were written")
			}
			done := make(chan struct{})
			go func() { defer close(done); d.run(context.Background(), local) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not finish")
			}
			if !slices.Equal(local.writes, tt.wantLocal) || !slices.Equal(leader.writes, tt.wantLeader) {
				t.Errorf("writes here %v, at the leader %v; want %v, %v", local.writes, leader.writes, tt.wantLocal, tt.wantLeader)
			}
			for _, u := range leader.urls {
				if u != "http://leader:8083/" {
					t.Errorf("sent to %q", u)
				}
			}
			if !ready(h) {
				t.Error("not ready once every declared connector was settled")
			}
			_, st := h.Report()
			if msg := strings.TrimPrefix(st.Message, "Worker has completed startup and is ready to handle requests."); strings.TrimSpace(msg) != tt.notice {
				t.Errorf("/health message %q, want notice %q", st.Message, tt.notice)
			}
		})
	}
}

// A worker that stops before it joined its group writes nothing and stays
// unready.
func TestDeclaredConnectorsStopWithTheWorker(t *testing.T) {
	local := &fakeConfigs{configs: map[string]map[string]string{}}
	h := health.NewState()
	d := newDeclared([]config.Connector{declaredConnector("a", "A")}, &fakeLeader{}, h, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d.run(ctx, local)
	h.Started()
	if len(local.writes) > 0 || ready(h) {
		t.Errorf("writes %v, ready %v", local.writes, ready(h))
	}

	// Nothing declared: nothing held.
	h = health.NewState()
	newDeclared(nil, &fakeLeader{}, h, slog.New(slog.DiscardHandler)).run(context.Background(), local)
	h.Started()
	if !ready(h) {
		t.Error("not ready with nothing declared")
	}
}
