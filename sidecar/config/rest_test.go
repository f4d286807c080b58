package config

import (
	"strings"
	"testing"
)

func TestRESTSettingErrors(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	_, otherKey := selfSigned(t)
	cert := writeFile(t, "tls.crt", string(certPEM))
	key := writeFile(t, "tls.key", string(keyPEM))
	wrongKey := writeFile(t, "other.key", string(otherKey))
	notPEM := writeFile(t, "not.pem", "hello\n")
	empty := writeFile(t, "empty", "\n")
	token := writeFile(t, "token", "s3cret\n")
	https := "CONNECT_LISTENERS=https://:8443"
	withTLS := []string{"SIDECAR_REST_TLS_CERT_FILE=" + cert, "SIDECAR_REST_TLS_KEY_FILE=" + key}

	tests := []struct {
		name    string
		environ []string
		want    string // the whole first line
	}{
		{"token twice", []string{"SIDECAR_REST_AUTH_TOKEN=a", "SIDECAR_REST_AUTH_TOKEN_FILE=" + token},
			"SIDECAR_REST_AUTH_TOKEN and SIDECAR_REST_AUTH_TOKEN_FILE are both set; give one: bearer token REST clients must send (Authorization: Bearer <token>); probes and internal endpoints never need it"},
		{"token file missing", []string{"SIDECAR_REST_AUTH_TOKEN_FILE=/nonexistent/token"},
			"SIDECAR_REST_AUTH_TOKEN_FILE names a file that cannot be read (open /nonexistent/token: no such file or directory): file holding the REST bearer token, e.g. /var/run/secrets/connect/token"},
		{"token file empty", []string{"SIDECAR_REST_AUTH_TOKEN_FILE=" + empty},
			"SIDECAR_REST_AUTH_TOKEN_FILE names " + empty + ", which is empty: file holding the REST bearer token, e.g. /var/run/secrets/connect/token"},
		{"token with a space", []string{"SIDECAR_REST_AUTH_TOKEN=a b"},
			"SIDECAR_REST_AUTH_TOKEN has spaces or control characters, which a bearer token cannot carry in an Authorization header: bearer token REST clients must send (Authorization: Bearer <token>); probes and internal endpoints never need it"},
		{"user without password", []string{"SIDECAR_REST_BASIC_USER=admin"},
			"SIDECAR_REST_BASIC_PASSWORD is required with SIDECAR_REST_BASIC_USER (or SIDECAR_REST_BASIC_PASSWORD_FILE): password for SIDECAR_REST_BASIC_USER"},
		{"password without user", []string{"SIDECAR_REST_BASIC_PASSWORD=pw"},
			"SIDECAR_REST_BASIC_USER is required with SIDECAR_REST_BASIC_PASSWORD: user name REST clients must send with HTTP Basic authentication, e.g. admin"},
		{"user with a colon", []string{"SIDECAR_REST_BASIC_USER=a:b", "SIDECAR_REST_BASIC_PASSWORD=pw"},
			"SIDECAR_REST_BASIC_USER contains ':', which HTTP Basic authentication cannot carry in a user name: user name REST clients must send with HTTP Basic authentication, e.g. admin"},
		{"password twice", []string{"SIDECAR_REST_BASIC_USER=a", "SIDECAR_REST_BASIC_PASSWORD=pw", "SIDECAR_REST_BASIC_PASSWORD_FILE=" + token},
			"SIDECAR_REST_BASIC_PASSWORD and SIDECAR_REST_BASIC_PASSWORD_FILE are both set; give one: password for SIDECAR_REST_BASIC_USER"},
		{"admin flag not a boolean", []string{"SIDECAR_REST_ADMIN_LOCALHOST_ONLY=yes"},
			`SIDECAR_REST_ADMIN_LOCALHOST_ONLY is "yes", not true or false: true to answer /admin/* only to clients on the loopback interface, true or false`},
		{"cert without key", []string{https, "SIDECAR_REST_TLS_CERT_FILE=" + cert},
			"SIDECAR_REST_TLS_KEY_FILE is required with SIDECAR_REST_TLS_CERT_FILE: PEM private key of SIDECAR_REST_TLS_CERT_FILE, e.g. /etc/connect-sidecar/tls/tls.key"},
		{"key without cert", []string{"SIDECAR_REST_TLS_KEY_FILE=" + key},
			"SIDECAR_REST_TLS_CERT_FILE is required with SIDECAR_REST_TLS_KEY_FILE: PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"},
		{"cert missing", []string{https, "SIDECAR_REST_TLS_CERT_FILE=/nonexistent/tls.crt", "SIDECAR_REST_TLS_KEY_FILE=" + key},
			"SIDECAR_REST_TLS_CERT_FILE cannot be used with SIDECAR_REST_TLS_KEY_FILE: open /nonexistent/tls.crt: no such file or directory: PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"},
		{"cert not PEM", []string{https, "SIDECAR_REST_TLS_CERT_FILE=" + notPEM, "SIDECAR_REST_TLS_KEY_FILE=" + key},
			"SIDECAR_REST_TLS_CERT_FILE cannot be used with SIDECAR_REST_TLS_KEY_FILE: tls: failed to find any PEM data in certificate input: PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"},
		{"key of another cert", []string{https, "SIDECAR_REST_TLS_CERT_FILE=" + cert, "SIDECAR_REST_TLS_KEY_FILE=" + wrongKey},
			"SIDECAR_REST_TLS_CERT_FILE cannot be used with SIDECAR_REST_TLS_KEY_FILE: tls: private key does not match public key: PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"},
		{"CA missing", []string{"SIDECAR_REST_TLS_CA_FILE=/nonexistent/ca.crt"},
			"SIDECAR_REST_TLS_CA_FILE cannot be used: open /nonexistent/ca.crt: no such file or directory: PEM CA certificates to trust, instead of the system's, when calling other workers over https, e.g. /etc/connect-sidecar/tls/ca.crt"},
		{"CA not PEM", []string{"SIDECAR_REST_TLS_CA_FILE=" + notPEM},
			"SIDECAR_REST_TLS_CA_FILE cannot be used: holds no PEM certificate: PEM CA certificates to trust, instead of the system's, when calling other workers over https, e.g. /etc/connect-sidecar/tls/ca.crt"},
		{"https without a cert", []string{"CONNECT_LISTENERS=http://:8083,https://:8443"},
			`CONNECT_LISTENERS has "https://:8443", which needs SIDECAR_REST_TLS_CERT_FILE and SIDECAR_REST_TLS_KEY_FILE: REST listeners as PROTOCOL://host:port, e.g. http://:8083`},
		{"a cert without https", withTLS,
			"SIDECAR_REST_TLS_CERT_FILE is set, but no listener in CONNECT_LISTENERS is https://; add one, e.g. https://:8443: PEM certificate chain served on https:// listeners; it must name the advertised host, e.g. /etc/connect-sidecar/tls/tls.crt"},
		{"advertised https, no https listener", []string{"CONNECT_REST_ADVERTISED_LISTENER=https"},
			`CONNECT_REST_ADVERTISED_LISTENER is "https", but no listener in CONNECT_LISTENERS is https://: scheme of the advertised URL, http or https`},
		{"advertised http, no http listener", append([]string{https, "CONNECT_REST_ADVERTISED_LISTENER=HTTP"}, withTLS...),
			`CONNECT_REST_ADVERTISED_LISTENER is "HTTP", but no listener in CONNECT_LISTENERS is http://: scheme of the advertised URL, http or https`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(withMinimal(tt.environ...), "")
			if err == nil {
				t.Fatalf("Load succeeded, want %q", tt.want)
			}
			if first := strings.Split(err.Error(), "\n")[0]; first != tt.want {
				t.Errorf("first error:\n got %s\nwant %s", first, tt.want)
			}
		})
	}
}

