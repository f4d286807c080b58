// Package coordination makes the worker a member of a Kafka Connect group:
// it joins through the broker's group coordinator, runs the assignor when
// elected leader, and hands each assignment to the worker.
package coordination

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/joingroup"
	"github.com/segmentio/kafka-go/protocol/syncgroup"

	"github.com/connect-sidecar/connect-sidecar/coordination/assign"
	"github.com/connect-sidecar/connect-sidecar/coordination/wire"
)

// Config says how the member behaves; fields mirror the worker properties.
type Config struct {
	GroupID           string
	URL               string // advertised REST URL, ending in "/"
	Protocol          string // eager, compatible or sessioned (connect.protocol)
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	HeartbeatInterval time.Duration
	MaxDelay          time.Duration // scheduled.rebalance.max.delay.ms
	SyncTimeout       time.Duration // worker.sync.timeout.ms
}

// Host is the rest of the worker as the member sees it. The member calls it
// from its own goroutine only.
type Host interface {
	// Config returns the worker's current view of the config topic.
	Config() assign.Config
	// ReadConfigToEnd catches up with the config topic.
	ReadConfigToEnd(ctx context.Context) error
	// Revoke stops work and returns once it has stopped, so the member can
	// report it as no longer running.
	Revoke(ctx context.Context, w wire.Work)
	// Released reads what workers (ids, host:port) have written up to now
	// and reports whether a connector (task wire.ConnectorTask) or task was
	// last given up by one of them: stopped on purpose, not lost with a
	// crash. The leader asks it about workers that just left the group.
	Released(ctx context.Context, workers []string) func(connector string, task int32) bool
	// Assigned gives the complete set of work to run from now on.
	Assigned(a Assignment)
}

// Assignment is what the worker should run after a rebalance.
type Assignment struct {
	Generation   int32
	MemberID     string
	LeaderID     string
	LeaderURL    string
	Version      int16 // selected sub-protocol: wire.V0, V1 or V2
	ConfigOffset int64
	Work         wire.Work      // everything to run, not a delta
	Owners       *assign.Owners // who runs what; only on the leader
}

// Leader reports whether this worker leads the group.
func (a Assignment) Leader() bool { return a.MemberID != "" && a.MemberID == a.LeaderID }

// Hooks observe rebalances, for metrics. Any may be nil.
type Hooks struct {
	RebalanceStarted   func(reason string)
	RebalanceCompleted func(a Assignment, took time.Duration)
}

// Member is one worker's membership in the group. Run owns all its state.
type Member struct {
	cfg   Config
	host  Host
	log   *slog.Logger
	group groupClient
	hooks Hooks
	now   func() time.Time

	rejoin   chan string
	lease    lease
	progress atomic.Int64 // Unix ns when Run last came round, for /live
	trouble  trouble

	// Owned by Run's goroutine.
	memberID   string
	generation int32
	snapshot   *wire.Assignment // what runs now, as reported in JoinGroup; nil = none
	leader     leaderMemory
}

type leaderMemory struct {
	state         assign.State
	lastCompleted int32
	workers       map[string]string // member id -> worker id, as of the last round led
}

// New builds a member that talks to the bootstrap servers through rt.
func New(cfg Config, rt roundTripper, bootstrap []string, host Host, log *slog.Logger, hooks Hooks) *Member {
	return &Member{
		cfg:    cfg,
		host:   host,
		log:    log.With("component", "member", "group", cfg.GroupID),
		group:  groupClient{rt: rt, addr: kafka.TCP(bootstrap...), groupID: cfg.GroupID},
		hooks:  hooks,
		now:    time.Now,
		rejoin: make(chan string, 1),
		leader: leaderMemory{lastCompleted: -1},
	}
}

// Rejoin asks for a rebalance, e.g. after a connector was created. It never
// blocks; requests made while one is pending merge into it.
func (m *Member) Rejoin(reason string) {
	select {
	case m.rejoin <- reason:
	default:
	}
}

// Lease reports whether this worker may act on its assignment now: it has
// had a successful heartbeat within the session timeout. Tasks check it so
// that a worker frozen past its session (SIGSTOP, a long GC, a partition)
// does not keep working once the group may have given its work away.
func (m *Member) Lease() bool { return m.lease.valid(m.now()) }

