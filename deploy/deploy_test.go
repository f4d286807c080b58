package deploy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/connect-sidecar/connect-sidecar/sidecar"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/metrics"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// pending names what the examples use before the code has it, because
// another change is adding it: a setting (SIDECAR_X), a path (/x) or a
// metric name, with why. A pending name the code lacks is logged instead of
// failing; one the code has is checked like any other. Add a line while the
// code is on its way, delete it once it has landed.
var pending = map[string]string{}

// httpSinkClass is the connector the examples declare.
const httpSinkClass = "io.connectsidecar.http.HttpSinkConnector"

// sidecarContainer is the worker's container (or task) name in every example.
const sidecarContainer = "connect-sidecar"

// stopSlack is what the worker needs on SIGTERM beyond
// task.shutdown.graceful.timeout.ms: cmd/connect-sidecar/main.go gives fx
// that much more to leave the group and flush status.
const stopSlack = 10 * time.Second

// runtimeEnv are variables the examples may set that are read by the Go
// runtime rather than by connect-sidecar's settings.
var runtimeEnv = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GODEBUG": true}

// use is what one example asks of the worker, gathered by a platform's
// reader, for checkUse to hold against the code.
type use struct {
	file string
	env  []envVar
	// files are what the platform mounts into the worker's container, by
	// path as the worker sees it, for settings that name a file.
	files map[string]mounted
	// paths are HTTP paths asked of the worker's REST listener.
	paths []found
	// ports are the container-side REST ports the platform talks to.
	ports []found
	// commands run inside the worker's container (health checks), argv.
	commands [][]string
	// stopWindow is how long the platform waits between SIGTERM and SIGKILL.
	// fixedStop: the platform does not let it be raised, so only the tasks'
	// graceful timeout must fit.
	stopWindow time.Duration
	fixedStop  bool
}

type envVar struct {
	name, value, where string
	// from is the secret store the platform takes the value from when it
	// starts the worker (value is then a sample), or "" when the example
	// holds the value itself.
	from string
}

// mounted is a file the platform puts in the worker's container: a sample
// of its content, and the secret store it comes from ("" when the example
// holds the content itself).
type mounted struct {
	content, from string
}

type found struct {
	value, where string
}

func (u *use) path(p, where string)      { u.paths = append(u.paths, found{p, where}) }
func (u *use) port(p int, where string)  { u.ports = append(u.ports, found{strconv.Itoa(p), where}) }
func (u *use) setEnv(n, v, where string) { u.env = append(u.env, envVar{n, v, where, ""}) }

// setSecretEnv records a variable the platform fills in from its secret
// store, from; v is a sample of the value.
func (u *use) setSecretEnv(n, v, where, from string) {
	u.env = append(u.env, envVar{n, v, where, from})
}

// mount records a file the platform puts at path in the worker's container.
func (u *use) mount(path, content, from string) {
	if u.files == nil {
		u.files = map[string]mounted{}
	}
	u.files[path] = mounted{content, from}
}

// secretFrom is where e's secret comes from at run time: the secret store
// of its value or, for a variable naming a mounted file, of that file; ""
// when the example itself holds it.
func (u *use) secretFrom(e envVar) string {
	if e.from != "" {
		return e.from
	}
	return u.files[e.value].from
}

// lookupEnv is the value of n; the last one wins, as in a process environment.
func (u *use) lookupEnv(n string) string {
	v := ""
	for _, e := range u.env {
		if e.name == n {
			v = e.value
		}
	}
	return v
}

// report collects a check's problems, and what it could not check yet.
type report struct {
	problems []string
	waiting  []string
}

func (r *report) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// missing records a name the code does not have: a problem, unless pending.
func (r *report) missing(name, format string, args ...any) {
	if why, ok := pending[name]; ok {
		r.waiting = append(r.waiting, name+" ("+why+")")
		return
	}
	r.fail(format, args...)
}

func (r *report) apply(t *testing.T) {
	t.Helper()
	for _, w := range r.waiting {
		t.Logf("pending, not checked yet: %s", w)
	}
	for _, p := range r.problems {
		t.Error(p)
	}
}

// facts is what the code says, found once.
type facts struct {
	restPort   int
	entrypoint string // where the image puts the binary
	workerProp map[string]bool
	sidecarEnv map[string]bool
	handler    http.Handler // the REST server's, to ask which paths it serves
	metrics    *metrics.Metrics
}

var (
	factsOnce sync.Once
	theFacts  facts
	factsErr  error
)

func codeFacts(t *testing.T) facts {
	t.Helper()
	factsOnce.Do(func() { theFacts, factsErr = findFacts() })
	if factsErr != nil {
		t.Fatal(factsErr)
	}
	return theFacts
}

func findFacts() (facts, error) {
	var f facts
	loaded, err := config.Load([]string{"CONNECT_BOOTSTRAP_SERVERS=k:9092", "CONNECT_GROUP_ID=g"}, "")
	if err != nil {
		return f, err
	}
	l, err := config.ParseListener(loaded.Worker.Listeners[0])
	if err != nil {
		return f, fmt.Errorf("default listeners: %w", err)
	}
	f.restPort = l.Port
	f.workerProp = tagged(reflect.TypeFor[config.Worker](), "prop")
	f.sidecarEnv = tagged(reflect.TypeFor[config.Sidecar](), "env")
	if f.entrypoint, err = dockerEntrypoint(filepath.Join("..", "Dockerfile")); err != nil {
		return f, err
	}
	// The REST server as cmd/connect-sidecar wires it, less Kafka.
	f.metrics = metrics.New()
	srv, err := rest.New(rest.Params{
		Worker:  loaded.Worker,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Health:  health.NewState(),
		Cluster: noCluster{},
		Metrics: f.metrics.Handler(),
	})
	if err != nil {
		return f, fmt.Errorf("rest.New: %w", err)
	}
	f.handler = srv.Handler()
	return f, nil
}

