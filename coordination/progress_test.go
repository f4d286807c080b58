package coordination

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/devbroker"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

// wedgingHost is a worker whose Assigned can be made to hang, as a
// deadlocked herder would, until the test lets it go.
type wedgingHost struct {
	*fakeHost
	mu      sync.Mutex
	wedged  chan struct{} // nil: Assigned returns at once
	release sync.Once
}

func (h *wedgingHost) Assigned(a Assignment) {
	h.mu.Lock()
	wedged := h.wedged
	h.mu.Unlock()
	if wedged != nil {
		<-wedged
	}
	h.fakeHost.Assigned(a)
}

func (h *wedgingHost) wedge() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.wedged = make(chan struct{})
}

func (h *wedgingHost) unwedge() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.wedged != nil {
		h.release.Do(func() { close(h.wedged) })
	}
}

func live(s *health.State) (int, string) {
	rec := httptest.NewRecorder()
	s.Probes().ServeHTTP(rec, httptest.NewRequest("GET", health.LivePath+"?full=1", nil))
	return rec.Code, rec.Body.String()
}

func liveIs(s *health.State, want int, says string) error {
	if code, body := live(s); code != want || !strings.Contains(body, says) {
		return fmt.Errorf("/live = %d %s, want %d saying %q", code, body, want, says)
	}
	return nil
}

// A member loop stuck in its host fails /live, and /live recovers once the
// loop comes round again.
func TestStuckMemberLoopFailsLive(t *testing.T) {
	b := kafkatest.Start(t)
	host := &wedgingHost{fakeHost: newHost(map[string]int{"c": 1})}
	m := New(testConfig(kafkatest.Name(t, "g"), 0), &kafka.Transport{}, []string{b.Addr}, host, slog.New(slog.DiscardHandler), Hooks{})
	state := health.NewState()
	// Far above a heartbeat interval (300 ms), far below the session.
	state.Loop("group member loop", 2*time.Second, m.Progress)
	state.Started()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = m.Run(ctx) }()
	t.Cleanup(func() { host.unwedge(); cancel(); <-done })

	kafkatest.Eventually(t, 30*time.Second, func() error {
		if len(host.Running()) != 2 {
			return fmt.Errorf("running %v", host.Running())
		}
		return liveIs(state, http.StatusOK, "")
	})
	host.wedge()
	m.Rejoin("test wedges the host")
	kafkatest.Eventually(t, 30*time.Second, func() error {
		return liveIs(state, http.StatusServiceUnavailable, "the group member loop has made no progress for")
	})
	host.unwedge()
	kafkatest.Eventually(t, 30*time.Second, func() error { return liveIs(state, http.StatusOK, "") })
}

// While no request reaches Kafka the member keeps coming round (rejoin
// attempts with backoff), so /live holds, and it reports since when it has
// been failing; once Kafka answers again its standing clears.
func TestMemberComesRoundWhileKafkaIsUnreachable(t *testing.T) {
	fake, err := devbroker.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	m := startMember(t, &kafkatest.Broker{Addr: fake.Addr(), Kind: kafkatest.InProcess}, testConfig(kafkatest.Name(t, "g"), 0), map[string]int{"c": 1})
	state := health.NewState()
	// The backoff between rejoins grows to 5 s; the worker's real bound is
	// minutes (see sidecar.stallBound).
	state.Loop("group member loop", 10*time.Second, m.member.Progress)
	state.Started()
	kafkatest.Eventually(t, 30*time.Second, func() error { return checkSpread([]*running{m}, 2) })
	if since, err := m.member.Failing(); !since.IsZero() {
		t.Fatalf("failing since %v (%v) while in the group", since, err)
	}

	cut := make(chan struct{})
	fake.Cluster().ControlKey(-1, func(kmsg.Request) (kmsg.Response, error, bool) {
		select {
		case <-cut:
			return nil, nil, false
		default:
			fake.Cluster().KeepControl()
			return nil, errors.New("Kafka cut off"), true
		}
	})
	cutAt := time.Now()
	kafkatest.Eventually(t, 30*time.Second, func() error {
		since, err := m.member.Failing()
		if since.IsZero() || err == nil {
			return fmt.Errorf("not failing")
		}
		// Several rounds after the first failure: the loop still turns.
		if p := m.member.Progress(); !p.After(since.Add(3 * time.Second)) {
			return fmt.Errorf("last progress %v, first failure %v", p.Sub(cutAt), since.Sub(cutAt))
		}
		if len(m.host.Running()) != 0 {
			return fmt.Errorf("still running %v", m.host.Running())
		}
		return liveIs(state, http.StatusOK, "")
	})
	close(cut)
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if since, err := m.member.Failing(); !since.IsZero() {
			return fmt.Errorf("still failing since %v: %v", since.Sub(cutAt), err)
		}
		return checkSpread([]*running{m}, 2)
	})
	if err := liveIs(state, http.StatusOK, ""); err != nil {
		t.Error(err)
	}
}

var _ Host = (*wedgingHost)(nil)
