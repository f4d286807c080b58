package kafkaclient

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go/sasl"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// Java waits this long before it tries a failed refresh again.
const reloginRetry = 10 * time.Second

// loginGrace bounds one login beyond its retry budget, since the token
// endpoint's timeouts are unset (no limit) unless configured.
const loginGrace = time.Minute

// tokenEndpoint asks an OAuth provider for access tokens with the
// client-credentials grant, as Java's ClientCredentialsJwtRetriever does.
type tokenEndpoint struct {
	url        string
	auth       string // the Authorization header
	body       string
	client     *http.Client
	backoff    time.Duration
	backoffMax time.Duration
}

func newTokenEndpoint(o config.OAuthBearer) tokenEndpoint {
	id, secret := o.ClientID, o.ClientSecret
	if o.HeaderURLEncode {
		id, secret = url.QueryEscape(id), url.QueryEscape(secret)
	}
	body := "grant_type=client_credentials"
	if o.Scope != "" {
		body += "&scope=" + url.QueryEscape(o.Scope)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DialContext = (&net.Dialer{Timeout: o.ConnectTimeout.D()}).DialContext
	transport.ResponseHeaderTimeout = o.ReadTimeout.D()
	return tokenEndpoint{
		url:        o.TokenEndpointURL,
		auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret)),
		body:       body,
		client:     &http.Client{Transport: transport},
		backoff:    o.RetryBackoff.D(),
		backoffMax: o.RetryBackoffMax.D(),
	}
}

// refusal is an answer of the token endpoint that asking again will not
// change (Java's list: 400-407, 409-415, 501, 505).
type refusal struct{ error }

func refused(status int) bool {
	return status >= 400 && status <= 415 && status != 408 || status == 501 || status == 505
}

// fetch asks until it gets a token or a refusal, waiting backoff, then
// twice that and so on, for at most backoffMax in all, as Java does.
func (e tokenEndpoint) fetch(ctx context.Context) (string, error) {
	deadline := time.Now().Add(e.backoffMax)
	wait := e.backoff
	for {
		token, err := e.post(ctx)
		if err == nil || errors.As(err, new(refusal)) {
			return token, err
		}
		if wait = min(wait, time.Until(deadline)); wait <= 0 || ctx.Err() != nil {
			return "", err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", err
		case <-timer.C:
		}
		wait *= 2
	}
}

// post makes one token request. Errors name the endpoint and what it
// answered, never the secret or a token.
func (e tokenEndpoint) post(ctx context.Context) (string, error) {
	where := "sasl.oauthbearer.token.endpoint.url " + redactedURL(e.url)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, strings.NewReader(e.body))
	if err != nil {
		return "", refusal{fmt.Errorf("%s: %v", where, err)}
	}
	req.Header.Set("Authorization", e.auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := e.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("%s cannot be reached: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%s: reading its answer: %w", where, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		err := fmt.Errorf("%s answered %s%s", where, resp.Status, oauthErrorOf(body))
		if refused(resp.StatusCode) {
			return "", refusal{err}
		}
		return "", err
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if json.Unmarshal(body, &answer) != nil || cmp.Or(answer.AccessToken, answer.IDToken) == "" {
		return "", refusal{fmt.Errorf("%s answered %s without an access_token", where, resp.Status)}
	}
	return cmp.Or(answer.AccessToken, answer.IDToken), nil
}

// oauthErrorOf quotes the error fields of an OAuth error answer (RFC 6749
// section 5.2), which say why, and nothing else of the body.
func oauthErrorOf(body []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return ""
	}
	msg := e.Error
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return " (" + msg + ")"
}

func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery = ""
	return u.Redacted()
}

// oauthLogin holds the worker's access token and replaces it before it
// expires, as Java's refreshing login thread does: one goroutine, at the
// time the sasl.login.refresh.* settings give.
type oauthLogin struct {
	fetch    func(context.Context) (string, error)
	subClaim string
	policy   refreshPolicy
	timeout  time.Duration // of one login
	jitter   func() float64
	log      *slog.Logger

	mu      sync.Mutex
	tok     accessToken
	failure error // of the last refresh, until one succeeds

	cancel context.CancelFunc
	done   chan struct{}
}