type noCluster struct{}

func (noCluster) ClusterID(context.Context) (string, error) {
	return "", errors.New("no Kafka in this test")
}

// tagged lists the first part of every tag value of a settings struct,
// nested structs included.
func tagged(t reflect.Type, tag string) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		switch {
		case name == "-":
		case name != "":
			out[name] = true
		case f.Type.Kind() == reflect.Struct:
			for k := range tagged(f.Type, tag) {
				out[k] = true
			}
		}
	}
	return out
}

var entrypointLine = regexp.MustCompile(`(?m)^ENTRYPOINT\s+\["([^"]+)"`)

func dockerEntrypoint(name string) (string, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	m := entrypointLine.FindSubmatch(raw)
	if m == nil {
		return "", errors.New("Dockerfile: no ENTRYPOINT [\"...\"]")
	}
	return string(m[1]), nil
}

// envNameProblem says why name is not a setting the worker reads, or "".
func (f facts) envNameProblem(name string) string {
	switch {
	case strings.HasPrefix(name, config.EnvPrefix):
		prop, ok := config.PropertyName(name)
		if !ok {
			return name + " names no property"
		}
		if config.EnvName(prop) != name {
			return fmt.Sprintf("%s decodes to %s, whose variable is %s", name, prop, config.EnvName(prop))
		}
		if f.workerProp[prop] || strings.HasPrefix(prop, "key.converter.") || strings.HasPrefix(prop, "value.converter.") ||
			strings.HasPrefix(prop, configprovider.Prefix+".") {
			return ""
		}
		return fmt.Sprintf("%s is %s, which connect-sidecar does not read (see config.Worker)", name, prop)
	case strings.HasPrefix(name, config.SidecarPrefix):
		if f.sidecarEnv[name] {
			return ""
		}
		return name + " is not a field of config.Sidecar"
	case runtimeEnv[name]:
		return ""
	}
	return name + " is neither a CONNECT_ nor a SIDECAR_ setting"
}

// served reports whether the REST server routes path, and its answer.
func (f facts) served(path string) (bool, int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec.Code != http.StatusNotFound, rec.Code, rec.Body.String()
}

// checkUse holds one example against the code.
func checkUse(f facts, u use) *report {
	r := &report{}
	if len(u.env) == 0 {
		r.fail("%s: found no environment for the %s container", u.file, sidecarContainer)
	}
	seen := map[string]string{}
	for _, e := range u.env {
		if p := f.envNameProblem(e.name); p != "" && !u.readByPlaceholder(e.name) {
			r.missing(e.name, "%s (%s): %s", u.file, e.where, p)
		}
		if prev, dup := seen[e.name]; dup {
			r.fail("%s: %s is set twice (%s and %s)", u.file, e.name, prev, e.where)
		}
		seen[e.name] = e.where
	}

	// The whole environment must load as the worker loads it, with
	// nothing ignored.
	dir, err := os.MkdirTemp("", "deploy-files")
	if err != nil {
		r.fail("%v", err)
		return r
	}
	defer os.RemoveAll(dir)
	loaded, err := u.load(dir)
	if err != nil {
		r.fail("%s: the worker would refuse this environment:\n%v", u.file, err)
	}
	for _, line := range loaded.Ignored {
		name, _, _ := strings.Cut(line, " ")
		r.missing(name, "%s: the worker would ignore a setting: %s", u.file, line)
	}

	for _, p := range u.paths {
		checkPath(f, r, u.file, p)
	}
	for _, p := range u.ports {
		if p.value != strconv.Itoa(f.restPort) {
			r.fail("%s (%s): port %s, but the worker listens on %d (listeners default)", u.file, p.where, p.value, f.restPort)
		}
	}
	for _, c := range u.commands {
		checkCommand(f, r, u.file, c)
	}

	if err == nil && u.stopWindow > 0 {
		graceful := loaded.Worker.TaskShutdownGracefulTimeout.D()
		need := graceful + stopSlack
		if u.fixedStop {
			need = graceful
		}
		if u.stopWindow < need {
			r.fail("%s: the platform kills the worker %v after SIGTERM, but it may need %v (task.shutdown.graceful.timeout.ms %v)", u.file, u.stopWindow, need, graceful)
		}
	} else if u.stopWindow == 0 {
		r.fail("%s: no stop window found", u.file)
	}

	if err == nil {
		checkConnectors(r, u, loaded, dir)
		checkRESTAuth(f, r, u, &loaded)
	} else {
		checkRESTAuth(f, r, u, nil)
	}
	return r
}

// restSecrets are the settings that hold a REST API credential, or name
// the file that holds one.
var restSecrets = []string{"SIDECAR_REST_AUTH_TOKEN", "SIDECAR_REST_AUTH_TOKEN_FILE", "SIDECAR_REST_BASIC_PASSWORD", "SIDECAR_REST_BASIC_PASSWORD_FILE"}

