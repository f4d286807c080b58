package coordination

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/coordination/assign"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// fakeHost is a worker whose config topic is a map and whose running work
// is a set, so tests can assert who runs what.
type fakeHost struct {
	mu       sync.Mutex
	config   assign.Config
	running  map[string]bool // connector or "c/n"
	last     Assignment
	assigned int
	revoked  int // items stopped, over all revocations
}

func newHost(tasks map[string]int) *fakeHost {
	return &fakeHost{config: assign.Config{Offset: 3, Tasks: tasks}, running: map[string]bool{}}
}

func (h *fakeHost) Config() assign.Config {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.config
}

func (h *fakeHost) ReadConfigToEnd(context.Context) error { return nil }

func (h *fakeHost) Released(context.Context, []string) func(string, int32) bool { return nil }

func (h *fakeHost) Revoke(_ context.Context, w wire.Work) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys(w) {
		delete(h.running, k)
	}
	h.revoked += len(keys(w))
}

func (h *fakeHost) Assigned(a Assignment) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running = map[string]bool{}
	for _, k := range keys(a.Work) {
		h.running[k] = true
	}
	h.last = a
	h.assigned++
}

func (h *fakeHost) Running() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for k := range h.running {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func keys(w wire.Work) []string {
	var out []string
	out = append(out, w.Connectors...)
	for _, t := range w.Tasks {
		out = append(out, fmt.Sprintf("%s/%d", t.Connector, t.Task))
	}
	return out
}

func testConfig(group string, i int) Config {
	return Config{
		GroupID:           group,
		URL:               fmt.Sprintf("http://w%d:8083/", i),
		Protocol:          "sessioned",
		SessionTimeout:    6 * time.Second,
		RebalanceTimeout:  5 * time.Second,
		HeartbeatInterval: 300 * time.Millisecond,
		SyncTimeout:       3 * time.Second,
	}
}

type running struct {
	member *Member
	host   *fakeHost
	cancel context.CancelFunc
	done   chan struct{}
}

func startMember(t *testing.T, b *kafkatest.Broker, cfg Config, tasks map[string]int) *running {
	t.Helper()
	host := newHost(tasks)
	m := New(cfg, &kafka.Transport{}, []string{b.Addr}, host, slog.New(slog.DiscardHandler), Hooks{})
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{member: m, host: host, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		_ = m.Run(ctx)
	}()
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

// checkSpread asserts that the members together run every item exactly once
// and that loads differ by at most one.
func checkSpread(members []*running, want int) error {
	seen := map[string]int{}
	var loads []int
	for _, m := range members {
		items := m.host.Running()
		loads = append(loads, len(items))
		for _, it := range items {
			seen[it]++
		}
	}
	if len(seen) != want {
		return fmt.Errorf("%d distinct items run, want %d (loads %v)", len(seen), want, loads)
	}
	for it, n := range seen {
		if n != 1 {
			return fmt.Errorf("%s runs on %d workers", it, n)
		}
	}
	if slices.Max(loads)-slices.Min(loads) > 1 {
		return fmt.Errorf("loads %v differ by more than one", loads)
	}
	return nil
}

func TestMembersShareWorkAndTakeOverWhenOneLeaves(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	tasks := map[string]int{"orders": 6}
	var members []*running
	for i := range 3 {
		members = append(members, startMember(t, b, testConfig(group, i), tasks))
	}
	kafkatest.Eventually(t, 30*time.Second, func() error { return checkSpread(members, 7) })

	leaders := 0
	for _, m := range members {
		if m.host.last.Leader() {
			leaders++
		}
		if m.host.last.Version != wire.V2 {
			t.Errorf("protocol version %d, want sessioned (2)", m.host.last.Version)
		}
	}
	if leaders != 1 {
		t.Errorf("%d leaders, want 1", leaders)
	}

	members[0].stop() // leaves the group gracefully
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread(members[1:], 7) })
}

func TestEagerProtocolRestartsEverythingEachRound(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	tasks := map[string]int{"a": 2, "b": 1}
	cfg := testConfig(group, 0)
	cfg.Protocol = "eager"
	first := startMember(t, b, cfg, tasks)
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{first}, 5) })
	cfg2 := testConfig(group, 1)
	cfg2.Protocol = "eager"
	second := startMember(t, b, cfg2, tasks)
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{first, second}, 5) })
	if v := second.host.last.Version; v != wire.V0 {
		t.Errorf("version %d, want default (0)", v)
	}
}

// A sessioned worker next to an eager one falls back to what both speak.
func TestMixedProtocolsAgreeOnTheCommonOne(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	tasks := map[string]int{"a": 2}
	sessioned := startMember(t, b, testConfig(group, 0), tasks)
	compat := testConfig(group, 1)
	compat.Protocol = "compatible"
	compatible := startMember(t, b, compat, tasks)
	kafkatest.Eventually(t, 20*time.Second, func() error {
		if err := checkSpread([]*running{sessioned, compatible}, 3); err != nil {
			return err
		}
		if v := sessioned.host.last.Version; v != wire.V1 {
			return fmt.Errorf("version %d, want compatible (1)", v)
		}
		return nil
	})
}