// Progress is when Run last came round: each rejoin attempt, heartbeat and
// revocation moves it on, also while Kafka cannot be reached, so it stands
// still only when the loop is stuck. Zero before Run starts.
func (m *Member) Progress() time.Time {
	if ns := m.progress.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

func (m *Member) step() { m.progress.Store(m.now().UnixNano()) }

// Failing reports since when this worker has failed to take part in the
// group, and the last error; a zero time means it is in good standing.
func (m *Member) Failing() (since time.Time, err error) { return m.trouble.get() }

// Run takes part in the group until ctx ends, then stops all work and
// leaves the group so the others rebalance at once.
func (m *Member) Run(ctx context.Context) error {
	reason := "worker started"
	var failures int
	for ctx.Err() == nil {
		m.step()
		next, err := m.round(ctx, reason)
		if err == nil {
			failures = 0
			reason = next
			continue
		}
		if ctx.Err() != nil {
			break
		}
		m.trouble.failed(m.now(), err)
		failures++
		wait := backoff(failures)
		m.log.Warn("rebalance failed, will rejoin", "why", err, "retry_in", wait)
		reason = err.Error()
		if !sleep(ctx, wait) {
			break
		}
	}
	m.shutdown()
	return nil
}

// round joins, syncs and then heartbeats until something calls for the
// next rebalance, whose reason it returns.
func (m *Member) round(ctx context.Context, reason string) (string, error) {
	started := m.now()
	if m.hooks.RebalanceStarted != nil {
		m.hooks.RebalanceStarted(reason)
	}
	m.log.Info("rebalance started", "why", reason)
	if m.cfg.Protocol == "eager" && m.snapshot != nil {
		m.revoke(ctx, m.snapshot.Assigned, "eager protocol stops everything before joining")
	}
	join, err := m.join(ctx)
	if err != nil {
		return "", err
	}
	version, err := versionOf(join.protocol)
	if err != nil {
		return "", err
	}
	var assignments []syncgroup.RequestAssignment
	var owners *assign.Owners
	if join.leaderID == m.memberID {
		if assignments, owners, err = m.lead(ctx, join, version); err != nil {
			return "", err
		}
	}
	// The coordinator answers SyncGroup once the leader has synced, within
	// the rebalance timeout; past that, Kafka is not answering.
	sctx, cancel := context.WithTimeout(ctx, m.cfg.RebalanceTimeout+m.cfg.SessionTimeout)
	// The lease runs from when the request left, not from the answer: an
	// answer that was held up (the process frozen meanwhile) must not
	// extend it past the coordinator's view of the session.
	sent := m.now()
	raw, err := m.group.sync(sctx, m.memberID, m.generation, join.protocol, assignments)
	cancel()
	if err != nil {
		return "", m.handleGroupError(err)
	}
	a, err := wire.DecodeAssignment(raw)
	if err != nil {
		return "", fmt.Errorf("assignment from leader %s: %w", join.leaderID, err)
	}
	m.lease.renew(sent, m.cfg.SessionTimeout)
	m.trouble.clear()
	if join.leaderID == m.memberID {
		m.leader.lastCompleted = m.generation
	} else {
		m.leader = leaderMemory{lastCompleted: -1}
	}
	return m.apply(ctx, a, version, owners, started)
}

// join sends JoinGroup until the broker accepts this member, handling the
// first-join member id handshake.
func (m *Member) join(ctx context.Context) (joinResult, error) {
	protocols, err := m.protocols()
	if err != nil {
		return joinResult{}, err
	}
	for attempt := 0; ; attempt++ {
		m.step()
		jctx, cancel := context.WithTimeout(ctx, m.cfg.RebalanceTimeout+m.cfg.SessionTimeout)
		res, err := m.group.join(jctx, m.memberID, ms(m.cfg.SessionTimeout), ms(m.cfg.RebalanceTimeout), protocols)
		cancel()
		switch {
		case err == nil:
			m.memberID, m.generation = res.memberID, res.generation
			return res, nil
		case errors.Is(err, kafka.MemberIDRequired) && attempt < 3:
			m.memberID = res.memberID
		default:
			return joinResult{}, m.handleGroupError(err)
		}
	}
}

// handleGroupError forgets the membership when the coordinator no longer
// knows it, so the next JoinGroup starts afresh.
func (m *Member) handleGroupError(err error) error {
	if errors.Is(err, kafka.UnknownMemberId) || errors.Is(err, kafka.IllegalGeneration) || errors.Is(err, kafka.FencedInstanceID) {
		m.memberID, m.generation = "", -1
	}
	return err
}

// protocols lists the sub-protocols this worker offers, most preferred
// first, each with its metadata.
func (m *Member) protocols() ([]joingroup.RequestProtocol, error) {
	offset := m.host.Config().Offset
	var versions []int16
	switch m.cfg.Protocol {
	case "sessioned":
		versions = []int16{wire.V2, wire.V1, wire.V0}
	case "compatible":
		versions = []int16{wire.V1, wire.V0}
	default:
		versions = []int16{wire.V0}
	}
	var out []joingroup.RequestProtocol
	for _, v := range versions {
		md := wire.Metadata{Version: v, URL: m.cfg.URL, ConfigOffset: offset}
		if v > wire.V0 && m.snapshot != nil {
			alloc := *m.snapshot
			alloc.Version = v
			md.Allocation = &alloc
		}
		b, err := wire.EncodeMetadata(md)
		if err != nil {
			return nil, err
		}
		out = append(out, joingroup.RequestProtocol{Name: protocolName(v), Metadata: b})
	}
	return out, nil
}

// lead runs the assignor over the members' metadata.
func (m *Member) lead(ctx context.Context, join joinResult, version int16) ([]syncgroup.RequestAssignment, *assign.Owners, error) {
	members := make([]assign.Member, 0, len(join.members))
	for _, jm := range join.members {
		md, err := wire.DecodeMetadata(jm.Metadata)
		if err != nil {
			// A member we cannot read still gets an assignment; it runs
			// nothing until it sends metadata we understand.
			m.log.Warn("cannot read a member's metadata", "member", jm.MemberID, "err", err)
			members = append(members, assign.Member{ID: jm.MemberID})
			continue
		}
		am := assign.Member{ID: jm.MemberID, URL: md.URL, ConfigOffset: md.ConfigOffset}
		if md.Allocation != nil {
			am.Allocation = md.Allocation.Assigned
		}
		members = append(members, am)
	}
	out, err := assign.Assign(assign.Input{
		Version:       version,
		LeaderID:      m.memberID,
		Members:       members,
		Config:        m.host.Config(),
		Generation:    m.generation,
		LastCompleted: m.leader.lastCompleted,
		Now:           m.now(),
		MaxDelay:      m.cfg.MaxDelay,
		State:         m.leader.state,
		Released:      m.released(ctx, members),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("assign: %w", err)
	}
	m.leader.state = out.State
	assignments := make([]syncgroup.RequestAssignment, 0, len(out.Assignments))
	for id, a := range out.Assignments {
		b, err := wire.EncodeAssignment(a)
		if err != nil {
			return nil, nil, fmt.Errorf("encode assignment for %s: %w", id, err)
		}
		assignments = append(assignments, syncgroup.RequestAssignment{MemberID: id, Assignment: b})
	}
	return assignments, out.Owners, nil
}

// released asks the host what the workers that left since the last round
// this member led had given up before leaving, and remembers who is a
// member now. A worker that leaves on purpose stops its work and writes
// that it did (UNASSIGNED statuses, as Java workers do too) before it
// leaves, so its work need not wait scheduled.rebalance.max.delay.ms for
// it to come back; one that crashed or froze wrote nothing and still gets
// the delay.
func (m *Member) released(ctx context.Context, members []assign.Member) func(string, int32) bool {
	now := make(map[string]string, len(members))
	for _, am := range members {
		now[am.ID] = workerID(am.URL)
	}
	var gone []string
	for id, worker := range m.leader.workers {
		if _, ok := now[id]; !ok && worker != "" {
			gone = append(gone, worker)
		}
	}
	m.leader.workers = now
	if len(gone) == 0 {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, m.cfg.SyncTimeout)
	defer cancel()
	return m.host.Released(rctx, gone)
}

// workerID is the id a worker writes its statuses under: its advertised
// host and port.
func workerID(advertised string) string {
	u, err := url.Parse(advertised)
	if err != nil {
		return ""
	}
	return u.Host
}

// apply stops what was revoked, records the new snapshot, and starts the
// rest once the local config has caught up with the leader's; then it
// heartbeats until the next rebalance is due.
func (m *Member) apply(ctx context.Context, a wire.Assignment, version int16, owners *assign.Owners, started time.Time) (string, error) {
	if version == wire.V0 {
		m.snapshot = &wire.Assignment{}
	} else if m.snapshot == nil {
		m.snapshot = &wire.Assignment{Version: version}
	}
	if len(a.Revoked.Connectors)+len(a.Revoked.Tasks) > 0 {
		m.revoke(ctx, a.Revoked, "revoked by the leader")
	}
	work := a.Assigned
	if version != wire.V0 {
		work = m.snapshot.Assigned.Plus(a.Assigned)
	}
	m.snapshot = &wire.Assignment{Version: version, Leader: a.Leader, LeaderURL: a.LeaderURL, ConfigOffset: a.ConfigOffset, Assigned: work}

	if a.Error == wire.ConfigMismatch {
		// Bounded as Java bounds it, so that a Kafka that does not answer
		// makes the member retry rather than wait forever.
		rctx, cancel := context.WithTimeout(ctx, m.cfg.SyncTimeout)
		err := m.host.ReadConfigToEnd(rctx)
		cancel()
		if err != nil {
			return "", fmt.Errorf("catch up with the config topic after CONFIG_MISMATCH: %w", err)
		}
		return "leader reported a config mismatch", nil
	}
	if err := m.catchUp(ctx, a.ConfigOffset); err != nil {
		return "", err
	}
	assignment := Assignment{
		Generation: m.generation, MemberID: m.memberID, LeaderID: a.Leader, LeaderURL: a.LeaderURL,
		Version: version, ConfigOffset: a.ConfigOffset, Work: work, Owners: owners,
	}
	m.host.Assigned(assignment)
	took := m.now().Sub(started)
	m.log.Info("rebalance completed", "generation", m.generation, "leader", assignment.Leader(), "protocol", protocolName(version),
		"connectors", len(work.Connectors), "tasks", len(work.Tasks), "took", took)
	m.log.Debug("assignment", "generation", m.generation, "leader_url", a.LeaderURL, "work", workString(work))
	if m.hooks.RebalanceCompleted != nil {
		m.hooks.RebalanceCompleted(assignment, took)
	}
	if len(a.Revoked.Connectors)+len(a.Revoked.Tasks) > 0 {
		return "work was revoked; the next round hands it out", nil
	}
	return m.heartbeat(ctx, time.Duration(a.DelayMs)*time.Millisecond)
}

// catchUp reads the config topic until the local offset equals the
// assignment's; no work may start before (§1.6).
func (m *Member) catchUp(ctx context.Context, want int64) error {
	if m.host.Config().Offset < want {
		rctx, cancel := context.WithTimeout(ctx, m.cfg.SyncTimeout)
		err := m.host.ReadConfigToEnd(rctx)
		cancel()
		if err != nil {
			return fmt.Errorf("config topic not caught up to offset %d within %v: %w", want, m.cfg.SyncTimeout, err)
		}
	}
	if got := m.host.Config().Offset; got != want {
		return fmt.Errorf("local config offset %d differs from the assignment's %d", got, want)
	}
	return nil
}

// settleHeartbeat is the first heartbeat's wait after a rebalance; each
// next one doubles it up to the heartbeat interval.
const settleHeartbeat = 50 * time.Millisecond

// heartbeat keeps the membership alive until a rebalance is due.
func (m *Member) heartbeat(ctx context.Context, delay time.Duration) (string, error) {
	var delayed <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		delayed = t.C
	}
	// Right after a rebalance a second cooperative round is likely (the
	// members that revoked work rejoin as soon as it stopped), and this
	// member hears of it only at its next heartbeat. So the first
	// heartbeats come quickly and back off to the interval: a newcomer
	// gets its share within tens of milliseconds of the revocation, for
	// about four extra heartbeats per rebalance.
	wait := min(settleHeartbeat, m.cfg.HeartbeatInterval)
	tick := time.NewTimer(wait)
	defer tick.Stop()
	var failingSince time.Time // first failure of the current streak
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case reason := <-m.rejoin:
			return reason, nil
		case <-delayed:
			return "scheduled rebalance delay expired", nil
		case <-tick.C:
		}
		wait = min(2*wait, m.cfg.HeartbeatInterval)
		tick.Reset(wait)
		m.step()
		// A slow answer is not a failure: the interval is short, the
		// session is what counts.
		hctx, cancel := context.WithTimeout(ctx, max(m.cfg.HeartbeatInterval, m.cfg.SessionTimeout/4))
		sent := m.now() // the lease runs from here; see round
		err := m.group.heartbeat(hctx, m.memberID, m.generation)
		cancel()
		now := m.now()
		switch {
		case err == nil:
			failingSince = time.Time{}
			m.lease.renew(sent, m.cfg.SessionTimeout)
			m.trouble.clear()
		case errors.Is(err, kafka.RebalanceInProgress):
			return "the coordinator started a rebalance", nil
		case errors.Is(err, kafka.UnknownMemberId), errors.Is(err, kafka.IllegalGeneration), errors.Is(err, kafka.FencedInstanceID):
			// The group went on without us: our work may already run
			// elsewhere, so stop it before rejoining.
			m.handleGroupError(err)
			m.revokeAll(ctx, "membership lost ("+err.Error()+")")
			return "membership lost", nil
		case !m.lease.valid(now):
			// The coordinator has not answered for a whole session: the
			// group may have handed this worker's work to others, so it
			// stops everything. Java stops after one heartbeat interval;
			// the lease is what proves membership, so a blip shorter than
			// the session costs nothing here and heartbeats can be
			// frequent without turning every blip into a revocation.
			if failingSince.IsZero() {
				failingSince = now
			}
			m.revokeAll(ctx, "coordinator unreachable for "+now.Sub(failingSince).String()+", past the session timeout")
			return "coordinator unreachable: " + err.Error(), nil
		case failingSince.IsZero():
			failingSince = now
			m.trouble.failed(now, err)
			m.log.Warn("heartbeat failed", "err", err)
		}
	}
}

