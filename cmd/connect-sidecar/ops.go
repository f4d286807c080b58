package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// The everyday commands (status, restart, pause, resume) are clients of a
// worker's REST API, for the operations where a curl line is clumsy. They
// find the worker and its credentials in the same variables the worker
// reads, so in the worker's own container (kubectl exec, ECS exec) they
// need no flags.

// restFlags are the flags every REST command takes.
type restFlags struct {
	url     string
	timeout time.Duration
}

func (f *restFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "worker REST URL (default: this container's worker, from CONNECT_LISTENERS and CONNECT_REST_ADVERTISED_LISTENER, else http://127.0.0.1:8083)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "give up on a request after this long")
}

// parseFlags parses flags wherever they stand among the arguments, so
// "restart orders --failed" works as "restart --failed orders" does; the
// flag package alone stops at the first argument that is not a flag.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// flagError turns a parse failure into an exit code: -h is not a mistake.
func flagError(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitConfig
}

// workerClient calls one worker's REST API.
type workerClient struct {
	base      string // no trailing slash
	http      *http.Client
	authorize func(*http.Request) // nil: the worker asks for no credentials
}

// newWorkerClient finds the worker and its credentials. Its errors are the
// user's to fix (exit 2), not the worker's.
func newWorkerClient(f restFlags, environ []string) (*workerClient, error) {
	base, local := f.url, false
	if base == "" {
		base, local = localRESTURL(environ), true
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q is not an http:// or https:// URL, e.g. http://127.0.0.1:8083", base)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	switch ip := net.ParseIP(u.Hostname()); {
	case local && ip != nil && ip.IsLoopback():
		// The certificate names the advertised host, not the loopback
		// address dialled, and traffic to loopback never leaves the host,
		// so the credentials cannot be read on the way.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	case env(environ, "SIDECAR_REST_TLS_CA_FILE") != "":
		// The CA the worker trusts for other workers' certificates.
		cfg, err := config.Sidecar{RESTTLSCAFile: env(environ, "SIDECAR_REST_TLS_CA_FILE")}.RESTClientTLS()
		if err != nil {
			return nil, fmt.Errorf("SIDECAR_REST_TLS_CA_FILE cannot be used: %v", err)
		}
		tr.TLSClientConfig = cfg
	}
	authorize, err := restCredentials(environ)
	if err != nil {
		return nil, err
	}
	return &workerClient{
		base:      strings.TrimSuffix(u.String(), "/"),
		http:      &http.Client{Timeout: f.timeout, Transport: tr},
		authorize: authorize,
	}, nil
}

// localRESTURL is where the worker of this container listens: its
// listener of the rest.advertised.listener scheme, else its first, as the
// worker picks the one it advertises, but on the loopback address (see
// localURL). The advertised host and port are for other workers and may be
// mapped by the platform (Nomad, ECS bridge mode), so they are not used.
func localRESTURL(environ []string) string {
	listeners := strings.Split(env(environ, config.EnvName("listeners")), ",")
	scheme := strings.ToLower(strings.TrimSpace(env(environ, config.EnvName("rest.advertised.listener"))))
	for _, s := range listeners {
		if l, err := config.ParseListener(strings.TrimSpace(s)); err == nil && l.Scheme == scheme {
			return localURL(strings.TrimSpace(s))
		}
	}
	return localURL(listeners[0])
}

// restCredentials reads the credentials the worker asks REST clients for
// from the variables the worker reads them from. A bearer token wins when
// both kinds are set: the worker takes either.
func restCredentials(environ []string) (func(*http.Request), error) {
	token, err := secretEnv(environ, "SIDECAR_REST_AUTH_TOKEN")
	if err != nil {
		return nil, err
	}
	if token != "" {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, nil
	}
	user := env(environ, "SIDECAR_REST_BASIC_USER")
	if user == "" {
		return nil, nil
	}
	password, err := secretEnv(environ, "SIDECAR_REST_BASIC_PASSWORD")
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) { r.SetBasicAuth(user, password) }, nil
}

// secretEnv is name's value, or the content of the file name_FILE names
// without its trailing newline, as the worker reads it.
func secretEnv(environ []string, name string) (string, error) {
	if v := env(environ, name); v != "" {
		return v, nil
	}
	file := env(environ, name+"_FILE")
	if file == "" {
		return "", nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE names a file that cannot be read (%v)", name, err)
	}
	return strings.TrimRight(string(data), "\r\n"), nil
}