func TestRESTSettings(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	cert := writeFile(t, "tls.crt", string(certPEM))
	key := writeFile(t, "tls.key", string(keyPEM))
	token := writeFile(t, "token", "s3cret\n")
	password := writeFile(t, "password", "pa ss\r\n")
	l, err := Load(withMinimal(
		"SIDECAR_REST_AUTH_TOKEN_FILE="+token,
		"SIDECAR_REST_BASIC_USER=admin", "SIDECAR_REST_BASIC_PASSWORD_FILE="+password,
		"SIDECAR_REST_ADMIN_LOCALHOST_ONLY=TRUE",
		"CONNECT_LISTENERS=http://:8083,https://10.0.0.1:8443", "CONNECT_REST_ADVERTISED_LISTENER=https",
		"SIDECAR_REST_TLS_CERT_FILE="+cert, "SIDECAR_REST_TLS_KEY_FILE="+key, "SIDECAR_REST_TLS_CA_FILE="+cert,
	), "")
	if err != nil {
		t.Fatal(err)
	}
	sc := l.Sidecar
	if sc.RESTAuthToken != "s3cret" || sc.RESTBasicUser != "admin" || sc.RESTBasicPassword != "pa ss" || !sc.RESTAdminLocalhostOnly {
		t.Errorf("token %q, basic %q/%q, admin localhost only %v", sc.RESTAuthToken, sc.RESTBasicUser, sc.RESTBasicPassword, sc.RESTAdminLocalhostOnly)
	}
	if got := l.Worker.AdvertisedURL(); got != "https://10.0.0.1:8443/" {
		t.Errorf("advertised URL %q", got)
	}
	server, err := sc.RESTServerTLS()
	if err != nil || server == nil || len(server.Certificates) != 1 {
		t.Errorf("server TLS %+v, %v", server, err)
	}
	client, err := sc.RESTClientTLS()
	if err != nil || client.RootCAs == nil {
		t.Errorf("client TLS %+v, %v", client, err)
	}

	// Without TLS settings: no server TLS, the system's roots.
	l, err = Load(withMinimal(), "")
	if err != nil {
		t.Fatal(err)
	}
	if server, err := l.Sidecar.RESTServerTLS(); server != nil || err != nil {
		t.Errorf("server TLS %+v, %v", server, err)
	}
	if client, err := l.Sidecar.RESTClientTLS(); err != nil || client.RootCAs != nil {
		t.Errorf("client TLS %+v, %v", client, err)
	}
}
