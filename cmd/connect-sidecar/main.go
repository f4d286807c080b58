// Command connect-sidecar is a Kafka Connect distributed-mode worker that runs
// as a sidecar: run it next to an application container, configured by
// CONNECT_* and SIDECAR_* environment variables.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar"
	"github.com/connect-sidecar/connect-sidecar/sidecar/advertise"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/logging"
	"github.com/connect-sidecar/connect-sidecar/sidecar/metrics"
	"github.com/connect-sidecar/connect-sidecar/sidecar/peerless"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
)

const usage = `connect-sidecar: a Kafka Connect distributed-mode worker in one small binary.

Usage:
  connect-sidecar [run] [worker.properties]   run a worker (the default command)
  connect-sidecar dev [flags]                 run an in-process Kafka broker and one worker to try things
  connect-sidecar probe live|ready|health     ask a running worker; exit 0 if it answers 200, else 1
  connect-sidecar status [--watch]            list connectors, their tasks' states, workers and sink lag
  connect-sidecar restart|pause|resume NAME   restart (--failed: only what failed), pause or resume a connector
  connect-sidecar version                     print the version and exit

Settings come from CONNECT_* variables (Kafka Connect's worker properties:
CONNECT_ + upper case, '.' -> '_', '-' -> '__', '_' -> '___') and from the
optional properties file; the environment wins. SIDECAR_* variables set what
Connect does not have. status, restart, pause and resume call the worker
of this container (CONNECT_LISTENERS) with its REST credentials
(SIDECAR_REST_AUTH_TOKEN or SIDECAR_REST_BASIC_*), or the one --url names.
Run 'connect-sidecar COMMAND -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

func run(args, environ []string, stdout, stderr io.Writer) int {
	cmd, rest := "run", args
	if len(args) > 0 {
		switch args[0] {
		case "run", "dev", "probe", "version", "status", "restart", "pause", "resume":
			cmd, rest = args[0], args[1:]
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	switch cmd {
	case "dev":
		return runDev(rest, environ, stdout, stderr)
	case "probe":
		return runProbe(rest, environ, stdout, stderr)
	case "status", "restart", "pause", "resume":
		// Ctrl-C ends --watch with exit 0, and any request in flight.
		ctx, stop := interrupted()
		defer stop()
		if cmd == "status" {
			return runStatus(ctx, rest, environ, stdout, stderr)
		}
		return runAction(ctx, cmd, rest, environ, stdout, stderr)
	case "version":
		return runVersion(stdout)
	}
	return runWorker(rest, environ, stderr)
}

func runWorker(args, environ []string, stderr io.Writer) int {
	if len(args) > 1 || (len(args) == 1 && strings.HasPrefix(args[0], "-")) {
		fmt.Fprintf(stderr, "connect-sidecar run: takes at most one argument, a worker properties file; got %q\n", args)
		return exitConfig
	}
	file := ""
	if len(args) == 1 {
		file = args[0]
	}
	loaded, err := config.Load(environ, file)
	if err == nil {
		// The settings about connectors are checked against the plugins
		// they name (SIDECAR_CONNECTOR_CLASSES, SIDECAR_HTTP_ALLOWED_HOSTS).
		_, err = sidecar.Registry(loaded.Sidecar, nil)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	log := logging.New(stderr, loaded.Sidecar)
	if loaded.Worker.RestAdvertisedHostName == "" {
		advertisePlatformAddress(&loaded.Worker, environ, log, bool(loaded.Sidecar.Peerless))
	}
	return serve(workerApp(loaded, log), log, loaded.Worker)
}

// advertisePlatformAddress advertises the address the platform gave this
// worker (see package advertise) when none is configured, and says which
// address it advertises and why.
//
// In peerless mode nobody calls the advertised URL, but it still names the
// worker (its worker_id in statuses, and the address requests on the topic
// are for), so it must differ between replicas. Where the platform gives no
// address (Cloud Run), the host name gets a random suffix: replicas of one
// revision may share a host name.
func advertisePlatformAddress(w *config.Worker, environ []string, log *slog.Logger, peerless bool) {
	u, err := url.Parse(w.AdvertisedURL())
	if err != nil {
		return // validated already
	}
	port, _ := strconv.Atoi(u.Port())
	// The metadata endpoint is link-local: no proxy.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	a, ok, err := advertise.Discover(context.Background(), environ, port, client)
	switch {
	case err != nil:
		log.Warn("cannot find this worker's address on the platform; other workers must reach it at the advertised URL", "url", w.AdvertisedURL(), "err", err)
	case ok:
		w.RestAdvertisedHostName = a.Host
		if a.Port > 0 && w.RestAdvertisedPort == 0 {
			w.RestAdvertisedPort = a.Port
		}
		log.Info("advertising the platform's address for this worker", "url", w.AdvertisedURL(), "source", a.Source)
	case peerless:
		host, _ := os.Hostname()
		var suffix [4]byte
		_, _ = rand.Read(suffix[:])
		w.RestAdvertisedHostName = cmp.Or(host, "worker") + "-" + hex.EncodeToString(suffix[:])
		log.Info("advertising a name unique to this worker (peerless mode: no worker calls it)", "url", w.AdvertisedURL())
	default:
		log.Info("advertising the listener's address; set CONNECT_REST_ADVERTISED_HOST_NAME if other workers cannot reach it", "url", w.AdvertisedURL())
	}
}

// workerApp composes the worker from its modules.
func workerApp(loaded config.Loaded, log *slog.Logger) *fx.App {
	return fx.New(workerOptions(loaded, log)...)
}

func workerOptions(loaded config.Loaded, log *slog.Logger) []fx.Option {
	return []fx.Option{
		logging.Module(log),
		config.Module(loaded),
		health.Module,
		kafkaclient.Module,
		rest.Module,
		peerless.Module,
		metrics.Module,
		sidecar.Module,
		fx.StartTimeout(30 * time.Second),
		// Tasks get task.shutdown.graceful.timeout.ms to stop; the rest of
		// shutdown (leave the group, flush status) needs a few seconds more.
		fx.StopTimeout(loaded.Worker.TaskShutdownGracefulTimeout.D() + 10*time.Second),
	}
}

// serve starts the app, waits for SIGINT or SIGTERM, and stops it.
func serve(app *fx.App, log *slog.Logger, w config.Worker) int {
	if err := app.Err(); err != nil {
		log.Error("cannot build the worker", "err", err)
		return exitFailed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		log.Error("cannot start the worker", "err", err)
		return exitFailed
	}
	sig := <-app.Wait()
	log.Info("stopping", "signal", sig.Signal, "grace", w.TaskShutdownGracefulTimeout.D())
	stopCtx, stopCancel := context.WithTimeout(context.Background(), app.StopTimeout())
	defer stopCancel()
	if err := app.Stop(stopCtx); err != nil {
		log.Error("unclean stop", "err", err)
		return exitFailed
	}
	return sig.ExitCode
}

// interrupted returns a context ended by SIGINT or SIGTERM.
func interrupted() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// env returns the value of name in environ, the last one winning.
func env(environ []string, name string) string {
	value := ""
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			value = v
		}
	}
	return value
}

// withDefaults puts defaults before environ and forced after it, so the
// environment overrides defaults but never forced values.
func withDefaults(defaults, environ, forced []string) []string {
	return slices.Concat(defaults, environ, forced)
}
