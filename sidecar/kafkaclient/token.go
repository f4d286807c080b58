package kafkaclient

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// accessToken is an OAuth access token (a JWT) and what the login reads
// from its claims. Only the subject is ever logged.
type accessToken struct {
	value   string
	subject string
	start   time.Time // iat, else when it was received
	expiry  time.Time // exp
}

// parseAccessToken reads the claims Java's client checks before it uses a
// token: a subject under subClaim and an expiry. The signature is the
// broker's to verify. Errors never quote the token.
func parseAccessToken(raw, subClaim string, received time.Time) (accessToken, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return accessToken{}, errors.New("the access token is not a JWT (header.payload.signature)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return accessToken{}, errors.New("the access token's payload is not base64url")
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return accessToken{}, errors.New("the access token's payload is not a JSON object")
	}
	t := accessToken{value: raw, start: received}
	if sub, ok := claims[subClaim].(string); ok && strings.TrimSpace(sub) != "" {
		t.subject = sub
	} else {
		return accessToken{}, fmt.Errorf("the access token has no %q claim (sasl.oauthbearer.sub.claim.name)", subClaim)
	}
	exp, ok := claimTime(claims, "exp")
	if !ok {
		return accessToken{}, errors.New(`the access token has no numeric "exp" claim`)
	}
	t.expiry = exp
	if iat, ok := claimTime(claims, "iat"); ok {
		t.start = iat
	}
	return t, nil
}

// claimTime reads a NumericDate claim: seconds since the epoch, maybe
// with a fraction.
func claimTime(claims map[string]any, name string) (time.Time, bool) {
	n, ok := claims[name].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	secs, err := n.Float64()
	if err != nil || secs < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(secs * 1000)), true
}

// refreshPolicy is Java's sasl.login.refresh.* settings.
type refreshPolicy struct {
	windowFactor float64       // refresh after this part of the lifetime...
	windowJitter float64       // ...plus up to this part more, at random
	minPeriod    time.Duration // but not sooner than this from now
	buffer       time.Duration // and not later than this before expiry
}

// refreshAt is when a token received at now should be replaced, as Java's
// refreshing login decides; jitter is a random number in [0, 1). A token
// that lives shorter than minPeriod+buffer ignores both and is refreshed
// after the window part of what is left of it.
func (p refreshPolicy) refreshAt(t accessToken, now time.Time, jitter float64) time.Time {
	part := p.windowFactor + p.windowJitter*jitter
	if now.Add(p.minPeriod + p.buffer).After(t.expiry) {
		return now.Add(scale(t.expiry.Sub(now), part))
	}
	at := t.start.Add(scale(t.expiry.Sub(t.start), part))
	if latest := t.expiry.Add(-p.buffer); at.After(latest) {
		return latest
	}
	if earliest := now.Add(p.minPeriod); at.Before(earliest) {
		return earliest
	}
	return at
}

func scale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }
