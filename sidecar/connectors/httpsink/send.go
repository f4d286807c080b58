package httpsink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Dead letter headers the connector adds to a record the app did not take.
const (
	HeaderStatus = "connect.sidecar.http.status" // the app's status code; 0 when it never answered
	HeaderReason = "connect.sidecar.http.reason" // the start of its answer, or the error
	HeaderURL    = "connect.sidecar.http.url"
)

const (
	jsonOpen  = `{"records":[`
	jsonClose = `]}`
	// batchOverhead is the most a request body adds to its records.
	batchOverhead = len(jsonOpen) + len(jsonClose)

	maxReason     = 200     // bytes of the app's answer kept as the reason
	maxResults    = 8 << 20 // bytes of a 207 answer read
	drainLimit    = 64 << 10
	maxRetryAfter = 24 * 60 * 60 // seconds; a longer Retry-After is taken as a day
)

// newClient makes the HTTP client, which connects and follows redirects
// only where p allows: one connection per request in flight (and the
// health check) is kept open to the app.
func newClient(cfg *config, p *egress.Policy) *http.Client {
	tr := p.Transport()
	tr.MaxIdleConnsPerHost = cfg.maxInFlight + 1
	if cfg.tls != nil {
		tr.TLSClientConfig = cfg.tls
	}
	return &http.Client{Transport: tr, CheckRedirect: p.CheckRedirect}
}

// refused reports whether a request failed because the egress policy does
// not allow where it went. No attempt can succeed until the worker's
// SIDECAR_HTTP_ALLOWED_HOSTS or the connector's URLs change, so the task
// fails, keeping its offsets, rather than retrying forever or emptying
// the topic into the dead letter queue.
func refused(err error) bool {
	var r *egress.RefusedError
	return errors.As(err, &r)
}

// deliver sends a job's records and sorts them by the answer: delivered,
// dead-lettered (4xx but 408 and 429, per record in a 207) or to be retried
// (everything else). A destination the egress policy refuses fails the
// task (see refused).
func (t *sinkTask) deliver(j *job) result {
	answered := sync.OnceFunc(func() { close(j.answered) })
	defer answered()
	r := result{job: j, done: make([]bool, len(j.entries)), after: -1}
	ctx, cancel := context.WithTimeout(j.ctx, t.cfg.timeout)
	defer cancel()
	req, err := t.request(ctx, j.entries)
	if err != nil {
		r.why = failure{0, excerpt(err.Error())}
		return r
	}
	start := time.Now()
	resp, err := t.client.Do(req)
	if err != nil {
		t.obs.OnDelivery(t.cfg.name, len(j.entries), 0, time.Since(start))
		if refused(err) {
			r.err = err
			return r
		}
		r.why = failure{0, excerpt(err.Error())}
		return r
	}
	defer drain(resp.Body)
	status := resp.StatusCode
	var answer []byte
	switch {
	case status == http.StatusMultiStatus:
		answer, err = io.ReadAll(io.LimitReader(resp.Body, maxResults))
	case status/100 != 2:
		answer, _ = io.ReadAll(io.LimitReader(resp.Body, 4*maxReason)) // enough for the reason
	}
	t.obs.OnDelivery(t.cfg.name, len(j.entries), status, time.Since(start))
	answered()
	switch {
	case status == http.StatusMultiStatus:
		t.partial(&r, answer, err)
	case status/100 == 2:
		for i := range r.done {
			r.done[i] = true
		}
	case rejects(status):
		t.deadLetterAll(&r, t.rejection(status, string(answer)))
	default:
		r.why = failure{status, reason(status, string(answer))}
		r.after = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return r
}

// rejects reports whether a status means the app will never take the
// records: a 4xx other than 408 (Request Timeout) and 429 (Too Many
// Requests).
func rejects(status int) bool {
	return status/100 == 4 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
}

// partialAnswer is a 207 answer: a status per record id.
type partialAnswer struct {
	Results []struct {
		ID     string `json:"id"`
		Status int    `json:"status"`
		Error  string `json:"error"`
	} `json:"results"`
}

// partial sorts the records of a 207 answer. Records it does not list, or
// all of them when it cannot be read, are retried.
func (t *sinkTask) partial(r *result, answer []byte, readErr error) {
	var a partialAnswer
	if readErr == nil {
		readErr = json.Unmarshal(answer, &a)
	}
	if readErr != nil {
		r.why = failure{http.StatusMultiStatus, excerpt("unreadable 207 answer: " + readErr.Error())}
		return
	}
	byID := make(map[string]int, len(a.Results))
	for i, x := range a.Results {
		byID[x.ID] = i
	}
	retried := false
	var dead []deadRecord
	defer func() { t.deadLetterMany(r, dead) }()
	for i, e := range r.job.entries {
		k, ok := byID[e.at.id()]
		var why failure
		switch {
		case !ok:
			why = failure{http.StatusMultiStatus, "missing from the 207 results"}
		case a.Results[k].Status/100 == 2:
			r.done[i] = true
			continue
		case rejects(a.Results[k].Status):
			dead = append(dead, deadRecord{i, t.rejection(a.Results[k].Status, a.Results[k].Error)})
			continue
		default:
			why = failure{a.Results[k].Status, reason(a.Results[k].Status, a.Results[k].Error)}
		}
		if !retried {
			r.why, retried = why, true
		}
	}
}

// expire dead-letters records that kept failing for retry.timeout.ms.
func (t *sinkTask) expire(j *job) result {
	r := result{job: j, done: make([]bool, len(j.entries)), after: -1}
	t.deadLetterAll(&r, &rejectedError{status: j.why.status, reason: j.why.reason, url: t.cfg.url, expired: true, timeout: t.cfg.retryTimeout})
	return r
}

func (t *sinkTask) rejection(status int, answer string) *rejectedError {
	return &rejectedError{status: status, reason: reason(status, answer), url: t.cfg.url}
}

// maxReports bounds the reports of one batch under way at once.
const maxReports = 64

// deadRecord is r.job.entries[i] and why it goes to the dead letter queue.
type deadRecord struct {
	i   int
	why *rejectedError
}

// deadLetterAll reports every record of r's job for the same reason.
func (t *sinkTask) deadLetterAll(r *result, why *rejectedError) {
	dead := make([]deadRecord, len(r.job.entries))
	for i := range dead {
		dead[i] = deadRecord{i, why}
	}
	t.deadLetterMany(r, dead)
}

// deadLetterMany reports records concurrently: the dead letter queue's
// producer batches writes that arrive together, where one at a time each
// would wait for its own acknowledgement (a few hundred records a
// second). A record whose report failed stays where it is; the first
// failure becomes r.err unless the job was cancelled.
func (t *sinkTask) deadLetterMany(r *result, dead []deadRecord) {
	errs := make([]error, len(dead))
	slots := make(chan struct{}, maxReports)
	var wg sync.WaitGroup
	for k, d := range dead {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			e := r.job.entries[d.i]
			errs[k] = t.report(r.job.ctx, &e.rec, e.at, d.why)
		})
	}
	wg.Wait()
	for k, d := range dead {
		if errs[k] != nil {
			if r.err == nil && r.job.ctx.Err() == nil {
				r.err = errs[k]
			}
			continue
		}
		r.done[d.i] = true
		r.dead++
	}
}