func newOAuthLogin(o config.OAuthBearer, log *slog.Logger) *oauthLogin {
	e := newTokenEndpoint(o)
	return &oauthLogin{
		fetch:    e.fetch,
		subClaim: o.SubClaimName,
		policy: refreshPolicy{
			windowFactor: o.RefreshWindowFactor,
			windowJitter: o.RefreshWindowJitter,
			minPeriod:    time.Duration(o.RefreshMinPeriodSeconds) * time.Second,
			buffer:       time.Duration(o.RefreshBufferSeconds) * time.Second,
		},
		timeout: o.RetryBackoffMax.D() + loginGrace,
		jitter:  rand.Float64,
		log:     log,
	}
}

// start logs in, so that a login that cannot work stops the worker before
// anything starts, then keeps the token fresh until stop.
func (l *oauthLogin) start() error {
	t, err := l.login(context.Background())
	if err != nil {
		return fmt.Errorf("OAUTHBEARER login: %w", err)
	}
	l.tok = t
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	l.log.Info("OAUTHBEARER token received", "subject", t.subject, "expires", t.expiry)
	go l.run(ctx, l.policy.refreshAt(t, time.Now(), l.jitter()))
	return nil
}

func (l *oauthLogin) stop() {
	l.cancel()
	<-l.done
}

func (l *oauthLogin) login(ctx context.Context) (accessToken, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	raw, err := l.fetch(ctx)
	if err != nil {
		return accessToken{}, err
	}
	now := time.Now()
	t, err := parseAccessToken(raw, l.subClaim, now)
	if err != nil {
		return accessToken{}, fmt.Errorf("the token from sasl.oauthbearer.token.endpoint.url cannot be used: %w", err)
	}
	if !t.expiry.After(now) {
		return accessToken{}, fmt.Errorf("the token from sasl.oauthbearer.token.endpoint.url expired at %s, before it arrived; check this host's clock", t.expiry.UTC().Format(time.RFC3339))
	}
	return t, nil
}

func (l *oauthLogin) run(ctx context.Context, next time.Time) {
	defer close(l.done)
	for {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		t, err := l.login(ctx)
		if ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		if err == nil {
			l.tok, l.failure = t, nil
		} else {
			l.failure = err
		}
		expiry := l.tok.expiry
		l.mu.Unlock()
		if err != nil {
			l.log.Warn("OAUTHBEARER token refresh failed; trying again", "error", err, "in", reloginRetry, "token_expires", expiry)
			next = time.Now().Add(reloginRetry)
			continue
		}
		l.log.Info("OAUTHBEARER token refreshed", "subject", t.subject, "expires", t.expiry)
		next = l.policy.refreshAt(t, time.Now(), l.jitter())
	}
}

// current is the token to authenticate a new connection with.
func (l *oauthLogin) current() (accessToken, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Now().Before(l.tok.expiry) {
		return l.tok, nil
	}
	err := fmt.Errorf("OAUTHBEARER: the token expired at %s", l.tok.expiry.UTC().Format(time.RFC3339))
	if l.failure != nil {
		err = fmt.Errorf("%w and could not be refreshed: %w", err, l.failure)
	}
	return accessToken{}, err
}

// oauthBearer is the OAUTHBEARER mechanism as Kafka speaks it (RFC 7628):
// the current token and the extensions in the client's first message.
type oauthBearer struct {
	login      *oauthLogin
	extensions string // "\x01name=value" each, by name
}

func newOAuthBearer(login *oauthLogin, extensions map[string]string) oauthBearer {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(extensions)) {
		b.WriteString("\x01" + name + "=" + extensions[name])
	}
	return oauthBearer{login: login, extensions: b.String()}
}

func (oauthBearer) Name() string { return "OAUTHBEARER" }

func (m oauthBearer) Start(context.Context) (sasl.StateMachine, []byte, error) {
	t, err := m.login.current()
	if err != nil {
		return nil, nil, err
	}
	return oauthAnswer{}, []byte("n,,\x01auth=Bearer " + t.value + m.extensions + "\x01\x01"), nil
}

// oauthAnswer reads the broker's answer: nothing when it took the token,
// a JSON status (RFC 7628 section 3.2.2) when it did not.
type oauthAnswer struct{}

func (oauthAnswer) Next(_ context.Context, challenge []byte) (bool, []byte, error) {
	if len(challenge) == 0 {
		return true, nil, nil
	}
	if len(challenge) > 300 {
		challenge = challenge[:300]
	}
	return false, nil, fmt.Errorf("OAUTHBEARER: the broker refused the token: %s", challenge)
}
