package rest

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// Settings are what the SIDECAR_REST_* settings make of the REST API: its
// protection, the TLS of https listeners, and the clients that call other
// workers, which trust SIDECAR_REST_TLS_CA_FILE.
type Settings struct {
	fx.Out
	Security   Security
	TLS        *tls.Config  `name:"rest"`
	HTTPClient *http.Client `name:"rest"`
	// Peers sends this worker's own requests to other workers: signed
	// task configs for the leader, and declared connectors.
	Peers *Client
}

// PeerTransport, when provided, carries this worker's requests to other
// workers some other way than plain HTTP (SIDECAR_PEERLESS); it is given the
// HTTP transport for the workers it cannot reach otherwise.
type PeerTransport func(http.RoundTripper) http.RoundTripper

// SettingsParams are what Settings are made of in the fx graph.
type SettingsParams struct {
	fx.In
	Sidecar config.Sidecar
	Peers   PeerTransport `optional:"true"`
}

// provideSettings is SettingsFrom in the fx graph.
func provideSettings(p SettingsParams) (Settings, error) { return settingsFrom(p.Sidecar, p.Peers) }

// SettingsFrom builds Settings from settings config.Load has checked.
func SettingsFrom(sc config.Sidecar) (Settings, error) { return settingsFrom(sc, nil) }

func settingsFrom(sc config.Sidecar, peerTransport PeerTransport) (Settings, error) {
	serverTLS, err := sc.RESTServerTLS()
	if err != nil {
		return Settings{}, err
	}
	clientTLS, err := sc.RESTClientTLS()
	if err != nil {
		return Settings{}, err
	}
	httpTransport := http.DefaultTransport.(*http.Transport).Clone()
	httpTransport.TLSClientConfig = clientTLS
	var transport http.RoundTripper = httpTransport
	if peerTransport != nil {
		transport = peerTransport(httpTransport)
	}
	sec := Security{
		BearerToken:        sc.RESTAuthToken,
		BasicUser:          sc.RESTBasicUser,
		BasicPassword:      sc.RESTBasicPassword,
		AdminLocalhostOnly: bool(sc.RESTAdminLocalhostOnly),
	}
	peers, err := NewClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}, "")
	if err != nil {
		return Settings{}, err
	}
	peers.authorization = sec.authorization()
	return Settings{
		Security:   sec,
		TLS:        serverTLS,
		HTTPClient: &http.Client{Transport: transport, Timeout: RequestTimeout},
		Peers:      peers,
	}, nil
}

// authorization is the header this worker sends with its own requests to
// other workers' public endpoints, which all workers of a cluster protect
// with the same credentials.
func (s Security) authorization() string {
	switch {
	case s.BearerToken != "":
		return "Bearer " + s.BearerToken
	case s.BasicUser != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(s.BasicUser+":"+s.BasicPassword))
	}
	return ""
}

// PutConnectorConfig creates or replaces a connector's config through the
// worker at workerURL, as a follower forwards a client's PUT
// /connectors/{name}/config to the leader: with forward=true, so that
// worker may forward once more if leadership moved, and with this
// worker's credentials. created reports a new connector. A config the
// worker refuses is a *BadRequestError with the single validation
// messages; any other refusal a *StatusError with the remote status.
func (c *Client) PutConnectorConfig(ctx context.Context, workerURL, name string, conf map[string]string) (created bool, err error) {
	if workerURL == "" {
		return false, &ConflictError{Message: msgNoLeader}
	}
	body, err := marshal(conf)
	if err != nil {
		return false, err
	}
	u := strings.TrimSuffix(workerURL, "/") + "/connectors/" + url.PathEscape(name) + "/config?forward=true"
	h := http.Header{}
	if c.authorization != "" {
		h.Set("Authorization", c.authorization)
	}
	status, _, err := sendRequest(ctx, c.http, http.MethodPut, u, h, body)
	var se *StatusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest {
		return false, &BadRequestError{Message: se.Message, Errors: invalidConfigErrors(se.Message)}
	}
	return status == http.StatusCreated, err
}

// invalidConfigErrors takes the single messages back out of the text of
// NewInvalidConfigError, which is Java's text too: the lines between the
// error count and the pointer to the validate endpoint.
func invalidConfigErrors(msg string) []string {
	lines := strings.Split(msg, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "Connector configuration is invalid") {
		return nil
	}
	lines = lines[1:]
	if strings.HasPrefix(lines[len(lines)-1], "You can also find") {
		lines = lines[:len(lines)-1]
	}
	return lines
}
