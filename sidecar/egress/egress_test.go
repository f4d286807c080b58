package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

const (
	guarded4 = "connecting to 169.254.169.254:80 is not allowed: " + guardedReason
	nameRef  = "is not allowed: " + nameReason
	addrRef  = "is not allowed: " + addrReason
)

func mustNew(t *testing.T, allowed []string, appURLs ...string) *Policy {
	t.Helper()
	p, err := New(allowed, appURLs...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewRefusesBadEntries(t *testing.T) {
	for _, tc := range []struct {
		allowed []string
		appURLs []string
		want    string
	}{
		{[]string{"api.example.com:8080"}, nil, `SIDECAR_HTTP_ALLOWED_HOSTS: "api.example.com:8080" is not a host name, IP address or CIDR range`},
		{[]string{"http://api.example.com"}, nil, `"http://api.example.com" is not a host name`},
		{[]string{"*.example.com"}, nil, `"*.example.com" is not a host name`},
		{[]string{"a..b"}, nil, `"a..b" is not a host name`},
		{[]string{""}, nil, `"" is not a host name`},
		{[]string{"10.0.0"}, nil, `"10.0.0" is not a host name`},
		{[]string{"10.0.0.256"}, nil, `"10.0.0.256" is not a host name`},
		{[]string{"127.0.0.1", "10.0.0.0/33"}, nil, `SIDECAR_HTTP_ALLOWED_HOSTS: "10.0.0.0/33" is not a CIDR range`},
		{[]string{"fd00::/129"}, nil, `"fd00::/129" is not a CIDR range`},
		{[]string{"fe80::1%eth0/64"}, nil, `is not a CIDR range`},
		{nil, []string{"http:///events"}, `SIDECAR_HTTP_ALLOWED_HOSTS is empty and the app URL "http:///events" has no host`},
	} {
		_, err := New(tc.allowed, tc.appURLs...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %q) = %v, want %s", tc.allowed, tc.appURLs, err, tc.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		allowed []string
		appURLs []string
		url     string
		want    string // "": allowed
	}{
		// By default, the app's hosts.
		{nil, []string{"http://127.0.0.1:8080/", ""}, "http://127.0.0.1:9999/x", ""},
		{nil, []string{"http://127.0.0.1:8080/"}, "http://127.0.0.2/", "connecting to 127.0.0.2:80 " + addrRef},
		{nil, []string{"http://127.0.0.1:8080/"}, "https://localhost/", "connecting to localhost:443 " + nameRef},
		{nil, []string{"http://127.0.0.1:8080/", "http://App.Local:9000/healthz"}, "http://app.local./events", ""},
		{nil, []string{"http://[::1]:8080/"}, "http://[::1]/", ""},
		{nil, nil, "http://127.0.0.1/", "connecting to 127.0.0.1:80 " + addrRef},
		// Listed entries replace the app's hosts.
		{[]string{"api.example.com"}, []string{"http://127.0.0.1:8080/"}, "http://127.0.0.1:8080/", addrRef},
		{[]string{"API.Example.com"}, nil, "https://api.example.COM:8443/v1", ""},
		{[]string{"api.example.com"}, nil, "https://www.example.com/", "connecting to www.example.com:443 " + nameRef},
		{[]string{"example.com"}, nil, "https://api.example.com/", nameRef},
		// Addresses and ranges.
		{[]string{"10.0.0.0/8"}, nil, "http://10.1.2.3/", ""},
		{[]string{"10.1.2.3/8"}, nil, "http://10.200.0.1/", ""},
		{[]string{"10.0.0.0/8"}, nil, "http://11.0.0.1/", addrRef},
		{[]string{"10.0.0.0/8"}, nil, "http://ten.internal/", nameRef},
		{[]string{"::ffff:127.0.0.1"}, nil, "http://127.0.0.1/", ""},
		{[]string{"2001:db8::/32"}, nil, "http://[2001:db8::5]:8080/", ""},
		{[]string{"2001:db8::/32"}, nil, "http://[2001:db9::5]/", "connecting to [2001:db9::5]:80 " + addrRef},
		{[]string{"[::1]"}, nil, "http://[::1]:8080/", ""},
		// Link-local and metadata addresses: only when named exactly.
		{[]string{"0.0.0.0/0"}, nil, "http://169.254.169.254/latest/meta-data/", guarded4},
		{[]string{"0.0.0.0/0"}, nil, "http://169.254.170.2/v2/credentials", "connecting to 169.254.170.2:80 is not allowed: " + guardedReason},
		{[]string{"169.254.0.0/16"}, nil, "http://169.254.169.254/", guarded4},
		{[]string{"0.0.0.0/0"}, nil, "http://[::ffff:169.254.169.254]/", "connecting to [::ffff:169.254.169.254]:80 is not allowed: " + guardedReason},
		{[]string{"::/0"}, nil, "http://[fe80::1]/", "connecting to [fe80::1]:80 is not allowed: " + guardedReason},
		{[]string{"::/0"}, nil, "http://[fe80::1%25eth0]/", guardedReason},
		{[]string{"::/0"}, nil, "http://[fd00:ec2::254]/", guardedReason},
		{[]string{"fd00::/8"}, nil, "http://[fd00:ec2::254]/", guardedReason},
		{[]string{"fd00::/8"}, nil, "http://[fd00:ec2::253]/", ""},
		{[]string{"::/0"}, nil, "http://[2001:db8::1]/", ""},
		{[]string{"169.254.169.254"}, nil, "http://169.254.169.254/latest/meta-data/", ""},
		{[]string{"169.254.169.254"}, nil, "http://169.254.170.2/", guardedReason},
		{[]string{"fd00:ec2::254"}, nil, "http://[fd00:ec2::254]/", ""},
		{[]string{"fe80::1"}, nil, "http://[fe80::1%25eth0]:8080/", ""},
		{nil, []string{"http://169.254.170.2/v2/credentials"}, "http://169.254.170.2/", ""},
		{[]string{"api.example.com"}, nil, "http://metadata.google.internal/computeMetadata/v1/",
			"connecting to metadata.google.internal:80 is not allowed: " + guardedReason},
		{[]string{"api.example.com"}, nil, "http://metadata.goog/", guardedReason},
		{[]string{"metadata.google.internal"}, nil, "http://metadata.google.internal/computeMetadata/v1/", ""},
		// Not http(s).
		{[]string{"127.0.0.1"}, nil, "ftp://127.0.0.1/", "is not an absolute http:// or https:// URL"},
		{[]string{"127.0.0.1"}, nil, "/events", "is not an absolute http:// or https:// URL"},
	} {
		err := mustNew(t, tc.allowed, tc.appURLs...).CheckURL(tc.url)
		if got := errText(err); tc.want == "" && err != nil || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("allowed %q, apps %q: CheckURL(%s) = %v, want %q", tc.allowed, tc.appURLs, tc.url, err, tc.want)
		}
	}
}

func TestZeroPolicyAllowsNothing(t *testing.T) {
	var p Policy
	for _, u := range []string{"http://127.0.0.1/", "http://localhost/"} {
		if err := p.CheckURL(u); err == nil {
			t.Errorf("the zero Policy allows %s", u)
		}
	}
}

// dialed notes where DialContext connected and refuses the connection:
// a dial of an address nobody serves, such as 169.254.169.254, would
// otherwise wait for a timeout.
type dialed struct{ addrs []string }

var errDialed = errors.New("dial seen")

func (d *dialed) stub(p *Policy) {
	p.dialer.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
		d.addrs = append(d.addrs, address)
		return errDialed
	}
}

