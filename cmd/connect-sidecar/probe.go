package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// runProbe asks the worker in this container for /live, /ready or /health,
// for platforms whose health checks run a command (ECS, distroless images
// with no curl).
func runProbe(args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "worker base URL (default: from CONNECT_LISTENERS, else http://127.0.0.1:8083)")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "connect-sidecar probe live|ready|health [flags]: exit 0 when the worker answers 200, else 1.")
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return exitConfig
	}
	which := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return exitConfig
	}
	if which != "live" && which != "ready" && which != "health" {
		fmt.Fprintf(stderr, "connect-sidecar probe: %q is not live, ready or health\n", which)
		return exitConfig
	}
	base := *url
	if base == "" {
		base = localURL(env(environ, config.EnvName("listeners")))
	}
	// An https listener's certificate names the advertised host, not the
	// loopback address a probe dials, and the probe sends no secret and
	// only reads a status, so it does not verify the certificate.
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	resp, err := client.Get(strings.TrimSuffix(base, "/") + "/" + which)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", which, err)
		return exitFailed
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintf(stdout, "%s: %d %s\n", which, resp.StatusCode, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return exitFailed
	}
	return exitOK
}

// localURL turns the first listener into a URL reachable from inside the
// same container: an empty or wildcard host becomes 127.0.0.1.
func localURL(listeners string) string {
	first, _, _ := strings.Cut(listeners, ",")
	l, err := config.ParseListener(strings.TrimSpace(first))
	if err != nil {
		return "http://127.0.0.1:8083"
	}
	host := l.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return l.Scheme + "://" + host + ":" + strconv.Itoa(l.Port)
}
