package httpsink

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const (
	metadataRefused = "connecting to 169.254.169.254:80 is not allowed: link-local and cloud metadata addresses must be named exactly in SIDECAR_HTTP_ALLOWED_HOSTS"
	notListed       = "is not allowed: add the address, or a CIDR range holding it, to SIDECAR_HTTP_ALLOWED_HOSTS to allow it"
)

// A URL the worker's egress policy refuses is an error on its key, for
// the REST API's validation (a 400 on PUT /connectors/{c}/config), and
// fails the connector and its tasks when they start.
func TestURLsOutsideTheEgressPolicy(t *testing.T) {
	onlyAPI, err := egress.New([]string{"api.example.com"}, DefaultURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		policy *egress.Policy
		props  map[string]string
		key    string
		want   string
	}{
		{loopback, map[string]string{URLConfig: "http://169.254.169.254/latest/meta-data/"}, URLConfig,
			"Invalid value http://169.254.169.254/latest/meta-data/ for configuration http.url: " + metadataRefused},
		{loopback, map[string]string{URLConfig: "http://127.0.0.2:8080/"}, URLConfig, "connecting to 127.0.0.2:8080 " + notListed},
		{loopback, map[string]string{HealthURLConfig: "http://169.254.169.254/"}, HealthURLConfig,
			"Invalid value http://169.254.169.254/ for configuration http.health.url: " + metadataRefused},
		// Listed hosts replace the app's: the default URL is refused too.
		{onlyAPI, map[string]string{}, URLConfig, "Invalid value " + DefaultURL + " for configuration http.url: connecting to 127.0.0.1:8080 " + notListed},
	} {
		d := Defaults{Egress: tc.policy}
		reg, err := plugin.NewRegistry(Plugins(d)...)
		if err != nil {
			t.Fatal(err)
		}
		config := map[string]string{"name": "s", "connector.class": "HttpSink", "topics": "orders"}
		for k, v := range tc.props {
			config[k] = v
		}
		res, err := connectorconfig.Validate(reg, config)
		if err != nil {
			t.Fatal(err)
		}
		if got := keyErrors(res, tc.key); len(got) != 1 || !strings.Contains(got[0], tc.want) {
			t.Errorf("%v: %s errors %q, want %q", tc.props, tc.key, got, tc.want)
		}
		if err := Plugins(d)[0].New().(*Connector).Start(context.Background(), config); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: connector Start: %v, want %q", tc.props, err, tc.want)
		}
		task := newTask(def(Defaults{URL: DefaultURL, Egress: tc.policy}), nil, tc.policy)
		if err := task.Start(context.Background(), config); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: task Start: %v, want %q", tc.props, err, tc.want)
		}
	}
}

func keyErrors(r connectorconfig.Result, key string) []string {
	for _, c := range r.Configs {
		if c.Value != nil && c.Value.Name == key {
			return c.Value.Errors
		}
	}
	return nil
}

func TestPluginsNeedAnEgressPolicy(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Plugins made a sink that may connect anywhere")
		}
	}()
	Plugins(Defaults{})
}

// elsewhere is a server the egress policy does not allow (127.0.0.2),
// counting the requests that reach it.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	if err := s.Listener.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s, &hits
}

// waitFailed waits until Flush reports the task's failure.
func (s started) waitFailed(t *testing.T, offsets map[plugin.TopicPartition]int64) error {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.Flush(context.Background(), offsets); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			t.Fatal("the task did not fail")
		}
		time.Sleep(time.Millisecond)
	}
}

// A destination the policy refuses at send time (here a redirect from the
// app) is not retried and its records are not dead-lettered: the task
// fails with the refusal and commits nothing past them.
func TestRefusedDestinationFailsTheTask(t *testing.T) {
	other, hits := elsewhere(t)
	app := newApp(t, always(answer{status: http.StatusFound, header: map[string]string{"Location": other.URL + "/stolen"}}))
	s := start(t, app.URL, nil)
	s.put(t, recs(0, 0, 3)...)
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 3}
	err := s.waitFailed(t, offsets)
	want := "connecting to " + strings.TrimPrefix(other.URL, "http://") + " " + notListed
	if !strings.Contains(err.Error(), want) {
		t.Errorf("the task failed with %v, want %q", err, want)
	}
	if err := s.Put(context.Background(), recs(0, 3, 4)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Put after the failure: %v", err)
	}
	app.next(t)
	app.none(t, 50*time.Millisecond)
	if retries, dead := s.obs.counts(); retries != 0 || dead != 0 || len(s.rep.all()) != 0 {
		t.Errorf("%d retries, %d dead letters, %d reports; want none", retries, dead, len(s.rep.all()))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the refused server got %d requests", n)
	}
}

// A health check the policy refuses fails the task, rather than holding
// deliveries back forever as an app that is down would.
func TestRefusedHealthCheckFailsTheTask(t *testing.T) {
	other, hits := elsewhere(t)
	health := httptest.NewServer(http.RedirectHandler(other.URL+"/healthz", http.StatusFound))
	t.Cleanup(health.Close)
	app := newApp(t, always(ok))
	s := start(t, app.URL, map[string]string{HealthURLConfig: health.URL, HealthIntervalConfig: "10"})
	err := s.waitFailed(t, map[plugin.TopicPartition]int64{})
	if want := "connecting to " + strings.TrimPrefix(other.URL, "http://") + " " + notListed; !strings.Contains(err.Error(), want) {
		t.Errorf("the task failed with %v, want %q", err, want)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the refused server got %d requests", n)
	}
}