// fakeDNS answers names from a table and counts questions.
type fakeDNS struct {
	answers map[string][]string
	asked   []string // "network host"
}

func (f *fakeDNS) lookup(_ context.Context, network, host string) ([]netip.Addr, error) {
	f.asked = append(f.asked, network+" "+host)
	a, ok := f.answers[normName(host)]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range a {
		addr := netip.MustParseAddr(s)
		if network == "ip" || (network == "ip4") == addr.Is4() {
			out = append(out, addr)
		}
	}
	return out, nil
}

// The check is on what a name resolves to, when connecting: a listed
// name that resolves to a metadata address (DNS rebinding) is refused, and
// the connection goes to the address checked, not to the name again.
func TestDialContextChecksResolvedAddresses(t *testing.T) {
	dns := map[string][]string{
		"app.test":                 {"127.0.0.1"},
		"two.test":                 {"::1", "127.0.0.1"},
		"rebound.test":             {"169.254.169.254"},
		"mixed.test":               {"127.0.0.1", "169.254.169.254"},
		"mapped.test":              {"::ffff:169.254.169.254"},
		"ecs.test":                 {"169.254.170.2"},
		"v6.test":                  {"fe80::a9fe:a9fe"},
		"aws6.test":                {"fd00:ec2::254"},
		"metadata.google.internal": {"169.254.169.254"},
		"empty.test":               {},
	}
	allowed := []string{"app.test", "two.test", "rebound.test", "mixed.test", "mapped.test", "ecs.test", "v6.test",
		"aws6.test", "empty.test", "missing.test", "0.0.0.0/0", "::/0"}
	for _, tc := range []struct {
		allowed []string
		network string
		addr    string
		asked   []string // questions to DNS
		dialed  []string
		want    string // "": dialled
	}{
		{allowed, "tcp", "app.test:8080", []string{"ip app.test"}, []string{"127.0.0.1:8080"}, ""},
		{allowed, "tcp4", "APP.test.:8080", []string{"ip4 APP.test."}, []string{"127.0.0.1:8080"}, ""},
		{allowed, "tcp6", "two.test:8080", []string{"ip6 two.test"}, []string{"[::1]:8080"}, ""},
		{allowed, "tcp", "two.test:80", []string{"ip two.test"}, []string{"[::1]:80", "127.0.0.1:80"}, ""},
		{allowed, "tcp", "10.9.8.7:80", nil, []string{"10.9.8.7:80"}, ""},
		{allowed, "tcp", "[2001:db8::1]:443", nil, []string{"[2001:db8::1]:443"}, ""},
		{allowed, "tcp", "rebound.test:80", []string{"ip rebound.test"}, nil,
			"connecting to 169.254.169.254:80 (resolved from rebound.test) is not allowed: " + guardedReason},
		{allowed, "tcp", "mixed.test:80", []string{"ip mixed.test"}, nil, "169.254.169.254:80 (resolved from mixed.test) is not allowed"},
		{allowed, "tcp", "mapped.test:80", []string{"ip mapped.test"}, nil, guardedReason},
		{allowed, "tcp", "ecs.test:80", []string{"ip ecs.test"}, nil, "connecting to 169.254.170.2:80 (resolved from ecs.test)"},
		{allowed, "tcp", "v6.test:80", []string{"ip v6.test"}, nil, "connecting to [fe80::a9fe:a9fe]:80 (resolved from v6.test)"},
		{allowed, "tcp", "aws6.test:80", []string{"ip aws6.test"}, nil, "connecting to [fd00:ec2::254]:80 (resolved from aws6.test)"},
		{allowed, "tcp", "169.254.169.254:80", nil, nil, guarded4},
		{allowed, "tcp", "metadata.google.internal:80", nil, nil, "connecting to metadata.google.internal:80 is not allowed: " + guardedReason},
		{allowed, "tcp", "unlisted.test:80", nil, nil, "connecting to unlisted.test:80 " + nameRef},
		{allowed, "tcp", "missing.test:80", []string{"ip missing.test"}, nil, "lookup missing.test: no such host"},
		{allowed, "tcp", "empty.test:80", []string{"ip empty.test"}, nil, "lookup empty.test: no addresses"},
		{allowed, "tcp", "no-port", nil, nil, "missing port in address"},
		// Named exactly, a metadata service is reached.
		{[]string{"169.254.169.254"}, "tcp", "169.254.169.254:80", nil, []string{"169.254.169.254:80"}, ""},
		{[]string{"169.254.169.254", "rebound.test"}, "tcp", "rebound.test:80", []string{"ip rebound.test"}, []string{"169.254.169.254:80"}, ""},
		{[]string{"metadata.google.internal"}, "tcp", "metadata.google.internal:80", []string{"ip metadata.google.internal"}, []string{"169.254.169.254:80"}, ""},
		{[]string{"127.0.0.1"}, "tcp", "127.0.0.2:80", nil, nil, "connecting to 127.0.0.2:80 " + addrRef},
	} {
		p := mustNew(t, tc.allowed)
		f := &fakeDNS{answers: dns}
		p.lookup = f.lookup
		d := &dialed{}
		d.stub(p)
		_, err := p.DialContext(context.Background(), tc.network, tc.addr)
		switch {
		case tc.want == "" && !errors.Is(err, errDialed):
			t.Errorf("%s %s: %v, want a dial", tc.network, tc.addr, err)
		case tc.want != "" && !strings.Contains(errText(err), tc.want):
			t.Errorf("%s %s: %v, want %q", tc.network, tc.addr, err, tc.want)
		}
		if strings.Join(f.asked, ",") != strings.Join(tc.asked, ",") {
			t.Errorf("%s %s: asked DNS %q, want %q", tc.network, tc.addr, f.asked, tc.asked)
		}
		if strings.Join(d.addrs, ",") != strings.Join(tc.dialed, ",") {
			t.Errorf("%s %s: dialled %q, want %q", tc.network, tc.addr, d.addrs, tc.dialed)
		}
	}
}

