package peerless

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// Transport is the REST layer's transport to other workers: through the
// topic to a worker that announced it serves there, over fallback to any
// other.
func (e *Exchange) Transport(fallback http.RoundTripper) http.RoundTripper {
	return &transport{e: e, http: fallback}
}

type transport struct {
	e    *Exchange
	http http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	to := rest.NormalizeURL(req.URL.Scheme + "://" + req.URL.Host)
	if !t.e.listening(to) {
		// It may have announced itself a moment ago, just before joining
		// the group in which this worker learnt its URL.
		ctx, cancel := context.WithTimeout(req.Context(), catchUpWait)
		err := t.e.topic.ReadToEnd(ctx)
		cancel()
		if err != nil || !t.e.listening(to) {
			return t.http.RoundTrip(req)
		}
	}
	return t.e.send(req, to)
}

// send writes req to the topic for the worker at to and waits for its
// answer until req's context ends.
func (e *Exchange) send(req *http.Request, to string) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(req.Body, maxBody+1))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(body) > maxBody {
			return nil, fmt.Errorf("peerless: a request body of more than %d bytes does not fit a record of the request topic", maxBody)
		}
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = e.now().Add(rest.RequestTimeout)
	}
	header := req.Header.Clone()
	header.Del("Authorization") // see rest.Server.PeerHandler
	value, err := json.Marshal(request{
		From: e.self, To: to, Method: req.Method, URI: req.URL.RequestURI(),
		Header: header, Body: body, Deadline: deadline.UnixMilli(),
	})
	if err != nil {
		return nil, err
	}
	id := newID()
	answered := make(chan result, 1)
	e.mu.Lock()
	e.waiting[id] = pending{to: to, result: answered}
	e.mu.Unlock()
	defer e.forget(id)
	if !e.listening(to) {
		// Its withdrawal was read since the caller looked, too early to
		// release this request: nothing will answer it.
		return nil, noAnswer(to, errWithdrawn)
	}
	if err := e.topic.Send(ctx, []byte(requestPrefix+id), value); err != nil {
		return nil, fmt.Errorf("peerless: writing the request for %s: %w", to, err)
	}
	select {
	case r := <-answered:
		if r.err != nil {
			return nil, noAnswer(to, r.err)
		}
		a := r.answer
		h := a.Header
		if h == nil {
			h = http.Header{}
		}
		return &http.Response{
			Status:        strconv.Itoa(a.Status) + " " + http.StatusText(a.Status),
			StatusCode:    a.Status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        h,
			Body:          io.NopCloser(bytes.NewReader(a.Body)),
			ContentLength: int64(len(a.Body)),
			Request:       req,
		}, nil
	case <-ctx.Done():
		return nil, noAnswer(to, ctx.Err())
	}
}

func noAnswer(to string, why error) error {
	return fmt.Errorf("peerless: no answer from %s through the request topic: %w", to, why)
}

// forget stops waiting for id and deletes its request and answer from the
// compacted topic.
func (e *Exchange) forget(id string) {
	e.mu.Lock()
	delete(e.waiting, id)
	e.mu.Unlock()
	for _, key := range []string{requestPrefix + id, responsePrefix + id} {
		err := e.topic.SendAsync(context.Background(), []byte(key), nil, func(err error) {
			if err != nil {
				e.log.Debug("cannot delete a served request from the topic", "key", key, "err", err)
			}
		})
		if err != nil {
			e.log.Debug("cannot delete a served request from the topic", "key", key, "err", err)
		}
	}
}

// receive serves a request addressed to this worker, once, if its sender
// still waits. It runs on the topic's reading goroutine, so the work is
// done on another.
func (e *Exchange) receive(id string, req request) {
	if rest.NormalizeURL(req.To) != e.self {
		return
	}
	deadline := time.UnixMilli(req.Deadline)
	e.mu.Lock()
	_, done := e.served[id]
	if !e.live || done || !e.now().Before(deadline) || e.handler == nil {
		e.mu.Unlock()
		return
	}
	e.served[id] = deadline
	e.serving.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.serving.Done()
		e.serve(id, req, deadline)
	}()
}

func (e *Exchange) serve(id string, req request, deadline time.Time) {
	ctx, cancel := context.WithDeadline(e.ctx, deadline)
	defer cancel()
	var a answer
	r, err := http.NewRequestWithContext(ctx, req.Method, "http://peer"+req.URI, bytes.NewReader(req.Body))
	if err != nil {
		a = answer{Status: http.StatusBadRequest, Body: errorBody("the relayed request cannot be read: " + err.Error())}
	} else {
		r.Header = req.Header
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.RemoteAddr = "kafka:0" // never the loopback interface
		rec := &recorder{header: http.Header{}}
		e.handler.ServeHTTP(rec, r)
		if ctx.Err() != nil {
			// The sender has stopped waiting; what the handler left
			// behind is not an answer (an empty 200 when it wrote nothing).
			return
		}
		a = answer{Status: rec.status(), Header: rec.header, Body: rec.body.Bytes()}
	}
	if len(a.Body) > maxBody {
		a = answer{Status: http.StatusInternalServerError, Body: errorBody(fmt.Sprintf("the answer (%d bytes) does not fit a record of the request topic", len(a.Body)))}
	}
	value, err := json.Marshal(a)
	if err == nil {
		err = e.topic.Send(ctx, []byte(responsePrefix+id), value)
	}
	if err != nil {
		e.log.Warn("cannot answer a request from another worker", "from", req.From, "method", req.Method, "uri", req.URI, "err", err)
	}
}

// forgetServed drops the ids of requests whose senders stopped waiting.
func (e *Exchange) forgetServed() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	for id, deadline := range e.served {
		if now.After(deadline) {
			delete(e.served, id)
		}
	}
}

// recorder is the http.ResponseWriter a relayed request is served into.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
