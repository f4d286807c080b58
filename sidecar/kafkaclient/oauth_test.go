package kafkaclient

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

const clientSecret = "s3cr3t+/&="

// idp is a token endpoint that checks the client-credentials request and
// answers with the statuses queued in fail, then with tokens.
type idp struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	fail []int
	reqs []url.Values
}

func newIDP(t *testing.T, fail ...int) *idp {
	i := &idp{t: t, fail: fail}
	i.srv = httptest.NewServer(http.HandlerFunc(i.serve))
	t.Cleanup(i.srv.Close)
	return i
}

func (i *idp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	i.mu.Lock()
	i.reqs = append(i.reqs, form)
	var status int
	if len(i.fail) > 0 {
		status, i.fail = i.fail[0], i.fail[1:]
	}
	i.mu.Unlock()
	user, pass, _ := r.BasicAuth()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		form.Get("grant_type") != "client_credentials" || user != "connect" || pass != clientSecret {
		i.t.Errorf("request %s %v basic %q:%q form %v", r.Method, r.Header, user, pass, form)
	}
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Invalid client or Invalid client credentials"}`)
		return
	}
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`,
		jwt(i.t, map[string]any{"sub": "connect", "exp": time.Now().Add(time.Hour).Unix()}))
}

func (i *idp) requests() []url.Values {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.reqs
}

func oauthSettings(endpoint string) config.OAuthBearer {
	return config.OAuthBearer{
		TokenEndpointURL: endpoint, ClientID: "connect", ClientSecret: clientSecret, Scope: "kafka write",
		SubClaimName: "sub", RefreshWindowFactor: 0.8, RefreshWindowJitter: 0.05, RefreshMinPeriodSeconds: 60, RefreshBufferSeconds: 300,
		RetryBackoff: config.Millis(time.Millisecond), RetryBackoffMax: config.Millis(time.Second),
	}
}

func TestTokenEndpointAsksWithClientCredentials(t *testing.T) {
	i := newIDP(t)
	token, err := newTokenEndpoint(oauthSettings(i.srv.URL + "/token")).fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseAccessToken(token, "sub", time.Now()); err != nil {
		t.Error(err)
	}
	if reqs := i.requests(); len(reqs) != 1 || reqs[0].Get("scope") != "kafka write" {
		t.Errorf("requests %v", reqs)
	}
}

// sasl.oauthbearer.header.urlencode encodes id and secret before they are
// joined, as RFC 6749 section 2.3.1 asks.
func TestTokenEndpointURLEncodesTheHeader(t *testing.T) {
	o := oauthSettings("http://idp.invalid/token")
	o.HeaderURLEncode = true
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("connect:s3cr3t%2B%2F%26%3D"))
	if got := newTokenEndpoint(o).auth; got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
}

func TestTokenEndpointRetriesWhatMayPass(t *testing.T) {
	i := newIDP(t, http.StatusServiceUnavailable, http.StatusTooManyRequests)
	if _, err := newTokenEndpoint(oauthSettings(i.srv.URL)).fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(i.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

// A worker whose token endpoint refuses its credentials does not start,
// and says which endpoint answered what, without the secret.
func TestNewStopsOnARefusedLogin(t *testing.T) {
	i := newIDP(t, http.StatusUnauthorized, http.StatusUnauthorized)
	w := config.Worker{BootstrapServers: config.List{"127.0.0.1:9"}, Security: config.Security{
		Protocol: config.SASLPlaintext, SASLMechanism: "OAUTHBEARER", OAuthBearer: oauthSettings(i.srv.URL + "/token?tenant=x"),
	}}
	_, err := New(w)
	want := fmt.Sprintf("OAUTHBEARER login: sasl.oauthbearer.token.endpoint.url %s/token answered 401 Unauthorized (invalid_client: Invalid client or Invalid client credentials)", i.srv.URL)
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if n := len(i.requests()); n != 1 {
		t.Errorf("%d requests: a refusal must not be retried", n)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	answer := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
		defer srv.Close()
		_, err := newTokenEndpoint(oauthSettings(srv.URL)).fetch(context.Background())
		if err == nil {
			return ""
		}
		return strings.ReplaceAll(err.Error(), srv.URL, "URL")
	}
	tests := []struct {
		status    int
		body      string
		wantError string
	}{
		{200, `{"token_type":"Bearer","secret":"` + clientSecret + `"}`, "sasl.oauthbearer.token.endpoint.url URL answered 200 OK without an access_token"},
		{200, `not json`, "sasl.oauthbearer.token.endpoint.url URL answered 200 OK without an access_token"},
		{403, `<html>` + clientSecret + `</html>`, "sasl.oauthbearer.token.endpoint.url URL answered 403 Forbidden"},
		{500, `{"error":"server_error"}`, "sasl.oauthbearer.token.endpoint.url URL answered 500 Internal Server Error (server_error)"},
	}
	for _, tt := range tests {
		if got := answer(tt.status, tt.body); got != tt.wantError {
			t.Errorf("%d %s: %q, want %q", tt.status, tt.body, got, tt.wantError)
		}
	}
	_, err := newTokenEndpoint(oauthSettings("http://127.0.0.1:1/token")).fetch(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "sasl.oauthbearer.token.endpoint.url http://127.0.0.1:1/token cannot be reached: ") {
		t.Errorf("unreachable: %v", err)
	}
}

// The login refreshes its token when Java would, keeps the old one while
// a refresh fails, and says why once the token has expired.
func TestLoginRefreshesBeforeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu      sync.Mutex
			fetches []time.Time
			failing bool
		)
		l := newOAuthLogin(oauthSettings("http://idp.invalid/token"), slog.New(slog.DiscardHandler))
		l.jitter = func() float64 { return 0 }
		l.fetch = func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			fetches = append(fetches, time.Now())
			if failing {
				return "", errors.New("idp down")
			}
			return jwt(t, map[string]any{"sub": "connect", "exp": time.Now().Add(100 * time.Second).Unix()}), nil
		}
		count := func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(fetches)
		}
		start := time.Now()
		if err := l.start(); err != nil {
			t.Fatal(err)
		}
		defer l.stop()
		first, err := l.current()
		if err != nil {
			t.Fatal(err)
		}

		// 100 s is shorter than min period + buffer: refresh after 80 s.
		time.Sleep(80*time.Second - time.Millisecond)
		synctest.Wait()
		if n := count(); n != 1 {
			t.Fatalf("%d fetches before 80 s", n)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		second, _ := l.current()
		if n := count(); n != 2 || second.value == first.value {
			t.Fatalf("%d fetches at 80 s; token replaced: %v", n, second.value != first.value)
		}

		// The next is due 80 s later; it fails, and is tried every 10 s.
		mu.Lock()
		failing = true
		mu.Unlock()
		time.Sleep(80*time.Second + reloginRetry)
		synctest.Wait()
		if n := count(); n != 4 {
			t.Fatalf("%d fetches, want 4", n)
		}
		if tok, err := l.current(); err != nil || tok.value != second.value {
			t.Fatalf("while the old token lives: %v", err)
		}
		time.Sleep(time.Until(second.expiry))
		synctest.Wait()
		_, err = l.current()
		want := fmt.Sprintf("OAUTHBEARER: the token expired at %s and could not be refreshed: idp down", second.expiry.UTC().Format(time.RFC3339))
		if err == nil || err.Error() != want {
			t.Errorf("after expiry: %v, want %s", err, want)
		}
		if got := fetches[1].Sub(start); got != 80*time.Second {
			t.Errorf("first refresh after %v", got)
		}
	})
}

func TestOAuthBearerFirstMessage(t *testing.T) {
	token := jwt(t, map[string]any{"sub": "connect", "exp": time.Now().Add(time.Hour).Unix()})
	l := &oauthLogin{tok: accessToken{value: token, expiry: time.Now().Add(time.Hour)}}
	m := newOAuthBearer(l, map[string]string{"logicalCluster": "lkc-1", "identityPoolId": "pool-2"})
	sm, first, err := m.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := "n,,\x01auth=Bearer " + token + "\x01identityPoolId=pool-2\x01logicalCluster=lkc-1\x01\x01"
	if string(first) != want {
		t.Errorf("first message %q\nwant %q", first, want)
	}
	if done, resp, err := sm.Next(context.Background(), nil); !done || resp != nil || err != nil {
		t.Errorf("accepted: done %v resp %q err %v", done, resp, err)
	}
	_, _, err = sm.Next(context.Background(), []byte(`{"status":"invalid_token"}`))
	if err == nil || err.Error() != `OAUTHBEARER: the broker refused the token: {"status":"invalid_token"}` {
		t.Errorf("refused: %v", err)
	}
}