// rejectedError is why a record went to the dead letter queue: the app
// refused it, or it kept failing until retry.timeout.ms ran out (expired).
type rejectedError struct {
	status  int
	reason  string
	url     string
	expired bool
	timeout time.Duration // retry.timeout.ms, when expired
}

var _ plugin.DeadLetterError = (*rejectedError)(nil)

func (e *rejectedError) Error() string {
	answer := e.reason
	if e.status != 0 {
		answer = strconv.Itoa(e.status) + " " + e.reason
	}
	if e.expired {
		return fmt.Sprintf("%s did not take the record within %s=%d; last attempt: %s", e.url, RetryTimeoutConfig, e.timeout.Milliseconds(), answer)
	}
	return fmt.Sprintf("%s refused the record: %s", e.url, answer)
}

// DeadLetterHeaders implements plugin.DeadLetterError.
func (e *rejectedError) DeadLetterHeaders() []plugin.Header {
	return []plugin.Header{
		{Key: HeaderStatus, Value: strconv.Itoa(e.status)},
		{Key: HeaderReason, Value: e.reason},
		{Key: HeaderURL, Value: e.url},
	}
}

// reason is what the dead letter headers say about an answer: its start,
// on one line, or the status text when it says nothing.
func reason(status int, answer string) string {
	if s := excerpt(answer); s != "" {
		return s
	}
	return http.StatusText(status)
}

// excerpt is the start of s as one line of valid UTF-8.
func excerpt(s string) string {
	if len(s) > maxReason {
		cut := maxReason
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// backoff is the delay before retry number attempt (1 for the first): a
// random part of backoffLimit (full jitter), so that tasks failing
// together spread out.
func backoff(attempt int, base, ceiling time.Duration) time.Duration {
	return rand.N(backoffLimit(attempt, base, ceiling) + 1)
}

// backoffLimit is the most backoff waits before retry number attempt:
// base doubled for each earlier attempt, at most ceiling.
func backoffLimit(attempt int, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/2 {
			d = ceiling
			break
		}
		d *= 2
	}
	return min(d, ceiling)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
// Negative when there is none to honour.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return -1
	}
	if secs, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64); err == nil {
		if secs < 0 {
			return -1
		}
		return time.Duration(min(secs, maxRetryAfter)) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil {
		return min(max(at.Sub(now), 0), maxRetryAfter*time.Second)
	}
	return -1
}