// checkRESTAuth checks that the example protects the worker's REST API:
// a bearer token the platform takes from its secret store (never one
// written in the example, which everyone who reads it knows), and /admin/*
// for loopback clients only. loaded, the environment as the worker reads
// it, is nil when the worker would refuse it; with it, the REST server
// built from those settings must ask for the token, yet answer the
// platform's probes and scrapers, which send none.
func checkRESTAuth(f facts, r *report, u use, loaded *config.Loaded) {
	token := false
	for _, e := range u.env {
		if !slices.Contains(restSecrets, e.name) || e.value == "" {
			continue
		}
		token = token || strings.HasPrefix(e.name, "SIDECAR_REST_AUTH_TOKEN")
		_, isMounted := u.files[e.value]
		switch {
		case u.secretFrom(e) != "":
		case isMounted:
			r.fail("%s (%s): %s names %s, whose content is written in the example; mount it from the platform's secret store", u.file, e.where, e.name, e.value)
		case strings.HasSuffix(e.name, "_FILE"):
			r.fail("%s (%s): %s names %s, which the platform does not mount from its secret store", u.file, e.where, e.name, e.value)
		default:
			r.fail("%s (%s): %s is written in the example; take it from the platform's secret store", u.file, e.where, e.name)
		}
	}
	if !token {
		r.fail("%s: the REST API would take no credentials: set SIDECAR_REST_AUTH_TOKEN_FILE to a file mounted from the platform's secret store, or SIDECAR_REST_AUTH_TOKEN from that store", u.file)
	}
	var adminLocal config.Bool
	if err := adminLocal.UnmarshalText([]byte(u.lookupEnv("SIDECAR_REST_ADMIN_LOCALHOST_ONLY"))); err != nil || !adminLocal {
		r.fail("%s: SIDECAR_REST_ADMIN_LOCALHOST_ONLY is not true: /admin/* (log levels) would answer every client that has the token", u.file)
	}
	if loaded == nil || loaded.Sidecar.RESTAuthToken == "" {
		return
	}

	// The REST server as cmd/connect-sidecar wires it with these settings.
	settings, err := rest.SettingsFrom(loaded.Sidecar)
	if err != nil {
		r.fail("%s: rest.SettingsFrom: %v", u.file, err)
		return
	}
	srv, err := rest.New(rest.Params{
		Worker:   loaded.Worker,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Health:   health.NewState(),
		Cluster:  noCluster{},
		Security: settings.Security,
		Metrics:  f.metrics.Handler(),
	})
	if err != nil {
		r.fail("%s: rest.New: %v", u.file, err)
		return
	}
	const remote, loopback = "192.0.2.1:40000", "127.0.0.1:40000"
	ask := func(path, token, from string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		req.RemoteAddr = from
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	for _, p := range u.paths {
		if code := ask(p.value, "", remote); code == http.StatusUnauthorized || code == http.StatusForbidden {
			r.fail("%s (%s): GET %s answered %d without credentials, but the platform sends none", u.file, p.where, p.value, code)
		}
	}
	tok := loaded.Sidecar.RESTAuthToken
	if code := ask("/connectors", "", remote); code != http.StatusUnauthorized {
		r.fail("%s: GET /connectors without credentials answered %d, want 401", u.file, code)
	}
	if code := ask("/connectors", tok, remote); code == http.StatusUnauthorized || code == http.StatusForbidden {
		r.fail("%s: GET /connectors with the token answered %d", u.file, code)
	}
	if code := ask("/admin/loggers", tok, remote); code != http.StatusForbidden {
		r.fail("%s: GET /admin/loggers with the token from %s answered %d, want 403 (loopback clients only)", u.file, remote, code)
	}
	if code := ask("/admin/loggers", tok, loopback); code == http.StatusUnauthorized || code == http.StatusForbidden {
		r.fail("%s: GET /admin/loggers with the token from %s answered %d", u.file, loopback, code)
	}
}

func checkPath(f facts, r *report, file string, p found) {
	probes := []string{health.HealthPath, health.LivePath, health.ReadyPath}
	ok, code, body := f.served(p.value)
	if !ok {
		r.missing(p.value, "%s (%s): the worker does not serve %s", file, p.where, p.value)
		return
	}
	if strings.HasPrefix(p.value, "/metrics") {
		// Before the first lag poll /metrics/scaling answers 503, so its
		// body is checked through metrics.Scaling's JSON (scalingField).
		if code == http.StatusNotFound || code >= 500 && p.value == "/metrics" {
			r.fail("%s (%s): GET %s answered %d: %s", file, p.where, p.value, code, body)
		}
		return
	}
	if !slices.Contains(probes, p.value) {
		r.fail("%s (%s): %s is not one of the probe paths %v", file, p.where, p.value, probes)
	}
}

// checkMetric checks that the worker's metrics have a series name. Series
// computed by a lag poll are absent from GET /metrics until one ran, so ask
// the registry: registering another collector under a name that one
// already describes fails.
func checkMetric(f facts, r *report, file, name, where string) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "deploy_test asks whether this name is taken"})
	if err := f.metrics.Registry().Register(g); err == nil {
		f.metrics.Registry().Unregister(g)
		r.missing(name, "%s (%s): the worker's metrics have no series %s", file, where, name)
	}
}

// scalingField is the JSON name of a field of GET /metrics/scaling's body.
func scalingField(t *testing.T, goName string) string {
	t.Helper()
	sf, ok := reflect.TypeFor[metrics.Scaling]().FieldByName(goName)
	if !ok {
		t.Fatalf("metrics.Scaling has no field %s", goName)
	}
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return name
}

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryPath string
	binaryErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// binary builds cmd/connect-sidecar once.
func binary() (string, error) {
	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "deploy-test")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "connect-sidecar")
		cmd := exec.Command("go", "build", "-o", binaryPath, "./cmd/connect-sidecar")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	return binaryPath, binaryErr
}

// checkCommand runs a health-check command of an example against the real
// binary, pointed at a port nothing listens on: a known probe exits 1 with
// a line saying what it asked; an unknown subcommand or probe exits 2.
func checkCommand(f facts, r *report, file string, argv []string) {
	if len(argv) < 2 || argv[0] != f.entrypoint {
		r.fail("%s: health check %q does not run the image's binary %s", file, argv, f.entrypoint)
		return
	}
	bin, err := binary()
	if err != nil {
		r.fail("%v", err)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.fail("%v", err)
		return
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(slices.Clone(argv[1:]), "-url", closed)...)
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || argv[1] != "probe" || !strings.Contains(string(out), closed+"/"+argv[2]) {
		r.fail("%s: health check %q is not a probe the binary knows: with nothing listening it gave %v, %q (want exit 1 asking %s)", file, argv, err, out, closed)
	}
}

