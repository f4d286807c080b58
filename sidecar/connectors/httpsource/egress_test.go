package httpsource

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectorconfig"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

const (
	guardedReason = "link-local and cloud metadata addresses must be named exactly in SIDECAR_HTTP_ALLOWED_HOSTS"
	addrReason    = "add the address, or a CIDR range holding it, to SIDECAR_HTTP_ALLOWED_HOSTS to allow it"
)

// An http.url the worker's egress policy refuses is an error on http.url
// for the REST API's validation (a 400 on PUT /connectors/{c}/config),
// even with other mistakes, and fails the connector and its task when
// they start.
func TestURLsOutsideTheEgressPolicy(t *testing.T) {
	reg, err := plugin.NewRegistry(Plugins(loopback)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url, want string
	}{
		{"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
			"Invalid value http://169.254.169.254/latest/meta-data/iam/security-credentials/ for configuration http.url: " +
				"connecting to 169.254.169.254:80 is not allowed: " + guardedReason},
		{"http://169.254.170.2/v2/credentials", "connecting to 169.254.170.2:80 is not allowed: " + guardedReason},
		{"http://[fd00:ec2::254]/latest/", "connecting to [fd00:ec2::254]:80 is not allowed: " + guardedReason},
		{"http://metadata.google.internal/computeMetadata/v1/", "connecting to metadata.google.internal:80 is not allowed: " + guardedReason},
		{"https://127.0.0.2:8443/events", "connecting to 127.0.0.2:8443 is not allowed: " + addrReason},
		{"http://localhost:8080/events", "connecting to localhost:8080 is not allowed: add the host name to SIDECAR_HTTP_ALLOWED_HOSTS to allow it"},
	} {
		c := Plugins(loopback)[0].New().(*Connector)
		got := c.ValidateConfig(props(URLConfig, tc.url, PollIntervalConfig, "5000", BackoffMaxConfig, "2000"))
		if len(got[URLConfig]) != 1 || !strings.Contains(got[URLConfig][0], tc.want) || len(got[BackoffMaxConfig]) != 1 {
			t.Errorf("ValidateConfig(%s) = %q, want %q on %s and the backoff's error", tc.url, got, tc.want, URLConfig)
		}
		if got := c.ValidateConfig(props(URLConfig, tc.url, TopicConfig, "<unset>")); len(got[URLConfig]) != 1 {
			t.Errorf("ValidateConfig(%s) without a topic = %q, want the URL's error too", tc.url, got)
		}
		res, err := connectorconfig.Validate(reg, props(URLConfig, tc.url, "name", "feed", "connector.class", "HttpSource"))
		if err != nil {
			t.Fatal(err)
		}
		if msg := connectorconfig.ErrorsMessage(res); !strings.Contains(msg, tc.want) {
			t.Errorf("REST validation of %s: %q, want %q", tc.url, msg, tc.want)
		}
		if err := c.Start(context.Background(), props(URLConfig, tc.url)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("connector Start(%s) = %v, want %q", tc.url, err, tc.want)
		}
		if err := newTask(loopback).Start(context.Background(), props(URLConfig, tc.url), &storedOffsets{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("task Start(%s) = %v, want %q", tc.url, err, tc.want)
		}
	}
}

func TestPluginsNeedAnEgressPolicy(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Plugins made a source that may connect anywhere")
		}
	}()
	Plugins(nil)
}

// A redirect to a host the policy refuses fails the task: the error is
// not temporary, so the runtime does not poll again, nothing is produced,
// and the host redirected to gets no request.
func TestRefusedRedirectFailsTheTask(t *testing.T) {
	var hits atomic.Int32
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"records":[{"value":"stolen"}],"cursor":"x"}`))
	}))
	_ = other.Listener.Close()
	other.Listener = l
	other.Start()
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.RedirectHandler(other.URL+"/latest/meta-data/", http.StatusFound))
	t.Cleanup(srv.Close)

	tk, _ := startTask(t, nil, props(URLConfig, srv.URL+"/events"))
	recs, err := tk.Poll(context.Background())
	want := "GET " + srv.URL + "/events: connecting to " + strings.TrimPrefix(other.URL, "http://") + " is not allowed: " + addrReason
	if err == nil || err.Error() != want {
		t.Errorf("Poll: %v, want %q", err, want)
	}
	var temp interface{ Temporary() bool }
	if errors.As(err, &temp) && temp.Temporary() {
		t.Error("the refusal is temporary: the runtime would poll again and again")
	}
	if len(recs) != 0 || hits.Load() != 0 {
		t.Errorf("%d records, %d requests to the refused host; want none", len(recs), hits.Load())
	}
}
