// Package peerless carries requests between workers through a Kafka topic
// instead of HTTP (SIDECAR_PEERLESS), for platforms whose replicas cannot
// call each other: Cloud Run instances, ECS tasks without service discovery.
//
// Kafka Connect's workers call each other for three things: a follower
// forwards a client's write to the leader, a worker running a connector
// posts its task configs to the leader, and a restart goes to the worker
// that runs the connector or task. All three go through the REST layer's
// HTTP client; in peerless mode its transport is an Exchange, which writes
// the request to the topic, and the worker it names serves it with its own
// REST handler and writes the answer back. So the REST contract is the
// same in both modes: the same handler answers, with the same statuses and
// bodies, and the worker that writes each record to the config topic is the
// one that writes it in normal mode.
//
// A worker announces on the topic that it serves requests there; a request
// for a worker that has not (a Java worker, or a Go worker in normal mode)
// goes over HTTP as before.
package peerless

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/stores/kafkalog"
)

// Module provides the Exchange (nil unless SIDECAR_PEERLESS is true) and,
// when there is one, routes the REST layer's calls to other workers through
// it and serves what other workers send here with the REST handler. The
// worker starts and stops it.
var Module = fx.Module("peerless",
	fx.Provide(
		New,
		func(e *Exchange) rest.PeerTransport {
			if e == nil {
				return nil
			}
			return e.Transport
		},
	),
	fx.Invoke(func(e *Exchange, s *rest.Server) {
		if e != nil {
			e.handler = s.PeerHandler()
		}
	}),
)

const (
	// announceEvery renews a worker's announcement, so that one from a
	// worker that died without withdrawing it goes stale.
	announceEvery = 10 * time.Minute
	staleAfter    = 3 * announceEvery
	// catchUpWait bounds the wait for the topic's latest records before a
	// worker not heard of is called over HTTP instead.
	catchUpWait = 2 * time.Second
	// drainFor bounds how long a stopping worker lets the requests it
	// serves finish and answer. One cut short may have done its write
	// already (a leader's connector create), and its sender, left without
	// an answer, would tell the client to retry a write that was done.
	drainFor = 3 * time.Second
	// maxBody bounds a request's or answer's body: records must stay under
	// the broker's default message.max.bytes (1 MB).
	maxBody = 900 << 10
)

// Exchange is one worker's end of the request topic.
type Exchange struct {
	log       *slog.Logger
	self      string // this worker's advertised URL
	topicName string
	topic     *kafkalog.Log
	handler   http.Handler
	now       func() time.Time

	mu      sync.Mutex
	live    bool                 // the initial read is done: requests read from now on are served
	peers   map[string]time.Time // announced workers' URLs and when they last said so
	waiting map[string]pending   // by request id
	served  map[string]time.Time // requests served here, until their deadline
	warned  map[string]bool      // workers CheckGroup has warned about

	// ctx ends at Stop: announcements stop, and requests still in service
	// after drainFor are cut short.
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	serving sync.WaitGroup // requests in service; added to under mu while live
}

// New returns the worker's Exchange, or nil when peerless mode is off.
func New(w config.Worker, sc config.Sidecar, k *kafkaclient.Clients, log *slog.Logger) *Exchange {
	if !sc.Peerless {
		return nil
	}
	topic := sc.PeerlessTopic
	if topic == "" {
		topic = w.ConfigStorageTopic + "-requests"
	}
	e := &Exchange{
		log:       log.With("component", "peerless", "topic", topic),
		topicName: topic,
		self:      rest.NormalizeURL(w.AdvertisedURL()),
		now:       time.Now,
		peers:     map[string]time.Time{},
		waiting:   map[string]pending{},
		served:    map[string]time.Time{},
		warned:    map[string]bool{},
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.topic = kafkalog.New(k, kafkalog.Config{
		Topic:             topic,
		SinglePartition:   true,
		ReplicationFactor: w.ConfigStorageReplicationFactor,
		Property:          "SIDECAR_PEERLESS_TOPIC",
	}, log, e.apply)
	return e
}

// Start reads the topic, announces this worker and keeps it announced until
// Stop. Requests written before Start are not served: their senders have
// given up or will retry.
func (e *Exchange) Start(ctx context.Context) error {
	e.mu.Lock()
	read := e.live
	e.mu.Unlock()
	if !read { // a retry after a failed announcement has read it already
		if err := e.topic.Start(ctx); err != nil {
			return err
		}
		e.mu.Lock()
		e.live = true
		e.mu.Unlock()
	}
	if err := e.announce(ctx, true); err != nil {
		return err
	}
	e.log.Info("serving requests from other workers through Kafka", "url", e.self)
	e.wg.Go(func() { e.renew(e.ctx) })
	return nil
}

// Topic is the request topic's name.
func (e *Exchange) Topic() string { return e.topicName }

// Stop takes no more requests, lets those in service finish and answer
// (for up to drainFor), withdraws the announcement, so that others call
// this worker's URL over HTTP again, and stops reading.
func (e *Exchange) Stop() {
	e.mu.Lock()
	live := e.live
	e.live = false
	e.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		e.serving.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainFor):
		e.log.Warn("requests from other workers still in service after " + drainFor.String() + "; cutting them short")
	}
	e.cancel()
	<-drained
	e.wg.Wait()
	if live {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := e.announce(ctx, false); err != nil {
			e.log.Warn("cannot withdraw this worker's announcement", "err", err)
		}
		cancel()
	}
	e.topic.Stop()
}

