package httpsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// excerptBytes is how much of a body an error shows.
const excerptBytes = 256

// task polls the endpoint. The runtime calls Start, Poll and Stop from
// one goroutine, so its fields need no lock.
type task struct {
	egress    *egress.Policy
	cfg       config
	transport *http.Transport
	client    *http.Client
	dec       *decoder
	cursor    string        // of the last answer; "" before the first
	misses    int           // empty or failed answers in a row
	wait      time.Duration // before the next request

	// Seams for tests.
	jitter func(d time.Duration) time.Duration // uniform in [0, d)
	sleep  func(ctx context.Context, d time.Duration) bool
}

var _ plugin.SourceTask = (*task)(nil)

func newTask(p *egress.Policy) *task {
	return &task{egress: p, jitter: jitter, sleep: sleep}
}

// Start reads the settings, checks that the egress policy allows http.url
// and that the Authorization file can be read, and resumes from the
// stored cursor.
func (t *task) Start(ctx context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	cfg, err := parseConfig(props)
	if err != nil {
		return err
	}
	if err := checkEgress(t.egress, cfg.rawURL); err != nil {
		return err
	}
	if cfg.authFile != "" {
		if _, err := readAuthFile(cfg.authFile); err != nil {
			return err
		}
	}
	partition := map[string]any{URLField: cfg.rawURL}
	if t.dec, err = newDecoder(cfg.topic, partition); err != nil {
		return err
	}
	off, err := offsets.Offset(ctx, partition)
	if err != nil {
		return fmt.Errorf("read the stored cursor of %s: %w", cfg.url.Redacted(), err)
	}
	switch c := off[CursorField].(type) {
	case nil:
	case string:
		t.cursor = c
	default:
		return fmt.Errorf("the stored offset of %s, %v, has no string %q; reset the connector's offsets (DELETE /connectors/<name>/offsets while it is stopped)",
			cfg.url.Redacted(), off, CursorField)
	}
	t.cfg = cfg
	t.transport = t.egress.Transport()
	t.client = &http.Client{Transport: t.transport, CheckRedirect: t.egress.CheckRedirect}
	return nil
}

// Poll waits as the last answers ask (see the package doc), then makes one
// request. It returns nothing, at once, when ctx ends.
func (t *task) Poll(ctx context.Context) ([]plugin.Record, error) {
	if t.wait > 0 && !t.sleep(ctx, t.wait) {
		return nil, nil
	}
	t.wait = 0
	recs, cursor, err := t.fetch(ctx)
	switch {
	case ctx.Err() != nil:
		return nil, nil // stopping: the same request is made after a restart
	case err != nil:
		t.miss()
		return nil, err
	}
	if cursor != "" {
		t.cursor = cursor
	}
	if len(recs) == 0 {
		t.miss()
		return nil, nil
	}
	t.misses = 0
	return recs, nil
}

// Stop closes idle connections; nothing else outlives a Poll.
func (t *task) Stop() error {
	if t.transport != nil {
		t.transport.CloseIdleConnections()
	}
	return nil
}

// miss counts an empty or failed answer and sets the wait before the next
// request: the poll interval after the first, then twice as long each
// time up to http.poll.backoff.max.ms, drawn from the upper half of that
// so that tasks polling one server drift apart.
func (t *task) miss() {
	t.misses++
	d := t.cfg.interval
	for i := 1; i < t.misses && d < t.cfg.backoffMax; i++ {
		d *= 2
	}
	d = min(d, t.cfg.backoffMax)
	if t.misses > 1 {
		d = max(t.cfg.interval, d-t.jitter(d/2))
	}
	t.wait = d
}

// fetch makes one request. No records and no error means nothing new;
// cursor is "" when the answer carries none.
func (t *task) fetch(ctx context.Context) ([]plugin.Record, string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.timeout)
	defer cancel()
	req, err := t.request(ctx)
	if err != nil {
		return nil, "", err
	}
	resp, err := t.client.Do(req)
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		// Not a fetchError: polling again cannot help, so the task fails.
		return nil, "", fmt.Errorf("GET %s: %w", req.URL.Redacted(), refused)
	}
	if err != nil {
		return nil, "", &fetchError{url: req.URL, err: t.cause(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil, "", nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes+1))
		return nil, "", &fetchError{url: req.URL, status: resp.Status, body: body}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", &fetchError{url: req.URL, status: resp.Status, err: t.cause(err)}
	}
	recs, cursor, err := t.dec.decode(body)
	if err != nil {
		return nil, "", &fetchError{url: req.URL, status: resp.Status, body: body, err: err}
	}
	return recs, cursor, nil
}

// cause is what went wrong with a request, said once: a url.Error's text
// repeats the URL, which fetchError shows already, and a deadline is
// http.timeout.ms.
func (t *task) cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %s (%d ms)", TimeoutConfig, t.cfg.timeout.Milliseconds())
	}
	return err
}

func (t *task) request(ctx context.Context) (*http.Request, error) {
	u := *t.cfg.url
	if t.cursor != "" {
		u.RawQuery = withCursor(u.RawQuery, t.cfg.cursorParam, t.cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &fetchError{url: &u, err: err}
	}
	req.Header = t.cfg.headers.Clone()
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "connect-sidecar/"+buildinfo.Version)
	}
	auth := t.cfg.auth
	if t.cfg.authFile != "" {
		// Read each time: a mounted secret may have been rotated.
		if auth, err = readAuthFile(t.cfg.authFile); err != nil {
			return nil, &fetchError{url: &u, err: err}
		}
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req, nil
}

// withCursor returns a raw query with param set to cursor, and the other
// parameters as they were written.
func withCursor(rawQuery, param, cursor string) string {
	var kept []string
	for part := range strings.SplitSeq(rawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); part != "" && (err != nil || n != param) {
			kept = append(kept, part)
		}
	}
	return strings.Join(append(kept, url.QueryEscape(param)+"="+url.QueryEscape(cursor)), "&")
}

func readAuthFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", AuthHeaderFileConfig, err)
	}
	auth := strings.TrimSpace(string(b))
	if auth == "" {
		return "", fmt.Errorf("%s: %s is empty", AuthHeaderFileConfig, path)
	}
	return auth, nil
}

// fetchError is a request that brought no usable answer. It is temporary:
// the runtime logs it and polls again, as Java does with a
// RetriableException, and the task waits before the next request.
type fetchError struct {
	url    *url.URL
	status string // "" when no answer came
	body   []byte // the body, or its start
	err    error
}

func (e *fetchError) Error() string {
	var b strings.Builder
	b.WriteString("GET " + e.url.Redacted())
	if e.status != "" {
		b.WriteString(": " + e.status)
	}
	if e.err != nil {
		b.WriteString(": " + e.err.Error())
	}
	if e.status != "" {
		b.WriteString(", body " + excerpt(e.body))
	}
	return b.String()
}

func (e *fetchError) Unwrap() error { return e.err }

// Temporary tells the runtime to poll again rather than fail the task.
func (e *fetchError) Temporary() bool { return true }

// excerpt quotes the start of a body, on one line.
func excerpt(body []byte) string {
	if len(body) <= excerptBytes {
		return strconv.Quote(string(body))
	}
	return strconv.Quote(string(body[:excerptBytes])) + "..."
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// sleep waits d; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
