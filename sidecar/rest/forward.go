package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxForwardedResponse bounds what is read back from another worker.
const maxForwardedResponse = 64 << 20

// forwardWait is how long a forwarded request waits for the leader: a
// session timeout, but at least 10 s. A leader silent for that long has
// also lost its group membership, so the client is better told to retry
// (409) against the next leader than kept waiting Connect's 90 s.
func forwardWait(session time.Duration) time.Duration {
	return min(max(session, 10*time.Second), RequestTimeout)
}

// forwardRequest sends the request on to target, the worker the herder
// named, by Connect's rules (HerderRequestHandler, spec §7.4):
//
//   - no target known: 409 "no known leader URL";
//   - the client's own request (no forward parameter): forward with
//     forward=true, so the next worker may forward once more;
//   - forward=true: forward with forward=false, the last hop;
//   - forward=false: 409 "conflicting operation", the target could not be
//     found within two hops (typically a rebalance);
//
// The forwarded request has the same method and path, the JSON body,
// Accept: application/json, User-Agent: kafka-connect, and of the
// client's headers only Authorization. Redirects are not followed. A
// target that is this worker itself is treated as forward=false would be.
//
// It returns the remote success status and body; a remote error comes
// back as *StatusError with the remote status and error_code.
func (s *Server) forwardRequest(c *call, target string, body any) (int, []byte, error) {
	if c.forward != nil && !*c.forward {
		s.log.Warn("cannot find the worker to serve a request within two hops", "method", c.r.Method, "path", c.r.URL.Path)
		return 0, nil, &ConflictError{Message: msgConflict}
	}
	if target == "" {
		return 0, nil, &ConflictError{Message: msgNoLeader}
	}
	if self := s.herder.WorkerURL(); self != "" && sameURL(self, target) {
		return 0, nil, &ConflictError{Message: msgConflict}
	}
	u, err := forwardURL(target, c, c.forward == nil)
	if err != nil {
		return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: "Error trying to forward REST request: " + err.Error()}
	}
	var payload []byte
	if body != nil {
		if payload, err = marshal(body); err != nil {
			return 0, nil, err
		}
	}
	s.log.Debug("forwarding REST request", "method", c.r.Method, "url", u)
	h := http.Header{}
	if a := c.r.Header.Get("Authorization"); a != "" {
		h.Set("Authorization", a)
	}
	ctx, cancel := context.WithTimeout(c.ctx, s.forwardTimeout)
	defer cancel()
	status, resp, err := s.send(ctx, c.r.Method, u, h, payload)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusServiceUnavailable {
		// The target cannot serve it now (a leader that is shutting down
		// refuses writes with 503). Its 503 tells the client to go to
		// another worker, which is what the client did: the answer is
		// Connect's 409, retry once the group has rebalanced.
		return 0, nil, &ConflictError{Message: fmt.Sprintf("%s: the worker at %s answered %q; retry once the group has rebalanced", msgConflict, target, se.Message)}
	}
	return status, resp, err
}

// send does one request to another worker and reads the answer as
// Connect's RestClient does: 204 is no body, 2xx passes the body on,
// >= 400 is the remote error with its status and error_code, anything
// else is a 500.
func (s *Server) send(ctx context.Context, method, u string, h http.Header, payload []byte) (int, []byte, error) {
	return sendRequest(ctx, s.client, method, u, h, payload)
}

func sendRequest(ctx context.Context, client *http.Client, method, u string, h http.Header, payload []byte) (int, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: "Error trying to forward REST request: " + err.Error()}
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kafka-connect")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		// Java answers 500 here. The usual cause is a leader that died or
		// stalled, which the next rebalance fixes, so the answer is the
		// 409 that tells clients to retry.
		return 0, nil, &ConflictError{Message: fmt.Sprintf("%s: the worker at %s did not answer (%v); retry once the group has rebalanced", msgConflict, u, err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxForwardedResponse))
	if err != nil {
		return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: "IO Error trying to forward REST request: " + err.Error()}
	}
	switch st := resp.StatusCode; {
	case st == http.StatusNoContent:
		return st, nil, nil
	case st >= 400:
		var em ErrorMessage
		if err := json.Unmarshal(data, &em); err != nil || em.Message == "" && em.ErrorCode == 0 {
			return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: fmt.Sprintf(
				"IO Error trying to forward REST request: %s answered HTTP %d without Connect's error body", u, st)}
		}
		return 0, nil, &StatusError{Status: st, ErrorCode: em.ErrorCode, Message: em.Message}
	case st >= 200 && st < 300:
		if len(data) > 0 && !json.Valid(data) {
			return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: fmt.Sprintf(
				"IO Error trying to forward REST request: %s answered HTTP %d with a body that is not JSON", u, st)}
		}
		return st, data, nil
	default:
		return 0, nil, &StatusError{Status: http.StatusInternalServerError, Message: "Unexpected status code when handling forwarded request: " + strconv.Itoa(st)}
	}
}

// forwardURL is target + the route's path with this request's path
// parameters + forward=<recursive> + the kept query parameters.
func forwardURL(target string, c *call, recursive bool) (string, error) {
	base, err := url.Parse(target)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", fmt.Errorf("the target URL %q is not an absolute URL", target)
	}
	var p strings.Builder
	for _, seg := range c.route.segs {
		p.WriteByte('/')
		if strings.HasPrefix(seg, "{") {
			p.WriteString(url.PathEscape(c.v(seg[1 : len(seg)-1])))
		} else {
			p.WriteString(seg)
		}
	}
	q := url.Values{"forward": {strconv.FormatBool(recursive)}}
	for k, v := range c.fwdQuery {
		q[k] = v
	}
	return strings.TrimSuffix(base.String(), "/") + p.String() + "?" + q.Encode(), nil
}

// sameURL compares advertised URLs, ignoring a trailing slash and case of
// scheme and host.
func sameURL(a, b string) bool { return NormalizeURL(a) == NormalizeURL(b) }

// NormalizeURL makes a worker's advertised URL comparable: no trailing
// slash, and in lower case.
func NormalizeURL(u string) string { return strings.ToLower(strings.TrimSuffix(u, "/")) }