// maxBody bounds what is read of an answer; /metrics of a worker with many
// sink partitions is the largest.
const maxBody = 64 << 20

// restError is an answer with a status other than the ones expected,
// with Connect's message when the body has one.
type restError struct {
	Method, URL string
	Code        int
	Message     string
}

func (e *restError) Error() string {
	msg := fmt.Sprintf("%s %s answered %d", e.Method, e.URL, e.Code)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Code == http.StatusUnauthorized {
		msg += " (set SIDECAR_REST_AUTH_TOKEN, or SIDECAR_REST_BASIC_USER and SIDECAR_REST_BASIC_PASSWORD, as the worker has them)"
	}
	return msg
}

// do sends a request without a body and returns the answer's body when its
// status is one of want.
func (c *workerClient) do(ctx context.Context, method, path string, want ...int) ([]byte, error) {
	target := c.base + path
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if c.authorize != nil {
		c.authorize(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the whole URL; the base says which worker.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot reach the worker at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	if !slices.Contains(want, resp.StatusCode) {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(body, &e)
		return nil, &restError{Method: method, URL: target, Code: resp.StatusCode, Message: e.Message}
	}
	return body, nil
}

const actionUsage = `connect-sidecar %[1]s CONNECTOR... [flags]: %[2]s
`

// runAction restarts, pauses or resumes connectors. A plain restart is of
// the connector and all its tasks, not of the connector object alone as
// Connect's POST /connectors/{c}/restart without parameters is: a person
// who restarts a connector means its tasks too.
func runAction(ctx context.Context, verb string, args, environ []string, stdout, stderr io.Writer) int {
	what := map[string]string{
		"restart": "restart each connector and its tasks (with --failed, only those that are FAILED).",
		"pause":   "pause each connector and its tasks; they keep their assignment.",
		"resume":  "resume each paused connector and its tasks.",
	}[verb]
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf restFlags
	rf.register(fs)
	failed := new(bool)
	if verb == "restart" {
		fs.BoolVar(failed, "failed", false, "restart only the connector and tasks that are FAILED")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, actionUsage, verb, what)
		fs.PrintDefaults()
	}
	names, err := parseFlags(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(names) == 0 {
		fmt.Fprintf(stderr, "connect-sidecar %s: name at least one connector\n", verb)
		fs.Usage()
		return exitConfig
	}
	c, err := newWorkerClient(rf, environ)
	if err != nil {
		fmt.Fprintf(stderr, "connect-sidecar %s: %v\n", verb, err)
		return exitConfig
	}
	code := exitOK
	for _, name := range names {
		msg, err := c.act(ctx, verb, name, *failed)
		if err != nil {
			fmt.Fprintf(stderr, "connect-sidecar %s: %v\n", verb, err)
			code = exitFailed
			continue
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, msg)
	}
	return code
}

// act asks for one action and says what the worker answered.
func (c *workerClient) act(ctx context.Context, verb, name string, onlyFailed bool) (string, error) {
	path := "/connectors/" + url.PathEscape(name) + "/" + verb
	if verb != "restart" {
		_, err := c.do(ctx, http.MethodPut, path, http.StatusAccepted)
		return verb + " requested", err
	}
	q := url.Values{"includeTasks": {"true"}, "onlyFailed": {strconv.FormatBool(onlyFailed)}}
	body, err := c.do(ctx, http.MethodPost, path+"?"+q.Encode(), http.StatusAccepted, http.StatusNoContent)
	if err != nil {
		return "", err
	}
	// The answer is the status with what restarts marked RESTARTING.
	var st rest.ConnectorStateInfo
	if json.Unmarshal(body, &st) != nil {
		return "restart requested", nil
	}
	var parts []string
	if st.Connector.State == rest.StateRestarting {
		parts = append(parts, "the connector")
	}
	var tasks int
	for _, t := range st.Tasks {
		if t.State == rest.StateRestarting {
			tasks++
		}
	}
	switch {
	case tasks == 1:
		parts = append(parts, "1 task")
	case tasks > 1:
		parts = append(parts, fmt.Sprintf("%d tasks", tasks))
	}
	if len(parts) == 0 {
		return "nothing to restart: no FAILED connector or task", nil
	}
	return "restarting " + strings.Join(parts, " and "), nil
}
