// Package httpclient holds the settings of the HTTP client that the HTTP
// connectors share: the request timeout, the auth header and its file,
// extra headers and TLS, with one parser for "Name: value" headers.
// Each connector writes its own documentation for them, since what the
// auth header holds differs between them.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Setting names.
const (
	TimeoutConfig        = "http.timeout.ms"
	AuthHeaderConfig     = "http.auth.header"
	AuthHeaderFileConfig = "http.auth.header.file"
	HeadersConfig        = "http.headers"
	SSLCAFileConfig      = "http.ssl.ca.file"
	SSLCertFileConfig    = "http.ssl.cert.file"
	SSLKeyFileConfig     = "http.ssl.key.file"
	SSLInsecureConfig    = "http.ssl.insecure"
)

// Timeout is http.timeout.ms, in milliseconds, from 1 to max.
func Timeout(doc string, max int64) configdef.Key {
	return configdef.Optional(TimeoutConfig, plugin.TypeLong, "10000", plugin.Medium, doc).Checked(configdef.Between(1, max))
}

// AuthHeader is http.auth.header, a PASSWORD so that REST answers hide it.
func AuthHeader(doc string) configdef.Key {
	return configdef.Nullable(AuthHeaderConfig, plugin.TypePassword, plugin.Medium, doc)
}

// AuthHeaderFile is http.auth.header.file.
func AuthHeaderFile(doc string) configdef.Key {
	return configdef.Nullable(AuthHeaderFileConfig, plugin.TypeString, plugin.Medium, doc)
}

// Headers is http.headers, a list of "Name: value" entries; check words
// the errors of ParseHeaders for the connector.
func Headers(doc string, check func(key string, v any) error) configdef.Key {
	return configdef.Optional(HeadersConfig, plugin.TypeList, "", plugin.Low, doc).Checked(check)
}

// TLSKeys are the http.ssl.* settings that TLS reads.
func TLSKeys() []configdef.Key {
	return []configdef.Key{
		configdef.Nullable(SSLCAFileConfig, plugin.TypeString, plugin.Low,
			"PEM file of the certificate authorities the app's certificate is checked against, for an https URL. Unset: the system's."),
		configdef.Nullable(SSLCertFileConfig, plugin.TypeString, plugin.Low,
			"PEM file of the client certificate to present (mutual TLS); set "+SSLKeyFileConfig+" with it."),
		configdef.Nullable(SSLKeyFileConfig, plugin.TypeString, plugin.Low,
			"PEM file of the private key of "+SSLCertFileConfig+"."),
		configdef.Optional(SSLInsecureConfig, plugin.TypeBoolean, "false", plugin.Low,
			"Accept any certificate from the app. Only for testing: anyone on the way can then read and change requests."),
	}
}

// TLS builds the client's TLS settings from TLSKeys' values, loading the
// files they name; nil when none are set.
func TLS(v configdef.Values) (*tls.Config, error) {
	caFile, certFile, keyFile := v.String(SSLCAFileConfig), v.String(SSLCertFileConfig), v.String(SSLKeyFileConfig)
	insecure := v.Bool(SSLInsecureConfig)
	if caFile == "" && certFile == "" && keyFile == "" && !insecure {
		return nil, nil
	}
	c := &tls.Config{InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, configdef.Invalid(SSLCAFileConfig, caFile, "Cannot read the file: "+err.Error())
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, configdef.Invalid(SSLCAFileConfig, caFile, "The file holds no PEM certificate")
		}
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		return nil, configdef.Invalid(SSLCertFileConfig, certFile, "Set "+SSLCertFileConfig+" and "+SSLKeyFileConfig+" together")
	default:
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, configdef.Invalid(SSLCertFileConfig, certFile, "Cannot load the certificate with "+SSLKeyFileConfig+"="+keyFile+": "+err.Error())
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// Header is one request header.
type Header struct{ Name, Value string }

// Problem is what makes an entry not a header.
type Problem int

// Problems of a "Name: value" entry.
const (
	NoColon Problem = iota + 1
	BadName
	BadValue
)

// HeaderError is an entry that is not a "Name: value" header. Its text
// never shows the value, which may well be a secret.
type HeaderError struct {
	Entry   int    // 1-based place in the list; 0 for a single header
	Name    string // the name as written, trimmed
	Problem Problem
}

func (e *HeaderError) Error() string {
	switch e.Problem {
	case NoColon:
		return "header has no ':' between name and value"
	case BadName:
		return "header name is empty or has characters a header name cannot have"
	}
	return "header value has control characters (a line break?)"
}

// ParseHeader reads "Name: value": the name must be an RFC 9110 token and
// the value free of control characters but tab.
func ParseHeader(entry string) (Header, error) {
	h, problem := parseHeader(entry)
	if problem != 0 {
		return Header{}, &HeaderError{Name: h.Name, Problem: problem}
	}
	return h, nil
}

func parseHeader(entry string) (Header, Problem) {
	name, value, ok := strings.Cut(entry, ":")
	h := Header{strings.TrimSpace(name), strings.TrimSpace(value)}
	switch {
	case !ok:
		return h, NoColon
	case !isToken(h.Name):
		return h, BadName
	case strings.ContainsFunc(h.Value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
		return h, BadValue
	}
	return h, 0
}

// ParseHeaders reads the entries of http.headers; blank ones are skipped.
func ParseHeaders(entries []string) ([]Header, error) {
	var out []Header
	for i, entry := range entries {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		h, problem := parseHeader(entry)
		if problem != 0 {
			return nil, &HeaderError{Entry: i + 1, Name: h.Name, Problem: problem}
		}
		out = append(out, h)
	}
	return out, nil
}

// isToken reports whether s is an RFC 9110 token, what a header name is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
