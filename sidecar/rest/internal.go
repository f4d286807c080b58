package rest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Internal request signing (KIP-507, spec §7.5).
const (
	// SignatureHeader carries Base64(HMAC(session key, exact body bytes)).
	SignatureHeader = "X-Connect-Authorization"
	// SignatureAlgorithmHeader names the HMAC algorithm, as Java's Mac
	// names it.
	SignatureAlgorithmHeader = "X-Connect-Request-Signature-Algorithm"
	// DefaultSignatureAlgorithm is inter.worker.signature.algorithm's
	// default.
	DefaultSignatureAlgorithm = "HmacSHA256"
)

// macs are the HMAC algorithms a JVM provides under these names.
var macs = map[string]func() hash.Hash{
	"hmacsha1":   sha1.New,
	"hmacsha224": sha256.New224,
	"hmacsha256": sha256.New,
	"hmacsha384": sha512.New384,
	"hmacsha512": sha512.New,
}

// Sign returns the signature header value for body: Base64 of the HMAC
// of the exact bytes (none for an empty body) with key.
func Sign(algorithm string, key, body []byte) (string, error) {
	h, ok := macs[strings.ToLower(algorithm)]
	if !ok {
		return "", fmt.Errorf("signature algorithm %q is not available", algorithm)
	}
	m := hmac.New(h, key)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// verifySignature checks an internal request's signature as Connect does
// (InternalRequestSignature.fromHeaders, then
// DistributedHerder.requestNotSignedProperly). Headers that are present
// are always parsed; the checks themselves apply only when the group is
// sessioned. The error is the status to answer with.
func (s *Server) verifySignature(r *http.Request, body []byte) error {
	alg := r.Header.Get(SignatureAlgorithmHeader)
	sig := r.Header.Get(SignatureHeader)
	present := alg != "" && sig != ""
	var (
		newMAC func() hash.Hash
		want   []byte
	)
	if present {
		var ok bool
		if newMAC, ok = macs[strings.ToLower(alg)]; !ok {
			return &BadRequestError{Message: "Algorithm " + alg + " not available"}
		}
		var err error
		if want, err = base64.StdEncoding.DecodeString(sig); err != nil {
			return &BadRequestError{Message: "The " + SignatureHeader + " header is not valid Base64: " + err.Error()}
		}
	}
	if !s.herder.Sessioned() {
		return nil
	}
	if !present {
		return &BadRequestError{Message: "Internal request missing required signature"}
	}
	if allowed := s.security.verificationAlgorithms(); !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, alg) }) {
		return &BadRequestError{Message: fmt.Sprintf("This worker does not support the '%s' key signing algorithm used by other workers. "+
			"This worker is currently configured to use: [%s]. "+
			"Check that all workers' configuration files permit the same set of signature algorithms, "+
			"and correct any misconfigured worker and restart it.", alg, strings.Join(allowed, ", "))}
	}
	key := s.herder.SessionKey()
	if key == nil {
		return &StatusError{Status: http.StatusServiceUnavailable,
			Message: "This worker is still starting up and has not been able to read a session key from the config topic yet"}
	}
	m := hmac.New(newMAC, key)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), want) {
		return &ForbiddenError{Message: "Internal request contained invalid signature."}
	}
	return nil
}

// internalBody reads an internal request's body and checks its signature.
func (c *call) internalBody() ([]byte, bool) {
	b, ok := c.readBody(MaxInternalBodyBytes)
	if !ok {
		return nil, false
	}
	if err := c.s.verifySignature(c.r, b); err != nil {
		c.fail(err)
		return nil, false
	}
	return b, true
}

func (s *Server) putTaskConfigs(c *call) {
	b, ok := c.internalBody()
	if !ok {
		return
	}
	configs, err := parseTaskConfigs(b)
	if err != nil {
		c.fail(err)
		return
	}
	if err := s.herder.PutTaskConfigs(c.ctx, c.v("connector"), configs); err != nil {
		c.failOrForward(err, configs, nil)
		return
	}
	c.empty(http.StatusNoContent)
}

// parseTaskConfigs reads a JSON array of String→String objects.
func parseTaskConfigs(b []byte) ([]map[string]string, error) {
	const what = "The task configs"
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, jsonError(err, what, "a JSON array of objects")
	}
	out := make([]map[string]string, 0, len(list))
	for i, raw := range list {
		m, err := parseObject(raw, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		conf, err := plainStringMap(m, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		out = append(out, conf)
	}
	return out, nil
}

func (s *Server) fenceZombies(c *call) {
	if _, ok := c.internalBody(); !ok {
		return
	}
	c.simple(s.herder.FenceZombies(c.ctx, c.v("connector")), http.StatusNoContent)
}

// Client sends internal requests to the leader (spec §7.5): straight to
// it, signed with the session key when one is given, never forwarded.
// The herder uses it when it generated task configs but is not the leader.
type Client struct {
	http      *http.Client
	algorithm string
	// authorization goes with requests to public endpoints; see
	// PutConnectorConfig.
	authorization string
}

// NewClient returns a client using hc (nil for a default one with a 90 s
// timeout; redirects are never followed) that signs with algorithm (""
// for HmacSHA256, inter.worker.signature.algorithm's default).
func NewClient(hc *http.Client, algorithm string) (*Client, error) {
	if algorithm == "" {
		algorithm = DefaultSignatureAlgorithm
	}
	if _, ok := macs[strings.ToLower(algorithm)]; !ok {
		return nil, fmt.Errorf("rest: signature algorithm %q is not available", algorithm)
	}
	return &Client{http: noRedirects(hc), algorithm: algorithm}, nil
}

// PublishTaskConfigs sends a connector's task configs to the leader at
// leaderURL: POST /connectors/{connector}/tasks. key is the session key;
// nil sends the request unsigned (a group that is not sessioned). A
// refusal comes back as *StatusError with the leader's status, so a 403
// soon after a key rotation can be retried.
func (c *Client) PublishTaskConfigs(ctx context.Context, leaderURL, connector string, configs []map[string]string, key []byte) error {
	if configs == nil {
		configs = []map[string]string{}
	}
	body, err := marshal(configs)
	if err != nil {
		return err
	}
	return c.internal(ctx, http.MethodPost, leaderURL, connector, "tasks", body, key)
}

// FenceZombies asks the leader to fence a source connector's earlier task
// generations: PUT /connectors/{connector}/fence with an empty body.
func (c *Client) FenceZombies(ctx context.Context, leaderURL, connector string, key []byte) error {
	return c.internal(ctx, http.MethodPut, leaderURL, connector, "fence", nil, key)
}

func (c *Client) internal(ctx context.Context, method, leaderURL, connector, what string, body, key []byte) error {
	if leaderURL == "" {
		return &StatusError{Status: http.StatusConflict, Message: "the leader's URL is not known"}
	}
	u := strings.TrimSuffix(leaderURL, "/") + "/connectors/" + url.PathEscape(connector) + "/" + what
	h := http.Header{}
	if key != nil {
		sig, err := Sign(c.algorithm, key, body)
		if err != nil {
			return err
		}
		h.Set(SignatureHeader, sig)
		h.Set(SignatureAlgorithmHeader, c.algorithm)
	}
	if body == nil {
		// Signed as zero bytes; Content-Type is still JSON, as Java sends.
		body = []byte{}
	}
	_, _, err := sendRequest(ctx, c.http, method, u, h, body)
	return err
}
