package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// testEnv is a server over a fake herder, served by httptest.
type testEnv struct {
	t      *testing.T
	herder *fakeHerder
	server *Server
	url    string
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts a server over h; mod may change the params first.
func newEnv(t *testing.T, h *fakeHerder, mod func(*Params)) *testEnv {
	t.Helper()
	p := Params{
		Worker:  config.Worker{Listeners: config.List{"http://127.0.0.1:0"}},
		Log:     discard(),
		Health:  health.NewState(),
		Cluster: fakeCluster{id: "abc123"},
		Herder:  h,
	}
	if mod != nil {
		mod(&p)
	}
	s, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{t: t, herder: h, server: s, url: ts.URL}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request and checks the answer against the OpenAPI
// document. A non-empty body gets Content-Type: application/json
// unless headers (name, value pairs) say otherwise; an empty value removes
// the header.
func (e *testEnv) do(method, path, body string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if method != "HEAD" {
		checkAgainstDoc(e.t, method, path, resp.StatusCode, b)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// checkGolden compares a JSON body, indented, with testdata/<name>.json
// byte for byte, so that field order counts; -update rewrites the file.
func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var got bytes.Buffer
	if err := json.Indent(&got, body, "", "  "); err != nil {
		t.Fatalf("%s: body is not JSON: %v: %q", name, err, body)
	}
	got.WriteByte('\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s differs from %s:\n got: %s\nwant: %s", name, path, got.Bytes(), want)
	}
}

// errorBody decodes Connect's error body, failing the test when the body
// has another shape.
func errorBody(t *testing.T, r response) ErrorMessage {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("error body is not JSON: %q", r.body)
	}
	if len(m) != 2 || m["error_code"] == nil || m["message"] == nil {
		t.Fatalf("error body is not Connect's shape: %s", r.body)
	}
	var em ErrorMessage
	_ = json.Unmarshal(r.body, &em)
	if em.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	return em
}