// request builds the request for a batch: one CloudEvent in binary mode,
// or a body of all records.
func (t *sinkTask) request(ctx context.Context, entries []*entry) (*http.Request, error) {
	if t.cfg.format == formatCloudEvents && len(entries) == 1 {
		return t.binaryEvent(ctx, entries[0])
	}
	open, end, contentType := jsonOpen, jsonClose, contentJSON
	if t.cfg.format == formatCloudEvents {
		open, end, contentType = "[", "]", contentBatch
	}
	size := len(open) + len(end) + len(entries) - 1
	for _, e := range entries {
		size += len(e.frag)
	}
	// A body the transport's write buffer holds goes out with the headers
	// in one write, as the transport does only for readers it knows.
	var buf *[]byte
	var b []byte
	if size > smallBody {
		buf = bufPool.Get().(*[]byte)
		b = (*buf)[:0]
	} else {
		b = make([]byte, 0, size)
	}
	b = append(b, open...)
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.frag...)
	}
	b = append(b, end...)
	if buf == nil {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.url, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return t.withHeaders(req, entries, contentType), nil
	}
	*buf = b
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.url, nil)
	if err != nil {
		bufPool.Put(buf)
		return nil, err
	}
	req.Body, req.ContentLength = newBody(buf), int64(len(b))
	return t.withHeaders(req, entries, contentType), nil
}

// withHeaders sets a batch request's headers.
func (t *sinkTask) withHeaders(req *http.Request, entries []*entry, contentType string) *http.Request {
	req.Header.Set("Content-Type", contentType)
	if len(entries) == 1 {
		req.Header.Set("Idempotency-Key", entries[0].at.id())
	}
	t.setHeaders(req.Header)
	return req
}

// binaryEvent is a CloudEvent in binary mode: attributes in ce-* headers,
// the value as the body.
func (t *sinkTask) binaryEvent(ctx context.Context, e *entry) (*http.Request, error) {
	var body []byte
	contentType := ""
	switch v := e.rec.Value.(type) {
	case nil:
	case []byte:
		body, contentType = v, contentBinary
		if json.Valid(v) {
			contentType = contentJSON
		}
	case string:
		body, contentType = []byte(v), contentText
	default:
		body, contentType = e.data, contentJSON
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	id := e.at.id()
	h := req.Header
	h["Ce-Specversion"] = []string{ceSpecVersion}
	h["Ce-Id"] = []string{percentEncode(id)}
	h["Ce-Source"] = []string{string(appendSource(nil, &e.rec))}
	h["Ce-Type"] = []string{ceType}
	if !e.rec.Timestamp.IsZero() {
		h["Ce-Time"] = []string{e.rec.Timestamp.UTC().Format(ceTimeLayout)}
	}
	if e.rec.Key != nil {
		// Written once already when the record was put, so it cannot fail.
		text, _ := t.enc.keyText(nil, &e.rec)
		h["Ce-Subject"] = []string{percentEncode(string(text))}
	}
	if contentType != "" {
		h["Content-Type"] = []string{contentType}
	}
	h["Idempotency-Key"] = []string{id}
	t.setHeaders(h)
	return req, nil
}

func (t *sinkTask) setHeaders(h http.Header) {
	for _, kv := range t.cfg.headers {
		h.Set(kv.Name, kv.Value)
	}
}

// percentEncode makes a ce-* header value as the CloudEvents HTTP binding
// asks: space, '"', '%' and bytes outside printable ASCII as %XX.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && c != '"' && c != '%' {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append(make([]byte, 0, len(s)+16), s[:i]...)
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	if b == nil {
		return s
	}
	return string(b)
}

// drain reads what is left of a response, up to a limit, so the
// connection can be used again, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// bufPool holds request body buffers.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

const (
	maxPooledBuf = 8 << 20 // larger buffers are left to the collector
	smallBody    = 4 << 10 // the transport's write buffer (Transport.WriteBufferSize)
)

// body is a request body whose buffer goes back to the pool when the
// transport closes it. The transport closes a body once it has stopped
// reading it, which may be after the response has come.
type body struct {
	bytes.Reader
	buf    *[]byte
	closed atomic.Bool
}

func newBody(buf *[]byte) *body {
	b := &body{buf: buf}
	b.Reset(*buf)
	return b
}

func (b *body) Close() error {
	if b.closed.CompareAndSwap(false, true) && cap(*b.buf) <= maxPooledBuf {
		bufPool.Put(b.buf)
	}
	return nil
}
