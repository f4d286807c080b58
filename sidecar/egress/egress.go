// Package egress decides where the HTTP connectors may connect. The
// sidecar shares its pod's network, so without a limit anyone who can
// reach the REST API could point the HTTP source at the cloud metadata
// service (http://169.254.169.254/, http://169.254.170.2/...) and publish
// the pod's credentials into Kafka, or have the HTTP sink post topic data
// anywhere.
//
// A Policy allows host names, IP addresses and CIDR ranges
// (SIDECAR_HTTP_ALLOWED_HOSTS; by default the hosts of the app's URLs).
// It is enforced where connections are made: Transport resolves names
// itself, checks every address and dials the checked address, so DNS
// cannot answer one thing to the check and another to the connection.
// CheckURL is the same check without DNS, for validating configurations.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// setting is the worker setting that lists the allowed hosts; every
// refusal names it as the way to allow a host.
const setting = "SIDECAR_HTTP_ALLOWED_HOSTS"

// maxRedirects is as many redirects as Go's default client follows.
const maxRedirects = 10

// guarded are the link-local and cloud metadata addresses (AWS, GCP,
// Azure and ECS serve credentials on 169.254.169.254 and 169.254.170.2,
// AWS also on fd00:ec2::254). Only an entry naming one exactly reaches
// it: neither a range such as 0.0.0.0/0 nor a name, whose DNS answer
// anyone controlling the name can change, lets them through.
var guarded = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
}

// metadataNames are the metadata services' own names. Named exactly, they
// may reach the guarded addresses they resolve to.
var metadataNames = []string{"metadata.google.internal", "metadata.goog"}

// Refusal reasons.
const (
	guardedReason = "link-local and cloud metadata addresses must be named exactly in " + setting
	nameReason    = "add the host name to " + setting + " to allow it"
	addrReason    = "add the address, or a CIDR range holding it, to " + setting + " to allow it"
)

// Policy is where HTTP connectors may connect. Make one with New; it is
// safe for concurrent use. The zero Policy allows nothing, and a nil
// *Policy panics: the connectors that take one refuse to be built
// without it, so none runs unchecked.
type Policy struct {
	names  map[string]bool     // lower case, without a trailing dot
	exact  map[netip.Addr]bool // IP entries, unmapped and without zone
	ranges []netip.Prefix      // IP entries (as /32 or /128) and CIDR entries
	dialer net.Dialer
	// lookup resolves a name; tests replace it.
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// New makes a Policy from the entries of SIDECAR_HTTP_ALLOWED_HOSTS: host
// names (matched exactly, ignoring case), IP addresses and CIDR ranges.
// With no entries, it allows the hosts of appURLs (empty ones skipped):
// the app next to the worker.
func New(allowed []string, appURLs ...string) (*Policy, error) {
	p := &Policy{
		names:  map[string]bool{},
		exact:  map[netip.Addr]bool{},
		dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}, // as http.DefaultTransport's
		lookup: net.DefaultResolver.LookupNetIP,
	}
	for _, e := range allowed {
		if err := p.add(e); err != nil {
			return nil, fmt.Errorf("%s: %q %w", setting, e, err)
		}
	}
	if len(allowed) > 0 {
		return p, nil
	}
	for _, raw := range appURLs {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("%s is empty and the app URL %q has no host to allow instead", setting, raw)
		}
		if err := p.add(u.Hostname()); err != nil {
			return nil, fmt.Errorf("%s is empty and the host of the app URL %q %w", setting, raw, err)
		}
	}
	return p, nil
}

// add takes one entry.
func (p *Policy) add(entry string) error {
	e := strings.TrimSpace(entry)
	if ip, _, ok := strings.Cut(e, "/"); ok {
		r, err := netip.ParsePrefix(e)
		if err == nil {
			p.ranges = append(p.ranges, r.Masked())
			return nil
		}
		if _, ok := parseIP(ip); ok {
			return errors.New("is not a CIDR range such as 10.0.0.0/8 or fd00::/8")
		}
	}
	if a, ok := parseIP(e); ok {
		a = plain(a)
		p.exact[a] = true
		p.ranges = append(p.ranges, netip.PrefixFrom(a, a.BitLen()))
		return nil
	}
	n := normName(e)
	if !validName(n) {
		return errors.New("is not a host name, IP address or CIDR range (write hosts without scheme or port)")
	}
	p.names[n] = true
	return nil
}

// RefusedError is a connection the policy does not allow.
type RefusedError struct {
	Target string // host:port, and the name an address was resolved from
	Reason string // ends by saying how to allow it
}