// revokeAll stops everything and forgets the snapshot, so the next
// JoinGroup reports no allocation and the leader does not count this
// worker's old work as running here.
func (m *Member) revokeAll(ctx context.Context, why string) {
	if m.snapshot != nil {
		m.revoke(ctx, m.snapshot.Assigned, why)
	}
	m.snapshot = nil
	m.lease.expire()
}

func (m *Member) revoke(ctx context.Context, w wire.Work, why string) {
	if len(w.Connectors)+len(w.Tasks) == 0 {
		return
	}
	m.log.Info("stopping work", "why", why, "connectors", len(w.Connectors), "tasks", len(w.Tasks))
	m.step()
	m.host.Revoke(ctx, w)
	m.step()
	if m.snapshot != nil {
		m.snapshot.Assigned = m.snapshot.Assigned.Minus(w)
	}
}

// shutdown stops all work, then leaves the group so that the others
// rebalance at once instead of waiting for the session to time out.
func (m *Member) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.SessionTimeout)
	defer cancel()
	m.revokeAll(ctx, "worker stopping")
	if m.memberID == "" {
		return
	}
	if err := m.group.leave(ctx, m.memberID); err != nil {
		m.log.Warn("could not leave the group; the others wait for the session timeout", "err", err)
		return
	}
	m.log.Info("left the group", "member", m.memberID)
}