// checkConnectors checks the declared connectors, as config.Load read them
// from SIDECAR_CONNECTORS: classes the worker has and its settings
// (SIDECAR_CONNECTOR_CLASSES) enable, configs that validate as PUT
// /connector-plugins/{plugin}/config/validate would (placeholders resolved
// from the files load wrote under dir), and passwords that come from the
// platform's secret store.
func checkConnectors(r *report, u use, loaded config.Loaded, dir string) {
	sc := loaded.Sidecar
	if len(sc.Connectors) == 0 {
		r.fail("%s: declares no connector in SIDECAR_CONNECTORS", u.file)
	}
	// The plugins as this worker would have them.
	reg, err := sidecar.Registry(sc, nil)
	if err != nil {
		r.fail("%s: %v", u.file, err)
		return
	}
	for _, c := range sc.Connectors {
		class := c.Config[connectorconfig.ConnectorClassConfig]
		if class != httpSinkClass {
			r.fail("%s: connector %s is %q; the examples show the HTTP sink %s", u.file, c.Name, class, httpSinkClass)
		}
		p, ok := reg.Lookup(class, plugin.KindSink, plugin.KindSource)
		if !ok {
			r.fail("%s: connector %s: class %s is not registered in sidecar.Registry()", u.file, c.Name, class)
			continue
		}
		if err := reg.Refused(p); err != nil {
			r.fail("%s: connector %s: %v", u.file, c.Name, err)
			continue
		}
		res, err := connectorconfig.ValidateWith(reg, c.Config, connectorconfig.Worker{
			GroupID:        u.lookupEnv("CONNECT_GROUP_ID"),
			KeyConverter:   u.lookupEnv("CONNECT_KEY_CONVERTER"),
			ValueConverter: u.lookupEnv("CONNECT_VALUE_CONVERTER"),
			Providers:      loaded.Worker.Providers,
		})
		if err != nil {
			r.fail("%s: connector %s: %v", u.file, c.Name, err)
		} else if msg := connectorconfig.ErrorsMessage(res); msg != "" {
			r.fail("%s: connector %s: %s", u.file, c.Name, msg)
		}
		for _, ci := range res.Configs {
			if ci.Definition == nil || ci.Definition.Type != string(plugin.TypePassword) {
				continue
			}
			if value, set := c.Config[ci.Definition.Name]; set {
				// As the example writes it: load put mounted files under dir.
				checkConnectorSecret(r, u, c.Name, ci.Definition.Name, strings.ReplaceAll(value, dir, ""))
			}
		}
	}
}

// checkConnectorSecret checks that a connector's password setting holds
// config provider placeholders reading the platform's secret store, never
// the secret: the config topic and the REST API show what the example
// writes.
func checkConnectorSecret(r *report, u use, connector, key, value string) {
	found := configprovider.Find(value)
	if len(found) == 0 {
		r.fail("%s: connector %s: %s is written in the example; take it from the platform's secret store with a config provider placeholder", u.file, connector, key)
	}
	for _, ph := range found {
		if !u.fromSecretStore(ph) {
			r.fail("%s: connector %s: %s reads %s, which the platform does not take from its secret store", u.file, connector, key, ph.Text)
		}
	}
}

// placeholders are the config provider placeholders of u's settings.
func (u use) placeholders() []configprovider.Placeholder {
	var out []configprovider.Placeholder
	for _, e := range u.env {
		out = append(out, configprovider.Find(e.value)...)
	}
	return out
}

// readByPlaceholder reports whether a placeholder reads variable name: an
// env provider's, which has no path.
func (u use) readByPlaceholder(name string) bool {
	return slices.ContainsFunc(u.placeholders(), func(ph configprovider.Placeholder) bool {
		return ph.Path == "" && ph.Key == name
	})
}

// fromSecretStore reports whether what ph reads, a variable or a mounted
// file (a file provider's path, a directory provider's path and key),
// comes from the platform's secret store.
func (u use) fromSecretStore(ph configprovider.Placeholder) bool {
	if ph.Path == "" {
		return slices.ContainsFunc(u.env, func(e envVar) bool { return e.name == ph.Key && e.from != "" })
	}
	return u.files[ph.Path].from != "" || u.files[filepath.Join(ph.Path, ph.Key)].from != ""
}

// load reads u's environment as the worker would, with the files the
// platform mounts written under dir at their paths, and each setting that
// names their directories (a *_FILE setting, allowed.paths, a placeholder)
// naming them there.
func (u use) load(dir string) (config.Loaded, error) {
	var mountDirs []string
	for _, name := range sortedKeys(u.files) {
		local := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
			return config.Loaded{}, err
		}
		if err := os.WriteFile(local, []byte(u.files[name].content), 0o600); err != nil {
			return config.Loaded{}, err
		}
		mountDirs = append(mountDirs, filepath.Dir(name))
	}
	// Longest first: a directory inside another is its own.
	slices.SortFunc(mountDirs, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	var pairs []string
	for _, d := range slices.Compact(mountDirs) {
		pairs = append(pairs, d, filepath.Join(dir, d))
	}
	here := strings.NewReplacer(pairs...)
	var environ []string
	for _, e := range u.env {
		environ = append(environ, e.name+"="+here.Replace(e.value))
	}
	return config.Load(environ, "")
}