func (e *Exchange) renew(ctx context.Context) {
	t := time.NewTicker(announceEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.announce(ctx, true); err != nil && ctx.Err() == nil {
				e.log.Warn("cannot renew this worker's announcement", "err", err)
			}
		}
		e.forgetServed()
	}
}

// Record keys: what a record is comes from its key prefix, so a compacted
// topic keeps the latest announcement per worker and drops a request and
// its answer once the sender deletes them.
const (
	workerPrefix   = "worker:"
	requestPrefix  = "request:"
	responsePrefix = "response:"
)

// announcement says a worker serves requests from the topic.
type announcement struct {
	URL  string `json:"url"`
	Time int64  `json:"time"` // Unix milliseconds
}

// request is an HTTP request for the worker at To.
type request struct {
	From     string      `json:"from"`
	To       string      `json:"to"`
	Method   string      `json:"method"`
	URI      string      `json:"uri"` // path and query
	Header   http.Header `json:"header,omitempty"`
	Body     []byte      `json:"body,omitempty"`
	Deadline int64       `json:"deadline"` // Unix milliseconds; later, nobody waits
}

// pending is a request sent from here that waits for its answer.
type pending struct {
	to     string
	result chan result // buffered: whoever completes it never blocks
}

type result struct {
	answer answer
	err    error
}

var errWithdrawn = errors.New("it stopped serving requests before it answered")

// answer is the served request's response.
type answer struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
}

func (e *Exchange) announce(ctx context.Context, present bool) error {
	var value []byte
	if present {
		value, _ = json.Marshal(announcement{URL: e.self, Time: e.now().UnixMilli()})
	}
	return e.topic.Send(ctx, []byte(workerPrefix+e.self), value)
}

// apply reads one record of the topic. Records that are none of ours are
// skipped: the topic may be shared with other tools by mistake, and none of
// their records is ours to lose.
func (e *Exchange) apply(r kafkalog.Record) {
	key := string(r.Key)
	switch {
	case strings.HasPrefix(key, workerPrefix):
		url := strings.TrimPrefix(key, workerPrefix)
		var a announcement
		e.mu.Lock()
		defer e.mu.Unlock()
		if r.Value == nil || json.Unmarshal(r.Value, &a) != nil {
			delete(e.peers, url)
			// It stopped, so nothing sent to it will be answered: its
			// callers learn now rather than at their deadlines.
			for id, p := range e.waiting {
				if p.to == url {
					delete(e.waiting, id)
					p.result <- result{err: errWithdrawn}
				}
			}
			return
		}
		e.peers[url] = time.UnixMilli(a.Time)
	case strings.HasPrefix(key, requestPrefix) && r.Value != nil:
		var req request
		if err := json.Unmarshal(r.Value, &req); err != nil {
			e.log.Warn("skipping a request that cannot be read", "offset", r.Offset, "err", err)
			return
		}
		e.receive(strings.TrimPrefix(key, requestPrefix), req)
	case strings.HasPrefix(key, responsePrefix) && r.Value != nil:
		id := strings.TrimPrefix(key, responsePrefix)
		e.mu.Lock()
		p, ok := e.waiting[id]
		delete(e.waiting, id)
		e.mu.Unlock()
		if !ok {
			return
		}
		var a answer
		if err := json.Unmarshal(r.Value, &a); err != nil {
			a = answer{Status: http.StatusInternalServerError, Body: errorBody("the answer from the other worker cannot be read: " + err.Error())}
		}
		p.result <- result{answer: a}
	}
}

// CheckGroup warns, once per worker, about members of the group that do not
// serve requests from the topic: Java workers, or Go workers without
// SIDECAR_PEERLESS. This worker calls them over HTTP, and they call every
// worker over HTTP, which fails where workers cannot reach each other:
// writes they forward, task configs of connectors they run, restarts they
// route. leader is the leader's URL; members, known only to the leader,
// are every member's URL. It returns at once; the check reads the topic's
// latest announcements first.
func (e *Exchange) CheckGroup(leader string, members []string) {
	e.wg.Go(func() { e.checkGroup(leader, members) })
}

// checkGroup is CheckGroup's work; it returns the workers it warned about.
func (e *Exchange) checkGroup(leader string, members []string) []string {
	ctx, cancel := context.WithTimeout(e.ctx, catchUpWait)
	err := e.topic.ReadToEnd(ctx)
	cancel()
	if err != nil {
		return nil // not sure: better no warning than a false one
	}
	var warned []string
	for _, u := range append([]string{leader}, members...) {
		u = rest.NormalizeURL(u)
		if u == "" || u == e.self || e.listening(u) {
			continue
		}
		e.mu.Lock()
		first := !e.warned[u]
		e.warned[u] = true
		e.mu.Unlock()
		if first {
			warned = append(warned, u)
			e.log.Warn("a worker of this group does not serve requests through Kafka (a Java worker, or one without SIDECAR_PEERLESS=true): "+
				"it and this worker call each other over HTTP, which fails where workers cannot reach each other; run every worker of the group in peerless mode",
				"worker", u, "leader", u == rest.NormalizeURL(leader))
		}
	}
	return warned
}

// listening reports whether url announced, recently enough, that it serves
// requests from the topic.
func (e *Exchange) listening(url string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	at, ok := e.peers[url]
	return ok && e.now().Sub(at) < staleAfter
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errorBody is Connect's error body.
func errorBody(msg string) []byte {
	b, _ := json.Marshal(rest.ErrorMessage{ErrorCode: http.StatusInternalServerError, Message: msg})
	return b
}
