package kafkaclient

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// jwt returns a JWT-shaped token with these claims; the client never
// checks signatures, so the signature is a placeholder.
func jwt(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(payload) + ".c2lnbmF0dXJl"
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestParseAccessToken(t *testing.T) {
	good := jwt(t, map[string]any{"sub": "connect", "exp": t0.Add(time.Hour).Unix(), "iat": t0.Add(-time.Minute).Unix()})
	tok, err := parseAccessToken(good, "sub", t0)
	if err != nil {
		t.Fatal(err)
	}
	if tok.value != good || tok.subject != "connect" || !tok.expiry.Equal(t0.Add(time.Hour)) || !tok.start.Equal(t0.Add(-time.Minute)) {
		t.Errorf("got %+v", tok)
	}
	noIAT, err := parseAccessToken(jwt(t, map[string]any{"client": "c", "exp": 1.8e9 + 0.5}), "client", t0)
	if err != nil || !noIAT.start.Equal(t0) || noIAT.expiry.UnixMilli() != 1.8e12+500 {
		t.Errorf("without iat: %+v, %v", noIAT, err)
	}

	tests := []struct{ token, want string }{
		{"an-opaque-token", "the access token is not a JWT (header.payload.signature)"},
		{"a.!!!.c", "the access token's payload is not base64url"},
		{"a." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".c", "the access token's payload is not a JSON object"},
		{jwt(t, map[string]any{"exp": 1.8e9}), `the access token has no "sub" claim (sasl.oauthbearer.sub.claim.name)`},
		{jwt(t, map[string]any{"sub": "connect"}), `the access token has no numeric "exp" claim`},
		{jwt(t, map[string]any{"sub": "connect", "exp": "tomorrow"}), `the access token has no numeric "exp" claim`},
	}
	for _, tt := range tests {
		_, err := parseAccessToken(tt.token, "sub", t0)
		if err == nil || err.Error() != tt.want {
			t.Errorf("error %v, want %q", err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), tt.token) {
			t.Errorf("the error quotes the token: %v", err)
		}
	}
}

// Java's ExpiringCredentialRefreshingLogin, case by case, with the
// default settings.
func TestRefreshAt(t *testing.T) {
	p := refreshPolicy{windowFactor: 0.8, windowJitter: 0.05, minPeriod: time.Minute, buffer: 5 * time.Minute}
	token := func(start, expiry time.Duration) accessToken {
		return accessToken{start: t0.Add(start), expiry: t0.Add(expiry)}
	}
	tests := []struct {
		name   string
		tok    accessToken
		jitter float64
		want   time.Duration // after t0, which is now
	}{
		{"80% of an hour", token(0, time.Hour), 0, 48 * time.Minute},
		{"plus the whole jitter", token(0, time.Hour), 1, 51 * time.Minute},
		{"80% of the lifetime counts from iat", token(-30*time.Minute, 30*time.Minute), 0, 18 * time.Minute},
		{"not inside the buffer before expiry", token(0, 10*time.Minute), 0, 5 * time.Minute},
		{"not sooner than the minimum period", token(-50*time.Minute, 10*time.Minute), 0, time.Minute},
		{"a short token ignores both", token(0, 20*time.Second), 0, 16 * time.Second},
		{"counting from now, not iat", token(-40*time.Second, 20*time.Second), 0.5, 16*time.Second + 500*time.Millisecond},
	}
	for _, tt := range tests {
		if got := p.refreshAt(tt.tok, t0, tt.jitter).Sub(t0); got != tt.want {
			t.Errorf("%s: refresh after %v, want %v", tt.name, got, tt.want)
		}
	}
}
