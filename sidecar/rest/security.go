package rest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"
)

// Security is the REST API's protection. The zero value is Connect's
// default: no authentication, admin endpoints open to all.
//
// When BearerToken or BasicUser is set, every public endpoint (everything
// but /health, /live, /ready and the internal endpoints) needs an
// Authorization header: "Bearer <BearerToken>" or Basic credentials
// (either, when both are set). A failed check is 401 with a
// WWW-Authenticate header. Followers pass the client's Authorization on
// when they forward, so all workers of a cluster need the same
// credentials, as with Java's BasicAuthSecurityRestExtension.
//
// Internal endpoints (POST /connectors/{c}/tasks, PUT
// /connectors/{c}/fence) never ask for credentials: other workers prove
// themselves with the session key's signature when the group is
// sessioned (KIP-507).
type Security struct {
	// BearerToken is the token clients send as "Authorization: Bearer
	// <token>"; "" turns bearer authentication off.
	BearerToken string
	// BasicUser and BasicPassword are the credentials clients send with
	// HTTP Basic authentication; an empty BasicUser turns it off.
	BasicUser     string
	BasicPassword string
	// AdminLocalhostOnly serves /admin/* only to clients connecting from a
	// loopback address; others get 403. Proxies are not trusted: the
	// address is the TCP peer's.
	AdminLocalhostOnly bool
	// VerificationAlgorithms are the signature algorithms accepted on
	// internal requests (inter.worker.verification.algorithms); nil means
	// [HmacSHA256], Connect's default.
	VerificationAlgorithms []string
}

// Validate reports settings that cannot work.
func (s Security) Validate() error {
	if s.BasicUser != "" && s.BasicPassword == "" {
		return errors.New("REST basic authentication has a user but no password")
	}
	if s.BasicUser == "" && s.BasicPassword != "" {
		return errors.New("REST basic authentication has a password but no user")
	}
	if strings.Contains(s.BasicUser, ":") {
		return errors.New("the REST basic authentication user may not contain ':'")
	}
	for _, a := range s.VerificationAlgorithms {
		if _, ok := macs[strings.ToLower(a)]; !ok {
			return errors.New("internal request verification algorithm " + a + " is not available")
		}
	}
	return nil
}

func (s Security) authEnabled() bool { return s.BearerToken != "" || s.BasicUser != "" }

func (s Security) verificationAlgorithms() []string {
	if len(s.VerificationAlgorithms) == 0 {
		return []string{DefaultSignatureAlgorithm}
	}
	return s.VerificationAlgorithms
}

// authenticated checks the Authorization header in constant time.
func (s Security) authenticated(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if s.BearerToken != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") && equal(strings.TrimSpace(tok), s.BearerToken) {
			return true
		}
	}
	if s.BasicUser != "" {
		if u, p, ok := r.BasicAuth(); ok && equal(u, s.BasicUser) && equal(p, s.BasicPassword) {
			return true
		}
	}
	return false
}

// equal compares secrets in constant time, whatever their lengths.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// allow applies the route's access rule; a refusal is written and false
// returned.
func (s *Server) allow(c *call) bool {
	switch c.route.access {
	case open, internal:
		return true
	case admin:
		if s.security.AdminLocalhostOnly && !loopback(c.r.RemoteAddr) {
			c.error(http.StatusForbidden, "Admin endpoints are served only to clients on this host (the loopback interface); "+
				"call them from the worker's own host or pod, or turn off SIDECAR_REST_ADMIN_LOCALHOST_ONLY")
			return false
		}
	}
	if !s.security.authEnabled() || s.security.authenticated(c.r) || fromPeer(c.r) {
		return true
	}
	var schemes []string
	if s.security.BearerToken != "" {
		schemes = append(schemes, "Bearer")
		c.w.Header().Add("WWW-Authenticate", `Bearer realm="kafka-connect"`)
	}
	if s.security.BasicUser != "" {
		schemes = append(schemes, "Basic")
		c.w.Header().Add("WWW-Authenticate", `Basic realm="kafka-connect"`)
	}
	msg := "Authentication required: send an Authorization header (" + strings.Join(schemes, " or ") + ")"
	if c.r.Header.Get("Authorization") != "" {
		msg = "The credentials in the Authorization header are not valid (" + strings.Join(schemes, " or ") + " expected)"
	}
	c.error(http.StatusUnauthorized, msg)
	return false
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

type peerKey struct{}

// PeerHandler serves requests that another worker of the cluster relayed
// through Kafka (SIDECAR_PEERLESS). That worker checked the client's
// credentials before relaying, and relayed requests carry none, so that no
// secret is written to the topic; whoever may write to that topic may also
// write the config topic, which is worth as much. Admin endpoints limited to
// the loopback interface stay refused, as for any remote client.
func (s *Server) PeerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, true)))
	})
}

func fromPeer(r *http.Request) bool {
	peer, _ := r.Context().Value(peerKey{}).(bool)
	return peer
}
