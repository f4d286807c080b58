package connectorconfig

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
)

func envProviders(t *testing.T) *configprovider.Providers {
	t.Helper()
	p, f := configprovider.New(configprovider.Settings{
		Names:      []string{"env"},
		Properties: map[string]string{"config.providers.env.class": "EnvVarConfigProvider"},
		Environ:    []string{"SINK_URL=ftp://x", "BAD_URL=no-url-s3cr3t", "PASSWORD=s3cr3t-pw", "TASKS=s3cr3t-many"},
	})
	if len(f.Bad) > 0 {
		t.Fatal(f.Bad)
	}
	return p
}

// Settings are checked with their placeholders resolved, as Java checks
// them, but the answer shows the placeholders: the value, and every
// message that would quote it.
func TestValidateResolvesButShowsPlaceholders(t *testing.T) {
	reg := testRegistry(t)
	w := Worker{Providers: envProviders(t)}
	res, err := ValidateWith(reg, sinkConfig("connector.class", checkClass, "url", "${env:SINK_URL}",
		"secret", "${env:PASSWORD}", "tasks.max", "${env:TASKS}"), w)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ value, errs string }{
		"url":    {"${env:SINK_URL}", "ftp is not supported"},
		"secret": {"[hidden]", ""},
		"tasks.max": {"<null>", "Invalid value ${env:TASKS} for configuration tasks.max: Not a number of type INT; " +
			"Invalid value null for configuration tasks.max: Value must be non-null"},
	}
	for _, c := range res.Configs {
		if c.Value == nil {
			continue
		}
		w, ok := want[c.Value.Name]
		if !ok {
			continue
		}
		got := "<null>"
		if c.Value.Value != nil {
			got = *c.Value.Value
		}
		if got != w.value || strings.Join(c.Value.Errors, "; ") != w.errs {
			t.Errorf("%s: value %q errors %q, want %q and %q", c.Value.Name, got, c.Value.Errors, w.value, w.errs)
		}
	}
	body, _ := json.Marshal(res)
	if strings.Contains(string(body), "s3cr3t") || strings.Contains(string(body), "ftp://x") {
		t.Errorf("the answer shows a resolved value:\n%s", body)
	}
}

// A placeholder that cannot be resolved makes the configuration one that
// cannot be checked; a message quoting the configuration quotes the
// placeholders.
func TestValidateRequestErrorsShowPlaceholders(t *testing.T) {
	reg := testRegistry(t)
	w := Worker{Providers: envProviders(t)}
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"unresolved", sinkConfig("url", "${env:NOT_SET}"), "url: cannot resolve ${env:NOT_SET}: environment variable NOT_SET is not set"},
		{"no connector class", map[string]string{"secret": "${env:PASSWORD}"}, "Connector config {secret=${env:PASSWORD}} contains no connector type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ValidateWith(reg, tc.conf, w)
			var req *RequestError
			if !errors.As(err, &req) || req.Message != tc.want {
				t.Errorf("error %v, want a RequestError %q", err, tc.want)
			}
		})
	}
}