func TestRefusalsAreRefusedErrors(t *testing.T) {
	p := mustNew(t, []string{"127.0.0.1"})
	_, err := p.DialContext(context.Background(), "tcp", "169.254.169.254:80")
	var r *RefusedError
	if !errors.As(err, &r) || r.Target != "169.254.169.254:80" || r.Reason != guardedReason || err.Error() != guarded4 {
		t.Errorf("%#v", err)
	}
}

func TestTransportHasNoProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	if mustNew(t, []string{"127.0.0.1"}).Transport().Proxy != nil {
		t.Error("the transport uses a proxy, which would connect for it unchecked")
	}
}

// server is an httptest server on addr (host:0) that counts requests.
type server struct {
	*httptest.Server
	hits atomic.Int32
}

func newServer(t *testing.T, addr string, h http.HandlerFunc) *server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func client(p *Policy) *http.Client {
	return &http.Client{Transport: p.Transport(), CheckRedirect: p.CheckRedirect}
}

func TestClientReachesOnlyAllowedHosts(t *testing.T) {
	p := mustNew(t, nil, "http://127.0.0.1:8080/", "http://[::1]:8080/health")
	for _, tc := range []struct {
		listen  string
		refused string // "": the request arrives
	}{
		{"127.0.0.1:0", ""},
		{"[::1]:0", ""},
		{"127.0.0.2:0", "is not allowed: " + addrReason},
	} {
		s := newServer(t, tc.listen, nil)
		resp, err := client(p).Get(s.URL)
		if err == nil {
			resp.Body.Close()
		}
		var r *RefusedError
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s: %v", s.URL, err)
		case tc.refused == "" && s.hits.Load() != 1:
			t.Errorf("%s: %d requests arrived, want 1", s.URL, s.hits.Load())
		case tc.refused != "" && (!errors.As(err, &r) || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("%s: %v, want a refusal saying %q", s.URL, err, tc.refused)
		case tc.refused != "" && s.hits.Load() != 0:
			t.Errorf("%s: %d requests arrived, want none", s.URL, s.hits.Load())
		}
	}
}