func protocolName(v int16) string {
	switch v {
	case wire.V2:
		return "sessioned"
	case wire.V1:
		return "compatible"
	}
	return "default"
}

func versionOf(name string) (int16, error) {
	switch name {
	case "sessioned":
		return wire.V2, nil
	case "compatible":
		return wire.V1, nil
	case "default":
		return wire.V0, nil
	}
	return 0, fmt.Errorf("the coordinator selected unknown protocol %q", name)
}

func ms(d time.Duration) int32 { return int32(d / time.Millisecond) }

// backoff is the wait before the next rejoin: 100 ms doubling to 1 s, as
// Java's retry.backoff.ms and retry.backoff.max.ms. A longer cap would
// leave the group idle for seconds after a broker failover ends (the new
// coordinator answers about 9 s after its predecessor died, once KRaft
// fences it), for the sake of a few cheap requests a second.
func backoff(failures int) time.Duration {
	d := 100 * time.Millisecond << min(failures-1, 4)
	return min(d, time.Second)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// trouble is the member's current run of failures, for /health.
type trouble struct {
	mu    sync.Mutex
	since time.Time
	err   error
}

func (t *trouble) failed(now time.Time, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.since.IsZero() {
		t.since = now
	}
	t.err = err
}

func (t *trouble) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.since, t.err = time.Time{}, nil
}

func (t *trouble) get() (time.Time, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.since, t.err
}

// lease is the time until which this worker may act on its assignment.
type lease struct {
	mu    sync.Mutex
	until time.Time
}

func (l *lease) renew(now time.Time, session time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.until = now.Add(session)
}

func (l *lease) expire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.until = time.Time{}
}

func (l *lease) valid(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(l.until)
}

var _ roundTripper = (*kafka.Transport)(nil)