func (e *RefusedError) Error() string {
	return "connecting to " + e.Target + " is not allowed: " + e.Reason
}

// CheckURL checks an http:// or https:// URL's host without DNS: a name
// must be listed, an IP address allowed. For configuration checks; the
// connection is checked again, with DNS, by Transport.
func (p *Policy) CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL", u.Redacted())
	}
	return p.checkHost(u)
}

// CheckRedirect is an http.Client's CheckRedirect: it follows up to 10
// redirects, as Go's default does, and only to hosts the policy allows,
// so the target gets no request at all.
func (p *Policy) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return p.checkHost(req.URL)
}

// Transport is a clone of http.DefaultTransport that connects only where
// the policy allows. Callers may change its other settings (TLS, pools,
// timeouts), but not how it dials or its proxy.
func (p *Policy) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = p.DialContext
	// A proxy would connect on our behalf to wherever it is asked, while
	// the policy saw only the proxy's address.
	t.Proxy = nil
	return t
}

// DialContext connects to addr (host:port) if the policy allows it. A
// name must be listed; it is resolved here, every address it has must be
// allowed, and the connection is made to those addresses, in order, not
// to the name again. There is no Happy Eyeballs racing: a request's
// timeout bounds the attempts.
func (p *Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	name := ""
	addrs := make([]netip.Addr, 1)
	if a, ok := parseIP(host); ok {
		addrs[0] = a
	} else {
		name = normName(host)
		if err := p.checkName(name, addr); err != nil {
			return nil, err
		}
		if addrs, err = p.lookup(ctx, ipNetwork(network), host); err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	for _, a := range addrs {
		target := net.JoinHostPort(a.String(), port)
		if name != "" {
			target += " (resolved from " + host + ")"
		}
		if err := p.checkAddr(a, name, target); err != nil {
			return nil, err
		}
	}
	var first error
	for _, a := range addrs {
		c, err := p.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// checkHost checks a URL's host without DNS.
func (p *Policy) checkHost(u *url.URL) error {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	target := net.JoinHostPort(u.Hostname(), port)
	if a, ok := parseIP(u.Hostname()); ok {
		return p.checkAddr(a, "", target)
	}
	return p.checkName(normName(u.Hostname()), target)
}

// checkName refuses a name no entry lists.
func (p *Policy) checkName(name, target string) error {
	switch {
	case p.names[name]:
		return nil
	case slices.Contains(metadataNames, name):
		return &RefusedError{Target: target, Reason: guardedReason}
	}
	return &RefusedError{Target: target, Reason: nameReason}
}

// checkAddr refuses an address the policy does not allow. name is the
// listed name it was resolved from; "" for an IP literal.
func (p *Policy) checkAddr(a netip.Addr, name, target string) error {
	a = plain(a)
	switch {
	case p.exact[a]:
		return nil
	case isGuarded(a):
		if slices.Contains(metadataNames, name) {
			return nil // listed by its own name, which checkName saw
		}
		return &RefusedError{Target: target, Reason: guardedReason}
	case name != "":
		return nil // a listed name may resolve anywhere else
	case slices.ContainsFunc(p.ranges, func(r netip.Prefix) bool { return r.Contains(a) }):
		return nil
	}
	return &RefusedError{Target: target, Reason: addrReason}
}

func isGuarded(a netip.Addr) bool {
	return slices.ContainsFunc(guarded, func(r netip.Prefix) bool { return r.Contains(a) })
}

// plain is a without IPv6 zone, and an IPv4-mapped IPv6 address as IPv4,
// so ::ffff:169.254.169.254 is as guarded as 169.254.169.254.
func plain(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// parseIP reads an IP literal, with or without the brackets of a URL.
func parseIP(host string) (netip.Addr, bool) {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	a, err := netip.ParseAddr(host)
	return a, err == nil
}

func normName(host string) string { return strings.TrimSuffix(strings.ToLower(host), ".") }

// validName reports whether n is a DNS name: dot-separated labels of
// letters, digits, '-' and '_'. A last label of digits only is a mistyped
// IP address (10.0.0 or 10.0.0.256), never a top-level domain.
func validName(n string) bool {
	if n == "" || len(n) > 253 {
		return false
	}
	labels := strings.Split(n, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// ipNetwork is the resolver's network for a dial network.
func ipNetwork(network string) string {
	switch network {
	case "tcp4":
		return "ip4"
	case "tcp6":
		return "ip6"
	}
	return "ip"
}