// tasksMax is the most tasks the declared connectors can run.
func tasksMax(t *testing.T, u use) int {
	t.Helper()
	loaded, err := u.load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range loaded.Sidecar.Connectors {
		m, err := strconv.Atoi(c.Config["tasks.max"])
		if err != nil {
			m = 1
		}
		n += m
	}
	return n
}

// requireProbes checks that a platform's probes of each kind ask the path
// DESIGN.md gives it: startup /health, readiness /ready, liveness /live.
func requireProbes(t *testing.T, file string, got map[string]string) {
	t.Helper()
	want := map[string]string{"startup": health.HealthPath, "readiness": health.ReadyPath, "liveness": health.LivePath}
	for kind, path := range got {
		if want[kind] != path {
			t.Errorf("%s: the %s probe asks %q, want %q", file, kind, path, want[kind])
		}
	}
	if _, ok := got["liveness"]; !ok {
		t.Errorf("%s: no liveness probe on %s", file, health.LivePath)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestKubernetes(t *testing.T) {
	f := codeFacts(t)
	files := readDir(t, "kubernetes")
	u, k := kubernetesUse(t, files)
	checkUse(f, u).apply(t)

	if k.sidecar.RestartPolicy != "Always" {
		t.Errorf("%s must be a native sidecar: in initContainers with restartPolicy: Always", sidecarContainer)
	}
	requireProbes(t, "deployment.yaml", k.probes)
	if _, ok := k.probes["startup"]; !ok {
		t.Error("deployment.yaml: the native sidecar needs a startupProbe, or the app starts before the worker is up")
	}
	if k.advertised != "status.podIP" {
		t.Errorf("CONNECT_REST_ADVERTISED_HOST_NAME comes from %q, want the downward API's status.podIP", k.advertised)
	}
	if k.scaleTarget != k.deployment {
		t.Errorf("ScaledObject scales %q, not the Deployment %q", k.scaleTarget, k.deployment)
	}
	if want := tasksMax(t, u); k.maxReplicas > want {
		t.Errorf("ScaledObject maxReplicaCount %d is above the declared connectors' tasks.max %d: the extra workers would idle", k.maxReplicas, want)
	}
	if want := scalingField(t, "DesiredWorkers"); k.trigger["valueLocation"] != want || k.trigger["targetValue"] != "1" {
		t.Errorf("metrics-api trigger %v, want valueLocation %s (GET /metrics/scaling) and targetValue \"1\"", k.trigger, want)
	}
}

// checkECS holds deploy/ecs, or a copy of it in dir, against the code: the
// task definition as every example, then how it scales.
func checkECS(t *testing.T, f facts, dir string) (*report, ecsFacts) {
	t.Helper()
	u, e := ecsUse(t, filepath.Join(dir, "task-definition.json"))
	r := checkUse(f, u)
	loaded, err := u.load(t.TempDir())
	if err != nil {
		return r, e // checkUse said why
	}
	checkECSScaling(f, r, u, e, ecsScalingUse(t, dir), loaded, tasksMax(t, u))
	return r, e
}

// checkCloudRun holds deploy/cloudrun, or a copy of it in dir, against the
// code: the service as every example, then how CREMA scales it.
func checkCloudRun(t *testing.T, f facts, dir string) (*report, cloudRunFacts) {
	t.Helper()
	u, c := cloudRunUse(t, filepath.Join(dir, "service.yaml"))
	r := checkUse(f, u)
	loaded, err := u.load(t.TempDir())
	if err != nil {
		return r, c // checkUse said why
	}
	checkCloudRunScaling(r, u, c, cremaUse(t, filepath.Join(dir, "crema.yaml")), loaded, tasksMax(t, u))
	return r, c
}

func TestECS(t *testing.T) {
	f := codeFacts(t)
	r, e := checkECS(t, f, "ecs")
	r.apply(t)
	if want := []string{"CMD", f.entrypoint, "probe", "ready"}; !slices.Equal(e.healthCheck, want) {
		t.Errorf("healthCheck.command %q, want %q", e.healthCheck, want)
	}
	if len(e.dependsOn) == 0 {
		t.Error("no container depends on the worker")
	}
	for name, cond := range e.dependsOn {
		if cond != "HEALTHY" {
			t.Errorf("container %s depends on %s with condition %s, want HEALTHY", name, sidecarContainer, cond)
		}
	}
}

func TestNomad(t *testing.T) {
	f := codeFacts(t)
	u, n := nomadUse(t, filepath.Join("nomad", "connect-sidecar.nomad.hcl"))
	r := checkUse(f, u)
	if n.hook != "prestart" || n.sidecar != "true" {
		t.Errorf("task %s lifecycle hook=%q sidecar=%q, want prestart and true", sidecarContainer, n.hook, n.sidecar)
	}
	requireProbes(t, u.file, n.checks)
	if !slices.Equal(n.restartOn, []string{health.LivePath}) {
		t.Errorf("check_restart is on the checks of %v; want it on %s only (readiness must not restart the task)", n.restartOn, health.LivePath)
	}
	if n.strategy != "target-value" || n.target != "1" {
		t.Errorf("scaling strategy %q target %q, want target-value and 1", n.strategy, n.target)
	}
	if !strings.Contains(n.query, "/ count(") {
		t.Errorf("scaling query %q: target-value multiplies the count by metric/target, so divide the desired workers by the workers reporting", n.query)
	}
	for _, m := range regexp.MustCompile(`connect_sidecar_[a-z_]+`).FindAllString(n.query, -1) {
		checkMetric(f, r, u.file, m, "scaling query")
	}
	r.apply(t)
}

func TestCloudRun(t *testing.T) {
	f := codeFacts(t)
	r, c := checkCloudRun(t, f, "cloudrun")
	r.apply(t)
	if c.annotations["run.googleapis.com/cpu-throttling"] != "false" {
		t.Error(`run.googleapis.com/cpu-throttling must be "false" (instance-based billing): a Kafka consumer works between requests`)
	}
	var deps map[string][]string
	if err := json.Unmarshal([]byte(c.annotations["run.googleapis.com/container-dependencies"]), &deps); err != nil {
		t.Fatalf("container-dependencies: %v", err)
	}
	for _, name := range c.others {
		if !slices.Contains(deps[name], sidecarContainer) {
			t.Errorf("container %s does not wait for %s (container-dependencies %v)", name, sidecarContainer, deps)
		}
	}
	requireProbes(t, "cloudrun/service.yaml", c.probes)
	if _, ok := c.probes["startup"]; !ok {
		t.Error("the worker needs a startup probe: container dependencies wait for it")
	}
}

// The scaling checks must be able to fail: each example, changed in one way
// that would scale it wrongly, is caught.
func TestScalingCheckersCatch(t *testing.T) {
	f := codeFacts(t)
	check := map[string]func(t *testing.T, dir string) *report{
		"ecs":      func(t *testing.T, dir string) *report { r, _ := checkECS(t, f, dir); return r },
		"cloudrun": func(t *testing.T, dir string) *report { r, _ := checkCloudRun(t, f, dir); return r },
	}
	for _, c := range []struct {
		dir, file, old, new, want string
	}{
		{"ecs", "task-definition.json", `{ "name": "SIDECAR_PEERLESS", "value": "true" }`, `{ "name": "SIDECAR_PEERLESS", "value": "false" }`, "without SIDECAR_PEERLESS=true"},
		{"ecs", "task-definition.json", `'127.0.0.1:8083'`, `'127.0.0.1:9404'`, "port 9404, but the worker listens on"},
		{"ecs", "task-definition.json", `'127.0.0.1:8083'`, `'10.0.0.1:8083'`, "the worker of its own task is at 127.0.0.1"},
		{"ecs", "task-definition.json", `metrics_path: /metrics,`, `metrics_path: /prometheus,`, "does not serve /prometheus"},
		{"ecs", "task-definition.json", `^connect_sidecar_desired_workers$`, `^connect_sidecar_sink_lag$`, "no metric_declaration"},
		{"ecs", "task-definition.json", `\"label_matcher\":\"^example-app-connect$\"`, `\"label_matcher\":\"^example-app$\"`, "no metric_declaration"},
		{"ecs", "task-definition.json", `regex: connect_sidecar_desired_workers,`, `regex: connect_sidecar_sink_lag,`, "metric_relabel_configs drop"},
		{"ecs", "task-definition.json", `"taskRoleArn"`, `"taskRoleArnX"`, "no taskRoleArn"},
		{"ecs", "scalable-target.json", `"MaxCapacity": 6`, `"MaxCapacity": 8`, "MaxCapacity 8"},
		{"ecs", "scalable-target.json", `"MinCapacity": 1`, `"MinCapacity": 0`, "MinCapacity"},
		{"ecs", "scaling-policy.json", `"TargetValue": 1,`, `"TargetValue": 2,`, "TargetValue 2"},
		{"ecs", "scaling-policy.json", `"Namespace": "ConnectSidecar"`, `"Namespace": "ConnectSidecarX"`, "emf_processor.metric_namespace"},
		{"ecs", "scaling-policy.json", `"Stat": "Maximum"`, `"Stat": "Sum"`, "want Maximum"},
		{"ecs", "scaling-policy.json", `{ "Name": "ServiceName", "Value": "example-app" }
              ]
            },
            "Stat": "Maximum"`, `{ "Name": "ServiceName", "Value": "other-app" }
              ]
            },
            "Stat": "Maximum"`, "are none of the sets the agent publishes"},
		{"ecs", "scaling-policy.json", `"DesiredTaskCount"`, `"RunningTaskCount"`, "want ECS/ContainerInsights DesiredTaskCount"},
		{"ecs", "scaling-policy.json", `"desired / tasks"`, `"tasks / desired"`, "Expression"},
		{"ecs", "scaling-policy.json", `"ResourceId": "service/example-cluster/example-app"`, `"ResourceId": "service/example-cluster/other-app"`, "not the scalable target's"},
		{"cloudrun", "service.yaml", "SIDECAR_PEERLESS\n              value: \"true\"", "SIDECAR_PEERLESS\n              value: \"false\"", "without SIDECAR_PEERLESS=true"},
		{"cloudrun", "service.yaml", "run.googleapis.com/scalingMode: manual", "run.googleapis.com/scalingMode: automatic", "want manual"},
		{"cloudrun", "service.yaml", `run.googleapis.com/cpu-throttling: "false"`, `run.googleapis.com/cpu-throttling: "false"
        autoscaling.knative.dev/maxScale: "4"`, "which manual scaling ignores"},
		{"cloudrun", "service.yaml", "          env:\n", "          env:\n            - name: SIDECAR_LAG_PER_WORKER\n              value: \"20000\"\n", "want 20000, the worker's SIDECAR_LAG_PER_WORKER"},
		{"cloudrun", "crema.yaml", "consumerGroup: connect-orders-to-app", "consumerGroup: orders-to-app", "no kafka trigger reads the lag of connect-orders-to-app"},
		{"cloudrun", "crema.yaml", "topic: orders", "topic: payments", "kafka trigger topic"},
		{"cloudrun", "crema.yaml", `lagThreshold: "10000"`, `lagThreshold: "5000"`, "lagThreshold"},
		{"cloudrun", "crema.yaml", "offsetResetPolicy: earliest", "offsetResetPolicy: latest", "offsetResetPolicy"},
		{"cloudrun", "crema.yaml", "maxReplicaCount: 6", "maxReplicaCount: 10", "maxReplicaCount 10"},
		{"cloudrun", "crema.yaml", "minReplicaCount: 1", "minReplicaCount: 0", "minReplicaCount"},
		{"cloudrun", "crema.yaml", "/services/example-app", "/services/other-app", "no scaledObject scales the service example-app"},
		{"cloudrun", "crema.yaml", "sasl: plaintext", "sasl: scram_sha512", "kafka trigger sasl"},
		{"cloudrun", "crema.yaml", "id: example-app-kafka-password", "id: other-password", "the worker's SIDECAR_SASL_PASSWORD comes from"},
	} {
		t.Run(c.dir+"/"+c.file+"/"+c.want, func(t *testing.T) {
			files := readDir(t, c.dir)
			raw := string(files[c.file])
			if !strings.Contains(raw, c.old) {
				t.Fatalf("%s/%s has no %q to change", c.dir, c.file, c.old)
			}
			files[c.file] = []byte(strings.Replace(raw, c.old, c.new, 1))
			dir := t.TempDir()
			for name, b := range files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := check[c.dir](t, dir)
			if !slices.ContainsFunc(r.problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("not caught (want a problem with %q); problems: %q", c.want, r.problems)
			}
		})
	}
}

// The checker must be able to fail: the real Kubernetes example with one
// setting misspelt is caught, by name.
func TestCheckerCatchesABogusEnvName(t *testing.T) {
	f := codeFacts(t)
	for bogus, good := range map[string]string{
		"CONNECT_BOOTSTRAP_SERVER":    "CONNECT_BOOTSTRAP_SERVERS",
		"SIDECAR_APP_HEALTH_URI":      "SIDECAR_APP_HEALTH_URL",
		"CONNECT_TASK_SHUTDOWN_GRACE": "CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS",
	} {
		files := readDir(t, "kubernetes")
		cm := string(files["configmap.yaml"])
		if !strings.Contains(cm, "  "+good+":") {
			t.Fatalf("configmap.yaml has no %s to misspell", good)
		}
		files["configmap.yaml"] = []byte(strings.Replace(cm, "  "+good+":", "  "+bogus+":", 1))
		u, _ := kubernetesUse(t, files)
		r := checkUse(f, u)
		caught := false
		for _, p := range r.problems {
			caught = caught || strings.Contains(p, bogus+" ")
		}
		if !caught {
			t.Errorf("%s in place of %s was not caught; problems: %q", bogus, good, r.problems)
		}
	}
}

// example is one platform's example: its files by name, and how the
// platform's reader makes them a use.
type example struct {
	name  string
	files map[string][]byte
	read  func(t *testing.T, files map[string][]byte) use
}

func examples(t *testing.T) []example {
	t.Helper()
	one := func(dir, name string, read func(*testing.T, string) use) example {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return example{dir, map[string][]byte{name: raw}, func(t *testing.T, files map[string][]byte) use {
			// Written apart, so the reader sees the changed file.
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, files[name], 0o600); err != nil {
				t.Fatal(err)
			}
			u := read(t, p)
			u.file = filepath.Join(dir, name)
			return u
		}}
	}
	return []example{
		{"kubernetes", readDir(t, "kubernetes"), func(t *testing.T, files map[string][]byte) use {
			u, _ := kubernetesUse(t, files)
			return u
		}},
		one("ecs", "task-definition.json", func(t *testing.T, p string) use { u, _ := ecsUse(t, p); return u }),
		one("nomad", "connect-sidecar.nomad.hcl", func(t *testing.T, p string) use { u, _ := nomadUse(t, p); return u }),
		one("cloudrun", "service.yaml", func(t *testing.T, p string) use { u, _ := cloudRunUse(t, p); return u }),
	}
}

// The REST checks must be able to fail: every example, changed to leave
// the API open in one way, is caught.
func TestCheckerCatchesAnOpenRESTAPI(t *testing.T) {
	f := codeFacts(t)
	// A literal token where each platform writes plain settings; a Secret
	// the kustomization defines is written in the example too.
	literal := map[string][2]string{
		"kubernetes": {"stringData:\n", "stringData:\n  SIDECAR_REST_AUTH_TOKEN: \"hunter2\"\n"},
		"ecs":        {`"environment": [` + "\n", `"environment": [` + "\n" + `        { "name": "SIDECAR_REST_AUTH_TOKEN", "value": "hunter2" },` + "\n"},
		"nomad":      {"      env {\n", "      env {\n        SIDECAR_REST_AUTH_TOKEN = \"hunter2\"\n"},
		"cloudrun":   {"          env:\n", "          env:\n            - name: SIDECAR_REST_AUTH_TOKEN\n              value: \"hunter2\"\n"},
	}
	// A token file the example writes itself.
	committed := map[string][2]string{
		"kubernetes": {"  SIDECAR_SASL_PASSWORD: \"change-me\"\n", "  SIDECAR_SASL_PASSWORD: \"change-me\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: example-app-connect-rest\nstringData:\n  token: \"hunter2\"\n"},
		"nomad":      {`{{ with nomadVar \"nomad/jobs/example-app\" }}{{ .rest_token }}{{ end }}`, "hunter2"},
	}
	for _, ex := range examples(t) {
		cases := []struct {
			name, want string
			edits      [][2]string // applied in order, each to every file
		}{
			{"no token", "the REST API would take no credentials",
				[][2]string{{"SIDECAR_REST_AUTH_TOKEN", "SIDECAR_REST_AUTH_TOKEX"}}},
			{"literal token", "SIDECAR_REST_AUTH_TOKEN is written in the example",
				[][2]string{{"SIDECAR_REST_AUTH_TOKEN", "SIDECAR_REST_AUTH_TOKEX"}, literal[ex.name]}},
			{"admin open", "SIDECAR_REST_ADMIN_LOCALHOST_ONLY is not true",
				[][2]string{{"SIDECAR_REST_ADMIN_LOCALHOST_ONLY: \"true\"", "SIDECAR_REST_ADMIN_LOCALHOST_ONLY: \"false\""},
					{`"SIDECAR_REST_ADMIN_LOCALHOST_ONLY", "value": "true"`, `"SIDECAR_REST_ADMIN_LOCALHOST_ONLY", "value": "false"`},
					{`SIDECAR_REST_ADMIN_LOCALHOST_ONLY = "true"`, `SIDECAR_REST_ADMIN_LOCALHOST_ONLY = "false"`},
					{"SIDECAR_REST_ADMIN_LOCALHOST_ONLY\n              value: \"true\"", "SIDECAR_REST_ADMIN_LOCALHOST_ONLY\n              value: \"false\""}}},
		}
		if edit, ok := committed[ex.name]; ok {
			cases = append(cases, struct {
				name, want string
				edits      [][2]string
			}{"token file written in the example", "whose content is written in the example", [][2]string{edit}})
		}
		for _, c := range cases {
			t.Run(ex.name+"/"+c.name, func(t *testing.T) { requireCaught(t, f, ex, c.edits, c.want) })
		}
	}
}

// requireCaught checks that ex, changed by edits (applied in order, each
// to every file), has a problem that says want.
func requireCaught(t *testing.T, f facts, ex example, edits [][2]string, want string) {
	t.Helper()
	files := maps.Clone(ex.files)
	changed := false
	for _, e := range edits {
		for name, raw := range files {
			if edited := strings.ReplaceAll(string(raw), e[0], e[1]); edited != string(raw) {
				files[name], changed = []byte(edited), true
			}
		}
	}
	if !changed {
		t.Fatalf("no file has what the edits %q change", edits)
	}
	r := checkUse(f, ex.read(t, files))
	if !slices.ContainsFunc(r.problems, func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("not caught (want a problem with %q); problems: %q", want, r.problems)
	}
}

// The connector secret checks must be able to fail: a secret written in
// the example, or read from a variable the example writes, is caught.
func TestCheckerCatchesAConnectorSecretInTheOpen(t *testing.T) {
	f := codeFacts(t)
	const placeholder = "${directory:/etc/connect-sidecar/secrets:app-token}"
	const ecsSecret = `,
        { "name": "APP_API_TOKEN", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-app-api-token-AbCdEf" }`
	cases := map[string][]struct {
		want  string
		edits [][2]string
	}{
		"kubernetes": {{"http.auth.header is written in the example", [][2]string{
			{`"Authorization: Bearer ` + placeholder + `",`, `"Authorization: Bearer hunter2", "http.headers": "X-Token: ` + placeholder + `",`}}}},
		"ecs": {
			{"http.auth.header is written in the example", [][2]string{{"${env:APP_API_TOKEN}", "hunter2"}}},
			{"http.auth.header reads ${env:APP_API_TOKEN}, which the platform does not take from its secret store", [][2]string{
				{ecsSecret, ""},
				{`"environment": [` + "\n", `"environment": [` + "\n" + `        { "name": "APP_API_TOKEN", "value": "hunter2" },` + "\n"}}},
		},
	}
	for _, ex := range examples(t) {
		for _, c := range cases[ex.name] {
			t.Run(ex.name+"/"+c.want, func(t *testing.T) { requireCaught(t, f, ex, c.edits, c.want) })
		}
	}
}

func TestEnvNameChecker(t *testing.T) {
	f := codeFacts(t)
	for name, ok := range map[string]bool{
		"CONNECT_GROUP_ID":                          true,
		"CONNECT_REST_ADVERTISED_HOST_NAME":         true,
		"CONNECT_SSL_KEYSTORE_CERTIFICATE_CHAIN":    true,
		"CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE":    true,
		"CONNECT_KEY_CONVERTER_SCHEMA_REGISTRY_URL": true, // read by the converter, by prefix
		"CONNECT_CONFIG_PROVIDERS":                  true,
		"CONNECT_CONFIG_PROVIDERS_ENV_CLASS":        true, // read by the config providers, by prefix
		"SIDECAR_APP_URL":                           true,
		"SIDECAR_SASL_PASSWORD_FILE":                true,
		"GOMEMLIMIT":                                true,
		"CONNECT_GROUPID":                           false,
		"CONNECT_PLUGIN_PATH":                       false, // Java's, ignored here
		"CONNECT_":                                  false,
		"SIDECAR_APP":                               false,
		"KAFKA_BOOTSTRAP_SERVERS":                   false,
	} {
		if got := f.envNameProblem(name) == ""; got != ok {
			t.Errorf("%s: accepted %v, want %v (%s)", name, got, ok, f.envNameProblem(name))
		}
	}
}

// Every file under deploy/ is read by one of the tests above.
func TestEveryExampleIsChecked(t *testing.T) {
	checked := map[string]bool{
		"ecs/task-definition.json":        true,
		"ecs/scalable-target.json":        true,
		"ecs/scaling-policy.json":         true,
		"nomad/connect-sidecar.nomad.hcl": true,
		"cloudrun/service.yaml":           true,
		"cloudrun/crema.yaml":             true,
		"grafana/connect-sidecar.json":    true, // grafana_test.go
	}
	for name := range readDir(t, "kubernetes") {
		checked["kubernetes/"+name] = true
	}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		if !checked[filepath.ToSlash(p)] {
			t.Errorf("deploy/%s is not checked by deploy_test.go", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = raw
	}
	return files
}