func TestHeartbeatErrorsAreDecoded(t *testing.T) {
	b := kafkatest.Start(t)
	g := groupClient{rt: &kafka.Transport{}, addr: kafka.TCP(b.Addr), groupID: kafkatest.Name(t, "g")}
	ctx := context.Background()
	err := g.heartbeat(ctx, "nobody", 1)
	if !errors.Is(err, kafka.UnknownMemberId) && !errors.Is(err, kafka.IllegalGeneration) && !errors.Is(err, kafka.GroupIdNotFound) {
		t.Fatalf("heartbeat of an unknown member: %v, want a group error", err)
	}
}

func TestLeaseExpiresWithoutHeartbeats(t *testing.T) {
	var l lease
	now := time.Unix(1000, 0)
	if l.valid(now) {
		t.Fatal("a new lease is valid")
	}
	l.renew(now, 10*time.Second)
	if !l.valid(now.Add(9*time.Second)) || l.valid(now.Add(10*time.Second)) {
		t.Error("lease does not last exactly the session timeout")
	}
	l.expire()
	if l.valid(now) {
		t.Error("expired lease is valid")
	}
}

// When the coordinator cannot be reached for longer than the session, the
// worker stops everything it runs and reports no allocation; once it can
// reach the coordinator again it rejoins.
func TestUnreachableCoordinatorStopsAllWork(t *testing.T) {
	b := kafkatest.Start(t)
	if b.Fake() == nil {
		t.Skip("needs the in-process broker to cut heartbeats")
	}
	m := startMember(t, b, testConfig(kafkatest.Name(t, "g"), 0), map[string]int{"c": 2})
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{m}, 3) })
	cut := make(chan struct{})
	// Every request fails, so the worker can neither heartbeat nor rejoin.
	b.Fake().Cluster().ControlKey(-1, func(kmsg.Request) (kmsg.Response, error, bool) {
		select {
		case <-cut:
			return nil, nil, false // healed: let heartbeats through again
		default:
			b.Fake().Cluster().KeepControl()
			return nil, errors.New("coordinator cut off"), true
		}
	})
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if got := m.host.Running(); len(got) != 0 {
			return fmt.Errorf("still running %v", got)
		}
		if m.member.Lease() {
			return fmt.Errorf("lease still valid")
		}
		return nil
	})
	close(cut)
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{m}, 3) })
}

// A coordinator out of reach for several heartbeats but less than the
// session stops nothing: the lease, not one missed heartbeat, decides.
func TestShortCoordinatorOutageStopsNothing(t *testing.T) {
	b := kafkatest.Start(t)
	if b.Fake() == nil {
		t.Skip("needs the in-process broker to cut heartbeats")
	}
	cfg := testConfig(kafkatest.Name(t, "g"), 0)
	m := startMember(t, b, cfg, map[string]int{"c": 2})
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{m}, 3) })
	// Seven heartbeat intervals, a third of the session.
	heal := time.Now().Add(cfg.SessionTimeout / 3)
	b.Fake().Cluster().ControlKey(-1, func(kmsg.Request) (kmsg.Response, error, bool) {
		if time.Now().After(heal) {
			return nil, nil, false
		}
		b.Fake().Cluster().KeepControl()
		return nil, errors.New("coordinator cut off"), true
	})
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if since, _ := m.member.Failing(); since.IsZero() {
			return errors.New("the outage was not noticed yet")
		}
		return nil
	})
	kafkatest.Eventually(t, 20*time.Second, func() error {
		if since, err := m.member.Failing(); !since.IsZero() {
			return fmt.Errorf("still failing since %v: %v", since, err)
		}
		return nil
	})
	m.host.mu.Lock()
	revoked, running := m.host.revoked, len(m.host.running)
	m.host.mu.Unlock()
	if revoked != 0 || running != 3 {
		t.Fatalf("after an outage of %v (session %v): %d items stopped, %d running; want none stopped, 3 running",
			cfg.SessionTimeout/3, cfg.SessionTimeout, revoked, running)
	}
}

// A newcomer hears of the cooperative round that hands it its share soon
// after the existing member revoked that share, not at its next regular
// heartbeat: here that heartbeat would come 20 s later.
func TestNewcomerGetsItsShareWithoutWaitingForItsHeartbeat(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "g")
	tasks := map[string]int{"c": 4}
	first := startMember(t, b, testConfig(group, 0), tasks)
	kafkatest.Eventually(t, 20*time.Second, func() error { return checkSpread([]*running{first}, 5) })

	slow := testConfig(group, 1)
	slow.HeartbeatInterval = 20 * time.Second
	slow.SessionTimeout = 60 * time.Second
	newcomer := startMember(t, b, slow, tasks)
	kafkatest.Eventually(t, slow.HeartbeatInterval/2, func() error {
		if len(newcomer.host.Running()) == 0 {
			return errors.New("the newcomer runs nothing yet")
		}
		return checkSpread([]*running{first, newcomer}, 5)
	})
}