// A listed name is resolved by the policy and the request goes to the
// address it checked, with the name still in the Host header.
func TestClientResolvesNamesItself(t *testing.T) {
	var host atomic.Value
	s := newServer(t, "127.0.0.1:0", func(_ http.ResponseWriter, r *http.Request) { host.Store(r.Host) })
	port := s.URL[strings.LastIndex(s.URL, ":"):]
	p := mustNew(t, []string{"app.test", "rebound.test"})
	p.lookup = (&fakeDNS{answers: map[string][]string{"app.test": {"127.0.0.1"}, "rebound.test": {"169.254.169.254"}}}).lookup
	resp, err := client(p).Get("http://app.test" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if host.Load() != "app.test"+port {
		t.Errorf("Host %v, want app.test%s", host.Load(), port)
	}
	_, err = client(p).Get("http://rebound.test" + port + "/")
	if want := "connecting to 169.254.169.254" + port + " (resolved from rebound.test) is not allowed: " + guardedReason; errText(err) == "" ||
		!strings.HasSuffix(err.Error(), want) {
		t.Errorf("rebound.test: %v, want %q", err, want)
	}
}

// A redirect from an allowed server to one that is not is not followed:
// the second server gets no request.
func TestRedirectsOnlyToAllowedHosts(t *testing.T) {
	p := mustNew(t, []string{"127.0.0.1"})
	elsewhere := newServer(t, "127.0.0.2:0", nil)
	var loops atomic.Int32
	app := newServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusFound)
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/done", http.StatusMovedPermanently)
		case "/loop":
			loops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	for _, tc := range []struct {
		path string
		want string // "": followed to the end
	}{
		{"/here", ""},
		{"/away", "connecting to " + strings.TrimPrefix(elsewhere.URL, "http://") + " is not allowed: " + addrReason},
		{"/metadata", guarded4},
		{"/loop", "stopped after 10 redirects"},
	} {
		resp, err := client(p).Get(app.URL + tc.path)
		if err == nil {
			resp.Body.Close()
		}
		if tc.want == "" && err != nil || tc.want != "" && !strings.Contains(errText(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	if n := elsewhere.hits.Load(); n != 0 {
		t.Errorf("the server redirected to got %d requests, want none", n)
	}
	if n := loops.Load(); n != maxRedirects {
		t.Errorf("%d requests in the redirect loop, want %d", n, maxRedirects)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
