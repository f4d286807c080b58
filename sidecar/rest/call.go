package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// call is one request on its way through its route.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context
	route *route
	vars  map[string]string
	// forward is the hidden "forward" query parameter of forwardable
	// routes: nil when absent (the client's own request).
	forward *bool
	// fwdQuery holds query parameters kept when forwarding (restart).
	fwdQuery url.Values
	// name is the connector named in the body of POST /connectors.
	name string
}

// serve finds the route, checks access and the request's form, and runs
// the handler. It never lets a panic through: that becomes a 500 in
// Connect's shape.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, w: w, r: r}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("REST handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
			c.error(http.StatusInternalServerError, "Internal error while serving "+r.Method+" "+r.URL.Path+"; the worker's log has the details")
		}
	}()
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	rt, vars, allowed := match(s.routes, method, r.URL.EscapedPath())
	switch {
	case rt == nil && len(allowed) > 0:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		c.error(http.StatusMethodNotAllowed, msgNotAllowed)
		return
	case rt == nil:
		c.error(http.StatusNotFound, msgNotFound)
		return
	}
	if method != r.Method {
		r = r.Clone(r.Context())
		r.Method = method
		c.r = r
	}
	c.route, c.vars = rt, vars
	if !s.allow(c) {
		return
	}
	if rt.consumesJSON() && !jsonContentType(r.Header.Get("Content-Type")) {
		c.error(http.StatusUnsupportedMediaType, msgUnsupportedCT+": send the body as JSON with the header Content-Type: application/json")
		return
	}
	if rt.forward {
		f, ok := c.boolQuery("forward", nil)
		if !ok {
			return
		}
		c.forward = f
	}
	if rt.usesHerder() && s.herder == nil {
		c.error(http.StatusServiceUnavailable, msgNoHerderPrefix+"its herder is not running.")
		return
	}
	if rt.writes() {
		done, ok := s.health.AdmitWrite()
		if !ok {
			// 503 rather than Connect's 409: this worker will not come back
			// to take the retry, another one will.
			c.error(http.StatusServiceUnavailable, msgStopping)
			return
		}
		defer done()
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	c.ctx = ctx
	rt.handle(s, c)
}

// match finds the route for a method and an escaped path. Segments are
// unescaped one by one, so "%2F" stays inside a path parameter. A single
// trailing slash is ignored, as JAX-RS ignores it. When the path matches
// but the method does not, allowed lists the methods that would, leaving
// out those of internal routes as the OpenAPI document does.
func match(routes []*route, method, escaped string) (rt *route, vars map[string]string, allowed []string) {
	if len(escaped) > 1 {
		escaped = strings.TrimSuffix(escaped, "/")
	}
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if escaped == "/" {
		segs = nil
	}
	for i, sg := range segs {
		u, err := url.PathUnescape(sg)
		if err != nil {
			return nil, nil, nil
		}
		segs[i] = u
	}
	var hidden []string
	for _, r := range routes {
		v, ok := r.matches(segs)
		if !ok {
			continue
		}
		if r.method == method {
			return r, v, nil
		}
		list := &allowed
		if r.access == internal {
			list = &hidden
		}
		if !slices.Contains(*list, r.method) {
			*list = append(*list, r.method)
		}
	}
	if len(allowed) == 0 {
		// Only internal routes match: say so rather than 404.
		allowed = hidden
	}
	return nil, nil, allowed
}

// matches compares path segments with the route's pattern; literal
// segments take precedence because routes() lists them first.
func (r *route) matches(segs []string) (map[string]string, bool) {
	if len(segs) != len(r.segs) {
		return nil, false
	}
	var vars map[string]string
	for i, p := range r.segs {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if vars == nil {
				vars = map[string]string{}
			}
			vars[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return vars, true
}

func jsonContentType(ct string) bool {
	if ct == "" {
		// JAX-RS accepts a request without a Content-Type; curl -X PUT
		// sends none.
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// v is a path parameter.
func (c *call) v(name string) string { return c.vars[name] }

// json writes v with status.
func (c *call) json(status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.s.log.Error("cannot encode a REST response", "path", c.r.URL.Path, "err", err)
		c.error(http.StatusInternalServerError, "Cannot encode the response: "+err.Error())
		return
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b.Bytes())
}

// raw writes a JSON body received from another worker.
func (c *call) raw(status int, body []byte) {
	if status == http.StatusNoContent || len(body) == 0 {
		c.empty(status)
		return
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// empty writes a status without a body.
func (c *call) empty(status int) { c.w.WriteHeader(status) }

// location sets the Location header of a created connector. JAX-RS makes
// Connect's relative "/connectors/<name>" absolute against the request.
func (c *call) location(name string) {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	c.w.Header().Set("Location", scheme+"://"+c.r.Host+"/connectors/"+url.PathEscape(name))
}

// error writes Connect's error body with error_code equal to status.
func (c *call) error(status int, message string) { c.errorCode(status, status, message) }

func (c *call) errorCode(status, code int, message string) {
	c.json(status, ErrorMessage{ErrorCode: code, Message: message})
}

// fail writes the error a Herder method returned.
func (c *call) fail(err error) {
	status, code, msg := statusOf(err, c.route.forward)
	if status >= 500 {
		c.s.log.Warn("REST request failed", "method", c.r.Method, "path", c.r.URL.Path, "status", status, "err", err)
	}
	c.errorCode(status, code, msg)
}

// failOrForward writes the error, or on *NotLeaderError forwards the
// request with body (nil for none) and writes the other worker's answer.
// ok maps the remote success status to this one's; nil keeps the route's.
func (c *call) failOrForward(err error, body any, ok func(remote int) int) {
	var nl *NotLeaderError
	if !c.route.forward || !errors.As(err, &nl) {
		c.fail(err)
		return
	}
	status, resp, ferr := c.s.forwardRequest(c, nl.LeaderURL, body)
	if ferr != nil {
		c.fail(ferr)
		return
	}
	if ok != nil {
		status = ok(status)
	} else {
		status = c.route.status
	}
	if status == http.StatusCreated {
		c.location(c.createdName())
	}
	if c.route.status == http.StatusNoContent {
		c.empty(status)
		return
	}
	c.raw(status, resp)
}

// createdName is the connector a 201 is about: the path's, or the one
// named in the body of POST /connectors.
func (c *call) createdName() string {
	if c.name != "" {
		return c.name
	}
	return c.v("connector")
}

// boolQuery reads a boolean query parameter: absent gives def, "true" or
// "false" in any case their value; anything else is answered with 400
// (JAX-RS would quietly read it as false).
func (c *call) boolQuery(name string, def *bool) (*bool, bool) {
	vals, present := c.r.URL.Query()[name]
	if !present {
		return def, true
	}
	switch v := vals[0]; {
	case strings.EqualFold(v, "true"):
		return ptr(true), true
	case strings.EqualFold(v, "false"):
		return ptr(false), true
	default:
		c.error(http.StatusBadRequest, fmt.Sprintf("Query parameter %s must be true or false, not %q", name, v))
		return nil, false
	}
}

func ptr[T any](v T) *T { return &v }
