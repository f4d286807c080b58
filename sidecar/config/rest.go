package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// RESTServerTLS is the TLS of the https:// listeners: the certificate and
// key of SIDECAR_REST_TLS_CERT_FILE and SIDECAR_REST_TLS_KEY_FILE, or nil
// when they are not set. Load calls it once, so unusable files stop the
// worker before it starts.
func (s Sidecar) RESTServerTLS() (*tls.Config, error) {
	if s.RESTTLSCertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(s.RESTTLSCertFile, s.RESTTLSKeyFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// RESTClientTLS is the TLS used to call other workers' https:// URLs
// (forwarding to the leader, task configs): it trusts the CAs of
// SIDECAR_REST_TLS_CA_FILE only, as a Java trust store replaces the
// default one, or the system's roots when that is not set.
func (s Sidecar) RESTClientTLS() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.RESTTLSCAFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(s.RESTTLSCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("holds no PEM certificate")
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// rest checks the REST API's listeners, credentials and TLS material, and
// settles each secret into one field (RESTAuthToken, RESTBasicPassword).
func (v *validator) rest(w *Worker, sc *Sidecar) {
	sc.RESTAuthToken = v.secret(sc.RESTAuthToken, sc.RESTAuthTokenFile, "SIDECAR_REST_AUTH_TOKEN")
	if t := sc.RESTAuthToken; t != "" && strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		v.sidecarBad("SIDECAR_REST_AUTH_TOKEN", "has spaces or control characters, which a bearer token cannot carry in an Authorization header")
	}
	sc.RESTBasicPassword = v.secret(sc.RESTBasicPassword, sc.RESTBasicPasswordFile, "SIDECAR_REST_BASIC_PASSWORD")
	switch {
	case sc.RESTBasicUser != "" && sc.RESTBasicPassword == "":
		v.sidecarBad("SIDECAR_REST_BASIC_PASSWORD", "is required with SIDECAR_REST_BASIC_USER (or SIDECAR_REST_BASIC_PASSWORD_FILE)")
	case sc.RESTBasicUser == "" && sc.RESTBasicPassword != "":
		v.sidecarBad("SIDECAR_REST_BASIC_USER", "is required with SIDECAR_REST_BASIC_PASSWORD")
	case strings.Contains(sc.RESTBasicUser, ":"):
		v.sidecarBad("SIDECAR_REST_BASIC_USER", "contains ':', which HTTP Basic authentication cannot carry in a user name")
	}

	switch {
	case sc.RESTTLSCertFile != "" && sc.RESTTLSKeyFile == "":
		v.sidecarBad("SIDECAR_REST_TLS_KEY_FILE", "is required with SIDECAR_REST_TLS_CERT_FILE")
	case sc.RESTTLSCertFile == "" && sc.RESTTLSKeyFile != "":
		v.sidecarBad("SIDECAR_REST_TLS_CERT_FILE", "is required with SIDECAR_REST_TLS_KEY_FILE")
	case sc.RESTTLSCertFile != "":
		if _, err := sc.RESTServerTLS(); err != nil {
			v.sidecarBad("SIDECAR_REST_TLS_CERT_FILE", "cannot be used with SIDECAR_REST_TLS_KEY_FILE: "+err.Error())
		}
	}
	if _, err := sc.RESTClientTLS(); err != nil {
		v.sidecarBad("SIDECAR_REST_TLS_CA_FILE", "cannot be used: "+err.Error())
	}

	schemes := map[string]bool{}
	for _, s := range w.Listeners {
		if l, err := ParseListener(s); err == nil {
			schemes[l.Scheme] = true
			if l.Scheme == "https" && sc.RESTTLSCertFile == "" {
				v.bad("listeners", "has %q, which needs SIDECAR_REST_TLS_CERT_FILE and SIDECAR_REST_TLS_KEY_FILE", s)
			}
		}
	}
	if sc.RESTTLSCertFile != "" && len(schemes) > 0 && !schemes["https"] {
		v.sidecarBad("SIDECAR_REST_TLS_CERT_FILE", fmt.Sprintf("is set, but no listener in %s is https://; add one, e.g. https://:8443", v.o.name("listeners")))
	}
	switch adv := strings.ToLower(w.RestAdvertisedListener); {
	case adv == "":
	case adv != "http" && adv != "https":
		v.bad("rest.advertised.listener", "is %q, not http or https", w.RestAdvertisedListener)
	case len(schemes) > 0 && !schemes[adv]:
		v.bad("rest.advertised.listener", "is %q, but no listener in %s is %s://", w.RestAdvertisedListener, v.o.name("listeners"), adv)
	}
}

// secret returns the value given directly or read from file, refusing
// both at once. A file's trailing newline is dropped; an empty file is an
// error, since taking it for "not set" would turn authentication off.
func (v *validator) secret(value, file, variable string) string {
	if file == "" {
		return value
	}
	if value != "" {
		v.sidecarBad(variable, "and "+variable+"_FILE are both set; give one")
		return value
	}
	data, err := os.ReadFile(file)
	if err != nil {
		v.sidecarBad(variable+"_FILE", "names a file that cannot be read ("+err.Error()+")")
		return ""
	}
	value = strings.TrimRight(string(data), "\r\n")
	if value == "" {
		v.sidecarBad(variable+"_FILE", "names "+file+", which is empty")
	}
	return value
}
